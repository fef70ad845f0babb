package io.dockmaster.e2e.lab;

import java.util.List;

/** Reads samples out of the Prometheus text format that the operator and agents serve. */
public final class PrometheusText {

  private PrometheusText() {}

  /**
   * The sum of every sample of {@code name}, whatever its labels: {@code name value} and {@code
   * name{...} value} lines, not those of longer names that merely start with it. 0 if there are
   * none, as a counter that has not been incremented yet is sometimes not exposed at all.
   */
  public static double sum(String text, String name) {
    return sum(text, name, "");
  }

  /**
   * As {@link #sum(String, String)}, over the samples whose labels include {@code label}, written
   * as in the text: {@code flow="served_runtime"}.
   */
  public static double sum(String text, String name, String label) {
    double sum = 0;
    for (String line : (Iterable<String>) text.lines()::iterator) {
      if (!line.startsWith(name) || line.length() == name.length()) {
        continue;
      }
      if (!label.isEmpty() && !labels(line, name).contains(label)) {
        continue;
      }
      char next = line.charAt(name.length());
      if (next != ' ' && next != '{') {
        continue;
      }
      int valueStart = next == '{' ? line.indexOf("} ", name.length()) + 2 : name.length() + 1;
      if (valueStart < 2) {
        continue;
      }
      String[] rest = line.substring(valueStart).strip().split("\\s+");
      sum += Double.parseDouble(rest[0]);
    }
    return sum;
  }

  /** The labels of a sample line, {@code a="1",b="2"}; label values here hold no commas. */
  private static List<String> labels(String line, String name) {
    int end = line.indexOf("} ", name.length());
    if (line.charAt(name.length()) != '{' || end < 0) {
      return List.of();
    }
    return List.of(line.substring(name.length() + 1, end).split(","));
  }
}
