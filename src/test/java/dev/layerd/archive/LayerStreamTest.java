package dev.layerd.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.linux.Errno;
import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Statx;
import dev.layerd.linux.Xattrs;
import dev.layerd.oci.Digest;
import dev.layerd.testing.RequiresRoot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the applier makes of the layer stream itself: odd headers, non-tars, failing sources. */
class LayerStreamTest {
  private static final String LAYER = "sha256:" + "cd".repeat(32);

  @TempDir Path tmp;

  private Path root() throws IOException {
    return Files.createDirectories(tmp.resolve("r" + System.nanoTime()));
  }

  private static AppliedLayer apply(Path root, InputStream layer) throws IOException {
    return Archives.apply(root, layer, ArchiveOptions.builder().layerName(LAYER).build());
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }

  @Test
  @RequiresRoot
  void globalPaxHeaderChangesNothingAboutLaterEntries() throws Exception {
    Path root = root();
    Map<String, String> global = new LinkedHashMap<>();
    global.put("path", "elsewhere");
    global.put("mtime", "1234567890.5");
    global.put("uid", "4242");
    global.put("gid", "4343");
    global.put("SCHILY.xattr.user.x", "global");
    byte[] tar =
        new TarBuilder()
            .globalPax(global)
            .dir("d")
            .file("d/a", "alpha", TarBuilder.with().owner(7, 8))
            .globalPax(global)
            .file("b", "beta")
            .bytes();
    assertThat(new String(tar, StandardCharsets.ISO_8859_1))
        .contains("SCHILY.xattr.user.x=global"); // the global header is really there
    assertThat((char) tar[156]).isEqualTo('g');
    byte[] layer = Arrays.copyOf(tar, tar.length + 100); // trailing bytes count too
    layer[layer.length - 1] = 'z';

    AppliedLayer applied = apply(root, new ByteArrayInputStream(layer));

    assertThat(applied.diffId()).isEqualTo(Digest.sha256(layer));
    assertThat(applied.size()).isEqualTo(layer.length);
    assertThat(root.resolve("elsewhere")).doesNotExist();
    assertThat(Files.readString(root.resolve("d/a"))).isEqualTo("alpha");
    assertThat(Files.readString(root.resolve("b"))).isEqualTo("beta");
    for (String p : new String[] {"d", "d/a", "b"}) {
      Path f = root.resolve(p);
      Statx st = ArchivesTest.stat(f);
      assertThat(st.mtimeSec()).as(p).isEqualTo(TarBuilder.WHEN.getEpochSecond());
      assertThat(st.mtimeNsec()).as(p).isEqualTo(TarBuilder.WHEN.getNano());
      assertThat(st.uid()).as(p).isEqualTo(p.equals("d/a") ? 7 : 0);
      assertThat(st.gid()).as(p).isEqualTo(p.equals("d/a") ? 8 : 0);
      assertThat(Xattrs.llist(f.toString())).as(p).doesNotContain("user.x");
    }
  }

  @Test
  void globalPaxHeaderAloneIsAnEmptyLayer() throws Exception {
    Path root = root();
    byte[] layer =
        new TarBuilder()
            .globalPax(Map.of("comment", "x"))
            .bytes();

    AppliedLayer applied = apply(root, new ByteArrayInputStream(layer));

    assertThat(applied.diffId()).isEqualTo(Digest.sha256(layer));
    try (var s = Files.list(root)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void shortTextIsNotATar() throws Exception {
    byte[] text = "this is not a tar stream at all\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(text.length).isLessThan(512);

    Throwable t = catchThrowable(() -> apply(root(), new ByteArrayInputStream(text)));

    assertThat(t).isInstanceOf(ArchiveException.class).hasMessageContaining(LAYER);
    assertThat(t.getMessage()).contains("not a tar stream");
    assertThat(((ArchiveException) t).layer()).isEqualTo(LAYER);
  }

  @Test
  void shortGzippedTextIsNotATar() throws Exception {
    byte[] layer = gzip("short".getBytes(StandardCharsets.US_ASCII));

    Throwable t = catchThrowable(() -> apply(root(), new ByteArrayInputStream(layer)));

    assertThat(t).isInstanceOf(ArchiveException.class).hasMessageContaining("not a tar stream");
  }

  @Test
  void firstBlockWithoutHeaderChecksumIsNotATar() throws Exception {
    byte[] text = "line of text\n".repeat(100).getBytes(StandardCharsets.US_ASCII);

    Throwable t = catchThrowable(() -> apply(root(), new ByteArrayInputStream(text)));

    assertThat(t).isInstanceOf(ArchiveException.class).hasMessageContaining("not a tar stream");
  }

  @Test
  void emptyStreamIsAnEmptyLayer() throws Exception {
    Path root = root();

    AppliedLayer applied = apply(root, new ByteArrayInputStream(new byte[0]));

    assertThat(applied.diffId()).isEqualTo(Digest.sha256(new byte[0]));
    assertThat(applied.size()).isZero();
    try (var s = Files.list(root)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void streamEndingInsideALaterHeaderIsCorrupt() throws Exception {
    byte[] tar = new TarBuilder().file("a", "x").file("b", "y").bytes();
    byte[] cut = Arrays.copyOf(tar, 3 * 512 + 100); // pax + header + data of a, then 100 bytes

    Throwable t = catchThrowable(() -> apply(root(), new ByteArrayInputStream(cut)));

    assertThat(t).isInstanceOf(ArchiveException.class);
  }

  /** A source that fails like a broken network read after {@code limit} bytes. */
  private static final class FailingSource extends InputStream {
    private final InputStream in;
    private long left;

    FailingSource(byte[] b, long limit) {
      in = new ByteArrayInputStream(b);
      left = limit;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        throw new IOException("connection reset by peer");
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 3, 100, 700, 1536, 40_000, 150_000})
  void sourceFailureStaysAnIoErrorNotAnInvalidLayer(int limit) throws Exception {
    byte[] big = new byte[200_000];
    new Random(3).nextBytes(big);
    byte[] tar =
        new TarBuilder()
            .file("first", "1")
            .file("big", big, TarBuilder.with())
            .file("last", "3")
            .bytes();
    for (byte[] layer : new byte[][] {tar, gzip(tar)}) {
      Throwable t = catchThrowable(() -> apply(root(), new FailingSource(layer, limit)));

      assertThat(t).isInstanceOf(IOException.class).isNotInstanceOf(InvalidArgumentException.class);
      assertThat(t.getMessage()).contains(LAYER).contains("connection reset by peer");
      assertThat(t).hasRootCauseMessage("connection reset by peer");
    }
  }

  @Test
  void unprivilegedDeviceRefusalIsSkippedButNotForRootOrFifos() {
    assertThat(LayerApplier.skipsDevice(Errno.EPERM, FileCalls.S_IFCHR, false)).isTrue();
    assertThat(LayerApplier.skipsDevice(Errno.EPERM, FileCalls.S_IFBLK, false)).isTrue();
    assertThat(LayerApplier.skipsDevice(Errno.EPERM, FileCalls.S_IFCHR, true)).isFalse();
    assertThat(LayerApplier.skipsDevice(Errno.EPERM, FileCalls.S_IFIFO, false)).isFalse();
    assertThat(LayerApplier.skipsDevice(Errno.ENOSPC, FileCalls.S_IFBLK, false)).isFalse();
  }
}
