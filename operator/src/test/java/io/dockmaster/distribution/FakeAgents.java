package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobCheck;
import io.dockmaster.control.BlobRange;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.BlobState.Phase;
import io.dockmaster.control.BlobVerifications;
import io.dockmaster.control.PinSet;
import io.dockmaster.control.RangeDigest;
import io.dockmaster.control.RuntimeMirrors;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Agents as the operator sees them over the control channel, kept in memory: what each holds, the
 * orders it received (in the order they arrived), and whether it answers at all.
 */
final class FakeAgents implements AgentControl {

  record Received(long sequence, String node, TransferOrder order) {}

  private final Map<String, Map<String, BlobState>> states = new ConcurrentHashMap<>();
  private final Map<String, long[]> counters = new ConcurrentHashMap<>();
  private final Set<String> down = ConcurrentHashMap.newKeySet();
  final List<Received> orders = new CopyOnWriteArrayList<>();
  final Map<String, PinSet> pins = new ConcurrentHashMap<>();
  final List<String> verifications = new CopyOnWriteArrayList<>();
  private final Set<String> rotten = ConcurrentHashMap.newKeySet();
  private volatile CountDownLatch verificationGate = new CountDownLatch(0);

  /** From now on a re-check blocks, as one hashing a big blob, until released. */
  void holdVerifications() {
    verificationGate = new CountDownLatch(1);
  }

  void releaseVerifications() {
    verificationGate.countDown();
  }

  private volatile CountDownLatch pinGate = new CountDownLatch(0);

  /** Pin calls waiting at the gate, and pin calls that took effect. */
  final AtomicLong heldPins = new AtomicLong();

  final AtomicLong pinsTaken = new AtomicLong();

  /** From now on a pin call waits, as one to an agent slow to answer, until released. */
  void holdPins() {
    pinGate = new CountDownLatch(1);
  }

  void releasePins() {
    pinGate.countDown();
  }

  private final AtomicLong sequence = new AtomicLong();

  static final Instant AGENTS_STARTED = Instant.parse("2026-12-01T00:00:00Z");

  static AgentLease lease(String node, String platform) {
    return lease(node, platform, AGENTS_STARTED);
  }

  /** An agent process that started at {@code started}; a later value is the same node restarted. */
  static AgentLease lease(String node, String platform, Instant started) {
    return new AgentLease(
        node,
        "https://10.0.0." + Math.floorMod(node.hashCode(), 200) + ":30020",
        platform,
        0,
        0,
        started,
        Instant.now(),
        30);
  }

  /** An agent that takes byte-range pieces of blobs. */
  static AgentLease leaseTakingPieces(String node, String platform) {
    AgentLease agent = lease(node, platform);
    return new AgentLease(
        agent.node(),
        agent.endpoint(),
        agent.platform(),
        0,
        0,
        agent.started(),
        agent.renewed(),
        agent.durationSeconds(),
        Set.of(AgentLease.PIECES));
  }

  void set(String node, String digest, BlobState state) {
    states.computeIfAbsent(node, n -> new ConcurrentHashMap<>()).put(digest, state);
    changed(node);
  }

  private record HeldInventory(
      AgentLease agent, List<String> digests, CompletableFuture<AgentReport> answer) {}

  private volatile boolean holdsInventories;
  private final Map<String, AtomicLong> versions = new ConcurrentHashMap<>();
  private final Map<String, List<HeldInventory>> held = new ConcurrentHashMap<>();

  /** Inventories asked for directly (not held), by node, answered or not. */
  final Map<String, AtomicLong> directInventories = new ConcurrentHashMap<>();

  /**
   * From now on reports carry a version and a held inventory is answered when the node's state
   * changes, as real agents do; before, reports carry version 0, as from an agent that cannot.
   */
  void holdInventories() {
    holdsInventories = true;
  }

  private final Set<String> losingHeldInventories = ConcurrentHashMap.newKeySet();

  /** Its held inventories are lost from now on: neither answered nor failed, ever. */
  void loseHeldInventories(String node) {
    losingHeldInventories.add(node);
  }

  /** Answers the held inventories of this node; they see the change at once. */
  private void changed(String node) {
    versions.computeIfAbsent(node, n -> new AtomicLong(1)).incrementAndGet();
    List<HeldInventory> waiting;
    synchronized (held) {
      waiting = held.remove(node);
    }
    if (waiting != null && !losingHeldInventories.contains(node)) {
      waiting.forEach(h -> h.answer().complete(report(h.agent(), h.digests())));
    }
  }

  /** Whether the node reports this blob or piece complete. */
  boolean holds(String node, String name) {
    BlobState state = states.getOrDefault(node, Map.of()).get(name);
    return state != null && state.phase() == Phase.COMPLETE;
  }

  void complete(String node, String digest, long size) {
    set(node, digest, new BlobState(digest, Phase.COMPLETE, size, null, null, null));
  }

  /** Every order received so far finishes: the blob is complete where it was ordered. */
  void finishAllOrders() {
    for (Received received : orders) {
      TransferOrder order = received.order();
      complete(
          received.node(),
          order.unitName(),
          order.piece() == null ? order.size() : order.piece().length());
    }
  }

  /** The node holds the blob complete, but its bytes no longer match: a check drops it. */
  void rot(String node, String digest, long size) {
    complete(node, digest, size);
    rotten.add(node + " " + digest);
  }

  void counters(String node, long fromUpstream, long fromPeers) {
    counters.put(node, new long[] {fromUpstream, fromPeers});
  }

  private final Set<String> refusingOrders = ConcurrentHashMap.newKeySet();

  /** Orders to it fail from now on, as to an agent restarting; everything else answers. */
  void refuseOrders(String node) {
    refusingOrders.add(node);
  }

  void acceptOrders(String node) {
    refusingOrders.remove(node);
  }

  private volatile String seedsSlowToAnswer;
  private final CountDownLatch seedAnswers = new CountDownLatch(1);

  /** An agent ordered to fetch the blob from upstream answers only after {@link #answerSeeds}. */
  void holdAnswersOfSeedsOf(String digest) {
    seedsSlowToAnswer = digest;
  }

  void answerSeeds() {
    seedAnswers.countDown();
  }

  /** It stops answering; requests it holds fail as their connections break. */
  void takeDown(String node) {
    down.add(node);
    List<HeldInventory> waiting;
    synchronized (held) {
      waiting = held.remove(node);
    }
    if (waiting != null) {
      waiting.forEach(
          h -> h.answer().completeExceptionally(new IOException("connection reset by " + node)));
    }
  }

  /** Requests held open, waiting for a change. */
  int heldInventories() {
    synchronized (held) {
      return held.values().stream().mapToInt(List::size).sum();
    }
  }

  List<Received> ordersFor(String node) {
    return orders.stream().filter(r -> r.node().equals(node)).toList();
  }

  private final Map<String, CountDownLatch> stalled = new ConcurrentHashMap<>();

  /** Calls waiting on a stalled node, by node, including those it has since let through. */
  final Map<String, AtomicLong> stalledCalls = new ConcurrentHashMap<>();

  /** From now on every call to this node hangs, as to an agent that accepts but never answers. */
  void stall(String node) {
    stalled.put(node, new CountDownLatch(1));
  }

  /** The calls a stalled node holds go through, and so do later ones. */
  void unstall(String node) {
    CountDownLatch gate = stalled.remove(node);
    if (gate != null) {
      gate.countDown();
    }
  }

  long stalledCalls(String node) {
    return stalledCalls.getOrDefault(node, new AtomicLong()).get();
  }

  private void check(AgentLease agent) throws IOException {
    CountDownLatch gate = stalled.get(agent.node());
    if (gate != null) {
      stalledCalls.computeIfAbsent(agent.node(), n -> new AtomicLong()).incrementAndGet();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("call to " + agent.node() + " interrupted");
      }
    }
    if (down.contains(agent.node())) {
      throw new ConnectException("connection refused by " + agent.endpoint());
    }
  }

  @Override
  public AgentReport inventory(AgentLease agent, List<String> digests) throws IOException {
    directInventories.computeIfAbsent(agent.node(), n -> new AtomicLong()).incrementAndGet();
    check(agent);
    return report(agent, digests);
  }

  /** Held until the node's state changes; the wait is not timed (tests are short). */
  @Override
  public CompletableFuture<AgentReport> awaitInventory(
      AgentLease agent, List<String> digests, long afterVersion, Duration wait) {
    if (down.contains(agent.node())) {
      return CompletableFuture.failedFuture(
          new ConnectException("connection refused by " + agent.endpoint()));
    }
    CompletableFuture<AgentReport> answer = new CompletableFuture<>();
    synchronized (held) {
      if (holdsInventories && version(agent.node()) == afterVersion) {
        held.computeIfAbsent(agent.node(), n -> new ArrayList<>())
            .add(new HeldInventory(agent, digests, answer));
        return answer;
      }
    }
    answer.complete(report(agent, digests));
    return answer;
  }

  private long version(String node) {
    return versions.computeIfAbsent(node, n -> new AtomicLong(1)).get();
  }

  private AgentReport report(AgentLease agent, List<String> digests) {
    Map<String, BlobState> states = this.states.getOrDefault(agent.node(), Map.of());
    List<BlobState> blobs = new ArrayList<>();
    for (String digest : digests) {
      blobs.add(states.getOrDefault(digest, BlobState.absent(digest)));
    }
    long[] c = counters.getOrDefault(agent.node(), new long[2]);
    long version = holdsInventories ? version(agent.node()) : 0;
    return new AgentReport(agent.node(), blobs, c[0], c[1], 0, 0, 0, version);
  }

  @Override
  public AgentReport order(AgentLease agent, List<TransferOrder> orders) throws IOException {
    check(agent);
    if (refusingOrders.contains(agent.node())) {
      throw new IOException("connection refused by " + agent.node());
    }
    Set<String> digests = new HashSet<>();
    for (TransferOrder order : orders) {
      this.orders.add(new Received(sequence.incrementAndGet(), agent.node(), order));
    }
    if (orders.stream()
        .anyMatch(o -> o.source().fromUpstream() && o.digest().equals(seedsSlowToAnswer))) {
      try {
        seedAnswers.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    for (TransferOrder order : orders) {
      String unit = order.unitName();
      BlobState held = states.getOrDefault(agent.node(), Map.of()).get(unit);
      if (held != null && held.phase() == Phase.COMPLETE) {
        continue; // as the agent does: a complete blob is not fetched again
      }
      set(
          agent.node(),
          unit,
          new BlobState(unit, Phase.RECEIVING, 0, order.source().label(), null, null));
      digests.add(unit);
    }
    return report(agent, List.copyOf(digests));
  }

  @Override
  public void pin(AgentLease agent, String owner, PinSet pinned) throws IOException {
    check(agent);
    CountDownLatch gate = pinGate;
    if (gate.getCount() > 0) {
      heldPins.incrementAndGet();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("pin on " + agent.node() + " interrupted");
      }
    }
    pins.put(agent.node() + "/" + owner, pinned);
    pinsTaken.incrementAndGet();
  }

  @Override
  public void unpin(AgentLease agent, String owner) throws IOException {
    check(agent);
    pins.remove(agent.node() + "/" + owner);
  }

  @Override
  public List<BlobCheck> verify(AgentLease agent, BlobVerifications request) throws IOException {
    check(agent);
    List<String> digests = request.digests();
    digests.forEach(d -> verifications.add(agent.node() + " " + d));
    try {
      verificationGate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("re-check interrupted");
    }
    List<BlobCheck> checks = new ArrayList<>();
    for (String digest : digests) {
      Map<String, BlobState> copies = states.getOrDefault(agent.node(), Map.of());
      BlobState state = copies.get(digest);
      BlobCheck.Outcome outcome;
      if (state == null || state.phase() != Phase.COMPLETE) {
        outcome = BlobCheck.Outcome.ABSENT;
      } else if (rotten.remove(agent.node() + " " + digest)) {
        copies.remove(digest);
        // The pieces of a blob are its bytes too.
        copies.keySet().removeIf(name -> name.startsWith(digest + "@"));
        changed(agent.node());
        outcome = BlobCheck.Outcome.DISCARDED;
      } else {
        outcome = BlobCheck.Outcome.INTACT;
      }
      List<RangeDigest> ranges =
          outcome == BlobCheck.Outcome.INTACT && !request.rangesOf(digest).isEmpty()
              ? request.rangesOf(digest).stream()
                  .map(
                      range ->
                          new RangeDigest(range.offset(), range.length(), truly(digest, range)))
                  .toList()
              : null;
      checks.add(new BlobCheck(digest, outcome, ranges));
    }
    return checks;
  }

  @Override
  public void configureRuntime(AgentLease agent, RuntimeMirrors mirrors) throws IOException {
    check(agent);
  }

  /** The digest of a range of a blob's true bytes: what an intact copy hashes it to. */
  static String truly(String blob, BlobRange range) {
    return Digest.sha256((blob + " " + range).getBytes(StandardCharsets.UTF_8)).toString();
  }
}
