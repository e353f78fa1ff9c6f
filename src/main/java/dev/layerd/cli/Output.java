package dev.layerd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.layerd.oci.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Tables and JSON for listings. */
final class Output {
  private Output() {}

  /** Prints {@code value} (maps, lists, strings, numbers) as indented JSON. */
  static void json(PrintWriter out, Object value) {
    try {
      out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON output", e);
    }
  }

  /** Prints rows under a header, columns padded to their widest cell. */
  static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    int[] w = new int[header.size()];
    for (List<String> r : all) {
      for (int i = 0; i < r.size(); i++) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    for (List<String> r : all) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        b.append(r.get(i));
        if (i < r.size() - 1) {
          b.append(" ".repeat(w[i] - r.get(i).length() + 2));
        }
      }
      out.println(b.toString().stripTrailing());
    }
  }

  /** Bytes as a short human figure (KiB, MiB, GiB). */
  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
