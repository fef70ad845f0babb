package io.dockmaster.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the kubectl on the PATH against a test API server, to see output exactly as users do
 * (kubectl prints admission warnings, which fabric8 does not surface).
 */
public final class Kubectl {

  private final Path kubeconfig;

  /**
   * @param kubeconfigYaml as kube-api-test injects it into a {@code @KubeConfig} field
   */
  public Kubectl(Path directory, String kubeconfigYaml) throws IOException {
    this.kubeconfig = Files.createTempFile(directory, "kubeconfig", ".yaml");
    Files.writeString(kubeconfig, kubeconfigYaml);
  }

  public static boolean available() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "kubectl"))) {
        return true;
      }
    }
    return false;
  }

  /** {@code kubectl apply -f -} with this manifest; stdout and stderr together. */
  public String apply(String manifest) throws IOException, InterruptedException {
    return run(manifest, "apply", "-f", "-");
  }

  public String run(String stdin, String... arguments) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("kubectl " + String.join(" ", arguments) + " hung");
    }
    return output;
  }
}
