package io.dockmaster.policy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every image a pod spec runs, in the order people read a manifest: containers, initContainers,
 * ephemeralContainers, then image volumes, so messages come out in that order too.
 */
final class PodImages {

  private PodImages() {}

  static List<ImageUse> of(PodUnderReview pod) {
    PodSpec spec = pod.spec();
    String base = pod.specPath();
    List<ImageUse> uses = new ArrayList<>();
    if (!pod.ephemeralOnly()) {
      addContainers(uses, base + ".containers", spec.getContainers());
      addContainers(uses, base + ".initContainers", spec.getInitContainers());
    }
    List<EphemeralContainer> ephemeral =
        spec.getEphemeralContainers() == null ? List.of() : spec.getEphemeralContainers();
    for (int i = 0; i < ephemeral.size(); i++) {
      EphemeralContainer c = ephemeral.get(i);
      uses.add(
          new ImageUse(
              base + ".ephemeralContainers[" + i + "]",
              c.getName(),
              c.getImage(),
              Optional.ofNullable(c.getSecurityContext()),
              false));
    }
    if (!pod.ephemeralOnly()) {
      List<Volume> volumes = spec.getVolumes() == null ? List.of() : spec.getVolumes();
      for (int i = 0; i < volumes.size(); i++) {
        Volume v = volumes.get(i);
        if (v.getImage() != null) {
          uses.add(
              new ImageUse(
                  base + ".volumes[" + i + "].image",
                  v.getName(),
                  v.getImage().getReference(),
                  Optional.empty(),
                  true));
        }
      }
    }
    return uses;
  }

  private static void addContainers(List<ImageUse> uses, String path, List<Container> containers) {
    if (containers == null) {
      return;
    }
    for (int i = 0; i < containers.size(); i++) {
      Container c = containers.get(i);
      uses.add(
          new ImageUse(
              path + "[" + i + "]",
              c.getName(),
              c.getImage(),
              Optional.ofNullable(c.getSecurityContext()),
              false));
    }
  }
}
