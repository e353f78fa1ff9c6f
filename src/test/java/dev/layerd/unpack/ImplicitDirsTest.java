package dev.layerd.unpack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Xattrs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImplicitDirsTest {
  @TempDir Path tmp;

  private static byte[] tarGz(String... entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      for (String name : entries) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        if (!name.endsWith("/")) {
          e.setSize(1);
        }
        tar.putArchiveEntry(e);
        if (!name.endsWith("/")) {
          tar.write('x');
        }
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  private static Path dir(Path p, int mode) throws IOException {
    Files.createDirectories(p);
    FileCalls.fchmodat(FileCalls.AT_FDCWD, p.toString(), mode);
    return p;
  }

  @Test
  void givesUnlistedDirectoriesTheTimesOfTheParentChainWhenOnlyTimesDiffer() throws IOException {
    Path lower = tmp.resolve("lower");
    Path upper = tmp.resolve("upper");
    dir(lower.resolve("etc"), 0755);
    dir(lower.resolve("srv"), 0755);
    FileTime lowerTime = FileTime.fromMillis(1_600_000_000_123L);
    Files.setLastModifiedTime(lower.resolve("etc"), lowerTime);
    Files.setLastModifiedTime(lower.resolve("srv"), lowerTime);
    dir(upper.resolve("etc"), 0755); // implicit: what the applier makes with no parents
    dir(upper.resolve("srv"), 0755); // listed by the layer, with its own time
    Files.writeString(upper.resolve("etc/hostname"), "x");
    Files.writeString(upper.resolve("srv/x"), "x");
    Files.setLastModifiedTime(upper.resolve("etc"), FileTime.fromMillis(0));
    FileTime listedTime = FileTime.fromMillis(1_700_000_000_000L);
    Files.setLastModifiedTime(upper.resolve("srv"), listedTime);
    byte[] layer = tarGz("etc/hostname", "srv/", "srv/x");

    int fixed = ImplicitDirs.fix(upper, List.of(lower), () -> new ByteArrayInputStream(layer));

    assertThat(fixed).isEqualTo(1);
    assertThat(Files.getLastModifiedTime(upper.resolve("etc"), LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(lowerTime);
    assertThat(Files.getLastModifiedTime(upper.resolve("srv"), LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(listedTime);
  }

  /**
   * A directory whose name is not UTF-8 (byte 0xe9 here) is matched by its bytes, both against
   * the names the applier reports and against the layer's own entry names read again.
   */
  @Test
  void matchesDirectoriesWhoseNamesAreNotUtf8() throws Exception {
    String name = "d\udce9"; // the byte 0xe9, as linux.Names decodes it
    String lower = Files.createDirectories(tmp.resolve("lower")).toString();
    Path upper = Files.createDirectories(tmp.resolve("upper"));
    FileCalls.mkdirat(FileCalls.AT_FDCWD, lower + "/" + name, 0700);
    Xattrs.lset(lower + "/" + name, "user.origin", "lower".getBytes(StandardCharsets.UTF_8), 0);
    FileCalls.mkdirat(FileCalls.AT_FDCWD, upper + "/" + name, 0755);
    int fd =
        FileCalls.openat(
            FileCalls.AT_FDCWD, upper + "/" + name + "/f", FileCalls.O_CREAT | FileCalls.O_WRONLY,
            0644);
    FileCalls.close(fd, "f");
    Path layer = tmp.resolve("layer.tar");
    Process tar =
        new ProcessBuilder(
                dev.layerd.testing.Tools.require("tar").toString(),
                "-cf", layer.toString(), "-C", upper.toString(), "--no-recursion",
                "--null", "-T", "-")
            .redirectErrorStream(true)
            .start();
    try (var in = tar.getOutputStream()) {
      in.write(new byte[] {'d', (byte) 0xe9, '/', 'f', 0}); // the file only: d is implicit
    }
    String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor()).as(out).isZero();

    for (boolean reported : new boolean[] {true, false}) {
      FileCalls.fchmodat(FileCalls.AT_FDCWD, upper + "/" + name, 0755);
      int fixed =
          ImplicitDirs.fix(
              upper,
              List.of(Path.of(lower)),
              reported ? Set.of(name) : null,
              () -> Files.newInputStream(layer));

      assertThat(fixed).as("reported " + reported).isEqualTo(1);
      assertThat(
              FileCalls.statx(FileCalls.AT_FDCWD, upper + "/" + name, 0, 0x7ff).mode() & 07777)
          .isEqualTo(0700);
      assertThat(Xattrs.lget(upper + "/" + name, "user.origin").orElse(null))
          .asString(StandardCharsets.UTF_8)
          .isEqualTo("lower");
    }
  }

  @Test
  void givesUnlistedDirectoriesTheMetadataOfTheParentChain() throws IOException {
    Path bottom = tmp.resolve("bottom");
    Path middle = tmp.resolve("middle");
    Path upper = tmp.resolve("upper");
    dir(bottom.resolve("a"), 01711);
    Xattrs.lset(
        bottom.resolve("a").toString(),
        "user.origin",
        "bottom".getBytes(StandardCharsets.UTF_8),
        0);
    dir(bottom.resolve("a/b"), 0750);
    Files.setLastModifiedTime(bottom.resolve("a"), FileTime.fromMillis(1_000_000_000L));
    dir(middle.resolve("x"), 0700);
    dir(bottom.resolve("x"), 0711); // hidden by the middle layer's x
    dir(upper.resolve("a/b"), 0755);
    dir(upper.resolve("x"), 0755);
    Files.writeString(upper.resolve("a/b/c"), "x");
    Files.writeString(upper.resolve("x/y"), "x");
    byte[] layer = tarGz("./x/", "./x/y", "a/b/c");

    int fixed =
        ImplicitDirs.fix(upper, List.of(middle, bottom), () -> new ByteArrayInputStream(layer));

    assertThat(fixed).isEqualTo(2);
    assertThat(mode(upper.resolve("a"))).isEqualTo(01711);
    assertThat(Xattrs.lget(upper.resolve("a").toString(), "user.origin").orElse(null))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("bottom");
    assertThat(Files.getLastModifiedTime(upper.resolve("a")).toMillis()).isEqualTo(1_000_000_000L);
    assertThat(mode(upper.resolve("a/b"))).isEqualTo(0750);
    assertThat(mode(upper.resolve("x")))
        .as("listed in the layer: keeps its own mode")
        .isEqualTo(0755);
  }

  @Test
  void usesTheDirectoriesTheApplierReportedWithoutReadingTheLayer() throws IOException {
    Path lower = tmp.resolve("lower");
    Path upper = tmp.resolve("upper");
    dir(lower.resolve("a/b"), 0750);
    dir(lower.resolve("a"), 0711);
    dir(lower.resolve("x"), 0700);
    dir(upper.resolve("a/b"), 0755);
    dir(upper.resolve("x"), 0755);
    Files.writeString(upper.resolve("a/b/c"), "x");
    Files.writeString(upper.resolve("x/y"), "x");

    int fixed =
        ImplicitDirs.fix(
            upper,
            List.of(lower),
            Set.of("a", "a/b"),
            () -> {
              throw new AssertionError("the layer was read again");
            });

    assertThat(fixed).isEqualTo(2);
    assertThat(mode(upper.resolve("a"))).isEqualTo(0711);
    assertThat(mode(upper.resolve("a/b"))).isEqualTo(0750);
    assertThat(mode(upper.resolve("x"))).as("not reported: listed").isEqualTo(0755);
  }

  @Test
  void leavesDirectoriesAloneWhenALowerLayerWhitesThemOut() throws IOException {
    Path bottom = tmp.resolve("bottom");
    Path middle = tmp.resolve("middle");
    Path upper = tmp.resolve("upper");
    dir(bottom.resolve("a"), 0700);
    dir(middle.resolve("a"), 0711);
    Xattrs.lset(middle.resolve("a").toString(), "user.overlay.opaque", new byte[] {'y'}, 0);
    dir(bottom.resolve("a/gone"), 0700);
    dir(upper.resolve("a/gone"), 0755);
    Files.writeString(upper.resolve("a/gone/f"), "x");
    byte[] layer = tarGz("a/gone/f");

    int fixed =
        ImplicitDirs.fix(upper, List.of(middle, bottom), () -> new ByteArrayInputStream(layer));

    assertThat(fixed).isEqualTo(1);
    assertThat(mode(upper.resolve("a"))).isEqualTo(0711);
    assertThat(Xattrs.lget(upper.resolve("a").toString(), "user.overlay.opaque").orElse(null))
        .as("overlay's own xattrs are never copied")
        .isNull();
    assertThat(mode(upper.resolve("a/gone")))
        .as("hidden by the opaque middle layer")
        .isEqualTo(0755);
  }

  @Test
  void readsNoBlobWhenNoDirectoryDiffersFromTheParentChain() throws IOException {
    Path lower = tmp.resolve("lower");
    Path upper = tmp.resolve("upper");
    dir(lower.resolve("usr/bin"), 0755);
    dir(upper.resolve("usr/bin"), 0755);

    int fixed =
        ImplicitDirs.fix(
            upper,
            List.of(lower),
            () -> {
              throw new AssertionError("the layer must not be read");
            });

    assertThat(fixed).isZero();
  }

  @Test
  void normalizesTarNames() {
    assertThat(LayerPaths.normalize("./a//b/./c/")).isEqualTo("a/b/c");
    assertThat(LayerPaths.normalize("/")).isEmpty();
  }
}
