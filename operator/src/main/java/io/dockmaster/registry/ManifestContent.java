package io.dockmaster.registry;

import java.util.Map;
import java.util.Optional;

/** What a manifest endpoint can return: one image, or an index of images. */
public sealed interface ManifestContent permits Manifest, ImageIndex {

  String mediaType();

  Map<String, String> annotations();

  /** The manifest this one refers to, as cosign and OCI 1.1 referrers use it. */
  Optional<Descriptor> subjectIfSet();
}
