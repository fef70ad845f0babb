package io.dockmaster.admission;

import io.dockmaster.pki.Pem;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Sends one AdmissionReview over a new TLS connection that trusts exactly the given caBundle and
 * checks the host name, as the API server does: every call is a fresh handshake, so a certificate
 * the bundle does not cover fails the call instead of hiding behind a kept-alive connection.
 */
public final class AdmissionProbe {

  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final int TIMEOUT_MILLIS = 10_000;

  /**
   * @param status the HTTP status
   * @param head the status line and headers
   * @param serving the certificate the server presented
   */
  public record Answer(int status, String head, String body, X509Certificate serving) {
    public BigInteger serial() {
      return serving.getSerialNumber();
    }
  }

  private AdmissionProbe() {}

  /** An allowed pod's CREATE, sent to https://127.0.0.1:port/validate. */
  public static Answer send(int port, String caBundlePem) throws IOException {
    String body =
        JSON.asJson(
            new AdmissionReviewBuilder()
                .withRequest(AdmissionRequests.create(Workloads.pod("team", "probe", "nginx")))
                .build());
    try (SSLSocket socket = (SSLSocket) context(caBundlePem).getSocketFactory().createSocket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      X509Certificate serving = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      byte[] payload = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /validate?timeout=10s HTTP/1.1\r\nHost: 127.0.0.1:"
                  + port
                  + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + payload.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(payload);
      out.flush();
      String response = new String(readAll(socket.getInputStream()), StandardCharsets.UTF_8);
      int status = Integer.parseInt(response.substring(9, 12));
      int end = response.indexOf("\r\n\r\n");
      return new Answer(status, response.substring(0, end), response.substring(end + 4), serving);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }

  private static SSLContext context(String caBundlePem) {
    try {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      List<X509Certificate> authorities = Pem.readCertificates(caBundlePem, "the caBundle");
      for (int i = 0; i < authorities.size(); i++) {
        trusted.setCertificateEntry("ca-" + i, authorities.get(i));
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
