package dev.layerd.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Xattrs;
import dev.layerd.mount.OverlayMount;
import dev.layerd.mount.TempMount;
import dev.layerd.testing.RequiresRoot;
import dev.layerd.testing.TreeDescription;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@RequiresRoot
class TreeDiffTest {
  private static final String LONG = "d".repeat(60) + "/" + "f".repeat(120);

  @TempDir Path dir;

  private static byte[] lowerLayer() {
    return new TarBuilder()
        .dir("etc")
        .file("etc/passwd", "root:x:0:0\n")
        .file("etc/hosts", "127.0.0.1 localhost\n")
        .dir("bin")
        .file("bin/sh", "#!sh", TarBuilder.with().mode(0755))
        .dir("keep")
        .file("keep/a", "a")
        .file("keep/b", "b")
        .dir("gone")
        .dir("gone/x")
        .file("gone/x/y", "y")
        .file("file2dir", "f")
        .dir("dir2link")
        .file("dir2link/z", "z")
        .symlink("link", "etc/passwd")
        .bytes();
  }

  private Path applied(String name, byte[] layer, WhiteoutMode mode) throws IOException {
    Path root = Files.createDirectories(dir.resolve(name));
    Archives.apply(root, new ByteArrayInputStream(layer),
        ArchiveOptions.builder().whiteoutMode(mode).build());
    return root;
  }

  /** Changes of every kind, made in {@code upper}. */
  private static void change(Path upper) throws IOException {
    Files.createDirectories(upper.resolve("new"));
    Files.writeString(upper.resolve("new/file"), "new content");
    Files.writeString(upper.resolve("etc/passwd"), "root:x:0:0\nuser:x:1000:1000\n");
    Files.setPosixFilePermissions(
        upper.resolve("bin/sh"), PosixFilePermissions.fromString("rwx------"));
    Files.setAttribute(upper.resolve("keep/a"), "unix:uid", 1000, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(upper.resolve("keep/a"), "unix:gid", 1001, LinkOption.NOFOLLOW_LINKS);
    Xattrs.lset(upper.resolve("keep/b").toString(), "user.test", "value".getBytes(), 0);
    Xattrs.lset(upper.resolve("keep/b").toString(), "user.bin", new byte[] {(byte) 0xff, 0, 1}, 0);
    Files.delete(upper.resolve("etc/hosts"));
    deleteTree(upper.resolve("gone"));
    Files.delete(upper.resolve("file2dir"));
    Files.createDirectories(upper.resolve("file2dir"));
    Files.writeString(upper.resolve("file2dir/inside"), "inside");
    deleteTree(upper.resolve("dir2link"));
    Files.createSymbolicLink(upper.resolve("dir2link"), Path.of("etc"));
    Files.writeString(upper.resolve("new/h1"), "linked");
    Files.createLink(upper.resolve("new/h2"), upper.resolve("new/h1"));
    Files.createDirectories(upper.resolve(LONG).getParent());
    Files.writeString(upper.resolve(LONG), "long");
    Files.createSymbolicLink(upper.resolve("new/longlink"), Path.of(LONG));
    FileCalls.mknodat(FileCalls.AT_FDCWD, upper.resolve("new/null").toString(),
        FileCalls.S_IFCHR | 0666, FileCalls.makedev(1, 3));
    FileCalls.mknodat(FileCalls.AT_FDCWD, upper.resolve("new/fifo").toString(),
        FileCalls.S_IFIFO | 0600, 0);
  }

  @Test
  void layerTurnsLowerIntoUpperInDeleteAndOverlayModes() throws Exception {
    byte[] base = lowerLayer();
    Path lower = applied("lower", base, WhiteoutMode.DELETE);
    Path upper = applied("upper", base, WhiteoutMode.DELETE);
    change(upper);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AppliedLayer layer = TreeDiff.writeDiff(lower, upper, out, null);
    byte[] diff = out.toByteArray();

    assertThat(layer.size()).isEqualTo(diff.length);
    assertThat(names(diff)).contains(".wh.gone", "etc/.wh.hosts", "new/h2", LONG)
        .doesNotContain("gone/x/.wh.y", "gone/", "gone/x/");
    Path check = applied("check", base, WhiteoutMode.DELETE);
    AppliedLayer again = Archives.apply(check, new ByteArrayInputStream(diff),
        ArchiveOptions.builder().whiteoutMode(WhiteoutMode.DELETE).build());
    assertThat(again.diffId()).isEqualTo(layer.diffId());
    assertThat(TreeDescription.describe(check)).isEqualTo(TreeDescription.describe(upper));

    Path layerDir = applied("overlay-layer", diff, WhiteoutMode.OVERLAY);
    try (TempMount m = TempMount.mount(
        List.of(new OverlayMount(List.of(layerDir, lower), null, null, List.of())),
        dir.resolve("mnt"))) {
      assertThat(TreeDescription.describe(m.path())).isEqualTo(TreeDescription.describe(upper));
    }
  }

  @Test
  void sameTreesGiveTheSameBytesAndEpochClampsTimes() throws Exception {
    byte[] base = lowerLayer();
    Path lower = applied("lower", base, WhiteoutMode.DELETE);
    Path upper = applied("upper", base, WhiteoutMode.DELETE);
    change(upper);

    AppliedLayer first = TreeDiff.writeDiff(lower, upper, new ByteArrayOutputStream(), null);
    AppliedLayer second = TreeDiff.writeDiff(lower, upper, new ByteArrayOutputStream(), null);
    assertThat(second).isEqualTo(first);

    Instant epoch = Instant.parse("2000-01-01T00:00:00Z");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AppliedLayer clamped = TreeDiff.writeDiff(lower, upper, out, epoch);
    assertThat(clamped.diffId()).isNotEqualTo(first.diffId());
    Map<String, Instant> times = mtimes(out.toByteArray());
    assertThat(times).containsEntry("new/file", epoch).containsEntry("etc/passwd", epoch);
    assertThat(times.values()).allMatch(t -> !t.isAfter(epoch));
  }

  @Test
  void emptyLowerWritesEveryUpperEntry() throws Exception {
    Path upper = applied("upper", lowerLayer(), WhiteoutMode.DELETE);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeDiff.writeDiff(null, upper, out, null);

    Path check = Files.createDirectories(dir.resolve("check"));
    Archives.apply(check, new ByteArrayInputStream(out.toByteArray()), ArchiveOptions.defaults());
    assertThat(TreeDescription.describe(check)).isEqualTo(TreeDescription.describe(upper));
  }

  @Test
  void equalMetadataHidesAnEditUnlessTimesAreWholeSeconds() throws Exception {
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Instant whole = Instant.parse("2020-01-01T00:00:00Z");
    Instant fine = Instant.parse("2020-01-01T00:00:00.5Z");
    for (Path r : List.of(lower, upper)) {
      Files.writeString(r.resolve("whole"), r == lower ? "aaaa" : "bbbb");
      Files.writeString(r.resolve("fine"), r == lower ? "aaaa" : "bbbb");
      Files.writeString(r.resolve("same"), "cccc");
      Files.setLastModifiedTime(r.resolve("whole"), FileTime.from(whole));
      Files.setLastModifiedTime(r.resolve("fine"), FileTime.from(fine));
      Files.setLastModifiedTime(r.resolve("same"), FileTime.from(whole));
    }

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeDiff.writeDiff(lower, upper, out, null);

    assertThat(names(out.toByteArray())).containsExactly("whole");
  }

  /**
   * Names that are not UTF-8 are listed, compared and written as their bytes: GNU tar lists
   * them so, and applying the layer to the lower tree gives the upper tree byte for byte.
   */
  @Test
  void namesThatAreNotUtf8AreWrittenAsTheirBytes() throws Exception {
    String script =
        """
        cd "$1"
        e=$(printf '\\351'); f=$(printf '\\377')
        mkdir lower
        echo a > "lower/keep$e"; echo b > "lower/gone$e"; echo c > "lower/edit$e"
        touch -h -d @1000000000 lower/*
        cp -a lower upper
        rm "upper/gone$e"
        echo C > "upper/edit$e"; touch -d @1000000000 "upper/edit$e"
        echo n > "upper/new$e"
        ln -s "new$e" "upper/link$e"
        mkdir "upper/d$f"
        echo long > "upper/d$f/$(printf 'x%.0s' $(seq 120))$e"
        cp -a lower applied
        """;
    Process sh =
        new ProcessBuilder("sh", "-c", script, "sh", dir.toString())
            .redirectErrorStream(true)
            .start();
    String shOut = new String(sh.getInputStream().readAllBytes());
    assertThat(sh.waitFor()).as(shOut).isZero();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeDiff.writeDiff(dir.resolve("lower"), dir.resolve("upper"), out, null);
    Path layer = dir.resolve("diff.tar");
    Files.write(layer, out.toByteArray());

    Process list =
        new ProcessBuilder(
                dev.layerd.testing.Tools.require("tar").toString(),
                "--quoting-style=literal",
                "-tf",
                layer.toString())
            .redirectErrorStream(true)
            .start();
    byte[] listing = list.getInputStream().readAllBytes();
    String listed = new String(listing, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(list.waitFor()).as(listed).isZero();
    assertThat(listed.lines().toList())
        .contains(".wh.gone\u00e9", "edit\u00e9", "new\u00e9", "link\u00e9", "d\u00ff/")
        .contains("d\u00ff/" + "x".repeat(120) + "\u00e9")
        .doesNotContain("keep\u00e9");

    Archives.apply(dir.resolve("applied"), new ByteArrayInputStream(out.toByteArray()),
        ArchiveOptions.builder().whiteoutMode(WhiteoutMode.DELETE).build());
    assertThat(GnuTarInteropTest.findListing(dir.resolve("applied")))
        .isEqualTo(GnuTarInteropTest.findListing(dir.resolve("upper")));
  }

  @Test
  void paxRecordLengthCountsItsOwnDigits() {
    for (int n = 0; n < 2000; n++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ChangeTar.record(out, "k", "v".repeat(n).getBytes());
      String rec = out.toString();
      assertThat(rec).endsWith("\n");
      assertThat(Integer.parseInt(rec.substring(0, rec.indexOf(' ')))).isEqualTo(rec.length());
    }
  }

  private static List<String> names(byte[] tar) throws IOException {
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
      }
    }
    return names;
  }

  private static Map<String, Instant> mtimes(byte[] tar) throws IOException {
    Map<String, Instant> out = new HashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        out.put(e.getName(), e.getLastModifiedTime().toInstant());
      }
    }
    return out;
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
