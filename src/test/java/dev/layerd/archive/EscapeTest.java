package dev.layerd.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile layers, each applied in both whiteout modes next to a sentinel directory outside the
 * root. Whether the layer is rejected or applied, the sentinel must not change.
 */
class EscapeTest {
  @TempDir Path tmp;

  /** What is on disk before the layer, and the layer, given the sentinel's absolute path. */
  interface Case {
    void prepare(Path root, Path outside) throws IOException;
  }

  static Stream<Arguments> cases() {
    Case none = (r, o) -> {};
    Case preLink = (r, o) -> Files.createSymbolicLink(r.resolve("pre"), o);
    Case preRel = (r, o) -> Files.createSymbolicLink(r.resolve("pre"), Path.of("../outside"));
    Case preFile = (r, o) -> Files.createSymbolicLink(r.resolve("f"), o.resolve("secret"));
    List<Object[]> table =
        List.of(
            new Object[] {"symlink dir to outside, then file under it", none,
                (Layer) o -> new TarBuilder().symlink("s", o.toString()).file("s/pwn", "x")},
            new Object[] {"relative symlink up and out, then file", none,
                (Layer) o -> new TarBuilder().symlink("s", "../../../../../../..")
                    .file("s" + o + "/pwn", "x")},
            new Object[] {"dot-dot name", none,
                (Layer) o -> new TarBuilder().file("../outside/pwn", "x")
                    .file("a/../../../outside/secret", "overwritten")},
            new Object[] {"absolute name", none,
                (Layer) o -> new TarBuilder().file(o + "/pwn", "x").dir(o + "/d")},
            new Object[] {"hardlink to dot-dot target", none,
                (Layer) o -> new TarBuilder().hardlink("h", "../outside/secret")},
            new Object[] {"hardlink to absolute target", none,
                (Layer) o -> new TarBuilder().hardlink("h", o + "/secret")},
            new Object[] {"hardlink through symlinked dir", none,
                (Layer) o -> new TarBuilder().symlink("s", o.toString()).hardlink("h", "s/secret")
                    .file("h", "overwritten")},
            new Object[] {"whiteout through symlinked parent", none,
                (Layer) o -> new TarBuilder().symlink("s", o.toString()).whiteout("s", "secret")
                    .whiteout("s", "dir")},
            new Object[] {"opaque marker through symlinked parent", none,
                (Layer) o -> new TarBuilder().symlink("s", o.toString()).opaque("s")},
            new Object[] {"symlink already on disk", preLink,
                (Layer) o -> new TarBuilder().file("pre/pwn", "x").dir("pre/d")
                    .whiteout("pre", "secret").opaque("pre/dir")},
            new Object[] {"relative symlink already on disk", preRel,
                (Layer) o -> new TarBuilder().file("pre/pwn", "x").symlink("pre/l", "/")
                    .hardlink("pre/h", "pre/secret")},
            new Object[] {"file over a symlink to an outside file", preFile,
                (Layer) o -> new TarBuilder().file("f", "overwritten")},
            new Object[] {"directory entry over a symlink to outside", preLink,
                (Layer) o -> new TarBuilder().dir("pre", TarBuilder.with().mode(0777)
                    .xattr("user.x", "y")).file("pre/pwn", "x")},
            new Object[] {"symlink chain through two links", none,
                (Layer) o -> new TarBuilder().symlink("a", "b").symlink("b", o.toString())
                    .file("a/pwn", "x").dir("a/dir/sub")},
            new Object[] {"device and fifo through symlinked parent", none,
                (Layer) o -> new TarBuilder().symlink("s", o.toString())
                    .node("s/fifo", (byte) '6', 0, 0, TarBuilder.with())},
            new Object[] {"long dot-dot chain", none,
                (Layer) o -> new TarBuilder().file("../".repeat(100) + o + "/pwn", "x")});
    return table.stream()
        .flatMap(
            row ->
                Stream.of(WhiteoutMode.values())
                    .map(m -> Arguments.of(row[0], m, row[1], row[2])));
  }

  /** A layer, given the sentinel's absolute path. */
  interface Layer {
    TarBuilder build(Path outside);
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("cases")
  void hostileLayerChangesNothingOutsideTheRoot(
      String name, WhiteoutMode mode, Case prepare, Layer layer) throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "secret");
    Files.createDirectories(outside.resolve("dir"));
    Files.writeString(outside.resolve("dir/inner"), "inner");
    Path root = Files.createDirectories(tmp.resolve("root"));
    prepare.prepare(root, outside);
    Map<String, String> before = snapshot(outside);
    Map<String, String> tmpBefore = listing(tmp);

    try {
      Archives.apply(
          root,
          new ByteArrayInputStream(layer.build(outside).bytes()),
          ArchiveOptions.builder().whiteoutMode(mode).layerName("hostile").build());
    } catch (ArchiveException | LinkTargetMissingException e) {
      assertThat(e.getMessage()).contains("hostile");
    } catch (IOException e) {
      assertThat(e.getMessage()).contains("hostile");
    }

    assertThat(snapshot(outside)).as(name).isEqualTo(before);
    assertThat(listing(tmp)).as(name).isEqualTo(tmpBefore);
  }

  private static Map<String, String> listing(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> out.put(p.getFileName().toString(), ""));
    }
    return out;
  }

  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        PosixFileAttributes a =
            Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String content = a.isRegularFile() ? Files.readString(p) : "";
        out.put(
            dir.relativize(p).toString(),
            a.permissions() + " " + a.owner() + " " + a.size() + " " + a.fileKey() + " "
                + a.lastModifiedTime() + " " + content + " "
                + java.util.Arrays.toString(
                    dev.layerd.linux.Xattrs.llist(p.toString()).toArray()));
      }
    }
    return out;
  }
}
