package io.dockmaster.agent;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the Amazon Corretto Crypto Provider (AWS-LC through JNI) first for the agent's TLS and
 * SHA-256. Every byte an agent moves is decrypted, hashed and often encrypted again; the JDK's own
 * AES-GCM and SHA-256 run at native speed only in code C2 has compiled, which made agents slow for
 * minutes after start; with this provider first they are fast from the first byte, and an agent can
 * even run without C2 ({@code -XX:TieredStopAtLevel=1}). Where the native library cannot load
 * (another CPU architecture, no writable temporary directory) the JDK's providers stay: the agent
 * works, with more CPU per byte.
 */
public final class NativeCrypto {

  private static final Logger log = LoggerFactory.getLogger(NativeCrypto.class);

  private NativeCrypto() {}

  /** Returns whether the native provider is now first. */
  public static boolean install() {
    try {
      AmazonCorrettoCryptoProvider provider = AmazonCorrettoCryptoProvider.INSTANCE;
      Throwable loadingError = provider.getLoadingError();
      if (loadingError != null) {
        log.warn(
            "Native crypto unavailable, the JDK's is used (more CPU per byte): {}",
            loadingError.toString());
        return false;
      }
      provider.assertHealthy();
      AmazonCorrettoCryptoProvider.install();
      log.info("Native crypto: {} {} first", provider.getName(), provider.getVersionStr());
      return true;
    } catch (RuntimeException | LinkageError e) {
      log.warn(
          "Native crypto unavailable, the JDK's is used (more CPU per byte): {}", e.toString());
      return false;
    }
  }
}
