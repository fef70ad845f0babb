package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImagePatternTest {

  @ParameterizedTest(name = "{0} ~ {1}{2} -> {3}")
  @CsvSource({
    "registry.example.com/prod/**, registry.example.com/prod/app, :1.0, true",
    "registry.example.com/prod/**, registry.example.com/prod/team/app, :1.0, true",
    "registry.example.com/prod/**, registry.example.com/dev/app, :1.0, false",
    "registry.example.com/prod/*, registry.example.com/prod/app, :1.0, true",
    "registry.example.com/prod/*, registry.example.com/prod/team/app, :1.0, false",
    "registry.example.com/prod/app, registry.example.com/prod/app, :1.0, true",
    "registry.example.com/prod/app, registry.example.com/prod/app2, :1.0, false",
    "registry.example.com/prod/app:1.*, registry.example.com/prod/app, :1.4, true",
    "registry.example.com/prod/app:1.*, registry.example.com/prod/app, :2.0, false",
    "registry.example.com/prod/ap?, registry.example.com/prod/api, :1, true",
    "*.example.com/**, registry.example.com/prod/app, :1, true",
    "*.example.com/**, example.org/prod/app, :1, false",
    "docker.io/library/*, docker.io/library/nginx, :latest, true",
    "localhost:5000/**, localhost:5000/a/b, '', true",
  })
  void matchesNormalizedReferences(
      String glob, String repository, String tagOrDigest, boolean expected) {
    assertThat(ImagePattern.compile(glob).matches(repository, tagOrDigest)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "nginx | must start with a registry host",
        "library/nginx | must start with a registry host",
        "registry.example.com/a b | contains characters that cannot occur",
        "registry.example.com/*** | contains ***",
      })
  void refusesPatternsThatCouldNeverMatchANormalizedReference(String glob, String problem) {
    assertThatThrownBy(() -> ImagePattern.compile(glob)).hasMessageContaining(problem);
  }
}
