package io.dockmaster.distribution;

/** Where a node fetches a blob from: the upstream registry or a peer node's agent. */
public sealed interface Source permits Source.Upstream, Source.Peer {

  Source UPSTREAM = new Upstream();

  static Source peer(String node) {
    return new Peer(node);
  }

  boolean isUpstream();

  /**
   * The peer's node name.
   *
   * @throws IllegalStateException for {@link #UPSTREAM}, which is no node
   */
  String node();

  /** The registry the image comes from. */
  record Upstream() implements Source {
    @Override
    public boolean isUpstream() {
      return true;
    }

    @Override
    public String node() {
      throw new IllegalStateException("the upstream registry is not a node");
    }

    @Override
    public String toString() {
      return "upstream";
    }
  }

  /** A node that holds the blob or is receiving it and serves what it has so far. */
  record Peer(String node) implements Source {
    public Peer {
      if (node == null || node.isBlank()) {
        throw new IllegalArgumentException("peer source needs a node name");
      }
    }

    @Override
    public boolean isUpstream() {
      return false;
    }

    @Override
    public String toString() {
      return "peer/" + node;
    }
  }
}
