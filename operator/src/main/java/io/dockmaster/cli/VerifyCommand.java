package io.dockmaster.cli;

import io.dockmaster.api.v1alpha1.ApiGroup;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.policy.LoadedPolicy;
import io.dockmaster.policy.PodUnderReview;
import io.dockmaster.policy.PolicyEvaluator;
import io.dockmaster.policy.PolicyValidator;
import io.dockmaster.policy.RegistryImageInspector;
import io.dockmaster.policy.Violation;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.DockerConfig;
import io.dockmaster.registry.RegistryClient;
import io.dockmaster.registry.RegistrySettings;
import io.dockmaster.secret.SecretKeyReader.SecretLookupException;
import io.dockmaster.signature.SignatureVerifier;
import io.dockmaster.validation.Validated;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Judges images against ImagePolicy files offline, with the same rules and messages as the"
          + " admission webhook: for CI pipelines, before anything reaches a cluster.",
      "Exit code: 0 when nothing would be denied, 1 when an Enforce policy would deny, 2 for"
          + " bad input."
    })
final class VerifyCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "Images to judge.")
  List<String> images;

  @Option(
      names = {"-p", "--policy"},
      required = true,
      paramLabel = "FILE",
      description =
          "ImagePolicy YAML (one or more documents). Keys must be inline (pem); secretRef needs"
              + " a cluster.")
  List<Path> policyFiles;

  @Option(
      names = "--namespace-label",
      paramLabel = "KEY=VALUE",
      description = "Labels of the namespace the pod would run in, for namespaceSelector.")
  Map<String, String> namespaceLabels = Map.of();

  @Option(
      names = "--docker-config",
      paramLabel = "FILE",
      description = "Registry credentials, e.g. ~/.docker/config.json (default: anonymous).")
  Path dockerConfig;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<LoadedPolicy> policies = new ArrayList<>();
    PolicyValidator validator =
        new PolicyValidator(
            reference -> {
              throw new SecretLookupException(
                  SecretLookupException.Missing.SECRET,
                  reference + " cannot be read offline; put the key inline as pem");
            });
    KubernetesSerialization yaml = new KubernetesSerialization();
    for (Path file : policyFiles) {
      for (Object document : asList(yaml.unmarshal(Files.readString(file)))) {
        if (!(document instanceof HasMetadata resource)
            || !"ImagePolicy".equals(resource.getKind())
            || !ApiGroup.API_VERSION.equals(resource.getApiVersion())) {
          err.println(
              file + ": only " + ApiGroup.API_VERSION + " ImagePolicy documents are accepted");
          return 2;
        }
        ImagePolicy policy = yaml.convertValue(resource, ImagePolicy.class);
        policy.getMetadata().setUid("offline-" + policy.getMetadata().getName());
        Validated<LoadedPolicy> validated = validator.validate(policy);
        if (validated.value().isEmpty()) {
          err.println(
              file
                  + ": ImagePolicy \""
                  + policy.getMetadata().getName()
                  + "\" is invalid: "
                  + validated.describeErrors());
          return 2;
        }
        policies.add(validated.value().get());
      }
    }
    CredentialsProvider credentials =
        dockerConfig == null
            ? CredentialsProvider.anonymous()
            : DockerConfig.parse(Files.readAllBytes(dockerConfig));
    PolicyEvaluator evaluator =
        new PolicyEvaluator(
            () -> policies,
            new RegistryImageInspector(
                RegistryClient.builder().settings(RegistrySettings.defaults()).build(),
                SignatureVerifier.cosign(),
                RegistryImageInspector.CacheSettings.defaults(),
                new SimpleMeterRegistry()),
            (namespace, secrets) -> credentials,
            Set.of());
    boolean denied = false;
    for (String image : images) {
      var pod =
          new PodSpecBuilder()
              .addNewContainer()
              .withName("verify")
              .withImage(image)
              .endContainer()
              .build();
      List<Violation> violations =
          evaluator.review(
              new PodUnderReview(
                  "verify", namespaceLabels, "Pod", "verify", "spec", pod, false, List.of()));
      if (violations.isEmpty()) {
        out.println("PASS " + image);
      }
      for (Violation violation : violations) {
        denied |= violation.mode() == PolicyMode.Enforce;
        out.println(label(violation.mode()) + " " + violation.message());
      }
    }
    out.flush();
    return denied ? 1 : 0;
  }

  private static String label(PolicyMode mode) {
    return switch (mode) {
      case Enforce -> "DENY";
      case Warn -> "WARN";
      case Audit -> "AUDIT";
    };
  }

  private static List<?> asList(Object unmarshalled) {
    return unmarshalled instanceof List<?> list ? list : List.of(unmarshalled);
  }
}
