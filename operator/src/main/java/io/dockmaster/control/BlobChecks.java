package io.dockmaster.control;

import java.util.List;

/** An agent's answer to {@link BlobVerifications}: one check per digest asked about. */
public record BlobChecks(List<BlobCheck> checks) {

  public BlobChecks {
    checks = checks == null ? List.of() : List.copyOf(checks);
  }
}
