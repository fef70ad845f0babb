package io.dockmaster.e2e.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host command (ip, tc, crane, ...) to completion. A failure names the command, its exit
 * code and what it printed, because "RTNETLINK answers: File exists" alone says nothing about which
 * of dozens of lab commands hit it.
 */
public final class LabCommand {

  static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

  /** What a finished command printed. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
      return exitCode == 0;
    }

    /** This result if the command succeeded, else an {@link IllegalStateException} saying why. */
    public Result orFail() {
      if (exitCode != 0) {
        throw new IllegalStateException(
            "`"
                + String.join(" ", command)
                + "` failed with exit code "
                + exitCode
                + ": "
                + (stderr.isBlank() ? stdout : stderr).strip());
      }
      return this;
    }
  }

  private LabCommand() {}

  public static Result run(String... command) {
    return run(DEFAULT_TIMEOUT, List.of(command));
  }

  public static Result run(List<String> command) {
    return run(DEFAULT_TIMEOUT, command);
  }

  public static Result run(Duration timeout, List<String> command) {
    Path stdout = null;
    Path stderr = null;
    try {
      // Files, not pipes: a tool that fills one pipe while we read the other would deadlock.
      stdout = Files.createTempFile("dmlab-out-", ".txt");
      stderr = Files.createTempFile("dmlab-err-", ".txt");
      Process process =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "`" + String.join(" ", command) + "` did not finish within " + timeout);
      }
      return new Result(
          List.copyOf(command),
          process.exitValue(),
          Files.readString(stdout),
          Files.readString(stderr));
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run `" + String.join(" ", command) + "`: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.get(0), e);
    } finally {
      deleteQuietly(stdout);
      deleteQuietly(stderr);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // a leftover temp file is not worth failing a command that ran
      }
    }
  }
}
