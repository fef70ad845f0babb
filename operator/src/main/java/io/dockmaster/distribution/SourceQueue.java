package io.dockmaster.distribution;

/**
 * Anchored nodes with free slots, best first: nodes the run measured slow after all others (their
 * receivers would get the blob at their pace), nodes under their fair share before those over it,
 * then shallow before deep, then the least loaded. A node's key is fixed while it waits, so the
 * head keeps its place until its slots are used up. A binary heap of node indices.
 *
 * <p>Every anchored leaf has free slots, so sources run out only where the nodes still to place
 * cannot serve: withheld ones (a slow relay, a holder that sent bad bytes) take a slot and offer
 * none. Then every source whose slots are used up gets one more, in the same order, rather than
 * leaving a node without a source.
 *
 * <p>A receiver planned again partway through a blob continues from the bytes it has, so it takes
 * the best source ahead of it ({@link #take(long)}): a relay behind it would send nothing until it
 * got that far, and in the lab receivers waited out the 30 s stall timeout behind such relays.
 */
final class SourceQueue {
  private final Blob blob;
  private final UploadShares shares;
  private final int baseFanout;
  private final int[] depth;
  private final int[] children;
  private final long[] rotation;
  private final long[] have;
  private final boolean[] overBudget;
  private final double[] loadWhenOffered;
  private final int[] slots;
  private final int[] extraChildren;
  private final int[] heap;
  private int size;

  /** Offered nodes whose slots are used up, or that had none. */
  private final int[] full;

  private int fullCount;

  /**
   * @param depth each node's depth in the tree, set before the node is offered
   * @param children receivers each node already serves in this tree
   * @param rotation the per-blob shuffle that breaks ties
   * @param have bytes of the blob each node has ({@link Long#MAX_VALUE} for a holder)
   */
  SourceQueue(
      Blob blob,
      UploadShares shares,
      int baseFanout,
      int[] depth,
      int[] children,
      long[] rotation,
      long[] have) {
    this.blob = blob;
    this.shares = shares;
    this.baseFanout = baseFanout;
    this.depth = depth;
    this.children = children;
    this.rotation = rotation;
    this.have = have;
    this.overBudget = new boolean[depth.length];
    this.loadWhenOffered = new double[depth.length];
    this.slots = new int[depth.length];
    this.extraChildren = new int[depth.length];
    this.heap = new int[depth.length];
    this.full = new int[depth.length];
  }

  void offer(int node) {
    overBudget[node] = !shares.hasRoomToForward(node, blob);
    // Within its fair share a node may fill its fanout; beyond it, two more children at a time
    // keep the tree branching while spreading the excess.
    slots[node] =
        Math.min(
            shares.fanout(node, baseFanout) - children[node],
            overBudget[node] ? 2 : shares.childrenWithinBudget(node, blob));
    if (slots[node] <= 0) {
      full[fullCount++] = node;
      return;
    }
    loadWhenOffered[node] = shares.loadAfterForwarding(node, blob);
    push(node);
  }

  private void push(int node) {
    int at = size++;
    while (at > 0) {
      int up = (at - 1) >>> 1;
      if (!before(node, heap[up])) {
        break;
      }
      heap[at] = heap[up];
      at = up;
    }
    heap[at] = node;
  }

  int take() {
    if (size == 0) {
      if (fullCount == 0) {
        // Some node that is not withheld is always anchored, so this means a bug, not bad input.
        throw new IllegalStateException("no source left for " + blob.digest());
      }
      oneMoreSlotEach();
    }
    int head = heap[0];
    if (--slots[head] == 0) {
      removeHead();
      full[fullCount++] = head;
    }
    return head;
  }

  /**
   * The best source with more than {@code from} bytes of the blob, for a receiver that has that
   * many already; where none of those has a slot left, the one of them given fewest such extra
   * children takes one more than its share, and where there is none, the best source of all.
   */
  int take(long from) {
    if (from <= 0) {
      return take();
    }
    int[] passed = new int[size];
    int count = 0;
    int found = -1;
    while (size > 0) {
      int head = heap[0];
      removeHead();
      if (have[head] > from) {
        found = head;
        break;
      }
      passed[count++] = head;
    }
    for (int i = 0; i < count; i++) {
      push(passed[i]);
    }
    if (found >= 0) {
      if (--slots[found] == 0) {
        full[fullCount++] = found;
      } else {
        push(found);
      }
      return found;
    }
    int extra = -1;
    for (int i = 0; i < fullCount; i++) {
      int node = full[i];
      if (have[node] > from && (extra < 0 || extraChildren[node] < extraChildren[extra])) {
        extra = node;
      }
    }
    if (extra >= 0) {
      extraChildren[extra]++;
      return extra;
    }
    return take();
  }

  private void oneMoreSlotEach() {
    int count = fullCount;
    fullCount = 0;
    for (int i = 0; i < count; i++) {
      int node = full[i];
      slots[node] = 1;
      loadWhenOffered[node] = shares.loadAfterForwarding(node, blob);
      push(node);
    }
  }

  private void removeHead() {
    int last = heap[--size];
    int at = 0;
    while (true) {
      int child = 2 * at + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && before(heap[child + 1], heap[child])) {
        child++;
      }
      if (!before(heap[child], last)) {
        break;
      }
      heap[at] = heap[child];
      at = child;
    }
    heap[at] = last;
  }

  private boolean before(int a, int b) {
    if (shares.measuredSlow(a) != shares.measuredSlow(b)) {
      return !shares.measuredSlow(a);
    }
    if (overBudget[a] != overBudget[b]) {
      return !overBudget[a];
    }
    if (depth[a] != depth[b]) {
      return depth[a] < depth[b];
    }
    int order = Double.compare(loadWhenOffered[a], loadWhenOffered[b]);
    if (order == 0) {
      order = Long.compare(rotation[a], rotation[b]);
    }
    return order != 0 ? order < 0 : a < b;
  }
}
