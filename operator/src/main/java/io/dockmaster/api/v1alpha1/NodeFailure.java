package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeFailure {

  @JsonPropertyDescription("The node that failed.")
  private String node;

  @JsonPropertyDescription("The image whose layers it failed to receive.")
  private String image;

  @JsonPropertyDescription(
      "The blob (layer, config or manifest digest) the failure concerns, if one.")
  private String blob;

  @JsonPropertyDescription("Stable reason code, e.g. DigestMismatch or UpstreamUnreachable.")
  private String reason;

  @JsonPropertyDescription("What happened, for people.")
  private String message;

  @JsonPropertyDescription("When it happened (RFC 3339).")
  private String time;

  public String getNode() {
    return node;
  }

  public void setNode(String node) {
    this.node = node;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getBlob() {
    return blob;
  }

  public void setBlob(String blob) {
    this.blob = blob;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }
}
