package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.signature.TrustedKey;
import java.util.List;
import java.util.Map;

/**
 * A policy whose spec passed every check the schema cannot make, with its patterns compiled and its
 * keys parsed: what admission evaluates against.
 */
public record LoadedPolicy(
    String name,
    String uid,
    long generation,
    ImagePolicySpec spec,
    List<ImagePattern> images,
    List<ImagePattern> exclude,
    Map<String, TrustedKey> authorities) {}
