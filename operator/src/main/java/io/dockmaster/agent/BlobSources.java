package io.dockmaster.agent;

import io.dockmaster.agent.TransferFailure.Reason;
import io.dockmaster.control.BlobPiece;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.registry.BlobFrom;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.DockerConfig;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.MediaTypes;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistryException;
import io.dockmaster.registry.RegistrySettings;
import io.dockmaster.registry.RegistrySettings.Security;
import io.dockmaster.status.ErrorMessages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens a blob's bytes at the source a transfer order names: the upstream registry through the
 * registry client (auth, redirects to storage, retries of the request), or a peer agent over mutual
 * TLS, which streams it even while it is still receiving it.
 */
final class BlobSources implements BlobSource {

  /** GETs from peer agents, presenting this agent's identity and accepting only the named node. */
  interface PeerBlobs {
    /**
     * The peer's answer to a GET of {@code uri}, from byte {@code offset} up to byte {@code last}
     * (-1: to the end); the caller reads or closes its body.
     */
    PeerAnswer get(String node, String uri, long offset, long last)
        throws IOException, InterruptedException;
  }

  private final RegistrySettings registryDefaults;
  private final PeerBlobs peers;
  private final Map<String, RegistryClient> upstreamClients = new ConcurrentHashMap<>();

  BlobSources(RegistrySettings registryDefaults, PeerBlobs peers) {
    this.registryDefaults = registryDefaults;
    this.peers = peers;
  }

  @Override
  public BlobFrom open(TransferOrder order, Digest digest, long offset) throws TransferFailure {
    TransferSource source = order.source();
    BlobPiece piece = order.piece();
    long first = piece == null ? offset : piece.offset() + offset;
    long end = piece == null ? order.size() : piece.end();
    BlobFrom from =
        source.fromUpstream()
            ? openUpstream(source.upstream(), order, digest, first, end)
            : openPeer(source, order, digest, first, end);
    // Positions of a piece count from its first byte; a source that sent the whole blob starts
    // before it.
    return piece == null ? from : new BlobFrom(from.body(), from.startsAt() - piece.offset());
  }

  private BlobFrom openUpstream(
      UpstreamAccess access, TransferOrder order, Digest digest, long first, long end)
      throws TransferFailure {
    RegistryClient client = upstreamClient(access);
    if (access.hasCredentials()) {
      CredentialsProvider credentials = DockerConfig.parse(access.dockerConfigJson());
      client = client.withCredentials(credentials);
    }
    ImageReference repository =
        ImageReference.parseRepository(access.registry() + "/" + order.repository());
    try {
      if (MediaTypes.isManifest(order.mediaType()) || MediaTypes.isIndex(order.mediaType())) {
        // Registries serve manifests only under /manifests/; the client checks the digest.
        byte[] manifest = client.fetchManifest(repository.withDigest(digest)).raw();
        return new BlobFrom(new ByteArrayInputStream(manifest), 0);
      }
      return client.openBlobRange(
          repository, new Descriptor(order.mediaType(), digest, order.size()), first, end);
    } catch (RegistryException e) {
      throw new TransferFailure(reasonOf(e), ErrorMessages.of(e), e);
    }
  }

  private static Reason reasonOf(RegistryException e) {
    return switch (e.kind()) {
      case UNAUTHORIZED, FORBIDDEN -> Reason.UpstreamUnauthorized;
      case NOT_FOUND -> Reason.SourceMissing;
      case UNREACHABLE -> Reason.SourceUnreachable;
      case DIGEST_MISMATCH -> Reason.DigestMismatch;
      default -> Reason.UpstreamFailed;
    };
  }

  private RegistryClient upstreamClient(UpstreamAccess access) {
    Security security =
        access.plainHttpOnly()
            ? Security.PLAIN_HTTP
            : access.insecure()
                ? Security.INSECURE
                : registryDefaults.securityFor(access.registry());
    return upstreamClients.computeIfAbsent(
        access.registry() + "|" + security,
        key ->
            RegistryClient.builder()
                .settings(
                    RegistrySettings.builder()
                        .connectTimeout(registryDefaults.connectTimeout())
                        .requestTimeout(registryDefaults.requestTimeout())
                        .retryPolicy(registryDefaults.retryPolicy())
                        .userAgent(registryDefaults.userAgent())
                        .security(access.registry(), security)
                        .build())
                .build());
  }

  private BlobFrom openPeer(
      TransferSource source, TransferOrder order, Digest digest, long offset, long end)
      throws TransferFailure {
    String peer = TransferSource.PEER_LABEL_PREFIX + source.node();
    List<String> query = new ArrayList<>();
    if (order.slowReceiver()) {
      query.add(BlobResponder.PACE + "=" + BlobResponder.UNPACED);
    }
    if (order.piece() != null) {
      // "+" encoded: in a query it would read as a space.
      query.add(
          BlobResponder.PIECE + "=" + order.piece().offset() + "%2B" + order.piece().length());
    }
    String uri =
        source.endpoint()
            + "/v2/"
            + order.repository()
            + "/blobs/"
            + digest
            + (query.isEmpty() ? "" : "?" + String.join("&", query));
    PeerAnswer response;
    try {
      response = peers.get(source.node(), uri, offset, end < order.size() ? end - 1 : -1);
    } catch (IOException e) {
      throw new TransferFailure(
          Reason.SourceUnreachable,
          peer + " at " + source.endpoint() + ": " + ErrorMessages.of(e),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransferFailure(Reason.Interrupted, "interrupted while connecting to " + peer);
    }
    if (response.status() == 200) {
      return new BlobFrom(response.body(), 0);
    }
    if (response.status() == 206) {
      String range = response.contentRange().orElse("");
      if (BlobFrom.rangeStartsAt(range, offset)) {
        return new BlobFrom(response.body(), offset);
      }
      closeQuietly(response.body());
      throw new TransferFailure(
          Reason.SourceUnreachable,
          peer + " answered a request from byte " + offset + " with Content-Range '" + range + "'");
    }
    closeQuietly(response.body());
    if (response.status() == 404) {
      throw new TransferFailure(Reason.SourceMissing, peer + " does not have " + digest);
    }
    throw new TransferFailure(
        Reason.SourceUnreachable, peer + " answered HTTP " + response.status());
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // Nothing was read from it; the failure reported is the status.
    }
  }
}
