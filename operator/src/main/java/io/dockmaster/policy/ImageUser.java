package io.dockmaster.policy;

import java.util.regex.Pattern;

/**
 * The {@code User} of an image config, judged the way the kubelet judges it for {@code
 * runAsNonRoot}: only a numeric, non-zero user is provably not root.
 */
final class ImageUser {

  enum Verdict {
    ROOT,
    NOT_NUMERIC,
    NON_ROOT
  }

  private static final Pattern NUMERIC = Pattern.compile("[0-9]+");

  private ImageUser() {}

  /**
   * @param user {@code uid}, {@code uid:gid}, {@code name} or {@code name:group}; empty means the
   *     image does not set one and runs as root
   */
  static Verdict judge(String user) {
    String trimmed = user == null ? "" : user.trim();
    String uid = trimmed.contains(":") ? trimmed.substring(0, trimmed.indexOf(':')) : trimmed;
    if (uid.isEmpty() || uid.equals("root")) {
      return Verdict.ROOT;
    }
    if (!NUMERIC.matcher(uid).matches()) {
      return Verdict.NOT_NUMERIC;
    }
    return uid.chars().allMatch(c -> c == '0') ? Verdict.ROOT : Verdict.NON_ROOT;
  }
}
