package dev.layerd.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OCI documents layerd reads and writes most (descriptors, manifests, indexes, image configs),
 * read and written field by field with Jackson's streaming API. The data binder found the same
 * fields by reflection, which cost about 90 ms of every command's start-up. Reads as the binder
 * did, but stricter about types (a size must be an integer, a string a string); writes what it
 * wrote (record order, empty values left out but in an image config), with the keys of maps in
 * order, so that equal documents give equal bytes.
 */
final class OciJson {
  private OciJson() {}

  // ---- reading: each reader starts on the value's first token

  static Descriptor descriptor(JsonParser p) throws IOException {
    start(p, JsonToken.START_OBJECT, "descriptor");
    String mediaType = null;
    Digest digest = null;
    long size = 0;
    List<String> urls = null;
    Map<String, String> annotations = null;
    Platform platform = null;
    for (String f; (f = p.nextFieldName()) != null; ) {
      JsonToken t = p.nextToken();
      switch (f) {
        case "mediaType" -> mediaType = string(p, f);
        case "digest" -> digest = digest(p, f);
        case "size" -> size = integer(p, f);
        case "urls" -> urls = strings(p, f);
        case "annotations" -> annotations = stringMap(p, f);
        case "platform" -> platform = t == JsonToken.VALUE_NULL ? null : platform(p);
        default -> p.skipChildren();
      }
    }
    return new Descriptor(mediaType, digest, size, urls, annotations, platform);
  }

  static Platform platform(JsonParser p) throws IOException {
    start(p, JsonToken.START_OBJECT, "platform");
    String os = null;
    String architecture = null;
    String variant = null;
    for (String f; (f = p.nextFieldName()) != null; ) {
      p.nextToken();
      switch (f) {
        case "os" -> os = string(p, f);
        case "architecture" -> architecture = string(p, f);
        case "variant" -> variant = string(p, f);
        default -> p.skipChildren();
      }
    }
    return new Platform(os, architecture, variant);
  }

  static Manifest manifest(JsonParser p) throws IOException {
    start(p, JsonToken.START_OBJECT, "manifest");
    int schemaVersion = 0;
    String mediaType = null;
    Descriptor config = null;
    List<Descriptor> layers = null;
    Map<String, String> annotations = null;
    for (String f; (f = p.nextFieldName()) != null; ) {
      JsonToken t = p.nextToken();
      switch (f) {
        case "schemaVersion" -> schemaVersion = Math.toIntExact(integer(p, f));
        case "mediaType" -> mediaType = string(p, f);
        case "config" -> config = t == JsonToken.VALUE_NULL ? null : descriptor(p);
        case "layers" -> layers = descriptors(p, f);
        case "annotations" -> annotations = stringMap(p, f);
        default -> p.skipChildren();
      }
    }
    return new Manifest(schemaVersion, mediaType, config, layers, annotations);
  }

  static Index index(JsonParser p) throws IOException {
    start(p, JsonToken.START_OBJECT, "index");
    int schemaVersion = 0;
    String mediaType = null;
    List<Descriptor> manifests = null;
    Map<String, String> annotations = null;
    for (String f; (f = p.nextFieldName()) != null; ) {
      p.nextToken();
      switch (f) {
        case "schemaVersion" -> schemaVersion = Math.toIntExact(integer(p, f));
        case "mediaType" -> mediaType = string(p, f);
        case "manifests" -> manifests = descriptors(p, f);
        case "annotations" -> annotations = stringMap(p, f);
        default -> p.skipChildren();
      }
    }
    return new Index(schemaVersion, mediaType, manifests, annotations);
  }

  static ImageConfig imageConfig(JsonParser p) throws IOException {
    start(p, JsonToken.START_OBJECT, "image config");
    String architecture = null;
    String os = null;
    String variant = null;
    ImageConfig.RootFs rootfs = null;
    for (String f; (f = p.nextFieldName()) != null; ) {
      JsonToken t = p.nextToken();
      switch (f) {
        case "architecture" -> architecture = string(p, f);
        case "os" -> os = string(p, f);
        case "variant" -> variant = string(p, f);
        case "rootfs" -> rootfs = t == JsonToken.VALUE_NULL ? null : rootFs(p);
        default -> p.skipChildren();
      }
    }
    return new ImageConfig(architecture, os, variant, rootfs);
  }

  private static ImageConfig.RootFs rootFs(JsonParser p) throws IOException {
    start(p, JsonToken.START_OBJECT, "rootfs");
    String type = null;
    List<Digest> diffIds = null;
    for (String f; (f = p.nextFieldName()) != null; ) {
      JsonToken t = p.nextToken();
      switch (f) {
        case "type" -> type = string(p, f);
        case "diff_ids" -> {
          if (t != JsonToken.VALUE_NULL) {
            start(p, JsonToken.START_ARRAY, f);
            diffIds = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
              diffIds.add(digest(p, f));
            }
          }
        }
        default -> p.skipChildren();
      }
    }
    return new ImageConfig.RootFs(type, diffIds);
  }

  private static List<Descriptor> descriptors(JsonParser p, String field) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    start(p, JsonToken.START_ARRAY, field);
    List<Descriptor> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      out.add(descriptor(p));
    }
    return out;
  }

  private static void start(JsonParser p, JsonToken want, String what) throws IOException {
    if (p.currentToken() != want) {
      throw new JsonParseException(
          p, what + ": expected " + (want == JsonToken.START_OBJECT ? "an object" : "an array"));
    }
  }

  private static String string(JsonParser p, String field) throws IOException {
    return switch (p.currentToken()) {
      case VALUE_STRING -> p.getText();
      case VALUE_NULL -> null;
      default -> throw new JsonParseException(p, field + ": expected a string");
    };
  }

  private static long integer(JsonParser p, String field) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw new JsonParseException(p, field + ": expected an integer");
    }
    return p.getLongValue();
  }

  private static Digest digest(JsonParser p, String field) throws IOException {
    String s = string(p, field);
    return s == null ? null : Digest.parse(s);
  }

  private static List<String> strings(JsonParser p, String field) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    start(p, JsonToken.START_ARRAY, field);
    List<String> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      out.add(string(p, field));
    }
    return out;
  }

  static Map<String, String> stringMap(JsonParser p, String field) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    start(p, JsonToken.START_OBJECT, field);
    Map<String, String> out = new LinkedHashMap<>();
    for (String k; (k = p.nextFieldName()) != null; ) {
      p.nextToken();
      out.put(k, string(p, field + "." + k));
    }
    return out;
  }

  // ---- writing: the fields in record order, empty strings, lists and maps and nulls left out

  static void write(JsonGenerator g, Descriptor d) throws IOException {
    g.writeStartObject();
    field(g, "mediaType", d.mediaType());
    field(g, "digest", d.digest().toString());
    g.writeNumberField("size", d.size());
    strings(g, "urls", d.urls());
    stringMap(g, "annotations", d.annotations());
    if (d.platform() != null) {
      g.writeFieldName("platform");
      write(g, d.platform());
    }
    g.writeEndObject();
  }

  static void write(JsonGenerator g, Platform p) throws IOException {
    g.writeStartObject();
    field(g, "os", p.os());
    field(g, "architecture", p.architecture());
    field(g, "variant", p.variant());
    g.writeEndObject();
  }

  static void write(JsonGenerator g, Manifest m) throws IOException {
    g.writeStartObject();
    g.writeNumberField("schemaVersion", m.schemaVersion());
    field(g, "mediaType", m.mediaType());
    g.writeFieldName("config");
    write(g, m.config());
    descriptors(g, "layers", m.layers());
    stringMap(g, "annotations", m.annotations());
    g.writeEndObject();
  }

  static void write(JsonGenerator g, Index i) throws IOException {
    g.writeStartObject();
    g.writeNumberField("schemaVersion", i.schemaVersion());
    field(g, "mediaType", i.mediaType());
    descriptors(g, "manifests", i.manifests());
    stringMap(g, "annotations", i.annotations());
    g.writeEndObject();
  }

  /** Every field, nulls included: the binder wrote image configs so. */
  static void write(JsonGenerator g, ImageConfig c) throws IOException {
    g.writeStartObject();
    g.writeStringField("architecture", c.architecture());
    g.writeStringField("os", c.os());
    g.writeStringField("variant", c.variant());
    g.writeFieldName("rootfs");
    g.writeStartObject();
    g.writeStringField("type", c.rootfs().type());
    g.writeFieldName("diff_ids");
    g.writeStartArray();
    for (Digest d : c.diffIds()) {
      g.writeString(d.toString());
    }
    g.writeEndArray();
    g.writeEndObject();
    g.writeEndObject();
  }

  /** A map of strings as an object, keys sorted, so that equal maps give equal bytes. */
  static void write(JsonGenerator g, Map<String, String> m) throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, String> e : new TreeMap<>(m).entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
  }

  private static void field(JsonGenerator g, String name, String value) throws IOException {
    if (value != null && !value.isEmpty()) {
      g.writeStringField(name, value);
    }
  }

  private static void strings(JsonGenerator g, String name, List<String> values)
      throws IOException {
    if (!values.isEmpty()) {
      g.writeFieldName(name);
      g.writeStartArray();
      for (String v : values) {
        g.writeString(v);
      }
      g.writeEndArray();
    }
  }

  private static void stringMap(JsonGenerator g, String name, Map<String, String> values)
      throws IOException {
    if (!values.isEmpty()) {
      g.writeFieldName(name);
      write(g, values);
    }
  }

  private static void descriptors(JsonGenerator g, String name, List<Descriptor> values)
      throws IOException {
    if (!values.isEmpty()) {
      g.writeFieldName(name);
      g.writeStartArray();
      for (Descriptor d : values) {
        write(g, d);
      }
      g.writeEndArray();
    }
  }
}
