package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.InvalidReferenceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random input for the two parsers every admission request goes through: they may refuse it, but
 * only with their own clear error, and what they accept must behave.
 */
class ReferenceAndPatternFuzzTest {

  private static final String ALPHABET = "abcXYZ019./:@-_*?~ \t\u00e9\u0000sha256";
  private static final int CASES = 20_000;

  @ParameterizedTest
  @ValueSource(longs = {1L, 42L, 20261128L})
  void referencesEitherParseOrSayWhyNot(long seed) {
    Random random = new Random(seed);
    int accepted = 0;
    for (int i = 0; i < CASES; i++) {
      String input = mutate(random, randomReferenceLike(random));
      try {
        ImageReference reference = ImageReference.parse(input);
        accepted++;
        // What was accepted is stable: its normalized form parses to itself.
        assertThat(ImageReference.parse(reference.toString())).isEqualTo(reference);
      } catch (InvalidReferenceException e) {
        assertThat(e.getMessage())
            .as("message for %s", input)
            .isNotBlank()
            .doesNotContain("Exception");
      }
    }
    assertThat(accepted)
        .as("the generator also produces valid references")
        .isGreaterThan(CASES / 20);
  }

  @ParameterizedTest
  @ValueSource(longs = {7L, 99L})
  void patternsEitherCompileOrSayWhyNotAndNeverThrowWhenMatching(long seed) {
    Random random = new Random(seed);
    List<ImagePattern> compiled = new ArrayList<>();
    for (int i = 0; i < CASES; i++) {
      String glob = mutate(random, randomReferenceLike(random));
      try {
        compiled.add(ImagePattern.compile(glob));
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).isNotBlank().doesNotContain("Exception");
      }
    }
    assertThat(compiled).isNotEmpty();
    for (int i = 0; i < CASES; i++) {
      ImagePattern pattern = compiled.get(random.nextInt(compiled.size()));
      String repository = randomReferenceLike(random);
      // Matching is total: any string in, a boolean out.
      pattern.matches(repository, random.nextBoolean() ? "" : ":" + random.nextInt(10));
    }
  }

  private static String randomReferenceLike(Random random) {
    String[] hosts = {
      "",
      "registry.example.com/",
      "localhost:5000/",
      "Docker.IO/",
      "10.0.0.1:443/",
      "*.example.com/"
    };
    String[] paths = {"nginx", "library/nginx", "team/app", "a/b/c/d", "**", "x*", "UPPER/case"};
    String[] suffixes = {
      "",
      ":1.0",
      ":latest",
      "@sha256:" + "a".repeat(64),
      ":tag@sha256:" + "b".repeat(64),
      "@sha256:short"
    };
    return hosts[random.nextInt(hosts.length)]
        + paths[random.nextInt(paths.length)]
        + suffixes[random.nextInt(suffixes.length)];
  }

  private static String mutate(Random random, String input) {
    StringBuilder out = new StringBuilder(input);
    int edits = random.nextInt(4);
    for (int e = 0; e < edits && out.length() > 0; e++) {
      int at = random.nextInt(out.length());
      switch (random.nextInt(3)) {
        case 0 -> out.deleteCharAt(at);
        case 1 -> out.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        default -> out.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
    }
    return out.toString();
  }
}
