package io.dockmaster.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the single Dockmaster jar; each component is a subcommand. */
@Command(
    name = "dockmaster",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Governs and distributes container images on Kubernetes.",
    subcommands = {
      OperatorCommand.class,
      AgentCommand.class,
      VerifyCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Dockmaster {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Dockmaster());
  }
}
