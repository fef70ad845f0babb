package io.dockmaster.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs kubectl, crane and cosign with the dev cluster's environment; times each run. */
final class ExternalCommand {

  record Result(List<String> command, int exitCode, String stdout, String stderr, long nanos) {
    Result orFail() {
      if (exitCode != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed (exit " + exitCode + "):\n" + stderr + stdout);
      }
      return this;
    }
  }

  private final Map<String, String> environment;
  private final Path workDir;

  ExternalCommand(Map<String, String> environment, Path workDir) {
    this.environment = Map.copyOf(environment);
    this.workDir = workDir;
  }

  Path workDir() {
    return workDir;
  }

  Result run(String... command) {
    return runWithInput(null, List.of(command));
  }

  Result run(List<String> command) {
    return runWithInput(null, command);
  }

  /** The elapsed time covers process start to exit, what a person at the terminal waits. */
  Result runWithInput(String stdin, List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().putAll(environment);
    try {
      // Files, not pipes: a tool that fills one pipe while we read the other would block.
      Path stdout = Files.createTempFile(workDir, "out-", ".txt");
      Path stderr = Files.createTempFile(workDir, "err-", ".txt");
      builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
      long start = System.nanoTime();
      Process process = builder.start();
      if (stdin != null) {
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      process.getOutputStream().close();
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " ran over 2 minutes");
      }
      long nanos = System.nanoTime() - start;
      Result result =
          new Result(
              command,
              process.exitValue(),
              Files.readString(stdout),
              Files.readString(stderr),
              nanos);
      Files.delete(stdout);
      Files.delete(stderr);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command.get(0), e);
    }
  }
}
