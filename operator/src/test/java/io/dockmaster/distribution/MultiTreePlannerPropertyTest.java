package io.dockmaster.distribution;

import static io.dockmaster.distribution.PlanFixtures.blob;
import static io.dockmaster.distribution.PlanFixtures.name;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Random cluster states from fixed seeds: holdings, transfers in flight from the registry, from
 * present peers, from vanished peers and in cycles, rates known and unknown, nodes removed.
 */
class MultiTreePlannerPropertyTest {

  private static final int STATES = 1000;
  private static final int ROUNDS = 60;

  private final DistributionPlanner planner = planner();

  /** The planner under test; {@link ChainPlannerPropertyTest} checks chains the same way. */
  DistributionPlanner planner() {
    return new MultiTreePlanner();
  }

  @TestFactory
  Stream<DynamicTest> randomStatesGetValidPlans() {
    return IntStream.range(0, STATES)
        .mapToObj(
            seed ->
                DynamicTest.dynamicTest(
                    "seed " + seed,
                    () -> {
                      PlanRequest request = randomState(new Random(seed));
                      Plan plan = planner.plan(request);

                      PlanInvariants.assertValid(request, plan);
                      assertThat(planner.plan(shuffled(request, new Random(-seed))))
                          .as("same plan whatever the input order")
                          .isEqualTo(plan);
                    }));
  }

  /**
   * Small clusters where many nodes are withheld from serving (slow relays and seeds, holders that
   * sent bad bytes) or measured slow: a node still to place always gets a source.
   */
  @TestFactory
  Stream<DynamicTest> withheldNodesNeverLeaveANodeWithoutASource() {
    return IntStream.range(0, 2000)
        .mapToObj(
            seed ->
                DynamicTest.dynamicTest(
                    "seed " + seed,
                    () -> {
                      PlanRequest request = withheldState(new Random(seed));
                      PlanInvariants.assertValid(request, planner.plan(request));
                    }));
  }

  private static PlanRequest withheldState(Random random) {
    int nodeCount = 1 + random.nextInt(random.nextBoolean() ? 5 : 25);
    List<Blob> blobs = PlanFixtures.blobs(1 + random.nextInt(3), 1000);
    List<PlanNode> nodes = new ArrayList<>();
    for (int n = 0; n < nodeCount; n++) {
      Set<Digest> complete = new HashSet<>();
      Map<Digest, Source> receiving = new HashMap<>();
      Set<Digest> withheld = new HashSet<>();
      for (Blob blob : blobs) {
        int pick = random.nextInt(10);
        if (pick == 0) {
          complete.add(blob.digest());
        } else if (pick < 3) {
          receiving.put(blob.digest(), Source.UPSTREAM);
        } else if (pick < 9) {
          receiving.put(blob.digest(), Source.peer(name(random.nextInt(nodeCount))));
        }
        if (pick < 9 && random.nextInt(3) == 0) {
          withheld.add(blob.digest());
        }
      }
      nodes.add(new PlanNode(name(n), 0, 0, complete, receiving, withheld, random.nextInt(3) == 0));
    }
    return new PlanRequest(blobs, nodes, 1 + random.nextInt(2));
  }

  /**
   * Rounds as the operator runs them: plan, let some transfers finish, remove some nodes and add
   * new ones, plan again from what is in flight. Only receivers of a removed node are re-planned.
   */
  @TestFactory
  Stream<DynamicTest> replanningAfterFailuresKeepsWhatStillWorks() {
    return IntStream.range(0, ROUNDS)
        .mapToObj(
            seed ->
                DynamicTest.dynamicTest(
                    "seed " + seed,
                    () -> {
                      Random random = new Random(seed);
                      int blobs = 1 + random.nextInt(6);
                      List<Blob> blobList =
                          IntStream.range(0, blobs)
                              .mapToObj(i -> blob(i, random.nextInt(1000)))
                              .toList();
                      PlanRequest request =
                          new PlanRequest(
                              blobList, PlanFixtures.emptyNodes(2 + random.nextInt(80)), 1);
                      for (int round = 0; round < 4; round++) {
                        Plan plan = planner.plan(request);
                        PlanInvariants.assertValid(request, plan);
                        request = nextRound(request, plan, random, round);
                      }
                    }));
  }

  private static PlanRequest nextRound(PlanRequest request, Plan plan, Random random, int round) {
    Map<String, PlanNode> nodes = new HashMap<>();
    request.nodes().forEach(n -> nodes.put(n.name(), n));
    Map<String, Map<Digest, Source>> receiving = new HashMap<>();
    Map<String, Set<Digest>> complete = new HashMap<>();
    for (PlanNode node : request.nodes()) {
      receiving.put(node.name(), new HashMap<>());
      complete.put(node.name(), new HashSet<>(node.complete()));
    }
    plan.transfers()
        .forEach(
            t -> {
              // Transfers from the registry or from a node holding the blob finish first.
              boolean finished =
                  t.depth() == 1 && random.nextInt(3) == 0 || random.nextInt(20) == 0;
              if (finished && t.depth() == 1) {
                complete.get(t.node()).add(t.blob().digest());
              } else {
                receiving.get(t.node()).put(t.blob().digest(), t.source());
              }
            });
    List<String> names = new ArrayList<>(nodes.keySet());
    Collections.sort(names);
    Collections.shuffle(names, random);
    int removed = random.nextInt(1 + names.size() / 5);
    List<PlanNode> next = new ArrayList<>();
    for (String name : names.subList(removed, names.size())) {
      next.add(new PlanNode(name, 0, 0, complete.get(name), receiving.get(name)));
    }
    for (int i = 0; i < random.nextInt(4); i++) {
      next.add(PlanNode.empty("joined-" + round + "-" + i));
    }
    return new PlanRequest(request.blobs(), next, request.maxUpstreamStreams());
  }

  static PlanRequest randomState(Random random) {
    int nodeCount = 1 + random.nextInt(40);
    int blobCount = 1 + random.nextInt(6);
    List<Blob> blobs = new ArrayList<>();
    for (int b = 0; b < blobCount; b++) {
      blobs.add(blob(b, random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(100_000_000)));
    }
    boolean rates = random.nextBoolean();
    double holdChance = random.nextDouble() * 0.6;
    double flightChance = random.nextDouble();
    double withholdChance = random.nextBoolean() ? 0 : random.nextDouble() * 0.5;
    double slowChance = random.nextBoolean() ? 0 : random.nextDouble() * 0.5;
    List<PlanNode> nodes = new ArrayList<>();
    for (int n = 0; n < nodeCount; n++) {
      Set<Digest> complete = new HashSet<>();
      Map<Digest, Source> receiving = new HashMap<>();
      for (Blob blob : blobs) {
        if (random.nextDouble() < holdChance) {
          complete.add(blob.digest());
          if (random.nextInt(10) == 0) {
            receiving.put(blob.digest(), Source.UPSTREAM); // stale report beside a finished copy
          }
        } else if (random.nextDouble() < flightChance) {
          receiving.put(blob.digest(), randomSource(random, nodeCount));
        }
      }
      if (random.nextInt(10) == 0) {
        receiving.put(blob(99, 1).digest(), Source.UPSTREAM); // a blob nobody asked for
      }
      // Withheld: holders that sent bad bytes, relays and seeds found slow.
      Set<Digest> withheld = new HashSet<>();
      for (Blob blob : blobs) {
        boolean has = complete.contains(blob.digest()) || receiving.containsKey(blob.digest());
        if (has && random.nextDouble() < withholdChance) {
          withheld.add(blob.digest());
        }
      }
      nodes.add(
          new PlanNode(
              name(n),
              rates && random.nextBoolean() ? 1 + random.nextInt(1000) : 0,
              rates && random.nextBoolean() ? 1 + random.nextInt(1000) : 0,
              complete,
              receiving,
              withheld,
              random.nextDouble() < slowChance));
    }
    Collections.shuffle(nodes, random);
    int keptNodes = nodeCount - random.nextInt(1 + nodeCount / 4);
    return new PlanRequest(blobs, nodes.subList(0, Math.max(1, keptNodes)), 1 + random.nextInt(3));
  }

  private static Source randomSource(Random random, int nodeCount) {
    int pick = random.nextInt(10);
    if (pick < 3) {
      return Source.UPSTREAM;
    }
    if (pick == 3) {
      return Source.peer("vanished-" + random.nextInt(3));
    }
    return Source.peer(name(random.nextInt(nodeCount)));
  }

  private static PlanRequest shuffled(PlanRequest request, Random random) {
    List<PlanNode> nodes = new ArrayList<>(request.nodes());
    List<Blob> blobs = new ArrayList<>(request.blobs());
    Collections.shuffle(nodes, random);
    Collections.shuffle(blobs, random);
    return new PlanRequest(blobs, nodes, request.maxUpstreamStreams());
  }
}
