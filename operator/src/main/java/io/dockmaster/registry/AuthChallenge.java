package io.dockmaster.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235), e.g. {@code Bearer
 * realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"}.
 *
 * @param scheme lowercased, e.g. {@code bearer} or {@code basic}
 * @param parameters names lowercased, values unquoted
 */
public record AuthChallenge(String scheme, Map<String, String> parameters) {

  public static final String BEARER = "bearer";
  public static final String BASIC = "basic";

  public AuthChallenge {
    scheme = scheme.toLowerCase(Locale.ROOT);
    parameters = Map.copyOf(parameters);
  }

  public Optional<String> realm() {
    return parameter("realm");
  }

  public Optional<String> service() {
    return parameter("service");
  }

  public Optional<String> scope() {
    return parameter("scope");
  }

  public Optional<String> parameter(String name) {
    return Optional.ofNullable(parameters.get(name.toLowerCase(Locale.ROOT)));
  }

  /**
   * Parses every challenge in a header value. Malformed trailing input is dropped rather than
   * failing the whole header, because a registry's odd formatting should not hide a usable
   * challenge.
   */
  public static List<AuthChallenge> parse(String header) {
    List<AuthChallenge> challenges = new ArrayList<>();
    if (header == null) {
      return challenges;
    }
    Cursor cursor = new Cursor(header);
    String scheme = null;
    Map<String, String> parameters = new LinkedHashMap<>();
    while (true) {
      cursor.skip(" \t,");
      if (cursor.atEnd()) {
        break;
      }
      String token = cursor.token();
      if (token.isEmpty()) {
        // A stray character such as a lone quote; skip it so parsing always advances.
        cursor.advance();
        continue;
      }
      cursor.skip(" \t");
      if (scheme != null && cursor.peek() == '=') {
        cursor.advance();
        cursor.skip(" \t");
        parameters.put(token.toLowerCase(Locale.ROOT), cursor.value());
      } else {
        if (scheme != null) {
          challenges.add(new AuthChallenge(scheme, parameters));
        }
        scheme = token;
        parameters = new LinkedHashMap<>();
        if (cursor.peek() == '=') {
          // token68 credentials after a scheme are not used by registries; skip them.
          cursor.value();
        }
      }
    }
    if (scheme != null) {
      challenges.add(new AuthChallenge(scheme, parameters));
    }
    return challenges;
  }

  private static final class Cursor {
    private final String text;
    private int pos;

    Cursor(String text) {
      this.text = text;
    }

    boolean atEnd() {
      return pos >= text.length();
    }

    char peek() {
      return atEnd() ? '\0' : text.charAt(pos);
    }

    void advance() {
      pos++;
    }

    void skip(String characters) {
      while (!atEnd() && characters.indexOf(text.charAt(pos)) >= 0) {
        pos++;
      }
    }

    String token() {
      int start = pos;
      while (!atEnd() && " \t,=\"".indexOf(text.charAt(pos)) < 0) {
        pos++;
      }
      return text.substring(start, pos);
    }

    /** A quoted string with backslash escapes, or a bare token up to the next comma. */
    String value() {
      if (peek() != '"') {
        int start = pos;
        while (!atEnd() && text.charAt(pos) != ',') {
          pos++;
        }
        return text.substring(start, pos).trim();
      }
      pos++;
      StringBuilder value = new StringBuilder();
      while (!atEnd()) {
        char c = text.charAt(pos++);
        if (c == '"') {
          return value.toString();
        }
        if (c == '\\' && !atEnd()) {
          c = text.charAt(pos++);
        }
        value.append(c);
      }
      return value.toString();
    }
  }
}
