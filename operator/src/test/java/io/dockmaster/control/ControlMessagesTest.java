package io.dockmaster.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The control channel's JSON: what the operator writes is what the agent reads. */
class ControlMessagesTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void ordersRoundTripWithEitherKindOfSource() throws Exception {
    TransferOrders orders =
        new TransferOrders(
            List.of(
                new TransferOrder(
                    "sha256:" + "a".repeat(64),
                    10,
                    "application/vnd.oci.image.layer.v1.tar",
                    "team/app",
                    TransferSource.peer("node-2", "https://10.0.0.2:30020"),
                    "uid-1"),
                new TransferOrder(
                    "sha256:" + "b".repeat(64),
                    20,
                    null,
                    "team/app",
                    TransferSource.upstream(
                        new UpstreamAccess("registry.example.com", false, "{\"auths\":{}}")),
                    "uid-1")));

    TransferOrders read = json.readValue(json.writeValueAsBytes(orders), TransferOrders.class);

    assertThat(read).isEqualTo(orders);
    assertThat(read.transfers().get(0).source().node()).isEqualTo("node-2");
    assertThat(read.transfers().get(0).source().label()).isEqualTo("peer/node-2");
    assertThat(read.transfers().get(1).source().fromUpstream()).isTrue();
    assertThat(read.transfers().get(1).source().label()).isEqualTo("upstream");
  }

  @Test
  void plainHttpTravelsWithTheUpstreamAndOnlyForAnInsecureRegistry() throws Exception {
    UpstreamAccess found = UpstreamAccess.anonymous("10.0.0.5:5000", true).withPlainHttp(true);

    UpstreamAccess read = json.readValue(json.writeValueAsString(found), UpstreamAccess.class);

    assertThat(read.plainHttpOnly()).isTrue();
    assertThat(
            json.readValue(
                    "{\"registry\":\"10.0.0.5:5000\",\"insecure\":true}", UpstreamAccess.class)
                .plainHttpOnly())
        .as("an older operator's order says nothing: the agent tries TLS first, as before")
        .isFalse();
    assertThat(UpstreamAccess.anonymous("registry.example.com", false).withPlainHttp(true))
        .as("a registry that must speak verified TLS never goes over plain HTTP")
        .satisfies(access -> assertThat(access.plainHttpOnly()).isFalse());
    assertThat(new UpstreamAccess("registry.example.com", false, true, null).plainHttpOnly())
        .isFalse();
  }

  @Test
  void aTransferToWaitBehindTravelsAndSoDoesItsWaiting() throws Exception {
    String first = "sha256:" + "a".repeat(64);
    TransferOrder order =
        new TransferOrder(
                "sha256:" + "b".repeat(64),
                20,
                null,
                "team/app",
                TransferSource.peer("node-2", "https://10.0.0.2:30020"),
                "uid-1")
            .waitingBehind(first);
    BlobState waiting =
        new BlobState(
            order.digest(),
            BlobState.Phase.RECEIVING,
            0,
            "peer/node-2",
            null,
            null,
            0L,
            null,
            true,
            null);

    assertThat(json.readValue(json.writeValueAsString(order), TransferOrder.class).after())
        .isEqualTo(first);
    assertThat(json.readValue(json.writeValueAsString(waiting), BlobState.class).waitsToStart())
        .isTrue();
    assertThat(
            json.readValue(
                    "{\"digest\":\"%s\",\"phase\":\"RECEIVING\",\"received\":5}".formatted(first),
                    BlobState.class)
                .waitsToStart())
        .as("an older agent's transfer in flight is under way")
        .isFalse();
    assertThat(json.writeValueAsString(order.waitingBehind(null)))
        .as("an order that starts at once says nothing of waiting")
        .doesNotContain("after");
  }

  @Test
  void credentialsNeverShowInToString() {
    UpstreamAccess access =
        new UpstreamAccess(
            "registry.example.com", false, "{\"auths\":{\"x\":{\"auth\":\"c2VjcmV0\"}}}");

    assertThat(access.toString()).doesNotContain("c2VjcmV0").contains("<redacted>");
    assertThat(TransferSource.upstream(access).toString()).doesNotContain("c2VjcmV0");
  }

  @Test
  void reportsRoundTrip() throws Exception {
    AgentReport report =
        new AgentReport(
            "node-1",
            List.of(
                new BlobState(
                    "sha256:" + "c".repeat(64),
                    BlobState.Phase.FAILED,
                    0,
                    "peer/node-2",
                    "DigestMismatch",
                    "bytes from peer/node-2 hashed to something else"),
                new BlobState(
                    "sha256:" + "d".repeat(64),
                    BlobState.Phase.RECEIVING,
                    1234,
                    "upstream",
                    null,
                    null,
                    5678L),
                new BlobState(
                    "sha256:" + "e".repeat(64) + "@100+100",
                    BlobState.Phase.FAILED,
                    0,
                    "several sources",
                    "DigestMismatch",
                    "the pieces of blob ... together hashed to ...",
                    null,
                    List.of("peer/node-2", "peer/node-3"),
                    null,
                    List.of(
                        new ReceivedPiece(0, 100, "peer/node-2", "sha256:" + "1".repeat(64)),
                        new ReceivedPiece(100, 100, null, "sha256:" + "2".repeat(64))))),
            1,
            2,
            3,
            4,
            5,
            42);

    assertThat(json.readValue(json.writeValueAsBytes(report), AgentReport.class)).isEqualTo(report);
  }

  @Test
  void anInventoryQueryWaitsOnlyWhenItNamesAVersion() throws Exception {
    String digest = "sha256:" + "d".repeat(64);
    InventoryQuery held = new InventoryQuery(List.of(digest), 7L, 5000);

    assertThat(json.readValue(json.writeValueAsBytes(held), InventoryQuery.class)).isEqualTo(held);
    assertThat(json.readValue("{\"digests\":[\"" + digest + "\"]}", InventoryQuery.class))
        .as("a query without a version, as older operators send it")
        .isEqualTo(new InventoryQuery(List.of(digest)))
        .extracting(InventoryQuery::afterVersion, InventoryQuery::waitMillis)
        .containsExactly(null, 0L);
  }

  @Test
  void checksRoundTrip() throws Exception {
    BlobChecks checks =
        new BlobChecks(
            List.of(
                new BlobCheck("sha256:" + "e".repeat(64), BlobCheck.Outcome.INTACT),
                new BlobCheck("sha256:" + "f".repeat(64), BlobCheck.Outcome.UNREADABLE),
                new BlobCheck(
                    "sha256:" + "a".repeat(64),
                    BlobCheck.Outcome.INTACT,
                    List.of(new RangeDigest(100, 100, "sha256:" + "3".repeat(64))))));

    assertThat(json.readValue(json.writeValueAsBytes(checks), BlobChecks.class)).isEqualTo(checks);
  }

  @Test
  void verificationsCarryTheRangesToHashAndOlderRequestsNone() throws Exception {
    String digest = "sha256:" + "a".repeat(64);
    BlobVerifications withRanges =
        new BlobVerifications(
            List.of(digest),
            Map.of(digest, List.of(new BlobRange(0, 100), new BlobRange(200, 50))));

    assertThat(json.readValue(json.writeValueAsBytes(withRanges), BlobVerifications.class))
        .isEqualTo(withRanges);
    assertThat(json.readValue("{\"digests\":[\"" + digest + "\"]}", BlobVerifications.class))
        .as("as older operators send it")
        .isEqualTo(new BlobVerifications(List.of(digest)))
        .extracting(request -> request.rangesOf(digest))
        .asList()
        .isEmpty();
    assertThat(json.writeValueAsString(new BlobVerifications(List.of(digest))))
        .as("what older agents read")
        .isEqualTo("{\"digests\":[\"" + digest + "\"]}");
  }
}
