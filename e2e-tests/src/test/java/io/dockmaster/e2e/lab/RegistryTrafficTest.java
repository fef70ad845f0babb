package io.dockmaster.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RegistryTrafficTest {

  private static final String BLOB =
      "sha256:2997ae7f7f4b04bad6faea13fa5b69299fab4c14cb9c70376121790d1711d7b9";

  // Shapes of real distribution 2.8.2 lines (timestamps and ids shortened).
  private static String line(String method, String uri, int status, long written) {
    return "time=\"2026-11-28T02:15:28Z\" level=info msg=\"response completed"
        + (status >= 400 ? " with error" : "")
        + "\" go.version=go1.19.8 http.request.host=\"198.18.1.1:5000\" http.request.method="
        + method
        + " http.request.remoteaddr=\"198.18.1.2:40454\" http.request.uri="
        + uri
        + " http.request.useragent=curl/7.88.1 http.response.status="
        + status
        + " http.response.written="
        + written;
  }

  @Test
  void blobGetsCountPerDigestAndEveryResponseCountsInTheTotal() {
    RegistryTraffic traffic =
        RegistryTraffic.of(
            Stream.of(
                line("GET", "/v2/", 200, 2),
                line("GET", "\"/v2/lab/app/blobs/" + BLOB + "\"", 200, 3_002_551),
                // a containerd mirror request carries the upstream as ?ns=
                line("GET", "\"/v2/lab/app/blobs/" + BLOB + "?ns=198.18.1.1%3A5000\"", 206, 1_000),
                line("HEAD", "\"/v2/lab/app/blobs/" + BLOB + "\"", 200, 0),
                // a 404's error body is counted in the total, but it is no blob
                line("GET", "\"/v2/x/blobs/" + BLOB + "\"", 404, 157),
                line("POST", "/v2/lab/app/blobs/uploads/", 202, 0),
                "time=\"2026-11-28T02:15:28Z\" level=info msg=\"listening on 198.18.1.1:5000\""));

    assertThat(traffic.blobBytes()).isEqualTo(Map.of(BLOB, 3_002_551L + 1_000));
    assertThat(traffic.blobRequests()).isEqualTo(Map.of(BLOB, 2L));
    assertThat(traffic.blobRangeRequests()).isEqualTo(Map.of(BLOB, 1L));
    assertThat(traffic.totalBytes()).isEqualTo(2 + 3_002_551L + 1_000 + 157);
    assertThat(traffic.clientRequests()).isEqualTo(Map.of("curl", 6L));
  }

  @Test
  void requestsCountPerClientWhetherTheUserAgentIsQuotedOrNot() {
    String containerd =
        line("HEAD", "/v2/lab/app/manifests/1", 200, 0)
            .replace("useragent=curl/7.88.1", "useragent=\"containerd/1.6.20~ds1\"");
    String crane =
        line("GET", "/v2/", 401, 87)
            .replace(
                "useragent=curl/7.88.1", "useragent=\"crane/0.22.1 go-containerregistry/0.22.1\"");

    RegistryTraffic traffic = RegistryTraffic.of(Stream.of(containerd, containerd, crane));

    assertThat(traffic.requestsFrom("containerd")).isEqualTo(2);
    assertThat(traffic.requestsFrom("crane")).isEqualTo(1);
    assertThat(traffic.requestsFrom("curl")).isZero();
  }

  @Test
  void nothingLoggedIsNothingServed() {
    RegistryTraffic traffic = RegistryTraffic.of(Stream.empty());

    assertThat(traffic.totalBytes()).isZero();
    assertThat(traffic.blobBytes(BLOB)).isZero();
    assertThat(traffic.clientRequests()).isEmpty();
  }
}
