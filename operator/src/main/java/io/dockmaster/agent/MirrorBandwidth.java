package io.dockmaster.agent;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The caps an ImageMirror's spec.distribution puts on each node, on top of the agent's own: bytes
 * this node receives for the mirror's transfers, and bytes it sends peers of the mirror's blobs. A
 * blob several mirrors pin is held to every one of their upload caps.
 */
final class MirrorBandwidth {

  private record Caps(Bandwidth upload, Bandwidth download, Set<Digest> blobs) {}

  private final Bandwidth agentUpload;
  private final Bandwidth agentDownload;
  private final Map<String, Caps> byOwner = new ConcurrentHashMap<>();

  MirrorBandwidth(Bandwidth agentUpload, Bandwidth agentDownload) {
    this.agentUpload = agentUpload;
    this.agentDownload = agentDownload;
  }

  /** Sets an owner's caps (bytes per second, 0 for none) and the blobs they apply to. */
  void set(
      String owner, long uploadBytesPerSecond, long downloadBytesPerSecond, Set<Digest> blobs) {
    Caps current = byOwner.get(owner);
    Bandwidth upload =
        current != null && current.upload().bytesPerSecond() == uploadBytesPerSecond
            ? current.upload()
            : Bandwidth.of(uploadBytesPerSecond);
    Bandwidth download =
        current != null && current.download().bytesPerSecond() == downloadBytesPerSecond
            ? current.download()
            : Bandwidth.of(downloadBytesPerSecond);
    byOwner.put(owner, new Caps(upload, download, Set.copyOf(blobs)));
  }

  void remove(String owner) {
    byOwner.remove(owner);
  }

  /** Waits until {@code bytes} of a transfer for {@code owner} may be received. */
  void acquireDownload(String owner, int bytes) throws InterruptedException {
    agentDownload.acquire(bytes);
    Caps caps = owner == null ? null : byOwner.get(owner);
    if (caps != null) {
      caps.download().acquire(bytes);
    }
  }

  /** Waits until {@code bytes} of {@code blob} may be sent to a peer. */
  void acquireUpload(Digest blob, int bytes) throws InterruptedException {
    agentUpload.acquire(bytes);
    for (Bandwidth cap : uploadCapsOf(blob)) {
      cap.acquire(bytes);
    }
  }

  private List<Bandwidth> uploadCapsOf(Digest blob) {
    List<Bandwidth> caps = new ArrayList<>();
    for (Caps owner : byOwner.values()) {
      if (owner.upload().isLimited() && owner.blobs().contains(blob)) {
        caps.add(owner.upload());
      }
    }
    return caps;
  }
}
