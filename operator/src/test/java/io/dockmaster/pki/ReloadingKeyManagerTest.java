package io.dockmaster.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

class ReloadingKeyManagerTest {

  private static final TestChain FIRST = TestChain.issue("first.example");
  private static final TestChain SECOND = TestChain.issue("second.example");
  private static final TestChain THIRD = TestChain.issue("third.example");

  private final AtomicReference<CertifiedKey> current = new AtomicReference<>(FIRST);

  @Test
  void eachSwapGetsANewAliasAndTheOneBeforeStillResolves() {
    ReloadingKeyManager manager = ReloadingKeyManager.forServer(current::get);

    String first = manager.chooseEngineServerAlias("EC", null, null);
    assertThat(manager.chooseServerAlias("EC", null, null))
        .as("no swap, same alias")
        .isEqualTo(first);
    current.set(SECOND);
    String second = manager.chooseEngineServerAlias("EC", null, null);

    assertThat(second).isNotEqualTo(first);
    assertThat(manager.getCertificateChain(second)).containsExactly(SECOND.leaf());
    assertThat(manager.getPrivateKey(second)).isEqualTo(SECOND.privateKey());
    assertThat(manager.getCertificateChain(first)).containsExactly(FIRST.leaf());
    assertThat(manager.getPrivateKey(first)).isEqualTo(FIRST.privateKey());

    current.set(THIRD);
    String third = manager.chooseServerAlias("EC", null, null);

    assertThat(manager.getCertificateChain(third)).containsExactly(THIRD.leaf());
    assertThat(manager.getCertificateChain(second)).containsExactly(SECOND.leaf());
    assertThat(manager.getCertificateChain(first)).isNull();
    assertThat(manager.getPrivateKey(first)).isNull();
  }

  @Test
  void onlyKeyTypesTheKeySuitsGetAnAlias() {
    ReloadingKeyManager manager = ReloadingKeyManager.forServer(current::get);

    assertThat(manager.chooseServerAlias("EC_EC", null, null)).isNotNull();
    assertThat(manager.getServerAliases("ec", null)).hasSize(1);
    assertThat(manager.chooseServerAlias("RSA", null, null)).isNull();
    assertThat(manager.getServerAliases("RSA", null)).isNull();
    assertThat(manager.chooseServerAlias(null, null, null)).isNull();
  }

  @Test
  void aServerKeyIsNeverOfferedAsAClientKey() {
    ReloadingKeyManager server = ReloadingKeyManager.forServer(current::get);
    ReloadingKeyManager mutual = ReloadingKeyManager.forServerAndClient(current::get);

    assertThat(server.chooseClientAlias(new String[] {"EC"}, null, null)).isNull();
    assertThat(server.chooseEngineClientAlias(new String[] {"EC"}, null, null)).isNull();
    assertThat(server.getClientAliases("EC", null)).isNull();
    String alias = mutual.chooseClientAlias(new String[] {"RSA", "EC"}, null, null);
    assertThat(alias).isNotNull();
    assertThat(mutual.getCertificateChain(alias)).containsExactly(FIRST.leaf());
    assertThat(mutual.chooseEngineClientAlias(new String[] {"RSA"}, null, null)).isNull();
    assertThat(mutual.chooseEngineClientAlias(null, null, null)).isNull();
    assertThat(mutual.getClientAliases("EC", null)).containsExactly(alias);
  }

  @Test
  void aRealServerPresentsTheNewCertificateAtTheNextHandshake() throws Exception {
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(new KeyManager[] {ReloadingKeyManager.forServer(current::get)}, null, null);
    ExecutorService acceptor = Executors.newSingleThreadExecutor();
    try (SSLServerSocket listener =
        (SSLServerSocket)
            serverContext
                .getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(10_000);

      Certificate before = handshake(listener, acceptor);
      current.set(SECOND);
      Certificate after = handshake(listener, acceptor);

      assertThat(before).isEqualTo(FIRST.leaf());
      assertThat(after).isEqualTo(SECOND.leaf());
    } finally {
      acceptor.shutdownNow();
    }
  }

  /** A handshake from a new client context, so that no session is resumed. */
  private static Certificate handshake(SSLServerSocket listener, ExecutorService acceptor)
      throws Exception {
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, trusting(FIRST, SECOND).getTrustManagers(), null);
    Future<?> served =
        acceptor.submit(
            () -> {
              try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                accepted.setSoTimeout(10_000);
                accepted.startHandshake();
                accepted.getOutputStream().write(1);
                accepted.getOutputStream().flush();
              }
              return null;
            });
    Certificate presented;
    try (SSLSocket client =
        (SSLSocket)
            clientContext
                .getSocketFactory()
                .createSocket(listener.getInetAddress(), listener.getLocalPort())) {
      client.setSoTimeout(10_000);
      client.startHandshake();
      assertThat(client.getInputStream().read()).isEqualTo(1);
      presented = client.getSession().getPeerCertificates()[0];
    }
    // After the client's close: a TLS 1.3 server's close waits for the client's close_notify.
    served.get(10, TimeUnit.SECONDS);
    return presented;
  }

  private static TrustManagerFactory trusting(TestChain... chains) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (TestChain chain : chains) {
      store.setCertificateEntry(
          chain.authority().certificate().getSubjectX500Principal().getName(),
          chain.authority().certificate());
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory;
  }
}
