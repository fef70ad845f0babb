package io.dockmaster.admission;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the certificate and key when their content changes. Polls the content rather than using
 * a file-system watch: a mounted Secret changes by swapping a {@code ..data} symlink, which watches
 * on the files themselves miss.
 */
final class CertificateWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CertificateWatcher.class);

  private final Vertx vertx;
  private final Path certFile;
  private final Path keyFile;
  private Consumer<ServingCertificate> reload;
  private String loaded;
  private String lastFailed;
  private long timer = -1;

  CertificateWatcher(Vertx vertx, Path certFile, Path keyFile) {
    this.vertx = vertx;
    this.certFile = certFile;
    this.keyFile = keyFile;
  }

  /** Reads the files once, for the server to start with. */
  ServingCertificate load() {
    Contents contents = read();
    ServingCertificate certificate = ServingCertificate.parse(contents.cert(), contents.key());
    synchronized (this) {
      loaded = contents.fingerprint();
    }
    return certificate;
  }

  /**
   * @param reload hands a new, checked certificate to the server
   */
  synchronized void start(Duration interval, Consumer<ServingCertificate> reload) {
    this.reload = reload;
    timer =
        vertx.setPeriodic(
            interval.toMillis(),
            id ->
                vertx.executeBlocking(
                    () -> {
                      check();
                      return null;
                    },
                    true));
  }

  /** Applies the files if they changed; a bad pair is logged once and the old one kept. */
  synchronized void check() {
    Contents contents;
    try {
      contents = read();
    } catch (IllegalArgumentException e) {
      warnOnce("unreadable", e.getMessage());
      return;
    }
    if (contents.fingerprint().equals(loaded)) {
      return;
    }
    try {
      ServingCertificate certificate = ServingCertificate.parse(contents.cert(), contents.key());
      reload.accept(certificate);
      loaded = contents.fingerprint();
      lastFailed = null;
      log.info(
          "admission webhook now serves the certificate for {} (serial {}, valid until {})",
          certificate.leaf().getSubjectX500Principal().getName(),
          certificate.leaf().getSerialNumber().toString(16),
          certificate.leaf().getNotAfter().toInstant());
    } catch (RuntimeException e) {
      // A rotation writes the two files one after the other; the next poll sees them agree.
      warnOnce(contents.fingerprint(), e.getMessage());
    }
  }

  private void warnOnce(String key, String problem) {
    if (!key.equals(lastFailed)) {
      lastFailed = key;
      log.warn(
          "keeping the current webhook certificate: {} and {}: {}", certFile, keyFile, problem);
    }
  }

  private Contents read() {
    try {
      String cert = Files.readString(certFile, StandardCharsets.US_ASCII);
      String key = Files.readString(keyFile, StandardCharsets.US_ASCII);
      return new Contents(cert, key, sha256(cert + "\n" + key));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read " + certFile + " and " + keyFile + ": " + e.getMessage(), e);
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  private record Contents(String cert, String key, String fingerprint) {}
}
