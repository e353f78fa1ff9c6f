package dev.layerd.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTest {
  private static final String DIGEST =
      "sha256:abababababababababababababababababababababababababababababababab";

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"digest\":\"" + DIGEST + "\",\"size\":\"12\"}|size: expected an integer",
        "{\"digest\":\"" + DIGEST + "\",\"size\":1.5}|size: expected an integer",
        "{\"digest\":\"" + DIGEST + "\",\"size\":-1}|negative size",
        "{\"digest\":\"sha256:12\",\"size\":1}|invalid sha256 digest",
        "{\"size\":1}|digest",
        "{\"digest\":\"" + DIGEST + "\",\"mediaType\":5}|mediaType: expected a string",
        "{\"digest\":\"" + DIGEST + "\",\"urls\":\"x\"}|urls: expected an array",
        "{\"digest\":\"" + DIGEST + "\"} {}|data after the document",
        "[]|descriptor: expected an object",
        "{\"digest\":|Unexpected end-of-input",
      })
  void refusesMalformedDescriptorsNamingWhatWasRead(String json, String reason) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Json.parse(b, Descriptor.class, "layer 3 of image x"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("malformed layer 3 of image x: ")
        .hasMessageContaining(reason);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"schemaVersion\":2,\"layers\":[]}|manifest config",
        "{\"schemaVersion\":99999999999,\"config\":{}}|integer overflow",
        "{\"config\":{\"digest\":\"" + DIGEST + "\"},\"layers\":[1]}"
            + "|descriptor: expected an object",
      })
  void refusesMalformedManifests(String json, String reason) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Json.parse(b, Manifest.class, "manifest m"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("malformed manifest m: ")
        .hasMessageContaining(reason);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"{\"rootfs\":null}|0", "{}|0", "{\"rootfs\":{\"diff_ids\":null}}|0",
        "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + DIGEST + "\"]}}|1"})
  void readsImageConfigsWithMissingParts(String json, int diffIds) {
    ImageConfig c =
        Json.parse(json.getBytes(StandardCharsets.UTF_8), ImageConfig.class, "config c");

    assertThat(c.diffIds()).hasSize(diffIds);
  }
}
