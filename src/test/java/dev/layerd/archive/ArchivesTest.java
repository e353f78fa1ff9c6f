package dev.layerd.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Statx;
import dev.layerd.linux.Xattrs;
import dev.layerd.oci.Digest;
import dev.layerd.testing.RequiresRoot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ArchivesTest {
  @TempDir Path tmp;

  static AppliedLayer apply(Path root, byte[] layer, WhiteoutMode mode, List<Path> parents)
      throws IOException {
    return Archives.apply(
        root,
        new ByteArrayInputStream(layer),
        ArchiveOptions.builder()
            .whiteoutMode(mode)
            .parents(parents)
            .layerName("sha256:test")
            .build());
  }

  static AppliedLayer apply(Path root, byte[] layer, WhiteoutMode mode) throws IOException {
    return apply(root, layer, mode, List.of());
  }

  static Statx stat(Path p) throws IOException {
    return FileCalls.statx(FileCalls.AT_FDCWD, p.toString(), FileCalls.AT_SYMLINK_NOFOLLOW, 0x7ff);
  }

  Path root() throws IOException {
    return Files.createDirectories(tmp.resolve("root"));
  }

  @ParameterizedTest
  @EnumSource(WhiteoutMode.class)
  void writesFilesDirectoriesAndSymlinksWithTimes(WhiteoutMode mode) throws Exception {
    Path root = root();
    Instant m = Instant.parse("2010-01-02T03:04:05.987654321Z");
    Instant a = Instant.parse("2011-01-02T03:04:05.000000042Z");
    byte[] layer =
        new TarBuilder()
            .dir("etc", TarBuilder.with().mode(0710).mtime(m))
            .file("etc/passwd", "root:x:0:0", TarBuilder.with().mode(0600).mtime(m).atime(a))
            .symlink("etc/link", "../nowhere", TarBuilder.with().mtime(m))
            .file("etc/exec", "#!", TarBuilder.with().mode(0755))
            .bytes();

    AppliedLayer applied = apply(root, layer, mode);

    assertThat(applied.diffId()).isEqualTo(Digest.sha256(layer));
    assertThat(applied.size()).isEqualTo(layer.length);
    Statx f = stat(root.resolve("etc/passwd")); // before reading it, which moves atime
    assertThat(Files.readString(root.resolve("etc/passwd"))).isEqualTo("root:x:0:0");
    assertThat(f.permissions()).isEqualTo(0600);
    assertThat(f.mtimeSec()).isEqualTo(m.getEpochSecond());
    assertThat(f.mtimeNsec()).isEqualTo(m.getNano());
    assertThat(f.atimeSec()).isEqualTo(a.getEpochSecond());
    assertThat(f.atimeNsec()).isEqualTo(42);
    assertThat(stat(root.resolve("etc/exec")).permissions()).isEqualTo(0755);
    Statx d = stat(root.resolve("etc"));
    assertThat(d.permissions()).isEqualTo(0710);
    assertThat(d.mtimeSec()).as("directory time set after its contents")
        .isEqualTo(m.getEpochSecond());
    assertThat(d.mtimeNsec()).isEqualTo(m.getNano());
    assertThat(Files.readSymbolicLink(root.resolve("etc/link"))).isEqualTo(Path.of("../nowhere"));
    assertThat(stat(root.resolve("etc/link")).mtimeNsec()).isEqualTo(m.getNano());
  }

  @ParameterizedTest
  @EnumSource(WhiteoutMode.class)
  @RequiresRoot
  void keepsOwnersDevicesAndSpecialModeBits(WhiteoutMode mode) throws Exception {
    Path root = root();
    byte[] layer =
        new TarBuilder()
            .dir("d", TarBuilder.with().owner(12, 34).mode(01777))
            .file("d/suid", "x", TarBuilder.with().owner(1000, 1000).mode(04755))
            .file("d/sgid", "x", TarBuilder.with().owner(5, 6).mode(02711))
            .symlink("d/s", "suid", TarBuilder.with().owner(7, 8))
            .node("d/null", TarConstants.LF_CHR, 1, 3, TarBuilder.with().owner(9, 9))
            .node("d/disk", TarConstants.LF_BLK, 259, 65536, TarBuilder.with())
            .node("d/pipe", TarConstants.LF_FIFO, 0, 0, TarBuilder.with().mode(0620))
            .hardlink("d/hard", "d/suid")
            .bytes();

    apply(root, layer, mode);

    Statx d = stat(root.resolve("d"));
    assertThat(d.permissions()).isEqualTo(01777);
    assertThat(d.uid()).isEqualTo(12);
    assertThat(d.gid()).isEqualTo(34);
    Statx su = stat(root.resolve("d/suid"));
    assertThat(su.permissions()).isEqualTo(04755);
    assertThat(su.uid()).isEqualTo(1000);
    assertThat(su.nlink()).isEqualTo(2);
    assertThat(stat(root.resolve("d/hard")).ino()).isEqualTo(su.ino());
    assertThat(stat(root.resolve("d/sgid")).permissions()).isEqualTo(02711);
    assertThat(stat(root.resolve("d/s")).uid()).isEqualTo(7);
    Statx n = stat(root.resolve("d/null"));
    assertThat(n.isCharDevice()).isTrue();
    assertThat(n.rdevMajor()).isEqualTo(1);
    assertThat(n.rdevMinor()).isEqualTo(3);
    assertThat(n.permissions()).isEqualTo(0640);
    Statx b = stat(root.resolve("d/disk"));
    assertThat(b.type()).isEqualTo(FileCalls.S_IFBLK);
    assertThat(b.rdevMajor()).isEqualTo(259);
    assertThat(b.rdevMinor()).isEqualTo(65536);
    assertThat(stat(root.resolve("d/pipe")).type()).isEqualTo(FileCalls.S_IFIFO);
    assertThat(stat(root.resolve("d/pipe")).permissions()).isEqualTo(0620);
  }

  @Test
  @RequiresRoot
  void setsBinaryCapabilityAndEscapesOverlayXattrs() throws Exception {
    Path root = root();
    byte[] cap = {1, 0, 0, 2, 0x20, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0};
    byte[] layer =
        new TarBuilder()
            .pax(Map.of(
                "SCHILY.xattr.security.capability", cap,
                "SCHILY.xattr.trusted.overlay.opaque", new byte[] {'y'},
                "SCHILY.xattr.user.overlay.redirect", new byte[] {'/', 'x'},
                "SCHILY.xattr.user.k", new byte[] {(byte) 0xc3, 0}))
            .file("ping", "elf", TarBuilder.with().owner(0, 0).mode(0755))
            .bytes();

    apply(root, layer, WhiteoutMode.OVERLAY);

    String p = root.resolve("ping").toString();
    assertThat(Xattrs.lget(p, "security.capability")).hasValueSatisfying(
        v -> assertThat(v).containsExactly(cap));
    assertThat(Xattrs.lget(p, "user.k")).hasValueSatisfying(
        v -> assertThat(v).containsExactly((byte) 0xc3, 0));
    assertThat(Xattrs.lget(p, "trusted.overlay.opaque")).isEmpty();
    assertThat(Xattrs.lget(p, "trusted.overlay.overlay.opaque")).isPresent();
    assertThat(Xattrs.lget(p, "user.overlay.redirect")).isEmpty();
    assertThat(Xattrs.lget(p, "user.overlay.overlay.redirect")).isPresent();
  }

  @ParameterizedTest
  @EnumSource(WhiteoutMode.class)
  void existingDirectoryKeepsContentsButTakesEntryMetadataExactly(WhiteoutMode mode)
      throws Exception {
    Path root = root();
    Files.createDirectories(root.resolve("d"));
    Files.writeString(root.resolve("d/keep"), "lower");
    Xattrs.lset(root.resolve("d").toString(), "user.old", new byte[] {1}, 0);
    Files.writeString(root.resolve("f"), "was a file");
    Files.createDirectories(root.resolve("g/sub"));

    byte[] layer =
        new TarBuilder()
            .dir("d", TarBuilder.with().mode(0700).xattr("user.new", "v"))
            .dir("f")
            .file("g", "now a file")
            .bytes();
    apply(root, layer, mode);

    assertThat(Files.readString(root.resolve("d/keep"))).isEqualTo("lower");
    assertThat(stat(root.resolve("d")).permissions()).isEqualTo(0700);
    assertThat(Xattrs.llist(root.resolve("d").toString())).contains("user.new")
        .doesNotContain("user.old");
    assertThat(root.resolve("f")).isDirectory();
    assertThat(Files.readString(root.resolve("g"))).isEqualTo("now a file");
  }

  @Test
  void longNamesAndLongLinkTargets() throws Exception {
    Path root = root();
    String dir = "a".repeat(120) + "/" + "b".repeat(120);
    String target = "/" + "t".repeat(300);
    byte[] layer =
        new TarBuilder()
            .file(dir + "/" + "c".repeat(200), "deep")
            .symlink("l", target)
            .hardlink("h", dir + "/" + "c".repeat(200))
            .file("ünïcödé", "utf8")
            .bytes();
    apply(root, layer, WhiteoutMode.DELETE);
    assertThat(Files.readString(root.resolve(dir).resolve("c".repeat(200)))).isEqualTo("deep");
    assertThat(Files.readSymbolicLink(root.resolve("l")).toString()).isEqualTo(target);
    assertThat(Files.readString(root.resolve("h"))).isEqualTo("deep");
    assertThat(Files.readString(root.resolve("ünïcödé"))).isEqualTo("utf8");
    assertThat(stat(root.resolve("a".repeat(120))).permissions()).isEqualTo(0755);
  }

  @Test
  void deleteModeWhiteoutRemovesLowerTreeAndOpaqueKeepsOnlyThisLayer() throws Exception {
    Path root = root();
    Files.createDirectories(root.resolve("gone/deep"));
    Files.writeString(root.resolve("gone/deep/f"), "x");
    Files.createDirectories(root.resolve("o1/sub"));
    Files.writeString(root.resolve("o1/lower"), "x");
    Files.writeString(root.resolve("o1/sub/lower"), "x");
    Files.createDirectories(root.resolve("o2"));
    Files.writeString(root.resolve("o2/lower"), "x");
    Files.writeString(root.resolve("o2/kept"), "old");

    byte[] layer =
        new TarBuilder()
            .whiteout("", "gone")
            .opaque("o1")
            .file("o1/new", "n")
            .file("o1/sub/new", "n")
            .file("o2/kept", "new")
            .dir("o2/d")
            .opaque("o2")
            .bytes();
    apply(root, layer, WhiteoutMode.DELETE);

    assertThat(root.resolve("gone")).doesNotExist();
    assertThat(root.resolve("o1/lower")).doesNotExist();
    assertThat(root.resolve("o1/sub/lower")).doesNotExist();
    assertThat(root.resolve("o1/new")).exists();
    assertThat(root.resolve("o1/sub/new")).exists();
    assertThat(root.resolve("o2/lower")).doesNotExist();
    assertThat(Files.readString(root.resolve("o2/kept"))).isEqualTo("new");
    assertThat(root.resolve("o2/d")).isDirectory();
    assertThat(root.resolve("o1/.wh..wh..opq")).doesNotExist();
  }

  @ParameterizedTest
  @EnumSource(WhiteoutMode.class)
  void reportsTheDirectoriesTheLayerNeededButDidNotList(WhiteoutMode mode) throws Exception {
    byte[] layer =
        new TarBuilder()
            .file("a/b/c", "x")
            .dir("x")
            .file("x/y/z", "x")
            .file("late/d/f", "x")
            .dir("late") // listed after it was needed: not implicit
            .symlink("s/l", "t")
            .bytes();
    AppliedLayer applied = apply(root(), layer, mode);
    assertThat(applied.implicitDirs()).containsExactlyInAnyOrder("a", "a/b", "x/y", "late/d", "s");
  }

  @Test
  @RequiresRoot
  void overlayModeKeepsNoWhiteoutsBelowAnOpaqueDirectoryOfTheSameLayer() throws Exception {
    Path root = root();
    byte[] layer =
        new TarBuilder()
            .dir("a")
            .dir("a/y")
            .whiteout("a/y", "early")
            .file("a/y/own", "x")
            .opaque("a")
            .whiteout("a/y", "late")
            .whiteout("a/y", "own")
            .dir("a/y/z")
            .whiteout("a/y/z", "deep")
            .bytes();
    apply(root, layer, WhiteoutMode.OVERLAY);

    // a/y exists in no lower layer once a is opaque: overlayfs would list a device there as a
    // name that cannot be opened
    for (String n : List.of("a/y/early", "a/y/late", "a/y/own", "a/y/z/deep")) {
      assertThat(Files.exists(root.resolve(n), LinkOption.NOFOLLOW_LINKS)).as(n).isFalse();
    }
    assertThat(root.resolve("a/y/z")).isDirectory();
  }

  @Test
  @RequiresRoot
  void overlayModeMakesWhiteoutDevicesAndOpaqueXattrs() throws Exception {
    Path root = root();
    byte[] layer =
        new TarBuilder()
            .dir("a")
            .file("a/.wh.x", "", TarBuilder.with().owner(5, 7))
            .whiteout("o", "early")
            .opaque("o")
            .whiteout("o", "late")
            .file("o/new", "n")
            .whiteout("r", "d")
            .dir("r/d")
            .bytes();
    apply(root, layer, WhiteoutMode.OVERLAY);

    Statx wh = stat(root.resolve("a/x"));
    assertThat(wh.isWhiteout()).isTrue();
    assertThat(wh.uid()).isEqualTo(5);
    assertThat(wh.gid()).isEqualTo(7);
    assertThat(root.resolve("a/.wh.x")).doesNotExist();
    assertThat(Xattrs.lget(root.resolve("o").toString(), "trusted.overlay.opaque"))
        .hasValueSatisfying(v -> assertThat(v).containsExactly('y'));
    assertThat(Files.exists(root.resolve("o/early"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(Files.exists(root.resolve("o/late"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(root.resolve("o/new")).exists();
    assertThat(Xattrs.lget(root.resolve("r/d").toString(), "trusted.overlay.opaque"))
        .as("a directory recreated over its own whiteout hides the lower one").isPresent();
  }

  @Test
  void overlayModeUserXattrOpaqueWorksUnprivileged() throws Exception {
    Path root = root();
    byte[] layer = new TarBuilder().dir("o").opaque("o").file("o/f", "x").bytes();
    Archives.apply(
        root,
        new ByteArrayInputStream(layer),
        ArchiveOptions.builder()
            .whiteoutMode(WhiteoutMode.OVERLAY)
            .userXattr(true)
            .noSameOwner(true)
            .build());
    assertThat(Xattrs.lget(root.resolve("o").toString(), "user.overlay.opaque"))
        .hasValueSatisfying(v -> assertThat(v).containsExactly('y'));
  }

  @ParameterizedTest
  @EnumSource(WhiteoutMode.class)
  void rejectsReservedAndEmptyWhiteouts(WhiteoutMode mode) throws Exception {
    for (String bad : List.of("d/.wh..wh.foo", "d/.wh.", "d/.wh..", "d/.wh..wh..plnk")) {
      Path root = Files.createTempDirectory(tmp, "r");
      byte[] layer = new TarBuilder().file(bad, "").bytes();
      assertThatThrownBy(() -> apply(root, layer, mode))
          .as(bad)
          .isInstanceOfSatisfying(
              ArchiveException.class,
              e -> {
                assertThat(e.layer()).isEqualTo("sha256:test");
                assertThat(e.entry()).isEqualTo(bad);
              });
    }
  }

  @Test
  @RequiresRoot
  void implicitParentsCopyMetadataFromNearestParentLayer() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower/a/b"));
    Path upper = Files.createDirectories(tmp.resolve("upper/a"));
    FileCalls.fchownat(FileCalls.AT_FDCWD, tmp.resolve("lower/a/b").toString(), 3, 4, 0);
    FileCalls.fchmodat(FileCalls.AT_FDCWD, tmp.resolve("lower/a/b").toString(), 0750);
    FileCalls.fchmodat(FileCalls.AT_FDCWD, upper.toString(), 0701);
    Xattrs.lset(upper.toString(), "user.from", new byte[] {'u'}, 0);
    FileCalls.utimensat(FileCalls.AT_FDCWD, lower.toString(), 1, 2, 300, 400, 0);
    Path root = root();

    byte[] layer = new TarBuilder().file("a/b/c", "x").file("n/m", "y").bytes();
    apply(root, layer, WhiteoutMode.OVERLAY,
        List.of(tmp.resolve("upper"), tmp.resolve("lower")));

    Statx a = stat(root.resolve("a"));
    assertThat(a.permissions()).isEqualTo(0701);
    assertThat(Xattrs.lget(root.resolve("a").toString(), "user.from")).isPresent();
    Statx b = stat(root.resolve("a/b"));
    assertThat(b.permissions()).isEqualTo(0750);
    assertThat(b.uid()).isEqualTo(3);
    assertThat(b.gid()).isEqualTo(4);
    assertThat(b.mtimeSec()).isEqualTo(300);
    assertThat(stat(root.resolve("n")).permissions()).isEqualTo(0755);
    assertThat(stat(root.resolve("n")).uid()).isZero();
  }

  @Test
  @RequiresRoot
  void parentLayersHideWhatAHigherOneWhitesOutOrMakesOpaqueAbove() throws Exception {
    // bottom holds a/f, o/f and w/d/f; the middle layer makes o opaque and whites w out
    Path bottom = tmp.resolve("bottom");
    for (String f : List.of("a/f", "o/f", "w/d/f", "n/d/f")) {
      Files.createDirectories(bottom.resolve(f).getParent());
      Files.writeString(bottom.resolve(f), "bottom " + f);
    }
    FileCalls.fchmodat(FileCalls.AT_FDCWD, bottom.resolve("w/d").toString(), 0700);
    FileCalls.fchmodat(FileCalls.AT_FDCWD, bottom.resolve("n/d").toString(), 0700);
    Path middle = Files.createDirectories(tmp.resolve("middle"));
    apply(
        middle,
        new TarBuilder().dir("o").opaque("o").whiteout("", "w").file("n", "not a dir").bytes(),
        WhiteoutMode.OVERLAY);
    List<Path> parents = List.of(middle, bottom);

    Path root = root();
    apply(root, new TarBuilder().hardlink("h", "a/f").bytes(), WhiteoutMode.OVERLAY, parents);
    assertThat(Files.readString(root.resolve("h"))).isEqualTo("bottom a/f");

    for (String hidden : List.of("o/f", "w/d/f", "n/d/f")) {
      byte[] link = new TarBuilder().hardlink("h", hidden).bytes();
      assertThatThrownBy(
              () -> apply(Files.createTempDirectory(tmp, "l"), link, WhiteoutMode.OVERLAY, parents))
          .as(hidden)
          .isInstanceOf(LinkTargetMissingException.class);
    }
    // implicit parents take nothing from a directory the middle layer hides
    Path implicit = Files.createTempDirectory(tmp, "i");
    apply(implicit, new TarBuilder().file("w/d/g", "x").bytes(), WhiteoutMode.OVERLAY, parents);
    assertThat(stat(implicit.resolve("w/d")).permissions()).isEqualTo(0755);
  }

  @Test
  void hardlinkToMissingTargetFailsByMode() throws Exception {
    byte[] layer = new TarBuilder().hardlink("h", "lower/file").bytes();
    assertThatThrownBy(() -> apply(Files.createTempDirectory(tmp, "d"), layer,
            WhiteoutMode.DELETE))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("h")
        .hasMessageContaining("lower/file");
    assertThatThrownBy(() -> apply(Files.createTempDirectory(tmp, "o"), layer,
            WhiteoutMode.OVERLAY))
        .isInstanceOfSatisfying(
            LinkTargetMissingException.class,
            e -> {
              assertThat(e.layer()).isEqualTo("sha256:test");
              assertThat(e.entry()).isEqualTo("h");
              assertThat(e.target()).isEqualTo("lower/file");
            });
  }

  @Test
  void overlayHardlinkCopiesTargetUpFromParentLayer() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower/lib"));
    Files.writeString(lower.resolve("f"), "content");
    FileCalls.fchmodat(FileCalls.AT_FDCWD, lower.resolve("f").toString(), 0741);
    Path root = root();
    byte[] layer = new TarBuilder().hardlink("bin/h", "lib/f").bytes();

    apply(root, layer, WhiteoutMode.OVERLAY, List.of(tmp.resolve("lower")));

    assertThat(Files.readString(root.resolve("lib/f"))).isEqualTo("content");
    assertThat(stat(root.resolve("lib/f")).permissions()).isEqualTo(0741);
    assertThat(stat(root.resolve("bin/h")).ino()).isEqualTo(stat(root.resolve("lib/f")).ino());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"gnu", "posix", "oldgnu"})
  void sparseFilesKeepTheirHoles(String format) throws Exception {
    Path tar = dev.layerd.testing.Tools.require("tar");
    Path src = Files.createDirectories(tmp.resolve("src"));
    long real = 1L << 30; // Commons Compress fails on sparse maps past 2 GiB (see TODO)
    try (var ch = Files.newByteChannel(src.resolve("big"),
        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
      ch.position(1 << 20).write(java.nio.ByteBuffer.wrap("hello".getBytes()));
      ch.position(real - 5).write(java.nio.ByteBuffer.wrap("world".getBytes()));
    }
    Files.writeString(src.resolve("after"), "x");
    Path layer = tmp.resolve("layer.tar");
    Process p = new ProcessBuilder(tar.toString(), "--sparse", "--format=" + format, "-cf",
        layer.toString(), "-C", src.toString(), "big", "after").inheritIO().start();
    assertThat(p.waitFor()).isZero();
    Path root = root();

    try (var in = Files.newInputStream(layer)) {
      Archives.apply(root, in, ArchiveOptions.defaults());
    }

    Statx st = stat(root.resolve("big"));
    assertThat(st.size()).isEqualTo(real);
    assertThat(st.blocks() * 512).isLessThan(1 << 22);
    try (var ch = Files.newByteChannel(root.resolve("big"))) {
      var b = java.nio.ByteBuffer.allocate(5);
      ch.position(1 << 20).read(b);
      assertThat(new String(b.array(), StandardCharsets.US_ASCII)).isEqualTo("hello");
      b.clear();
      ch.position(real - 5).read(b);
      assertThat(new String(b.array(), StandardCharsets.US_ASCII)).isEqualTo("world");
    }
    assertThat(root.resolve("after")).hasContent("x");
  }

  @Test
  void diffIdCoversTrailingBytesAndConcatenatedGzipMembers() throws Exception {
    byte[] tar = new TarBuilder().file("a", "1").bytes();
    byte[] plain = Arrays.copyOf(tar, tar.length + 3000);
    Arrays.fill(plain, tar.length, plain.length, (byte) 7);
    int half = plain.length / 2;
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    for (int[] part : new int[][] {{0, half}, {half, plain.length}}) {
      ByteArrayOutputStream one = new ByteArrayOutputStream();
      try (GZIPOutputStream g = new GZIPOutputStream(one)) {
        g.write(plain, part[0], part[1] - part[0]);
      }
      gz.writeBytes(one.toByteArray());
    }

    AppliedLayer a = apply(root(), gz.toByteArray(), WhiteoutMode.DELETE);

    assertThat(a.diffId()).isEqualTo(Digest.sha256(plain));
    assertThat(a.size()).isEqualTo(plain.length);
    assertThat(tmp.resolve("root/a")).hasContent("1");
  }

  @Test
  void zstdLayerIsSniffedWhateverTheMediaTypeSays() throws Exception {
    byte[] tar = new TarBuilder().file("z", "zstd").bytes();
    byte[] z = com.github.luben.zstd.Zstd.compress(tar);
    Path root = root();
    AppliedLayer a =
        Archives.apply(
            root,
            new ByteArrayInputStream(z),
            ArchiveOptions.builder()
                .mediaType("application/vnd.oci.image.layer.v1.tar+gzip")
                .build());
    assertThat(a.diffId()).isEqualTo(Digest.sha256(tar));
    assertThat(root.resolve("z")).hasContent("zstd");
  }

  @Test
  void rejectsOversizedPaxHeader() throws Exception {
    TarArchiveEntry e = new TarArchiveEntry("f");
    e.addPaxHeader("comment", "x".repeat(TarHeaderGuard.MAX_PAX + 10));
    byte[] layer = new TarBuilder().raw(e, new byte[0]).bytes();
    assertThatThrownBy(() -> apply(root(), layer, WhiteoutMode.DELETE))
        .isInstanceOf(ArchiveException.class)
        .hasMessageContaining("sha256:test")
        .hasMessageContaining("exceeds the limit");
  }
}
