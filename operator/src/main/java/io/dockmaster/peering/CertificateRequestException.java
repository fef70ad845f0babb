package io.dockmaster.peering;

/** An agent could not get a certificate; the message says why and what to check. */
public final class CertificateRequestException extends Exception {

  public CertificateRequestException(String message) {
    super(message);
  }

  public CertificateRequestException(String message, Throwable cause) {
    super(message, cause);
  }
}
