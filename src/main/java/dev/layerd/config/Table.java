package dev.layerd.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A TOML table being read: typed getters that name the key on a type error, and a record of the
 * keys read so that the rest can be reported as unknown.
 */
final class Table {
  private final ObjectNode node;
  private final List<String> path;
  private final String source;
  private final Set<String> read = new HashSet<>();
  private final List<Table> children = new ArrayList<>();

  Table(ObjectNode node, List<String> path, String source) {
    this.node = node;
    this.path = List.copyOf(path);
    this.source = source;
  }

  boolean has(String key) {
    return node.has(key);
  }

  int integer(String key, int fallback) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw typeError(key, "an integer", v);
    }
    return v.intValue();
  }

  boolean bool(String key, boolean fallback) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw typeError(key, "a boolean (true or false)", v);
    }
    return v.booleanValue();
  }

  String string(String key, String fallback) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw typeError(key, "a string", v);
    }
    return v.textValue();
  }

  List<String> strings(String key, List<String> fallback) {
    JsonNode v = value(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isArray()) {
      throw typeError(key, "an array of strings", v);
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw typeError(key, "an array of strings", v);
      }
      out.add(e.textValue());
    }
    return out;
  }

  /** The sub-table {@code key}, empty when absent. */
  Table table(String key) {
    JsonNode v = value(key);
    if (v != null && !v.isObject()) {
      throw typeError(key, "a table", v);
    }
    ObjectNode o = v == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) v;
    Table t = new Table(o, append(key), source);
    children.add(t);
    return t;
  }

  /** The array of tables {@code key}, empty when absent. */
  List<Table> tables(String key) {
    JsonNode v = value(key);
    if (v == null) {
      return List.of();
    }
    if (!v.isArray()) {
      throw typeError(key, "an array of tables", v);
    }
    List<Table> out = new ArrayList<>();
    int i = 0;
    for (JsonNode e : v) {
      if (!e.isObject()) {
        throw typeError(key, "an array of tables", v);
      }
      List<String> p = append(key);
      p.set(p.size() - 1, key + "[" + i++ + "]");
      Table t = new Table((ObjectNode) e, p, source);
      children.add(t);
      out.add(t);
    }
    return out;
  }

  /** The dotted path of {@code key} in this table. */
  String keyPath(String key) {
    return Keys.path(append(key));
  }

  /** Adds a warning for every key nobody read, here and in the tables read below. */
  void reportUnknown(List<ConfigWarning> warnings) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!read.contains(e.getKey())) {
        warnings.add(new ConfigWarning(keyPath(e.getKey()), "unknown key, ignored"));
      }
    }
    for (Table c : children) {
      c.reportUnknown(warnings);
    }
  }

  ConfigException invalid(String key, String problem) {
    return new ConfigException(source, keyPath(key), problem);
  }

  private JsonNode value(String key) {
    read.add(key);
    JsonNode v = node.get(key);
    return v == null || v.isNull() ? null : v;
  }

  private List<String> append(String key) {
    List<String> p = new ArrayList<>(path);
    p.add(key);
    return p;
  }

  private ConfigException typeError(String key, String expected, JsonNode got) {
    return invalid(key, "must be " + expected + ", got " + describe(got));
  }

  private static String describe(JsonNode v) {
    String kind =
        switch (v.getNodeType()) {
          case STRING -> "string";
          case NUMBER -> v.isIntegralNumber() ? "integer" : "float";
          case BOOLEAN -> "boolean";
          case ARRAY -> "array";
          case OBJECT -> "table";
          default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    String text = v.isContainerNode() ? v.toString() : v.asText();
    return kind + " " + (text.length() > 60 ? text.substring(0, 60) + "..." : text);
  }
}
