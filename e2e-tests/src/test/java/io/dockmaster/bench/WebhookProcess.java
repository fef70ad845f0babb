package io.dockmaster.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * dockmaster.jar as {@code make run} starts it: {@code operator --webhook-mode local}, which
 * generates its certificates into a directory we choose, registers itself with the dev cluster and
 * removes its registration on SIGTERM.
 */
final class WebhookProcess implements AutoCloseable {

  private static final Pattern PORT = Pattern.compile("admission on port (\\d+)");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final Path log;
  private final Path certDir;
  private final int port;

  private WebhookProcess(Process process, Path log, Path certDir, int port) {
    this.process = process;
    this.log = log;
    this.certDir = certDir;
    this.port = port;
  }

  static WebhookProcess start(
      BenchSettings settings, String exemptNamespace, List<String> jvmOptions) {
    Path certDir = settings.workDir().resolve("webhook-certs");
    Path log = settings.workDir().resolve("operator.log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-jar",
            settings.jar().toString(),
            "operator",
            "--namespace",
            "dockmaster-bench",
            "--health-port",
            "0",
            "--bind-address",
            "127.0.0.1",
            "--webhook-mode",
            "local",
            "--webhook-port",
            "0",
            "--webhook-cert-dir",
            certDir.toString(),
            "--webhook-exempt-namespaces",
            exemptNamespace));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", settings.kubeconfig().toString());
    try {
      Process process = builder.start();
      // Ctrl-C on the benchmark must not leave a failurePolicy=Fail webhook registered: SIGTERM
      // makes the jar remove its registration.
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "stop-webhook"));
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        String text = Files.exists(log) ? Files.readString(log) : "";
        Matcher port = PORT.matcher(text);
        if (text.contains("operator started") && port.find()) {
          return new WebhookProcess(process, log, certDir, Integer.parseInt(port.group(1)));
        }
        if (!process.isAlive()) {
          throw new IllegalStateException("dockmaster.jar exited at start:\n" + text);
        }
        Thread.sleep(200);
      }
      process.destroyForcibly();
      throw new IllegalStateException(
          "dockmaster.jar did not start in " + START_TIMEOUT + ":\n" + Files.readString(log));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  Path caCertificate() {
    return certDir.resolve("ca.crt");
  }

  Path log() {
    return log;
  }

  /** User plus system CPU the webhook's JVM has used so far, all threads. */
  Duration cpuTime() {
    return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** SIGTERM: the operator deletes its ValidatingWebhookConfiguration, then drains and exits. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
