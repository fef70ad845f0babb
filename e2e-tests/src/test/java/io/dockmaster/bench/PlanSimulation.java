package io.dockmaster.bench;

import io.dockmaster.distribution.Plan;
import io.dockmaster.distribution.PlanNode;
import io.dockmaster.distribution.PlanRequest;
import io.dockmaster.distribution.Transfer;
import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fluid model of a distribution plan, to see its quality without a network. Every transfer is a
 * stream; a node's upload and download capacity are split equally among its active streams, the
 * registry's among all upstream streams; a stream fed by a node still receiving the blob never
 * overtakes what that node has. A plan with a {@link Plan#sequence()} has each node take in its
 * blobs in that order, a blob starting once the one before it is {@link
 * #NEXT_STARTS_BYTES_BEFORE_END} from its end, as agents do. Time advances in small fixed steps.
 *
 * <p>Equal splitting wastes the share of a stream that waits on its feeder, so the estimate errs
 * slow. Node rates come from the request; a rate of 0 takes {@code defaultBytesPerSecond}.
 */
final class PlanSimulation {

  /** As the agent's {@code TransferRunner}: when a node's next blob in a sequence starts. */
  static final double NEXT_STARTS_BYTES_BEFORE_END = 8 << 20;

  private static final int STEPS_PER_BOUND = 4000;
  private static final int MAX_BOUNDS = 200;

  private final double upstreamBytesPerSecond;
  private final double defaultBytesPerSecond;

  PlanSimulation(double upstreamBytesPerSecond, double defaultBytesPerSecond) {
    this.upstreamBytesPerSecond = upstreamBytesPerSecond;
    this.defaultBytesPerSecond = defaultBytesPerSecond;
  }

  /**
   * The Kumar–Ross lower bound for distributing all blobs of {@code request} to all its nodes from
   * scratch: the registry must send everything once, the slowest node must receive everything, and
   * all uploads together must carry N copies.
   */
  double lowerBoundSeconds(PlanRequest request) {
    double bytes = request.blobs().stream().mapToLong(b -> b.size()).sum();
    double slowestDownload = Double.MAX_VALUE;
    double uploads = upstreamBytesPerSecond;
    for (PlanNode node : request.nodes()) {
      slowestDownload = Math.min(slowestDownload, rate(node.downloadBytesPerSecond()));
      uploads += rate(node.uploadBytesPerSecond());
    }
    return Math.max(
        bytes / upstreamBytesPerSecond,
        Math.max(bytes / slowestDownload, request.nodes().size() * bytes / uploads));
  }

  /** Seconds until every transfer of {@code plan} has finished, starting with nothing received. */
  double makespanSeconds(PlanRequest request, Plan plan) {
    List<Transfer> transfers = plan.transfers().toList();
    Map<String, Integer> nodeIndex = new HashMap<>();
    double[] upload = new double[request.nodes().size()];
    double[] download = new double[request.nodes().size()];
    for (PlanNode node : request.nodes()) {
      int index = nodeIndex.size();
      nodeIndex.put(node.name(), index);
      upload[index] = rate(node.uploadBytesPerSecond());
      download[index] = rate(node.downloadBytesPerSecond());
    }
    int count = transfers.size();
    int[] receiver = new int[count];
    int[] sender = new int[count];
    int[] feeder = new int[count];
    double[] size = new double[count];
    Map<String, Integer> byNodeAndBlob = new HashMap<>();
    for (int i = 0; i < count; i++) {
      Transfer t = transfers.get(i);
      byNodeAndBlob.put(key(t.node(), t.blob().digest()), i);
    }
    int[] behind = sequenced(plan, transfers);
    for (int i = 0; i < count; i++) {
      Transfer t = transfers.get(i);
      receiver[i] = nodeIndex.get(t.node());
      size[i] = t.blob().size();
      sender[i] = t.source().isUpstream() ? -1 : nodeIndex.get(t.source().node());
      feeder[i] =
          t.source().isUpstream()
              ? -1
              : byNodeAndBlob.getOrDefault(key(t.source().node(), t.blob().digest()), -1);
    }

    double step = lowerBoundSeconds(request) / STEPS_PER_BOUND;
    double[] delivered = new double[count];
    double[] before = new double[count];
    int[] sending = new int[upload.length];
    int[] receiving = new int[upload.length];
    int remaining = count;
    double now = 0;
    while (remaining > 0) {
      if (now > MAX_BOUNDS * lowerBoundSeconds(request)) {
        throw new IllegalStateException(
            "the plan does not finish: " + remaining + " streams stuck");
      }
      java.util.Arrays.fill(sending, 0);
      java.util.Arrays.fill(receiving, 0);
      int upstreamStreams = 0;
      for (int i = 0; i < count; i++) {
        if (delivered[i] < size[i] && started(i, behind, delivered, size)) {
          receiving[receiver[i]]++;
          if (sender[i] < 0) {
            upstreamStreams++;
          } else {
            sending[sender[i]]++;
          }
        }
      }
      System.arraycopy(delivered, 0, before, 0, count);
      for (int i = 0; i < count; i++) {
        if (before[i] >= size[i] || !started(i, behind, before, size)) {
          continue;
        }
        double share =
            sender[i] < 0
                ? upstreamBytesPerSecond / upstreamStreams
                : upload[sender[i]] / sending[sender[i]];
        share = Math.min(share, download[receiver[i]] / receiving[receiver[i]]);
        double available = feeder[i] < 0 ? size[i] : before[feeder[i]];
        delivered[i] = Math.min(size[i], Math.min(available, before[i] + share * step));
        if (delivered[i] >= size[i]) {
          remaining--;
        }
      }
      now += step;
    }
    return now;
  }

  /** Per transfer, the one of the same node before it in the plan's sequence, else -1. */
  private static int[] sequenced(Plan plan, List<Transfer> transfers) {
    int[] behind = new int[transfers.size()];
    java.util.Arrays.fill(behind, -1);
    Map<Digest, Integer> position = new HashMap<>();
    plan.sequence().forEach(blob -> position.putIfAbsent(blob.digest(), position.size()));
    Map<String, List<Integer>> byNode = new HashMap<>();
    for (int i = 0; i < transfers.size(); i++) {
      if (position.containsKey(transfers.get(i).blob().digest())) {
        byNode.computeIfAbsent(transfers.get(i).node(), n -> new ArrayList<>()).add(i);
      }
    }
    for (List<Integer> ofNode : byNode.values()) {
      ofNode.sort(Comparator.comparing(i -> position.get(transfers.get(i).blob().digest())));
      for (int k = 1; k < ofNode.size(); k++) {
        behind[ofNode.get(k)] = ofNode.get(k - 1);
      }
    }
    return behind;
  }

  private static boolean started(int i, int[] behind, double[] delivered, double[] size) {
    int before = behind[i];
    return before < 0 || delivered[before] >= size[before] - NEXT_STARTS_BYTES_BEFORE_END;
  }

  private double rate(long bytesPerSecond) {
    return bytesPerSecond > 0 ? bytesPerSecond : defaultBytesPerSecond;
  }

  private static String key(String node, Digest digest) {
    return node + " " + digest;
  }
}
