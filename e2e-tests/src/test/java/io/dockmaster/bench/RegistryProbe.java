package io.dockmaster.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the dev registry costs: the round-trip time of a manifest GET and of a small blob GET over a
 * kept-alive connection (java.net.http, as the operator makes them), and, from the registry's own
 * log, how many requests the operator sent while a window was open, of which kind, and how long the
 * registry says it spent on them.
 */
final class RegistryProbe {

  /** The User-Agent dockmaster's registry client sends (RegistrySettings' default). */
  static final String OPERATOR_AGENT = "dockmaster";

  private static final String MANIFEST_TYPES =
      "application/vnd.oci.image.manifest.v1+json,"
          + " application/vnd.docker.distribution.manifest.v2+json,"
          + " application/vnd.oci.image.index.v1+json,"
          + " application/vnd.docker.distribution.manifest.list.v2+json";

  /** distribution's logrus text: values are quoted only when they need to be. */
  private static String field(String name) {
    return "\\b" + Pattern.quote(name) + "=(?:\"([^\"]*)\"|(\\S+))";
  }

  private static final Pattern COMPLETED = Pattern.compile("msg=\"response completed\"");
  private static final Pattern AGENT = Pattern.compile(field("http.request.useragent"));
  private static final Pattern URI_FIELD = Pattern.compile(field("http.request.uri"));
  private static final Pattern METHOD = Pattern.compile(field("http.request.method"));
  private static final Pattern DURATION = Pattern.compile(field("http.response.duration"));
  private static final Pattern GO_DURATION = Pattern.compile("([0-9.]+)(ns|µs|us|ms|s)");
  private static final Pattern CONFIG_DIGEST =
      Pattern.compile("\"config\"\\s*:\\s*\\{[^}]*\"digest\"\\s*:\\s*\"([^\"]+)\"");

  /** The operator's requests while a window was open. */
  record Traffic(int manifests, int blobs, double registryMillis, List<String> sample) {
    int requests() {
      return manifests + blobs;
    }
  }

  /** Round trips of the two kinds of request a cold review makes. */
  record RoundTrips(LatencyStats manifest, LatencyStats blob) {}

  private final Path accessLog;
  private final String operatorAgent;
  private long mark;

  /**
   * @param operatorAgent the operator's User-Agent; other clients' lines are not counted
   */
  RegistryProbe(Path accessLog, String operatorAgent) {
    this.accessLog = accessLog;
    this.operatorAgent = operatorAgent;
  }

  /** {@code samples} GETs each of the manifest of {@code imageAtDigest} and of its config blob. */
  static RoundTrips roundTrips(String registry, String imageAtDigest, int samples) {
    int at = imageAtDigest.indexOf('@');
    String base =
        "http://" + registry + "/v2/" + imageAtDigest.substring(registry.length() + 1, at);
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    URI manifest = URI.create(base + "/manifests/" + imageAtDigest.substring(at + 1));
    String body = get(client, manifest).body();
    Matcher config = CONFIG_DIGEST.matcher(body);
    if (!config.find()) {
      throw new IllegalStateException("no config digest in the manifest " + manifest);
    }
    URI blob = URI.create(base + "/blobs/" + config.group(1));
    return new RoundTrips(time(client, manifest, samples), time(client, blob, samples));
  }

  private static LatencyStats time(HttpClient client, URI uri, int samples) {
    List<Long> nanos = new ArrayList<>();
    for (int i = 0; i < samples + samples / 4; i++) {
      long start = System.nanoTime();
      get(client, uri);
      if (i >= samples / 4) {
        nanos.add(System.nanoTime() - start);
      }
    }
    return LatencyStats.ofNanos(nanos);
  }

  private static HttpResponse<String> get(HttpClient client, URI uri) {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .header("Accept", MANIFEST_TYPES)
            .header("User-Agent", "dockmaster-bench")
            .timeout(Duration.ofSeconds(5))
            .build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("GET " + uri + " answered " + response.statusCode());
      }
      return response;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Starts counting from the current end of the registry's log. */
  void mark() {
    mark = accessLog.toFile().length();
  }

  /** The operator's requests logged since {@link #mark()}. */
  Traffic sinceMark() {
    // The registry writes its line after the response; give the last ones time to land.
    sleep(300);
    int manifests = 0;
    int blobs = 0;
    double millis = 0;
    List<String> sample = new ArrayList<>();
    for (String line : readFrom(mark)) {
      if (!COMPLETED.matcher(line).find() || !operatorAgent.equals(value(AGENT, line))) {
        continue;
      }
      String uri = value(URI_FIELD, line);
      if (uri != null && uri.contains("/blobs/")) {
        blobs++;
      } else {
        manifests++;
      }
      Matcher duration = GO_DURATION.matcher(String.valueOf(value(DURATION, line)));
      if (duration.matches()) {
        millis += toMillis(Double.parseDouble(duration.group(1)), duration.group(2));
      }
      if (sample.size() < 4) {
        sample.add(value(METHOD, line) + " " + shorten(uri));
      }
    }
    return new Traffic(manifests, blobs, millis, sample);
  }

  private static String value(Pattern field, String line) {
    Matcher matcher = field.matcher(line);
    if (!matcher.find()) {
      return null;
    }
    return matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
  }

  /** {@code /v2/<repo>/manifests/sha256-<64 hex>.sig} with the hex cut to 8 characters. */
  private static String shorten(String uri) {
    return uri == null ? "?" : uri.replaceAll("([0-9a-f]{8})[0-9a-f]{56}", "$1…");
  }

  private static double toMillis(double value, String unit) {
    return switch (unit) {
      case "ns" -> value / 1e6;
      case "µs", "us" -> value / 1e3;
      case "ms" -> value;
      default -> value * 1e3;
    };
  }

  private List<String> readFrom(long offset) {
    try (RandomAccessFile file = new RandomAccessFile(accessLog.toFile(), "r")) {
      byte[] bytes = new byte[(int) Math.max(0, file.length() - offset)];
      file.seek(offset);
      file.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the registry log " + accessLog, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
