package dev.layerd.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.layerd.errdefs.InvalidArgumentException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The JSON of OCI documents. {@link Descriptor}, {@link Manifest}, {@link Index}, {@link
 * ImageConfig}, {@link Platform} and label maps go through {@link OciJson}'s readers and writers;
 * any other type through the data binder, {@link #mapper()}, which is built on first use.
 */
public final class Json {
  private static final JsonFactory FACTORY = new JsonFactory();

  private Json() {}

  private static final class Binder {
    static final ObjectMapper MAPPER =
        JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
  }

  /** The data binder, for types without a reader of their own. */
  public static ObjectMapper mapper() {
    return Binder.MAPPER;
  }

  /** A JSON object of strings (labels, annotations); malformed input names {@code what}. */
  public static Map<String, String> parseStringMap(String json, String what) {
    try (JsonParser p = FACTORY.createParser(json)) {
      p.nextToken();
      Map<String, String> m = OciJson.stringMap(p, what);
      return m == null ? Map.of() : m;
    } catch (IOException e) {
      throw new InvalidArgumentException("malformed " + what + ": " + e.getMessage(), e);
    }
  }

  /** {@code m} as a JSON object, its keys in order. */
  public static String writeStringMap(Map<String, String> m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      OciJson.write(g, m);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Parses {@code bytes} as {@code type}; malformed input, or a value the type refuses, is an
   * invalid argument naming {@code what}.
   */
  public static <T> T parse(byte[] bytes, Class<T> type, String what) {
    try {
      if (!hasReader(type)) {
        return mapper().readValue(bytes, type);
      }
      try (JsonParser p = FACTORY.createParser(bytes)) {
        p.nextToken();
        Object v = read(p, type);
        if (p.nextToken() != null) {
          throw new JsonParseException(p, "data after the document");
        }
        return type.cast(v);
      }
    } catch (IOException | RuntimeException e) {
      // a record's own check (a digest, a size, a missing field) is about the input too
      throw new InvalidArgumentException("malformed " + what + ": " + e.getMessage(), e);
    }
  }

  private static boolean hasReader(Class<?> type) {
    return type == Descriptor.class
        || type == Manifest.class
        || type == Index.class
        || type == ImageConfig.class
        || type == Platform.class;
  }

  private static Object read(JsonParser p, Class<?> type) throws IOException {
    if (type == Descriptor.class) {
      return OciJson.descriptor(p);
    } else if (type == Manifest.class) {
      return OciJson.manifest(p);
    } else if (type == Index.class) {
      return OciJson.index(p);
    } else if (type == ImageConfig.class) {
      return OciJson.imageConfig(p);
    }
    return OciJson.platform(p);
  }

  public static byte[] write(Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      switch (value) {
        case Descriptor d -> generate(out, g -> OciJson.write(g, d));
        case Manifest m -> generate(out, g -> OciJson.write(g, m));
        case Index i -> generate(out, g -> OciJson.write(g, i));
        case ImageConfig c -> generate(out, g -> OciJson.write(g, c));
        case Platform p -> generate(out, g -> OciJson.write(g, p));
        default -> mapper().writeValue(out, value);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serialize " + value.getClass().getSimpleName(), e); // in memory
    }
    return out.toByteArray();
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static void generate(ByteArrayOutputStream out, Body body) throws IOException {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      body.write(g);
    }
  }
}
