package io.dockmaster.signature;

import java.security.PublicKey;

/** A public key that passed {@link PublicKeys#parse}, with a short human label like "RSA 4096". */
public record TrustedKey(PublicKey key, String description) {}
