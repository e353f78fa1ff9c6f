package dev.layerd.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a parsed TOML tree back as TOML: plain keys first, then one {@code [table]} header per
 * table that holds plain keys (or is empty), and {@code [[array]]} headers for arrays of tables.
 * Comments and the original layout are not kept; values and key order are.
 */
final class TomlRender {
  private TomlRender() {}

  static String render(ObjectNode root) {
    StringBuilder out = new StringBuilder();
    table(out, List.of(), root, false);
    return out.toString();
  }

  private static void table(StringBuilder out, List<String> path, ObjectNode node, boolean array) {
    List<Map.Entry<String, JsonNode>> plain = new ArrayList<>();
    List<Map.Entry<String, JsonNode>> nested = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      (isTable(e.getValue()) || isTableArray(e.getValue()) ? nested : plain).add(e);
    }
    if (array) {
      out.append(out.isEmpty() ? "" : "\n").append("[[").append(Keys.path(path)).append("]]\n");
    } else if (!path.isEmpty() && (!plain.isEmpty() || nested.isEmpty())) {
      out.append(out.isEmpty() ? "" : "\n").append('[').append(Keys.path(path)).append("]\n");
    }
    for (Map.Entry<String, JsonNode> e : plain) {
      out.append(Keys.key(e.getKey())).append(" = ").append(value(e.getValue())).append('\n');
    }
    for (Map.Entry<String, JsonNode> e : nested) {
      List<String> p = new ArrayList<>(path);
      p.add(e.getKey());
      if (isTable(e.getValue())) {
        table(out, p, (ObjectNode) e.getValue(), false);
      } else {
        for (JsonNode element : e.getValue()) {
          table(out, p, (ObjectNode) element, true);
        }
      }
    }
  }

  private static boolean isTable(JsonNode v) {
    return v.isObject();
  }

  /** A non-empty array whose every element is a table; written as {@code [[key]]} sections. */
  private static boolean isTableArray(JsonNode v) {
    if (!v.isArray() || v.isEmpty()) {
      return false;
    }
    for (JsonNode e : v) {
      if (!e.isObject()) {
        return false;
      }
    }
    return true;
  }

  private static String value(JsonNode v) {
    if (v.isTextual()) {
      return string(v.textValue());
    }
    if (v.isBoolean() || v.isIntegralNumber()) {
      return v.asText();
    }
    if (v.isNumber()) {
      double d = v.doubleValue();
      if (Double.isNaN(d)) {
        return "nan";
      }
      if (Double.isInfinite(d)) {
        return d > 0 ? "inf" : "-inf";
      }
      return Double.toString(d);
    }
    if (v.isArray()) {
      List<String> items = new ArrayList<>();
      for (JsonNode e : v) {
        items.add(value(e));
      }
      return "[" + String.join(", ", items) + "]";
    }
    if (v.isObject()) {
      List<String> items = new ArrayList<>();
      for (Map.Entry<String, JsonNode> e : v.properties()) {
        items.add(Keys.key(e.getKey()) + " = " + value(e.getValue()));
      }
      return "{" + String.join(", ", items) + "}";
    }
    // TODO: TOML dates arrive as strings from the parser and are written back quoted; keep
    // their type once a config key needs a date.
    return string(v.asText());
  }

  /** A TOML basic string. */
  static String string(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
