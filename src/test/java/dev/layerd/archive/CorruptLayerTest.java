package dev.layerd.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorruptLayerTest {
  private static final String LAYER = "sha256:" + "ab".repeat(32);

  @TempDir Path tmp;

  private static byte[] tar() {
    byte[] big = new byte[300_000];
    new Random(1).nextBytes(big);
    return new TarBuilder()
        .file("first", "1")
        .file("big", big, TarBuilder.with())
        .file("last", "3")
        .bytes();
  }

  private ArchiveException failure(byte[] layer) {
    Path root = tmp.resolve("r" + System.nanoTime());
    try {
      Files.createDirectories(root);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                Archives.apply(
                    root,
                    new ByteArrayInputStream(layer),
                    ArchiveOptions.builder().layerName(LAYER).build()));
    assertThat(t).isInstanceOf(ArchiveException.class);
    ArchiveException e = (ArchiveException) t;
    assertThat(e.layer()).isEqualTo(LAYER);
    assertThat(e.getMessage()).contains(LAYER).contains(e.entry());
    return e;
  }

  @Test
  void truncatedTarNamesTheEntry() {
    byte[] t = tar();
    ArchiveException e = failure(Arrays.copyOf(t, 1536 + 100_000));
    assertThat(e.entry()).isEqualTo("big");
  }

  @Test
  void truncatedGzipNamesLayerAndEntry() throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
      g.write(tar());
    }
    byte[] z = gz.toByteArray();
    ArchiveException e = failure(Arrays.copyOf(z, z.length * 2 / 3));
    assertThat(e.entry()).isEqualTo("big");
  }

  @Test
  void corruptGzipNamesLayerAndEntry() throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
      g.write(tar());
    }
    byte[] z = gz.toByteArray();
    for (int i = z.length / 2; i < z.length / 2 + 64; i++) {
      z[i] ^= 0x5a;
    }
    assertThat(failure(z).entry()).isNotEmpty();
  }

  @Test
  void truncatedAndCorruptZstdNameLayerAndEntry() {
    byte[] z = Zstd.compress(tar());
    assertThat(failure(Arrays.copyOf(z, z.length * 2 / 3)).entry()).isEqualTo("big");
    // compressible content, so that the damage hits compressed blocks (raw ones carry no check)
    byte[] c =
        Zstd.compress(
            new TarBuilder().file("text", "layer text ".repeat(50_000)).file("end", "e").bytes());
    for (int i = c.length / 2; i < c.length / 2 + 64; i++) {
      c[i] ^= 0x5a;
    }
    assertThat(failure(c).entry()).isNotEmpty();
  }

  @Test
  void corruptHeaderNamesThePreviousEntry() {
    byte[] t = tar();
    int header = indexOf(t, "last\0".getBytes(), 2000); // the ustar header of "last"
    assertThat(header % 512).isZero();
    t[header + 148] ^= 0x11; // break the checksum
    ArchiveException e = failure(t);
    assertThat(e.entry()).contains("big");
  }

  @Test
  void garbageIsNotATar() {
    byte[] g = new byte[4096];
    new Random(2).nextBytes(g);
    g[0] = 'x';
    assertThat(failure(g).entry()).isEqualTo("(first header)");
  }

  private static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = from; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
