package io.dockmaster.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.dockmaster.registry.RegistryTransport.Answer;
import io.dockmaster.registry.RegistryTransport.Call;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Paginated listings: tags of a repository and the registry catalog. Pages are followed by the
 * {@code Link: <...>; rel="next"} header; registries that honor {@code n} and {@code last} but send
 * no Link (go-containerregistry's, for one) are paged by {@code last} while pages come back full.
 */
final class TagLister {

  private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*((?:;[^,<]*)*)");
  private static final Pattern REL_NEXT =
      Pattern.compile(";\\s*rel\\s*=\\s*\"?([^\";]*)\"?", Pattern.CASE_INSENSITIVE);
  private static final int MAX_PAGES = 10_000;
  private static final long MAX_PAGE_BYTES = 16L * 1024 * 1024;

  private final RegistryTransport transport;
  private final CredentialsProvider credentials;

  TagLister(RegistryTransport transport, CredentialsProvider credentials) {
    this.transport = transport;
    this.credentials = credentials;
  }

  List<String> listTags(ImageReference repository, int pageSize) {
    String path = "/v2/" + repository.repository() + "/tags/list";
    return list(
        repository.registry(),
        path,
        pageSize,
        "tags",
        RegistryClient.pullScope(repository),
        Target.tags(repository),
        credentials.credentialsFor(repository).orElse(null));
  }

  List<String> listRepositories(String registry, int pageSize) {
    return list(
        registry,
        "/v2/_catalog",
        pageSize,
        "repositories",
        "registry:catalog:*",
        Target.catalog(registry),
        credentials.credentialsForRegistry(registry).orElse(null));
  }

  private List<String> list(
      String registry,
      String path,
      int pageSize,
      String field,
      String scope,
      Target target,
      RegistryCredentials creds) {
    Set<String> all = new LinkedHashSet<>();
    URI uri = transport.apiUri(registry, path + (pageSize > 0 ? "?n=" + pageSize : ""));
    for (int page = 0; page < MAX_PAGES; page++) {
      Answer answer = transport.send(new Call("GET", uri, List.of(), scope, target), creds);
      if (answer.status() != 200) {
        throw RegistryClient.failure(answer, target);
      }
      Optional<String> link = answer.response().headers().firstValue("Link");
      List<String> items = parseItems(answer, field, target);
      int before = all.size();
      all.addAll(items);
      Optional<URI> next = link.flatMap(TagLister::nextLink).map(l -> resolve(answer, l, target));
      if (next.isEmpty() && pageSize > 0 && items.size() >= pageSize) {
        next = Optional.of(withLast(answer.uri(), path, pageSize, items.get(items.size() - 1)));
      }
      // A page that adds nothing means the server ignores our paging; stop rather than loop.
      if (next.isEmpty() || all.size() == before) {
        return List.copyOf(all);
      }
      uri = next.get();
    }
    throw RegistryErrors.protocol(target, "more than " + MAX_PAGES + " pages of " + field);
  }

  private static List<String> parseItems(Answer answer, String field, Target target) {
    byte[] body = RegistryClient.readBounded(answer, MAX_PAGE_BYTES, target);
    JsonNode json;
    try {
      json = FetchedManifest.JSON.readTree(body);
    } catch (IOException e) {
      throw RegistryErrors.protocol(target, target.what() + " that are not valid JSON");
    }
    List<String> items = new ArrayList<>();
    // An empty repository may answer "tags": null.
    for (JsonNode item : json == null ? FetchedManifest.JSON.createArrayNode() : json.path(field)) {
      if (item.isTextual()) {
        items.add(item.asText());
      }
    }
    return items;
  }

  /** The target of the {@code rel="next"} link in a Link header, as written (maybe relative). */
  static Optional<String> nextLink(String header) {
    Matcher link = LINK.matcher(header);
    while (link.find()) {
      Matcher rel = REL_NEXT.matcher(link.group(2));
      while (rel.find()) {
        for (String value : rel.group(1).trim().split("\\s+")) {
          if (value.equalsIgnoreCase("next")) {
            return Optional.of(link.group(1).trim());
          }
        }
      }
    }
    return Optional.empty();
  }

  private static URI resolve(Answer answer, String link, Target target) {
    try {
      return answer.uri().resolve(link);
    } catch (IllegalArgumentException e) {
      throw RegistryErrors.protocol(target, "an invalid Link header for " + target.what());
    }
  }

  private static URI withLast(URI current, String path, int pageSize, String last) {
    return current.resolve(
        path + "?n=" + pageSize + "&last=" + URLEncoder.encode(last, StandardCharsets.UTF_8));
  }
}
