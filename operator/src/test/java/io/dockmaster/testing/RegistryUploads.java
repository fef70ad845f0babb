package io.dockmaster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Writes raw blobs and manifests to a plain-HTTP test registry through the distribution API, for
 * content no well-behaved tool would push: signature manifests with hundreds of layers, lying
 * descriptors, missing blobs.
 */
public final class RegistryUploads {

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String host;

  public RegistryUploads(String host) {
    this.host = host;
  }

  /** Uploads {@code content} to {@code repository} in one request; returns its digest. */
  public String putBlob(String repository, byte[] content) {
    String digest = sha256(content);
    HttpResponse<String> started =
        send(
            HttpRequest.newBuilder(uri("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()),
            202);
    String location = started.headers().firstValue("Location").orElseThrow();
    URI upload = URI.create("http://" + host).resolve(location);
    String separator = upload.getQuery() == null ? "?" : "&";
    send(
        HttpRequest.newBuilder(URI.create(upload + separator + "digest=" + digest))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content)),
        201);
    return digest;
  }

  /** Pushes {@code json} as an OCI image manifest tagged {@code tag}; returns its digest. */
  public String putManifest(String repository, String tag, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    send(
        HttpRequest.newBuilder(uri("/v2/" + repository + "/manifests/" + tag))
            .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)),
        201);
    return sha256(bytes);
  }

  /** Deletes a blob (the test registry allows deletes); manifests naming it stay. */
  public void deleteBlob(String repository, String digest) {
    send(HttpRequest.newBuilder(uri("/v2/" + repository + "/blobs/" + digest)).DELETE(), 202);
  }

  private URI uri(String path) {
    return URI.create("http://" + host + path);
  }

  private HttpResponse<String> send(HttpRequest.Builder request, int expectedStatus) {
    try {
      HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
      HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != expectedStatus) {
        throw new IllegalStateException(
            built.method()
                + " "
                + built.uri()
                + " answered "
                + response.statusCode()
                + ": "
                + response.body());
      }
      return response;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(byte[] content) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
