package io.dockmaster.e2e.lab;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel object names of one lab run. Each carries the PID of the process that created it, so a
 * later run can tell a crashed run's leftovers (creator dead) from a lab that is still in use.
 * Interface names are capped at 15 characters by the kernel: {@code dmlab<pid>} is the bridge,
 * {@code dml<pid>h<index>} a host's end of a veth pair (its other end is {@code eth0} inside the
 * namespace, so it needs no unique name), and namespaces, which may be longer, are {@code
 * dmlab-<pid>-<host>}.
 */
record LabNames(long ownerPid) {

  static final String PREFIX = "dmlab";
  static final int MAX_HOSTS = 999;

  private static final Pattern NAMESPACE = Pattern.compile("dmlab-(\\d{1,7})-[a-z0-9][a-z0-9-]*");
  private static final Pattern BRIDGE = Pattern.compile("dmlab(\\d{1,7})");
  private static final Pattern VETH = Pattern.compile("dml(\\d{1,7})h\\d{1,3}");
  private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

  LabNames {
    if (ownerPid <= 0 || ownerPid > 9_999_999) {
      throw new IllegalArgumentException("owner pid " + ownerPid + " does not fit the lab's names");
    }
  }

  String bridge() {
    return PREFIX + ownerPid;
  }

  String namespace(String hostName) {
    if (!HOST_NAME.matcher(hostName).matches()) {
      throw new IllegalArgumentException(
          "lab host name \""
              + hostName
              + "\" is invalid: use 1-40 lower-case letters, digits and '-', starting with a letter"
              + " or digit");
    }
    return PREFIX + "-" + ownerPid + "-" + hostName;
  }

  String hostInterface(int hostIndex) {
    if (hostIndex < 0 || hostIndex >= MAX_HOSTS) {
      throw new IllegalArgumentException(
          "a lab holds at most "
              + MAX_HOSTS
              + " hosts, host index "
              + hostIndex
              + " is out of range");
    }
    return "dml" + ownerPid + "h" + hostIndex;
  }

  /** 198.18.0.1 is the bridge; hosts count up from 198.18.1.1, skipping .0 and .255. */
  static String hostAddress(int hostIndex) {
    return "198.18." + (1 + hostIndex / 254) + "." + (1 + hostIndex % 254);
  }

  /** The creator PID of a lab namespace name, empty if the name is not a lab's. */
  static OptionalLong namespaceOwner(String namespace) {
    return owner(NAMESPACE.matcher(namespace));
  }

  /** The creator PID of a lab bridge or veth name, empty if the name is not a lab's. */
  static OptionalLong interfaceOwner(String interfaceName) {
    OptionalLong bridgeOwner = owner(BRIDGE.matcher(interfaceName));
    return bridgeOwner.isPresent() ? bridgeOwner : owner(VETH.matcher(interfaceName));
  }

  private static OptionalLong owner(Matcher m) {
    return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }
}
