package dev.layerd.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.oci.Platform;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
  private static final Descriptor ONE =
      new Descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {1}), 10);
  private static final Descriptor TWO =
      new Descriptor(MediaTypes.OCI_INDEX, Digest.sha256(new byte[] {2}), 20, List.of(),
          Map.of("a", "b"), Platform.parse("linux/arm64/v8"));

  @TempDir Path root;
  private MetadataDatabase db;
  private ImageStore store;

  @BeforeEach
  void open() throws IOException {
    db = MetadataDatabase.open(root.resolve("metadata.db"));
    store = ImageStores.open(db);
  }

  @AfterEach
  void close() throws IOException {
    db.close();
  }

  @Test
  void createsAndGetsImage() throws IOException {
    Image created = store.create(new Image("example.com/a:1", TWO).withLabels(Map.of("k", "v")));

    Image got = store.get("example.com/a:1");

    assertThat(got).isEqualTo(created);
    assertThat(got.target()).isEqualTo(TWO);
    assertThat(got.labels()).containsOnly(Map.entry("k", "v"));
    assertThat(got.created()).isEqualTo(got.updated()).isAfter(java.time.Instant.EPOCH);
  }

  @Test
  void createRefusesTakenName() throws IOException {
    store.create(new Image("a", ONE));

    assertThatThrownBy(() -> store.create(new Image("a", TWO)))
        .isInstanceOf(AlreadyExistsException.class).hasMessageContaining("a");
    assertThat(store.get("a").target()).isEqualTo(ONE);
  }

  @Test
  void updateKeepsCreatedAndNeedsExistingImage() throws IOException {
    assertThatThrownBy(() -> store.update(new Image("b", ONE)))
        .isInstanceOf(NotFoundException.class);
    Image first = store.create(new Image("b", ONE));

    Image second = store.update(new Image("b", TWO).withLabels(
        Map.of(Image.LAYERS_DISCARDED, "true")));

    assertThat(second.created()).isEqualTo(first.created());
    assertThat(second.updated()).isAfterOrEqualTo(first.updated());
    assertThat(store.get("b").target()).isEqualTo(TWO);
    assertThat(store.get("b").labels()).containsEntry(Image.LAYERS_DISCARDED, "true");
  }

  @Test
  void putCreatesOrReplaces() throws IOException {
    store.put(new Image("c", ONE));
    store.put(new Image("c", TWO));

    assertThat(store.list()).singleElement()
        .satisfies(i -> assertThat(i.target()).isEqualTo(TWO));
  }

  @Test
  void listsInNameOrderAndDeletes() throws IOException {
    store.create(new Image("z", ONE));
    store.create(new Image("a", ONE));
    store.create(new Image("m", TWO));

    assertThat(store.list()).extracting(Image::name).containsExactly("a", "m", "z");

    store.delete("m");

    assertThat(store.list()).extracting(Image::name).containsExactly("a", "z");
    assertThatThrownBy(() -> store.get("m")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.delete("m")).isInstanceOf(NotFoundException.class);
  }

  @Test
  void rejectsBlankName() {
    assertThatThrownBy(() -> new Image(" ", ONE)).isInstanceOf(InvalidArgumentException.class);
  }
}
