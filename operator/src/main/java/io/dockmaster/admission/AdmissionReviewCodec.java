package io.dockmaster.admission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * Reads {@code admission.k8s.io/v1} AdmissionReview requests and writes their responses. Checks the
 * envelope on a plain JSON tree first, because the model classes default a missing apiVersion and
 * the fabric8 parser would also accept YAML.
 */
public final class AdmissionReviewCodec {

  static final String API_VERSION = "admission.k8s.io/v1";
  static final String KIND = "AdmissionReview";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesSerialization serialization;

  public AdmissionReviewCodec(KubernetesSerialization serialization) {
    this.serialization = serialization;
  }

  /**
   * @throws MalformedReviewException with a message for whoever sent it
   */
  public AdmissionRequest read(byte[] body) throws MalformedReviewException {
    JsonNode tree;
    try {
      tree = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new MalformedReviewException(
          "the body is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new MalformedReviewException("the body cannot be read", e);
    }
    if (tree == null || !tree.isObject()) {
      throw new MalformedReviewException("the body is not a JSON object", null);
    }
    String apiVersion = tree.path("apiVersion").asText("");
    if (!API_VERSION.equals(apiVersion)) {
      throw new MalformedReviewException(
          "apiVersion is \""
              + apiVersion
              + "\"; Dockmaster reads "
              + API_VERSION
              + " (admissionReviewVersions: [v1])",
          null);
    }
    if (!KIND.equals(tree.path("kind").asText(""))) {
      throw new MalformedReviewException("kind must be " + KIND, null);
    }
    JsonNode request = tree.path("request");
    if (!request.isObject()) {
      throw new MalformedReviewException("the AdmissionReview has no request", null);
    }
    for (String field : new String[] {"uid", "operation"}) {
      if (!request.path(field).isTextual() || request.path(field).asText().isBlank()) {
        throw new MalformedReviewException("request." + field + " is missing", null);
      }
    }
    try {
      return serialization.convertValue(tree, AdmissionReview.class).getRequest();
    } catch (RuntimeException e) {
      throw new MalformedReviewException(
          "the AdmissionReview does not match " + API_VERSION + fieldOf(e), e);
    }
  }

  public String write(AdmissionResponse response) {
    return serialization.asJson(
        new AdmissionReviewBuilder()
            .withApiVersion(API_VERSION)
            .withKind(KIND)
            .withResponse(response)
            .build());
  }

  /** Names the offending field, e.g. {@code at request.kind}, without Java class names. */
  private static String fieldOf(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
        return " at "
            + mapping.getPath().stream()
                .map(
                    ref ->
                        ref.getFieldName() != null
                            ? ref.getFieldName()
                            : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
      }
    }
    return "";
  }

  /** A body that is not an AdmissionReview this webhook can read; answered with HTTP 400. */
  public static final class MalformedReviewException extends Exception {
    public MalformedReviewException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
