package io.dockmaster.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** Subject and issuer names. */
public final class X500Names {

  private X500Names() {}

  /**
   * {@code CN=value}, built rather than parsed so that commas or equals signs in the value stay
   * part of it.
   */
  public static X500Name commonName(String value) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, value).build();
  }
}
