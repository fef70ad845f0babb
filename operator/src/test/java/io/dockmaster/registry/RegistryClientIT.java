package io.dockmaster.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.registry.RegistryException.Kind;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real distribution registry, with images built by crane. */
class RegistryClientIT {

  @TempDir static Path tmp;

  private static RegistryServer registry;
  private static final TestImages crane = TestImages.anonymous();
  private static String host;
  private static String singleDigest;
  private static String amd64Digest;
  private static String arm64Digest;
  private static String indexDigest;

  private final RegistryClient client = RegistryClient.builder().build();

  @BeforeAll
  static void pushImages() {
    registry = RegistryServer.distribution().start();
    host = registry.host();
    Path layer = TestImages.layer(tmp, Map.of("etc/app.conf", "greeting=hello\n"));
    singleDigest = crane.push(host + "/team/app:1.0", layer);
    amd64Digest =
        crane.mutate(host + "/team/app:1.0", host + "/team/app:amd64", "1000", "linux/amd64");
    arm64Digest =
        crane.mutate(
            host + "/team/app:1.0", host + "/team/app:arm64", "2000:2000", "linux/arm64/v8");
    indexDigest =
        crane.index(host + "/team/app:multi", host + "/team/app:amd64", host + "/team/app:arm64");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  private static ImageReference ref(String reference) {
    return ImageReference.parse(host + "/" + reference);
  }

  @Test
  void resolvesTagToTheDigestCranePrints() {
    Descriptor descriptor = client.resolve(ref("team/app:1.0"));

    assertThat(descriptor.digest()).hasToString(singleDigest);
    assertThat(descriptor.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
    assertThat(descriptor.size())
        .isEqualTo(
            crane
                .crane("manifest", host + "/team/app:1.0")
                .getBytes(StandardCharsets.UTF_8)
                .length);
  }

  @Test
  void resolvesIndexAndDigestReferences() {
    assertThat(client.resolve(ref("team/app:multi")).digest()).hasToString(indexDigest);
    assertThat(client.resolve(ref("team/app:multi")).mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(client.resolve(ref("team/app@" + amd64Digest)).digest()).hasToString(amd64Digest);
  }

  @Test
  void fetchesManifestWithVerifiedRawBytes() {
    FetchedManifest fetched = client.fetchManifest(ref("team/app:1.0"));

    assertThat(fetched.digest()).hasToString(singleDigest);
    assertThat(new String(fetched.raw(), StandardCharsets.UTF_8))
        .isEqualTo(crane.crane("manifest", host + "/team/app:1.0"));
    Manifest manifest = fetched.manifest().orElseThrow();
    assertThat(manifest.layers()).hasSize(1);
    assertThat(manifest.config().mediaType()).isEqualTo(MediaTypes.DOCKER_CONFIG);
  }

  @Test
  void selectsThePlatformManifestFromAnIndex() {
    FetchedManifest index = client.fetchManifest(ref("team/app:multi"));
    ImageIndex parsed = index.index().orElseThrow();

    assertThat(parsed.manifests()).hasSize(2);
    assertThat(RegistryClient.selectPlatform(parsed, Platform.parse("linux/arm64")))
        .hasValueSatisfying(d -> assertThat(d.digest()).hasToString(arm64Digest));
    assertThat(client.fetchManifest(ref("team/app:multi"), Platform.LINUX_AMD64).digest())
        .hasToString(amd64Digest);
    assertThat(
            client
                .fetchManifest(ref("team/app:multi"), Platform.parse("linux/aarch64/v8"))
                .digest())
        .hasToString(arm64Digest);
  }

  @Test
  void listsTheImageManifestOfEveryPlatform() {
    assertThat(client.fetchImageManifests(ref("team/app:multi")))
        .extracting(m -> m.digest().toString())
        .containsExactly(amd64Digest, arm64Digest);
    assertThat(client.fetchImageManifests(ref("team/app:1.0")))
        .singleElement()
        .satisfies(m -> assertThat(m.manifest().orElseThrow().layers()).hasSize(1));
  }

  @Test
  void missingPlatformIsNotFoundAndListsWhatExists() {
    assertThatThrownBy(
            () -> client.fetchManifest(ref("team/app:multi"), Platform.parse("linux/s390x")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
        .hasMessage(
            "registry "
                + host
                + " has no linux/s390x image in manifest team/app:multi"
                + " (available: linux/amd64, linux/arm64)");
  }

  @Test
  void readsTheConfigUserPerPlatform() {
    ImageConfig amd64 = client.fetchConfig(ref("team/app:multi"), Platform.LINUX_AMD64);
    ImageConfig arm64 = client.fetchConfig(ref("team/app:multi"), Platform.LINUX_ARM64);
    Manifest single = client.fetchManifest(ref("team/app:1.0")).manifest().orElseThrow();

    assertThat(amd64.user()).contains("1000");
    assertThat(amd64.platform()).isEqualTo(Platform.LINUX_AMD64);
    assertThat(arm64.user()).contains("2000:2000");
    assertThat(arm64.platform()).isEqualTo(Platform.LINUX_ARM64);
    assertThat(arm64.variant()).isEqualTo("v8");
    assertThat(client.fetchConfig(ref("team/app:1.0"), single).user()).isEmpty();
    assertThat(arm64.rootfs().diffIds()).hasSize(1);
  }

  @Test
  void streamsBlobsByteIdenticalToStorageAndVerified() throws Exception {
    Descriptor layer =
        client.fetchManifest(ref("team/app:1.0")).manifest().orElseThrow().layers().get(0);

    byte[] streamed;
    try (DigestVerifyingInputStream in = client.openBlob(ref("team/app:1.0"), layer)) {
      streamed = in.readAllBytes();
      assertThat(in.bytesRead()).isEqualTo(layer.size());
    }

    assertThat(streamed)
        .isEqualTo(Files.readAllBytes(registry.blobDataFile(layer.digest().toString())));
    assertThat(Digest.sha256(streamed)).isEqualTo(layer.digest());
    try (InputStream in = client.openBlob(ref("team/app:1.0"), layer.digest())) {
      assertThat(in.readAllBytes()).isEqualTo(streamed);
    }
  }

  @Test
  void continuesABlobFromAByteOnward() throws Exception {
    Descriptor layer =
        client.fetchManifest(ref("team/app:1.0")).manifest().orElseThrow().layers().get(0);
    byte[] stored = Files.readAllBytes(registry.blobDataFile(layer.digest().toString()));
    int offset = stored.length / 3;

    BlobFrom rest = client.openBlobFrom(ref("team/app:1.0"), layer, offset);
    try (InputStream in = rest.body()) {
      assertThat(rest.startsAt()).as("the registry honoured the range").isEqualTo(offset);
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(stored, offset, stored.length));
    }
  }

  @Test
  void detectsABlobCorruptedInStorage() throws Exception {
    Path layerTar =
        TestImages.layer(tmp, Map.of("corrupt-me.txt", "unique content for this test\n"));
    crane.push(host + "/team/corrupt:1", layerTar);
    Descriptor layer =
        client.fetchManifest(ref("team/corrupt:1")).manifest().orElseThrow().layers().get(0);
    Path data = registry.blobDataFile(layer.digest().toString());
    byte[] bytes = Files.readAllBytes(data);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(data, bytes);

    assertThatThrownBy(
            () -> {
              try (InputStream in = client.openBlob(ref("team/corrupt:1"), layer)) {
                in.readAllBytes();
              }
            })
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageStartingWith(
            "registry " + host + " served blob " + layer.digest() + " in repository team/corrupt")
        .hasMessageContaining("with content whose digest is sha256:");
    assertThatThrownBy(() -> client.readBlob(ref("team/corrupt:1"), layer, 1 << 20))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH));
  }

  @Test
  void detectsAManifestCorruptedInStorage() throws Exception {
    Path layerTar = TestImages.layer(tmp, Map.of("manifest-victim.txt", "another unique layer\n"));
    String digest = crane.push(host + "/team/tampered:1", layerTar);
    Path data = registry.blobDataFile(digest);
    String json = Files.readString(data);
    Files.writeString(data, json.replace("\"schemaVersion\":2", "\"schemaVersion\": 2"));

    assertThatThrownBy(() -> client.fetchManifest(ref("team/tampered:1")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH))
        .hasMessageContaining("manifest team/tampered:1")
        .hasMessageContaining("instead of " + digest);
    assertThatThrownBy(() -> client.fetchManifest(ref("team/tampered@" + digest)))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH));
  }

  @Test
  void unknownTagIsNotFoundWithTheRegistryError() {
    String expected =
        "registry "
            + host
            + " has no manifest team/app:nope (404 Not Found, MANIFEST_UNKNOWN: manifest unknown)";

    assertThatThrownBy(() -> client.resolve(ref("team/app:nope")))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
              assertThat(e.status()).contains(404);
            })
        .hasMessage(expected);
    assertThatThrownBy(() -> client.fetchManifest(ref("team/app:nope"))).hasMessage(expected);
  }

  @Test
  void unknownRepositoryAndBlobAreNotFound() {
    assertThatThrownBy(() -> client.listTags(ref("team/nothing")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
        .hasMessageContaining("has no tags of repository team/nothing")
        .hasMessageContaining("NAME_UNKNOWN");
    Digest missing = Digest.sha256("never pushed".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> client.openBlob(ref("team/app"), missing))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
        .hasMessageStartingWith(
            "registry "
                + host
                + " has no blob "
                + missing
                + " in repository team/app (404 Not Found");
  }

  @Test
  void listsTagsAndPagesTheCatalogByLinkHeader() {
    List<String> tags = client.listTags(ImageReference.parseRepository(host + "/team/app"), 2);

    assertThat(tags).containsExactlyInAnyOrder("1.0", "amd64", "arm64", "multi");
    assertThat(client.listTags(ImageReference.parseRepository(host + "/team/app")))
        .containsExactlyInAnyOrderElementsOf(tags);
    crane.push(host + "/catalog/one:1", TestImages.layer(tmp, Map.of("c1", "1")));
    crane.push(host + "/catalog/two:1", TestImages.layer(tmp, Map.of("c2", "2")));
    assertThat(client.listRepositories(host, 1))
        .contains("catalog/one", "catalog/two", "team/app")
        .doesNotHaveDuplicates()
        .isSorted();
  }

  @Test
  void unreachableRegistryFailsAfterBoundedRetries() {
    List<Duration> sleeps = new ArrayList<>();
    RegistryClient impatient =
        RegistryClient.builder()
            .settings(
                RegistrySettings.builder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .retryPolicy(
                        new RetryPolicy(
                            3, Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofSeconds(1)))
                    .build())
            .sleeper(sleeps::add)
            .build();
    String nowhere = "127.0.0.1:" + RegistryServer.freePort();

    assertThatThrownBy(() -> impatient.resolve(ImageReference.parse(nowhere + "/team/app:1.0")))
        .isInstanceOfSatisfying(
            RegistryException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE);
              assertThat(e.kind().isTransient()).isTrue();
            })
        .hasMessage(
            "registry "
                + nowhere
                + " is unreachable for manifest team/app:1.0: connection refused after 3 attempts");
    assertThat(sleeps)
        .hasSize(2)
        .allSatisfy(d -> assertThat(d).isBetween(Duration.ofMillis(5), Duration.ofMillis(40)));
  }

  @Test
  void plainHttpRegistryIsReachedWithExplicitSetting() {
    RegistryClient plain =
        RegistryClient.builder()
            .settings(
                RegistrySettings.builder()
                    .security(host, RegistrySettings.Security.PLAIN_HTTP)
                    .build())
            .build();

    assertThat(plain.resolve(ref("team/app:1.0")).digest()).hasToString(singleDigest);
  }

  @Test
  void tlsOnlyClientFailsClearlyAgainstPlainHttpRegistry() {
    RegistryClient strict =
        RegistryClient.builder()
            .settings(
                RegistrySettings.builder()
                    .security(host, RegistrySettings.Security.TLS)
                    .retryPolicy(RetryPolicy.NONE)
                    .build())
            .build();

    assertThatThrownBy(() -> strict.resolve(ref("team/app:1.0")))
        .isInstanceOfSatisfying(
            RegistryException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE))
        .hasMessage(
            "registry "
                + host
                + " is unreachable for manifest team/app:1.0:"
                + " TLS handshake failed: the server does not speak TLS");
  }
}
