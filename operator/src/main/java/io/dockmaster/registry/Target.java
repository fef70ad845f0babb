package io.dockmaster.registry;

/**
 * What a request is about, for error messages: {@code registry} and {@code repository} as the user
 * knows them, and {@code what}, e.g. {@code manifest team/app:1.0}.
 */
record Target(String registry, String repository, String what) {

  static Target manifest(ImageReference reference) {
    return new Target(
        reference.registry(),
        reference.repository(),
        "manifest " + reference.repository() + refSuffix(reference));
  }

  static Target blob(ImageReference repository, Digest digest) {
    return new Target(
        repository.registry(),
        repository.repository(),
        "blob " + digest + " in repository " + repository.repository());
  }

  static Target tags(ImageReference repository) {
    return new Target(
        repository.registry(),
        repository.repository(),
        "tags of repository " + repository.repository());
  }

  static Target catalog(String registry) {
    return new Target(registry, "", "repository catalog");
  }

  private static String refSuffix(ImageReference reference) {
    String ref = reference.manifestReference();
    return ref.contains(":") ? "@" + ref : ":" + ref;
  }

  /** How the repository appears in messages; the catalog has none. */
  String repositoryPhrase() {
    return repository.isEmpty() ? "the catalog" : "repository " + repository;
  }
}
