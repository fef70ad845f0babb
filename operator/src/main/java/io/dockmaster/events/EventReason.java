package io.dockmaster.events;

/** Every reason Dockmaster writes on an Event, so dashboards and alerts can rely on them. */
public enum EventReason {
  PolicyLoaded,
  PolicyRejected,
  MirrorSpecInvalid,
  MirrorPrefetched,
  MirrorPrefetching,
  UpstreamFailed,
  DistributionRoundFailed
}
