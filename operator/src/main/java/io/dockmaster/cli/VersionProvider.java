package io.dockmaster.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version Maven wrote into the jar manifest. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Dockmaster.class.getPackage().getImplementationVersion();
    return new String[] {"dockmaster " + (version == null ? "development build" : version)};
  }
}
