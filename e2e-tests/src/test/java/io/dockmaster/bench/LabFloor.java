package io.dockmaster.bench;

import io.dockmaster.control.BlobPiece;
import io.dockmaster.distribution.Blob;
import io.dockmaster.distribution.ChainOrTrees;
import io.dockmaster.distribution.PieceLayout;
import io.dockmaster.distribution.Plan;
import io.dockmaster.distribution.PlanNode;
import io.dockmaster.distribution.PlanRequest;
import io.dockmaster.distribution.Transfer;
import io.dockmaster.e2e.lab.LabCommand;
import io.dockmaster.e2e.lab.LabHost;
import io.dockmaster.e2e.lab.P2PLab;
import io.dockmaster.e2e.lab.RandomImage;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What this machine allows the lab at all: Dockmaster's plan for an image carried out by the
 * leanest standard tools instead of agent JVMs. Per node and blob one shell pipeline reads the blob
 * from its source (curl from the registry for the seed, else socat receiving the parent's stream),
 * and tee writes it to a file, into {@code openssl dgst -sha256} and into a socat stream to each
 * child in the plan. The same links carry the same bytes as in the Dockmaster run, every node
 * writes and hashes every byte, and, with TLS, every peer stream is encrypted (AES-GCM in OpenSSL,
 * one handshake per stream, no client certificates); there is no JVM, no HTTP, no operator and no
 * control traffic. The pipelines copy bytes through pipes that an agent does not use, so this is an
 * upper estimate of the floor, not the floor itself.
 */
final class LabFloor {

  /** Ports in each node's namespace, one per blob, for the parent's stream. */
  private static final int FIRST_PORT = 31000;

  /**
   * A run's outcome.
   *
   * @param tls whether the peer streams were TLS or plain TCP
   * @param makespan seconds from starting the seeds until the last node's last pipeline ended
   * @param nodeSeconds when each node's pipelines had ended (every blob written, hashed and passed
   *     on to its children), sorted
   * @param upstreamBytes what the registry served, from its log
   * @param machineCores cores busy on the whole machine meanwhile
   */
  record Result(
      boolean tls,
      double makespan,
      List<Double> nodeSeconds,
      long upstreamBytes,
      double machineCores) {

    String label() {
      return LabFloor.label(tls);
    }

    /** The prefix of this run's fields in the benchmark's JSON line. */
    String jsonKey() {
      return tls ? "floor_tls" : "floor_tcp";
    }
  }

  static String label(boolean tls) {
    return tls ? "floor, TLS" : "floor, plain TCP";
  }

  private final P2PLab lab;
  private final RandomImage image;
  private final List<Blob> blobs;
  private final PieceLayout pieces;
  private final Path dir;

  LabFloor(P2PLab lab, RandomImage image, Path dir) {
    this.lab = lab;
    this.image = image;
    this.pieces = PieceLayout.of(P2PBench.blobs(image));
    this.blobs = P2PBench.units(image);
    this.dir = dir;
  }

  Result run(boolean tls, double timeoutSeconds) throws IOException, InterruptedException {
    Path runDir = dir.resolve(tls ? "tls" : "tcp");
    Files.createDirectories(runDir);
    Path keyAndCertificate = runDir.resolve("key-and-certificate.pem");
    if (tls) {
      writeSelfSignedCertificate(keyAndCertificate);
    }
    Plan plan = plan();
    Map<String, List<Transfer>> receiversBySource = new HashMap<>();
    plan.start().stream()
        .filter(t -> !t.source().isUpstream())
        .forEach(
            t ->
                receiversBySource
                    .computeIfAbsent(streamKey(t.source().node(), t.blob()), k -> new ArrayList<>())
                    .add(t));
    Streams streams = new Streams(tls, keyAndCertificate);
    List<Blob> sequence = plan.sequence();
    List<Started> all = new ArrayList<>();
    Map<String, Double> done;
    MachineLoad.Sample before;
    try {
      List<Transfer> seeds = new ArrayList<>();
      for (Transfer transfer : plan.start()) {
        if (transfer.source().isUpstream()) {
          seeds.add(transfer);
        } else {
          all.add(start(runDir, transfer, receiversBySource, streams, sequence));
        }
      }
      awaitListening(all);
      lab.registry().resetCounters();
      before = MachineLoad.now();
      long start = System.nanoTime();
      for (Transfer seed : seeds) {
        all.add(start(runDir, seed, receiversBySource, streams, sequence));
      }
      done = awaitAll(all, start, timeoutSeconds);
    } finally {
      // Killing bash alone would leave its socat, tee and openssl children running.
      all.forEach(s -> s.process().descendants().forEach(ProcessHandle::destroyForcibly));
      all.forEach(s -> s.process().destroyForcibly());
    }
    MachineLoad.Sample after = MachineLoad.now();
    checkContent(runDir, plan);
    long served = P2PBench.settledBytes(lab.registry());
    deleteBlobs(runDir);
    List<Double> seconds = done.values().stream().sorted().toList();
    return new Result(
        tls,
        seconds.get(seconds.size() - 1),
        seconds,
        served,
        MachineLoad.busyCores(before, after));
  }

  /** The operator's first plan for these nodes, as in the Dockmaster run. */
  private Plan plan() {
    List<PlanNode> nodes = lab.agents().stream().map(a -> PlanNode.empty(a.node())).toList();
    // 2 is the ImageMirror default of spec.distribution.maxUpstreamStreams.
    return new ChainOrTrees().plan(new PlanRequest(blobs, nodes, 2));
  }

  private int port(Transfer transfer) {
    return FIRST_PORT + blobs.indexOf(transfer.blob());
  }

  /** Identifies the stream a node sends of one blob, which feeds all its receivers of it. */
  private static String streamKey(String sender, Blob blob) {
    return sender + " " + blob.digest();
  }

  /** How a pipeline reads from its parent and writes to a child, in plain TCP or TLS. */
  private record Streams(boolean tls, Path keyAndCertificate) {

    String listen(int port) {
      return tls
          ? "OPENSSL-LISTEN:%d,reuseaddr,cert=%s,verify=0".formatted(port, keyAndCertificate)
          : "TCP-LISTEN:%d,reuseaddr".formatted(port);
    }

    /** Retries while the child's listener is not up yet (all are up before the seeds start). */
    String connect(String address, int port) {
      return (tls ? "OPENSSL:%s:%d,verify=0" : "TCP:%s:%d").formatted(address, port)
          + ",retry=600,interval=0.05";
    }
  }

  /** A pipeline and the moment it ended, read from {@code System.nanoTime()}. */
  private record Started(String node, int port, Process process, CompletableFuture<Long> ended) {}

  private Started start(
      Path runDir,
      Transfer transfer,
      Map<String, List<Transfer>> receiversBySource,
      Streams streams,
      List<Blob> sequence)
      throws IOException {
    LabHost host = lab.agent(transfer.node()).host();
    Path nodeDir = runDir.resolve(transfer.node());
    Files.createDirectories(nodeDir);
    String blob = transfer.blob().digest().hex();
    int port = port(transfer);
    List<Transfer> children =
        receiversBySource.getOrDefault(streamKey(transfer.node(), transfer.blob()), List.of());
    StringBuilder script = new StringBuilder("set -u\ncd '" + nodeDir + "'\n");
    StringBuilder outputs = new StringBuilder(blob + ".hash");
    script.append("mkfifo ").append(blob).append(".hash\n");
    script.append("openssl dgst -sha256 -r < ").append(blob).append(".hash > ");
    script.append(blob).append(".sha256 &\n");
    for (int i = 0; i < children.size(); i++) {
      String fifo = blob + ".child" + i;
      String child = lab.agent(children.get(i).node()).host().address();
      script.append("mkfifo ").append(fifo).append('\n');
      script.append("socat -b 65536 -u STDIN ").append(streams.connect(child, port));
      script.append(" < ").append(fifo).append(" &\n");
      outputs.append(' ').append(fifo);
    }
    Optional<BlobPiece> piece = pieces.piece(transfer.blob().digest());
    String source =
        transfer.source().isUpstream()
            ? "curl -sS --fail -o - "
                + piece.map(p -> "-r %d-%d ".formatted(p.offset(), p.end() - 1)).orElse("")
                + P2PBench.blobUrl(
                    lab.registry(),
                    image,
                    piece.map(BlobPiece::blob).orElse(transfer.blob().digest()).toString())
            : "socat -b 65536 -u " + streams.listen(port) + " STDOUT";
    // A plan in sequence fetches one blob at a time, as the agents' orders waiting behind another
    // do: a seed starts once the blob before it in the sequence has left the registry.
    int place = sequence.indexOf(transfer.blob());
    if (transfer.source().isUpstream() && place >= 0) {
      if (place > 0) {
        script.append("while [ ! -e ../").append(fetchedMark(sequence.get(place - 1)));
        script.append(" ]; do sleep 0.01; done\n");
      }
      source = "{ " + source + " && touch ../" + fetchedMark(transfer.blob()) + "; }";
    }
    script.append(source).append(" | tee -p ").append(outputs);
    script.append(" > ").append(blob).append(".blob\nwait\n");
    Path file = nodeDir.resolve(blob + ".sh");
    Files.writeString(file, script);
    Process process =
        host.start(List.of("bash", file.toString()), Map.of(), nodeDir.resolve(blob + ".log"));
    return new Started(
        transfer.node(), port, process, process.onExit().thenApply(p -> System.nanoTime()));
  }

  /** The file a seed's pipeline writes once its blob has left the registry. */
  private static String fetchedMark(Blob blob) {
    return blob.digest().hex() + ".fetched";
  }

  /**
   * Polls each node's sockets until every relay pipeline waits for its parent or, being the child
   * of another relay, already took its connection (a listener that accepted no longer listens).
   */
  private void awaitListening(List<Started> relays) throws InterruptedException {
    Map<String, List<Integer>> wanted = new TreeMap<>();
    relays.forEach(r -> wanted.computeIfAbsent(r.node(), n -> new ArrayList<>()).add(r.port()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!wanted.isEmpty()) {
      wanted.entrySet().removeIf(e -> listening(e.getKey()).containsAll(e.getValue()));
      if (System.nanoTime() > deadline) {
        Map<String, List<Integer>> seen = new TreeMap<>();
        wanted.keySet().forEach(node -> seen.put(node, listening(node)));
        throw new IllegalStateException(
            "floor: relays not listening after 60 s; wanted %s, listening %s"
                .formatted(wanted, seen));
      }
      Thread.sleep(50);
    }
  }

  private List<Integer> listening(String node) {
    String out = lab.agent(node).host().exec("ss", "-Hatn").orFail().stdout();
    List<Integer> ports = new ArrayList<>();
    for (String line : out.split("\n")) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length >= 4 && (fields[0].equals("LISTEN") || fields[0].equals("ESTAB"))) {
        String local = fields[3];
        ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1)));
      }
    }
    return ports;
  }

  private Map<String, Double> awaitAll(List<Started> all, long start, double timeoutSeconds)
      throws InterruptedException {
    Map<String, Double> done = new TreeMap<>();
    long deadline = start + (long) (timeoutSeconds * 1e9);
    for (Started started : all) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!started.process().waitFor(left, TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException(
            "floor: a pipeline on %s did not end within %.0f s"
                .formatted(started.node(), timeoutSeconds));
      }
    }
    for (Started started : all) {
      double seconds = (started.ended().join() - start) / 1e9;
      done.merge(started.node(), seconds, Math::max);
    }
    return done;
  }

  /**
   * Every node holds every blob, byte for byte: size and SHA-256 as the pipelines computed it, and
   * for a blob in pieces, its pieces in order hashed whole here.
   */
  private void checkContent(Path runDir, Plan plan) throws IOException {
    Set<String> checkedWhole = new HashSet<>();
    for (Transfer transfer : plan.start()) {
      Path nodeDir = runDir.resolve(transfer.node());
      Optional<BlobPiece> piece = pieces.piece(transfer.blob().digest());
      if (piece.isPresent()) {
        if (checkedWhole.add(transfer.node() + " " + piece.get().blob())) {
          checkPieces(nodeDir, piece.get().blob());
        }
        continue;
      }
      String blob = transfer.blob().digest().hex();
      long size = Files.size(nodeDir.resolve(blob + ".blob"));
      String hash = Files.readString(nodeDir.resolve(blob + ".sha256")).split("\\s")[0];
      if (size != transfer.blob().size() || !hash.equals(blob)) {
        throw new IllegalStateException(
            "floor: %s got %d of %d bytes of %s, SHA-256 %s; see %s"
                .formatted(
                    transfer.node(),
                    size,
                    transfer.blob().size(),
                    blob,
                    hash,
                    nodeDir.resolve(blob + ".log")));
      }
    }
  }

  private void checkPieces(Path nodeDir, Digest blob) throws IOException {
    MessageDigest hasher = blob.newHasher();
    for (BlobPiece piece : pieces.piecesOf(blob)) {
      hasher.update(Files.readAllBytes(nodeDir.resolve(piece.key().hex() + ".blob")));
    }
    Digest whole = Digest.of(hasher);
    if (!whole.equals(blob)) {
      throw new IllegalStateException(
          "floor: the pieces of %s in %s hash to %s together".formatted(blob, nodeDir, whole));
    }
  }

  private static void deleteBlobs(Path runDir) throws IOException {
    try (var files = Files.walk(runDir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".blob")).toList()) {
        Files.delete(file);
      }
    }
  }

  private static void writeSelfSignedCertificate(Path keyAndCertificate) throws IOException {
    Path key = keyAndCertificate.resolveSibling("key.pem");
    Path certificate = keyAndCertificate.resolveSibling("certificate.pem");
    LabCommand.run(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=dockmaster-lab-floor",
            "-days",
            "1",
            "-keyout",
            key.toString(),
            "-out",
            certificate.toString())
        .orFail();
    Files.writeString(keyAndCertificate, Files.readString(key) + Files.readString(certificate));
  }
}
