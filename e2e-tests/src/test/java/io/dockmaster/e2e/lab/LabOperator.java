package io.dockmaster.e2e.lab;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator of a {@link P2PLab}: {@code dockmaster.jar operator} in the root network namespace,
 * where it reaches the dev API server on loopback and every agent at its lab address. Its output is
 * appended to one log across restarts.
 */
public final class LabOperator {

  static final Duration START_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern STARTED =
      Pattern.compile("operator started \\(.*health and metrics on port (\\d+)\\)");

  private final List<String> command;
  private final Map<String, String> environment;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Process process;
  private int healthPort;

  LabOperator(List<String> command, Map<String, String> environment, Path log) {
    this.command = List.copyOf(command);
    this.environment = Map.copyOf(environment);
    this.log = log;
  }

  /**
   * The command line of an operator for {@code namespace} that signs agent certificates requested
   * by {@code agentRequester} for any node name.
   */
  static List<String> command(
      Path jar, List<String> jvmOptions, String namespace, String agentRequester) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "operator",
            "--namespace",
            namespace,
            "--webhook-mode",
            "off",
            "--health-port",
            "0",
            "--bind-address",
            "127.0.0.1",
            "--agent-requester",
            agentRequester,
            // Lab agents present the admin's client certificate, which is bound to no node.
            "--no-agent-node-binding"));
    return command;
  }

  /** Starts the process and returns once it logged that it started, with its health port. */
  synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("the lab operator is running already (pid " + pid() + ")");
    }
    long from = Files.exists(log) ? Files.size(log) : 0;
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(environment);
    Process started = builder.start();
    process = started;
    healthPort =
        await("the lab operator to log that it started")
            .atMost(START_TIMEOUT)
            .pollInterval(Duration.ofMillis(200))
            .until(() -> startedPort(started, from), port -> port > 0);
  }

  private int startedPort(Process started, long from) throws IOException {
    Matcher m = STARTED.matcher(readFrom(from));
    if (m.find()) {
      return Integer.parseInt(m.group(1));
    }
    if (!started.isAlive()) {
      throw new IllegalStateException(
          "the lab operator exited with code "
              + started.exitValue()
              + " before it started; its log "
              + log
              + " ends with:\n"
              + LogTail.of(log, 30));
    }
    return 0;
  }

  /** SIGTERM, as Kubernetes stops a pod; SIGKILL if it has not exited within 30 s. */
  synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the operator and starts it again with the same command line. */
  public synchronized void restart() throws IOException {
    stop();
    start();
  }

  public synchronized long pid() {
    return process.pid();
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Its health and metrics port on 127.0.0.1, picked anew at every start. */
  public synchronized int healthPort() {
    return healthPort;
  }

  public Path log() {
    return log;
  }

  public ProcessUsage usage() {
    return ProcessUsage.of(pid())
        .orElseThrow(() -> new IllegalStateException("the lab operator is not running"));
  }

  /** The Prometheus text of its {@code /metrics}. */
  public String metrics() {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort() + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "the lab operator's /metrics answered HTTP " + response.statusCode());
      }
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException("cannot scrape the lab operator's /metrics: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while scraping the lab operator", e);
    }
  }

  /** The sum of every sample of metric {@code name} (all label sets), 0 if it has none yet. */
  public double metric(String name) {
    return PrometheusText.sum(metrics(), name);
  }

  private String readFrom(long offset) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      if (length <= offset) {
        return "";
      }
      byte[] bytes = new byte[(int) Math.min(length - offset, 4 << 20)];
      file.seek(offset);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
