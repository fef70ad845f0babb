package io.dockmaster.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dockmaster.registry.RegistryException.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Turns HTTP statuses, OCI error bodies and I/O failures into one-line {@link RegistryException}s.
 */
final class RegistryErrors {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_DETAIL_LENGTH = 300;
  private static final Pattern JAVA_CLASS_NAME =
      Pattern.compile("\\b[a-z]+(\\.[a-z0-9]+)+\\.[A-Z]\\w*(Exception|Error)\\b");

  private static final Map<Integer, String> REASONS =
      Map.ofEntries(
          Map.entry(400, "Bad Request"),
          Map.entry(401, "Unauthorized"),
          Map.entry(403, "Forbidden"),
          Map.entry(404, "Not Found"),
          Map.entry(405, "Method Not Allowed"),
          Map.entry(406, "Not Acceptable"),
          Map.entry(409, "Conflict"),
          Map.entry(416, "Range Not Satisfiable"),
          Map.entry(429, "Too Many Requests"),
          Map.entry(500, "Internal Server Error"),
          Map.entry(502, "Bad Gateway"),
          Map.entry(503, "Service Unavailable"),
          Map.entry(504, "Gateway Timeout"));

  private RegistryErrors() {}

  /** A failure for a non-success status, with the OCI error codes of {@code body} if present. */
  static RegistryException forStatus(
      Target target, int status, byte[] body, boolean sentCredentials, int attempts) {
    String detail = statusPhrase(status) + errorDetail(body).map(d -> ", " + d).orElse("");
    String registry = "registry " + target.registry();
    String retried = attempts > 1 ? " after " + attempts + " attempts" : "";
    return switch (status) {
      case 401 ->
          new RegistryException(
              Kind.UNAUTHORIZED,
              target.registry(),
              status,
              registry
                  + (sentCredentials ? " refused credentials for " : " requires credentials for ")
                  + target.repositoryPhrase()
                  + " ("
                  + statusPhrase(status)
                  + ")",
              null);
      case 403 ->
          new RegistryException(
              Kind.FORBIDDEN,
              target.registry(),
              status,
              registry + " denied access to " + target.repositoryPhrase() + " (" + detail + ")",
              null);
      case 404 ->
          new RegistryException(
              Kind.NOT_FOUND,
              target.registry(),
              status,
              registry + " has no " + target.what() + " (" + detail + ")",
              null);
      case 429 ->
          new RegistryException(
              Kind.RATE_LIMITED,
              target.registry(),
              status,
              registry
                  + " rate-limited requests for "
                  + target.what()
                  + " ("
                  + detail
                  + ")"
                  + retried,
              null);
      case 502, 503, 504 ->
          new RegistryException(
              Kind.UNREACHABLE,
              target.registry(),
              status,
              registry + " is unavailable for " + target.what() + " (" + detail + ")" + retried,
              null);
      default ->
          new RegistryException(
              Kind.PROTOCOL,
              target.registry(),
              status,
              registry
                  + " answered "
                  + target.what()
                  + " with unexpected status ("
                  + detail
                  + ")"
                  + retried,
              null);
    };
  }

  /** A failure to get any response, after {@code attempts} tries. */
  static RegistryException forIo(Target target, String host, IOException e, int attempts) {
    String retried = attempts > 1 ? " after " + attempts + " attempts" : "";
    return new RegistryException(
        Kind.UNREACHABLE,
        target.registry(),
        0,
        "registry "
            + target.registry()
            + " is unreachable for "
            + target.what()
            + (host.equals(target.registry()) ? "" : " at " + host)
            + ": "
            + describe(e)
            + retried,
        e);
  }

  static RegistryException protocol(Target target, String problem) {
    return new RegistryException(
        Kind.PROTOCOL, target.registry(), "registry " + target.registry() + " sent " + problem);
  }

  static RegistryException protocol(Target target, String problem, Throwable cause) {
    return new RegistryException(
        Kind.PROTOCOL,
        target.registry(),
        0,
        "registry " + target.registry() + " sent " + problem,
        cause);
  }

  static RegistryException digestMismatch(Target target, String problem) {
    return new RegistryException(
        Kind.DIGEST_MISMATCH,
        target.registry(),
        "registry " + target.registry() + " served " + target.what() + " " + problem);
  }

  static String statusPhrase(int status) {
    String reason = REASONS.get(status);
    return reason == null ? String.valueOf(status) : status + " " + reason;
  }

  /** A short, human description of an I/O failure, free of Java class names. */
  static String describe(IOException e) {
    if (e instanceof HttpConnectTimeoutException) {
      return "connection timed out";
    }
    if (e instanceof HttpTimeoutException) {
      return "no response within the request timeout";
    }
    if (e instanceof ConnectException) {
      return e.getCause() instanceof UnresolvedAddressException
          ? "host not found"
          : "connection refused";
    }
    if (e instanceof UnknownHostException) {
      return "host not found";
    }
    if (e instanceof SSLException tls) {
      return "TLS handshake failed: " + describeTls(tls);
    }
    String message = sanitize(e.getMessage());
    return message.isEmpty() || JAVA_CLASS_NAME.matcher(message).find()
        ? "connection failed"
        : message;
  }

  private static String describeTls(SSLException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof CertificateExpiredException) {
        return "the server certificate has expired";
      }
      if (cause instanceof CertPathBuilderException
          || cause instanceof CertPathValidatorException) {
        return "the server certificate is not trusted";
      }
      String message = String.valueOf(cause.getMessage());
      if (message.contains("No subject alternative") || message.contains("No name matching")) {
        return "the server certificate does not match the host name";
      }
      if (message.contains("nrecognized SSL message")) {
        return "the server does not speak TLS";
      }
    }
    return "the connection was closed during the handshake";
  }

  /**
   * {@code MANIFEST_UNKNOWN: manifest unknown; ...} from an OCI error body, or empty if the body is
   * not one (proxies answer with HTML).
   */
  static Optional<String> errorDetail(byte[] body) {
    if (body == null || body.length == 0) {
      return Optional.empty();
    }
    try {
      JsonNode errors = JSON.readTree(body).path("errors");
      List<String> parts = new ArrayList<>();
      for (JsonNode error : errors) {
        String code = error.path("code").asText("");
        String message = error.path("message").asText("");
        String part = code.isEmpty() ? message : message.isEmpty() ? code : code + ": " + message;
        if (!part.isEmpty()) {
          parts.add(part);
        }
      }
      String joined = sanitize(String.join("; ", parts));
      return joined.isEmpty() ? Optional.empty() : Optional.of(joined);
    } catch (IOException | RuntimeException notJson) {
      return Optional.empty();
    }
  }

  /** One line, printable, bounded: server text ends up in statuses and events. */
  static String sanitize(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length() && out.length() < MAX_DETAIL_LENGTH; i++) {
      char c = text.charAt(i);
      out.append(Character.isISOControl(c) ? ' ' : c);
    }
    return out.toString().trim();
  }
}
