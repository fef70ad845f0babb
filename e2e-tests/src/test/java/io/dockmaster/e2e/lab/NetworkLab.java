package io.dockmaster.e2e.lab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A private network of "hosts" on this machine: one Linux network namespace per host, each joined
 * to a bridge by a veth pair whose two ends are shaped with tbf (the host's upload and download).
 * The bridge itself holds {@value #BRIDGE_ADDRESS}, where the test JVM can listen (see {@link
 * #forwardToLoopback}) and which every host uses as its default route. Addresses come from the
 * benchmarking range 198.18.0.0/15, so they collide with nothing real. Needs root.
 *
 * <p>Only one lab can run on a machine at a time, since each owns {@value #BRIDGE_ADDRESS};
 * creating a second fails and names the first. {@link #close} removes everything it made; a crashed
 * run's leftovers are removed by {@link #cleanupStale}, which {@link #create} calls first.
 */
public final class NetworkLab implements AutoCloseable {

  public static final String BRIDGE_ADDRESS = "198.18.0.1";
  static final int PREFIX_LENGTH = 16;

  private static volatile Availability availability;

  private final LabNames names;
  private final List<LabHost> hosts = new ArrayList<>();
  private final List<TcpForwarder> forwarders = new ArrayList<>();
  private boolean closed;

  /** Whether this machine can run a lab, and if not, why. */
  public record Availability(boolean available, String reason) {

    /** Fails with the reason: a lab test that cannot run must fail, never skip silently. */
    public void orFail() {
      if (!available) {
        throw new IllegalStateException("the network lab cannot run here: " + reason);
      }
    }
  }

  private NetworkLab(LabNames names) {
    this.names = names;
  }

  /**
   * Root, {@code ip} and {@code tc} on the PATH, and a network namespace that can really be made
   * (containers without CAP_SYS_ADMIN fail there). Probed once per JVM.
   */
  public static Availability available() {
    Availability known = availability;
    if (known == null) {
      known = probe();
      availability = known;
    }
    return known;
  }

  /**
   * Like {@link #create()}, but while another lab holds the bridge address (a benchmark or another
   * test run), waits up to {@code wait} for it to close instead of failing at once.
   */
  public static NetworkLab createWhenFree(java.time.Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    boolean told = false;
    while (true) {
      try {
        return create();
      } catch (IllegalStateException e) {
        if (!e.getMessage().startsWith("another network lab is running")
            || System.nanoTime() > deadline) {
          throw e;
        }
        if (!told) {
          System.err.println(e.getMessage() + "; waiting up to " + wait + " for it to close");
          told = true;
        }
        try {
          // Polling a kernel interface: there is nothing to be notified by.
          Thread.sleep(5_000);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** A new, empty lab owned by this process. */
  public static NetworkLab create() {
    return create(ProcessHandle.current().pid());
  }

  /** A lab whose names carry {@code ownerPid}; tests use a dead PID to fake a crashed run. */
  static NetworkLab create(long ownerPid) {
    available().orFail();
    cleanupStale();
    LabNames names = new LabNames(ownerPid);
    String holder = interfaceHolding(BRIDGE_ADDRESS);
    if (holder != null) {
      throw new IllegalStateException(
          "another network lab is running: interface "
              + holder
              + " already holds "
              + BRIDGE_ADDRESS
              + "; close that lab first (if its process is gone, NetworkLab.cleanupStale() or `ip"
              + " link del "
              + holder
              + "` removes it)");
    }
    String bridge = names.bridge();
    try {
      ip("link", "add", "name", bridge, "type", "bridge");
      ip("addr", "add", BRIDGE_ADDRESS + "/" + PREFIX_LENGTH, "dev", bridge);
      ip("link", "set", bridge, "up");
    } catch (RuntimeException e) {
      LabCommand.run("ip", "link", "del", bridge);
      throw e;
    }
    return new NetworkLab(names);
  }

  /**
   * Adds a host: a namespace with {@code lo} up, {@code eth0} at the next free address, a default
   * route through the bridge and {@code shape} on both directions of its link.
   */
  public synchronized LabHost addHost(String name, LinkShape shape) {
    if (closed) {
      throw new IllegalStateException("the lab is closed");
    }
    if (hosts.stream().anyMatch(h -> h.name().equals(name))) {
      throw new IllegalArgumentException("the lab already has a host named \"" + name + "\"");
    }
    int index = hosts.size();
    String namespace = names.namespace(name);
    String veth = names.hostInterface(index);
    String address = LabNames.hostAddress(index);
    LabHost host = new LabHost(name, namespace, address, veth);
    try {
      ip("netns", "add", namespace);
      ip(
          "link",
          "add",
          veth,
          "type",
          "veth",
          "peer",
          "name",
          LabHost.INTERFACE,
          "netns",
          namespace);
      ip("link", "set", veth, "master", names.bridge(), "up");
      ip("-n", namespace, "addr", "add", address + "/" + PREFIX_LENGTH, "dev", LabHost.INTERFACE);
      ip("-n", namespace, "link", "set", LabHost.INTERFACE, "up");
      ip("-n", namespace, "link", "set", "lo", "up");
      ip("-n", namespace, "route", "add", "default", "via", BRIDGE_ADDRESS);
      host.reshape(shape);
    } catch (RuntimeException e) {
      host.remove();
      throw e;
    }
    hosts.add(host);
    return host;
  }

  /**
   * Listens on {@value #BRIDGE_ADDRESS}:{@code port} and forwards every connection to
   * 127.0.0.1:{@code port}, so hosts reach a loopback-only server such as the dev kube-apiserver at
   * the same port. Closed with the lab.
   */
  public synchronized TcpForwarder forwardToLoopback(int port) throws IOException {
    TcpForwarder forwarder =
        TcpForwarder.start(
            new InetSocketAddress(BRIDGE_ADDRESS, port), new InetSocketAddress("127.0.0.1", port));
    forwarders.add(forwarder);
    return forwarder;
  }

  public synchronized List<LabHost> hosts() {
    return List.copyOf(hosts);
  }

  public String bridge() {
    return names.bridge();
  }

  /**
   * Stops the forwarders, kills every process in the lab's namespaces, and deletes the veths,
   * namespaces and bridge. Keeps going past a failure and reports all of them at the end.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<RuntimeException> failures = new ArrayList<>();
    for (TcpForwarder forwarder : forwarders) {
      forwarder.close();
    }
    for (LabHost host : hosts) {
      try {
        host.remove();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    try {
      deleteLink(names.bridge());
    } catch (RuntimeException e) {
      failures.add(e);
    }
    if (!failures.isEmpty()) {
      IllegalStateException failure =
          new IllegalStateException("closing the network lab left things behind", failures.get(0));
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
  }

  /**
   * Removes the namespaces (and the processes still running in them), veths and bridges of labs
   * whose creating process is dead. Labs of live processes are left alone.
   *
   * @return the names it removed
   */
  public static List<String> cleanupStale() {
    List<String> removed = new ArrayList<>();
    for (String namespace : namespaces()) {
      OptionalLong owner = LabNames.namespaceOwner(namespace);
      if (owner.isPresent() && !alive(owner.getAsLong())) {
        LabHost.killAll(namespace);
        ip("netns", "del", namespace);
        removed.add(namespace);
      }
    }
    for (String link : links()) {
      OptionalLong owner = LabNames.interfaceOwner(link);
      if (owner.isPresent() && !alive(owner.getAsLong()) && deleteLink(link)) {
        removed.add(link);
      }
    }
    return removed;
  }

  static List<String> namespaces() {
    // "name" or "name (id: N)" per line
    return LabCommand.run("ip", "netns", "list")
        .orFail()
        .stdout()
        .lines()
        .map(line -> line.split(" ", 2)[0])
        .filter(name -> !name.isBlank())
        .toList();
  }

  static List<String> links() {
    // "7: dml123h0@if2: <BROADCAST,...> ..." per line
    return LabCommand.run("ip", "-o", "link", "show")
        .orFail()
        .stdout()
        .lines()
        .map(line -> line.split(": ", 3))
        .filter(parts -> parts.length >= 2)
        .map(parts -> parts[1].split("@", 2)[0])
        .toList();
  }

  static void ip(String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "ip";
    System.arraycopy(args, 0, command, 1, args.length);
    LabCommand.run(command).orFail();
  }

  /**
   * Deletes a link; one that is gone already is fine, since a veth disappears on its own a moment
   * after the namespace holding its peer is deleted.
   *
   * @return whether this call deleted it
   */
  static boolean deleteLink(String link) {
    LabCommand.Result del = LabCommand.run("ip", "link", "del", link);
    if (!del.succeeded() && exists(link)) {
      del.orFail();
    }
    return del.succeeded();
  }

  private static boolean exists(String link) {
    return LabCommand.run("ip", "link", "show", "dev", link).succeeded();
  }

  private static String interfaceHolding(String address) {
    // "7: dmlab123    inet 198.18.0.1/16 scope global dmlab123 ..." per line
    return LabCommand.run("ip", "-o", "-4", "addr", "show")
        .orFail()
        .stdout()
        .lines()
        .filter(line -> line.contains(" inet " + address + "/"))
        .map(line -> line.split("\\s+")[1])
        .findFirst()
        .orElse(null);
  }

  /** Alive and not a zombie: a crashed JVM nobody reaped still has a PID but owns nothing. */
  static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }

  private static Availability probe() {
    try {
      String status = Files.readString(Path.of("/proc/self/status"));
      boolean root = status.lines().anyMatch(line -> line.matches("Uid:\\s+\\d+\\s+0\\s.*"));
      if (!root) {
        return new Availability(false, "it needs root (network namespaces, veths and tc)");
      }
    } catch (IOException e) {
      return new Availability(false, "cannot read /proc/self/status: " + e.getMessage());
    }
    try {
      LabCommand.run("tc", "-V").orFail();
      String probe = new LabNames(ProcessHandle.current().pid()).namespace("probe");
      LabCommand.Result add = LabCommand.run("ip", "netns", "add", probe);
      if (!add.succeeded()) {
        return new Availability(
            false,
            "`ip netns add` fails: " + add.stderr().strip() + " (is CAP_SYS_ADMIN granted?)");
      }
      LabCommand.run("ip", "netns", "del", probe).orFail();
      return new Availability(true, "");
    } catch (IllegalStateException e) {
      return new Availability(false, e.getMessage() + " (install iproute2)");
    }
  }
}
