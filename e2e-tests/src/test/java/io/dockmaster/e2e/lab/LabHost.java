package io.dockmaster.e2e.lab;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One host of a {@link NetworkLab}: a network namespace whose only link, {@code eth0}, goes to the
 * lab bridge. Its processes share this machine's file system, mounts and process table and see the
 * lab network only ({@code /proc/net} is the host's own; {@code /sys/class/net} still shows the
 * machine's interfaces).
 */
public final class LabHost {

  /** The namespace's end of the veth pair. */
  static final String INTERFACE = "eth0";

  private static final Pattern TBF_RATE = Pattern.compile("\"kind\":\"tbf\".*?\"rate\":(\\d+)");

  private final String name;
  private final String namespace;
  private final String address;
  private final String hostInterface;
  private LinkShape shape = LinkShape.unlimited();

  LabHost(String name, String namespace, String address, String hostInterface) {
    this.name = name;
    this.namespace = namespace;
    this.address = address;
    this.hostInterface = hostInterface;
  }

  public String name() {
    return name;
  }

  /** Its IPv4 address, for example {@code 198.18.1.1}. */
  public String address() {
    return address;
  }

  /** The network namespace name, for {@code ip netns exec} or {@code nsenter --net=/run/netns/}. */
  public String namespace() {
    return namespace;
  }

  /**
   * The bridge's end of its veth pair, in the root namespace (the host's download is shaped there).
   */
  public String hostInterface() {
    return hostInterface;
  }

  /**
   * Starts {@code command} in this host's namespace, stdout and stderr appended to {@code log}. The
   * process inherits this JVM's environment plus {@code env}.
   */
  public Process start(List<String> command, Map<String, String> env, Path log) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(inNamespace(command))
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Runs {@code command} in this host's namespace to completion (at most 2 minutes). */
  public LabCommand.Result exec(String... command) {
    return exec(LabCommand.DEFAULT_TIMEOUT, List.of(command));
  }

  public LabCommand.Result exec(Duration timeout, List<String> command) {
    return LabCommand.run(timeout, inNamespace(command));
  }

  /**
   * SIGKILLs every process in this host's namespace, as a node that loses power, and returns once
   * they are gone. The network stays up, so the host can be started again.
   */
  public void kill() {
    killAll(namespace);
  }

  public synchronized LinkShape shape() {
    return shape;
  }

  /** Changes the shaping of both directions, also while traffic flows. */
  public synchronized void reshape(LinkShape newShape) {
    applyTbf(
        List.of("tc", "-n", namespace),
        INTERFACE,
        shape.uploadShaped(),
        newShape.uploadBitsPerSecond());
    applyTbf(
        List.of("tc"), hostInterface, shape.downloadShaped(), newShape.downloadBitsPerSecond());
    shape = newShape;
  }

  /** The shaping the kernel actually has, read back from {@code tc qdisc show}. */
  public LinkShape installedShape() {
    return new LinkShape(
        installedRate(List.of("tc", "-n", namespace), INTERFACE),
        installedRate(List.of("tc"), hostInterface));
  }

  @Override
  public String toString() {
    return name + " (" + address + ", " + shape() + ")";
  }

  /** Kills its processes and deletes its veth pair and namespace; gone ones are no error. */
  void remove() {
    if (NetworkLab.namespaces().contains(namespace)) {
      killAll(namespace);
    }
    NetworkLab.deleteLink(hostInterface);
    LabCommand.Result del = LabCommand.run("ip", "netns", "del", namespace);
    if (!del.succeeded() && NetworkLab.namespaces().contains(namespace)) {
      del.orFail();
    }
  }

  static void killAll(String namespace) {
    await("processes of network namespace " + namespace + " to die")
        .atMost(Duration.ofSeconds(30))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              List<Long> pids = pids(namespace);
              pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
              return pids.isEmpty();
            });
  }

  private static List<Long> pids(String namespace) {
    List<Long> pids = new ArrayList<>();
    for (String line :
        LabCommand.run("ip", "netns", "pids", namespace).orFail().stdout().lines().toList()) {
      if (!line.isBlank()) {
        pids.add(Long.parseLong(line.strip()));
      }
    }
    return pids;
  }

  private List<String> inNamespace(List<String> command) {
    // nsenter, not `ip netns exec`: that also unshares the mount namespace and remounts /sys for
    // the network namespace, which hides /sys/fs/cgroup, and runc (containerd on a lab host) then
    // fails with "no cgroup mount found in mountinfo". nsenter only switches the network.
    List<String> full = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + namespace, "--"));
    full.addAll(command);
    return full;
  }

  private static void applyTbf(
      List<String> tc, String device, boolean shapedNow, long bitsPerSecond) {
    List<String> command = new ArrayList<>(tc);
    if (bitsPerSecond == LinkShape.UNLIMITED) {
      if (!shapedNow) {
        return;
      }
      command.addAll(List.of("qdisc", "del", "dev", device, "root"));
    } else {
      command.addAll(
          List.of(
              "qdisc",
              "replace",
              "dev",
              device,
              "root",
              "tbf",
              "rate",
              bitsPerSecond + "bit",
              "burst",
              Long.toString(LinkShape.burstBytes(bitsPerSecond)),
              "latency",
              LinkShape.QUEUE_LATENCY_MILLIS + "ms"));
    }
    LabCommand.run(command).orFail();
  }

  private static long installedRate(List<String> tc, String device) {
    List<String> command = new ArrayList<>(tc);
    command.addAll(List.of("-j", "qdisc", "show", "dev", device));
    // [{"kind":"tbf","handle":"8001:","root":true,"refcnt":3,"options":{"rate":6250000,...}}]
    Matcher m = TBF_RATE.matcher(LabCommand.run(command).orFail().stdout());
    return m.find() ? Long.parseLong(m.group(1)) * 8 : LinkShape.UNLIMITED;
  }
}
