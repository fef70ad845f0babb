package io.dockmaster.e2e.lab;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a distribution registry (2.8, logrus text format) says it sent, summed from its "response
 * completed" log lines. {@code http.response.written} is the number of body bytes the registry
 * handed to its socket: a range request counts its range, a complete download exactly the blob, and
 * an aborted one what was sent before the abort, which can exceed what the client received by the
 * socket buffers and the link queue (measured: 12.9 MB written, 11.9 MB received, by a client cut
 * off after 1 s at 100 Mbit/s).
 *
 * @param totalBytes response body bytes of every request (blobs, manifests, errors, pushes)
 * @param blobBytes response body bytes of successful (200, 206) {@code GET
 *     /v2/<name>/blobs/<digest>} per digest; a 404's error body is no blob
 * @param blobRequests number of those GETs per digest
 * @param blobRangeRequests number of those answered with a range (206) per digest
 * @param clientRequests requests of any kind and outcome per client, named by the product of its
 *     User-Agent ({@code containerd} for {@code containerd/1.6.20~ds1})
 */
record RegistryTraffic(
    long totalBytes,
    Map<String, Long> blobBytes,
    Map<String, Long> blobRequests,
    Map<String, Long> blobRangeRequests,
    Map<String, Long> clientRequests) {

  private static final Pattern METHOD = Pattern.compile(" http\\.request\\.method=(\\w+)");
  // logrus quotes a value with characters such as ':' (every digest has one), else leaves it bare
  private static final Pattern URI = Pattern.compile(" http\\.request\\.uri=\"?([^\" ]+)");
  private static final Pattern STATUS = Pattern.compile(" http\\.response\\.status=(\\d+)");
  private static final Pattern WRITTEN = Pattern.compile(" http\\.response\\.written=(\\d+)");
  private static final Pattern USER_AGENT =
      Pattern.compile(" http\\.request\\.useragent=\"?([^\"/ ]+)");
  private static final Pattern BLOB =
      Pattern.compile("/v2/.+/blobs/(sha256:[0-9a-f]{64})(?:\\?.*)?");

  static RegistryTraffic of(Stream<String> logLines) {
    long total = 0;
    Map<String, Long> bytes = new HashMap<>();
    Map<String, Long> requests = new HashMap<>();
    Map<String, Long> ranges = new HashMap<>();
    Map<String, Long> clients = new HashMap<>();
    for (String line : (Iterable<String>) logLines::iterator) {
      if (!line.contains("msg=\"response completed")) {
        continue;
      }
      Matcher written = WRITTEN.matcher(line);
      if (!written.find()) {
        continue;
      }
      long n = Long.parseLong(written.group(1));
      total += n;
      Matcher userAgent = USER_AGENT.matcher(line);
      if (userAgent.find()) {
        clients.merge(userAgent.group(1), 1L, Long::sum);
      }
      Matcher method = METHOD.matcher(line);
      Matcher uri = URI.matcher(line);
      Matcher status = STATUS.matcher(line);
      if (method.find()
          && method.group(1).equals("GET")
          && status.find()
          && (status.group(1).equals("200") || status.group(1).equals("206"))
          && uri.find()) {
        Matcher blob = BLOB.matcher(uri.group(1));
        if (blob.matches()) {
          bytes.merge(blob.group(1), n, Long::sum);
          requests.merge(blob.group(1), 1L, Long::sum);
          if (status.group(1).equals("206")) {
            ranges.merge(blob.group(1), 1L, Long::sum);
          }
        }
      }
    }
    return new RegistryTraffic(
        total, Map.copyOf(bytes), Map.copyOf(requests), Map.copyOf(ranges), Map.copyOf(clients));
  }

  long blobBytes(String digest) {
    return blobBytes.getOrDefault(digest, 0L);
  }

  long requestsFrom(String client) {
    return clientRequests.getOrDefault(client, 0L);
  }
}
