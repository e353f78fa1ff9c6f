package dev.layerd.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The streaming readers and writers agree with the data binder they replace. */
class OciJsonProperties {

  private static Arbitrary<String> text() {
    return Arbitraries.strings().ofMaxLength(12).withCharRange(' ', '\u00ff');
  }

  private static Arbitrary<Digest> digests() {
    return Arbitraries.strings().withChars("0123456789abcdef").ofLength(64)
        .map(h -> Digest.parse("sha256:" + h));
  }

  private static Arbitrary<Map<String, String>> maps() {
    return Arbitraries.maps(text().filter(s -> !s.isEmpty()), text()).ofMaxSize(3);
  }

  private static Arbitrary<Platform> platforms() {
    return Combinators.combine(
            Arbitraries.of("linux", "windows"), Arbitraries.of("amd64", "arm64"),
            Arbitraries.of("", "v8", "v7"))
        .as(Platform::new);
  }

  private static Arbitrary<Descriptor> descriptors() {
    return Combinators.combine(
            text(), digests(), Arbitraries.longs().between(0, Long.MAX_VALUE),
            text().list().ofMaxSize(2), maps(), platforms().injectNull(0.5))
        .as(Descriptor::new);
  }

  @Provide
  Arbitrary<Object> documents() {
    // an empty media type is left out, as the binder did, and reads back as none
    Arbitrary<String> mediaTypes = text().filter(t -> !t.isEmpty()).injectNull(0.3);
    Arbitrary<Manifest> manifests =
        Combinators.combine(Arbitraries.integers().between(0, 3), mediaTypes, descriptors(),
                descriptors().list().ofMaxSize(3), maps())
            .as(Manifest::new);
    Arbitrary<Index> indexes =
        Combinators.combine(Arbitraries.integers().between(0, 3), mediaTypes,
                descriptors().list().ofMaxSize(3), maps())
            .as(Index::new);
    Arbitrary<ImageConfig> configs =
        Combinators.combine(Arbitraries.of("amd64", "arm64"), Arbitraries.of("linux"),
                Arbitraries.of("", "v8"), digests().list().ofMaxSize(4))
            .as((a, o, v, d) -> new ImageConfig(a, o, v, new ImageConfig.RootFs("layers", d)));
    return Arbitraries.oneOf(descriptors(), manifests, indexes, configs, platforms());
  }

  @Property(tries = 400)
  void readsWhatTheBinderWroteAndTheBinderReadsWhatItWrites(@ForAll("documents") Object doc)
      throws IOException {
    byte[] ours = Json.write(doc);
    byte[] binder = Json.mapper().writeValueAsBytes(doc);

    assertThat(Json.parse(binder, doc.getClass(), "test")).isEqualTo(doc);
    assertThat(Json.parse(ours, doc.getClass(), "test")).isEqualTo(doc);
    assertThat(Json.mapper().readValue(ours, doc.getClass())).isEqualTo(doc);
    assertThat(Json.mapper().readTree(ours)).isEqualTo(Json.mapper().readTree(binder));
  }

  @Property(tries = 100)
  void writingIsStableThroughARoundTrip(@ForAll("documents") Object doc) {
    assertThat(Json.write(doc)).isEqualTo(Json.write(Json.parse(Json.write(doc), doc.getClass(),
        "test")));
  }

  @Property(tries = 200)
  void labelMapsRoundTrip(@ForAll("labelMaps") Map<String, String> labels) throws IOException {
    String json = Json.writeStringMap(labels);

    assertThat(Json.parseStringMap(json, "test")).isEqualTo(labels);
    assertThat(Json.mapper().readValue(json, Map.class)).isEqualTo(labels);
  }

  @Provide
  Arbitrary<Map<String, String>> labelMaps() {
    return maps();
  }

  @Property(tries = 50)
  void unknownFieldsAreSkipped(@ForAll("documents") Object doc) throws IOException {
    JsonNode tree = Json.mapper().readTree(Json.write(doc));
    ((com.fasterxml.jackson.databind.node.ObjectNode) tree)
        .putObject("x-extra").putArray("deep").addObject().put("digest", "not a digest");

    assertThat(Json.parse(Json.mapper().writeValueAsBytes(tree), doc.getClass(), "test"))
        .isEqualTo(doc);
  }
}
