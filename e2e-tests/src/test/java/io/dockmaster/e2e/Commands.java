package io.dockmaster.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the command-line tools a user would (kubectl, crane) and captures what they print. */
final class Commands {

  record Result(int exitCode, String stdout, String stderr) {
    Result orFail(String what) {
      if (exitCode != 0) {
        throw new AssertionError(
            what + " failed with exit code " + exitCode + ":\n" + stderr + stdout);
      }
      return this;
    }
  }

  private final Map<String, String> environment;
  private final Path workDir;

  Commands(Map<String, String> environment, Path workDir) {
    this.environment = environment;
    this.workDir = workDir;
  }

  Result runWithInput(String stdin, String... command) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().putAll(environment);
    try {
      // Files, not pipes: a tool that fills one pipe while we read the other would deadlock.
      Path stdout = Files.createTempFile("e2e-out-", ".txt");
      Path stderr = Files.createTempFile("e2e-err-", ".txt");
      builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
      Process process = builder.start();
      if (stdin != null) {
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      process.getOutputStream().close();
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in 2 minutes");
      }
      Result result =
          new Result(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
      Files.delete(stdout);
      Files.delete(stderr);
      return result;
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  Result run(String... command) {
    return runWithInput(null, command);
  }
}
