package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Blobs grouped by the set of platforms whose nodes need them. A blob several platforms share (the
 * application layers of a multi-platform Jib image, a platform-independent data layer, the blobs of
 * a single-platform image every node takes) is planned once over all those nodes: fetched from
 * upstream once, passed between nodes of any platform.
 *
 * @param platforms the platforms that need every blob here, and only these
 */
record BlobGroup(Set<String> platforms, List<WantedBlob> blobs) {

  BlobGroup {
    platforms = Set.copyOf(platforms);
    blobs = List.copyOf(blobs);
  }

  /**
   * The agents of this group's platforms with holdings this round: the nodes it is planned over. An
   * agent whose report did not come is left out, so that whether the group is planned as a chain
   * and which nodes are judged as a chain's agree.
   */
  List<AgentLease> members(Collection<AgentLease> agents, Map<String, NodeHoldings> holdings) {
    return agents.stream()
        .filter(agent -> platforms.contains(agent.platform()))
        .filter(agent -> holdings.containsKey(agent.node()))
        .toList();
  }

  /** The groups for the platforms of the nodes present, in a stable order. */
  static List<BlobGroup> of(DistributionTarget target, Collection<String> platforms) {
    return of(target::blobsFor, platforms);
  }

  /** The same, of what {@code blobsFor} says each platform needs. */
  static List<BlobGroup> of(
      Function<String, List<WantedBlob>> blobsFor, Collection<String> platforms) {
    Map<Digest, WantedBlob> blobs = new LinkedHashMap<>();
    Map<Digest, Set<String>> needers = new LinkedHashMap<>();
    for (String platform : new TreeSet<>(platforms)) {
      for (WantedBlob blob : blobsFor.apply(platform)) {
        Digest digest = blob.descriptor().digest();
        blobs.putIfAbsent(digest, blob);
        needers.computeIfAbsent(digest, d -> new TreeSet<>()).add(platform);
      }
    }
    Map<Set<String>, List<WantedBlob>> groups = new LinkedHashMap<>();
    needers.forEach(
        (digest, who) ->
            groups.computeIfAbsent(who, w -> new ArrayList<>()).add(blobs.get(digest)));
    List<BlobGroup> result = new ArrayList<>();
    groups.forEach((who, members) -> result.add(new BlobGroup(who, members)));
    return result;
  }
}
