package io.dockmaster.api.v1alpha1;

/** Names shared by every resource of this API version. */
public final class ApiGroup {
  public static final String NAME = "dockmaster.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = NAME + "/" + VERSION;

  private ApiGroup() {}
}
