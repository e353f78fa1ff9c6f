package dev.layerd.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.testing.RequiresRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileCallsTest {
  @TempDir Path tmp;

  @AfterEach
  void restoreOpenat2() {
    FileCalls.forceWalk(false);
  }

  @Test
  void createsWritesAndReadsThroughDirectoryDescriptor() throws Exception {
    try (Fd dir = FileCalls.open(tmp, FileCalls.O_PATH | FileCalls.O_DIRECTORY)) {
      FileCalls.mkdirat(dir.fd(), "d", 0750);
      byte[] data = "hello, layer".getBytes(StandardCharsets.UTF_8);
      int fd =
          FileCalls.openat(
              dir.fd(), "d/f", FileCalls.O_WRONLY | FileCalls.O_CREAT | FileCalls.O_EXCL, 0600);
      try (Fd f = Fd.of(fd, "d/f")) {
        FileCalls.write(f.fd(), data, 0, data.length, "d/f");
        FileCalls.fchmod(f.fd(), 04711, "d/f");
        FileCalls.futimens(f.fd(), 1, 5, 1_000_000_000L, 123_456_789L, "d/f");
      }
      Statx st = FileCalls.statx(dir.fd(), "d/f", FileCalls.AT_SYMLINK_NOFOLLOW, 0x7ff);
      assertThat(st.isRegular()).isTrue();
      assertThat(st.permissions()).isEqualTo(04711);
      assertThat(st.size()).isEqualTo(data.length);
      assertThat(st.mtimeSec()).isEqualTo(1_000_000_000L);
      assertThat(st.mtimeNsec()).isEqualTo(123_456_789);
      assertThat(Files.readString(tmp.resolve("d/f"))).isEqualTo("hello, layer");
      assertThat(FileCalls.statx(dir.fd(), "d", 0, 0x7ff).permissions()).isEqualTo(0750);

      try (Fd r = Fd.of(FileCalls.openat(dir.fd(), "d/f", FileCalls.O_RDONLY, 0), "d/f")) {
        byte[] back = new byte[64];
        int n = FileCalls.read(r.fd(), back, 3, 60, "d/f");
        assertThat(new String(back, 3, n, StandardCharsets.UTF_8)).isEqualTo("hello, layer");
      }
    }
  }

  @Test
  void makesLinksFifosAndListsDirectories() throws Exception {
    try (Fd dir = FileCalls.open(tmp, FileCalls.O_PATH | FileCalls.O_DIRECTORY)) {
      Files.writeString(tmp.resolve("a"), "x");
      FileCalls.symlinkat("../nowhere", dir.fd(), "s");
      FileCalls.linkat(dir.fd(), "a", dir.fd(), "b", 0);
      FileCalls.mknodat(dir.fd(), "p", FileCalls.S_IFIFO | 0644, 0);
      FileCalls.renameat(dir.fd(), "b", dir.fd(), "c");
      FileCalls.utimensat(
          dir.fd(), "s", 7, 8, 9, 10, FileCalls.AT_SYMLINK_NOFOLLOW);

      assertThat(FileCalls.readlinkat(dir.fd(), "s")).isEqualTo("../nowhere");
      Statx s = FileCalls.statx(dir.fd(), "s", FileCalls.AT_SYMLINK_NOFOLLOW, 0x7ff);
      assertThat(s.isSymlink()).isTrue();
      assertThat(s.mtimeNsec()).isEqualTo(10);
      assertThat(FileCalls.statx(dir.fd(), "c", 0, 0x7ff).nlink()).isEqualTo(2);
      assertThat(FileCalls.statx(dir.fd(), "p", 0, 0x7ff).type()).isEqualTo(FileCalls.S_IFIFO);
      assertThat(FileCalls.listdir(dir.fd(), "."))
          .extracting(DirEntry::name)
          .containsExactlyInAnyOrder("a", "s", "c", "p");

      FileCalls.unlinkat(dir.fd(), "c", 0);
      FileCalls.mkdirat(dir.fd(), "e", 0755);
      FileCalls.unlinkat(dir.fd(), "e", FileCalls.AT_REMOVEDIR);
      assertThat(tmp.resolve("c")).doesNotExist();
      assertThat(tmp.resolve("e")).doesNotExist();
    }
  }

  @Test
  void errorsNameCallPathAndErrno() throws Exception {
    try (Fd dir = FileCalls.open(tmp, FileCalls.O_PATH | FileCalls.O_DIRECTORY)) {
      assertThatThrownBy(() -> FileCalls.unlinkat(dir.fd(), "missing", 0))
          .isInstanceOfSatisfying(
              ErrnoException.class,
              e -> {
                assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                assertThat(e.call()).isEqualTo("unlinkat");
                assertThat(e.getMessage()).contains("missing").contains("unlinkat");
              });
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void openInRootNeverLeavesTheRoot(boolean walk) throws Exception {
    FileCalls.forceWalk(walk);
    Path root = Files.createDirectory(tmp.resolve("root"));
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "outside");
    Files.createDirectory(root.resolve("outside"));
    Files.writeString(root.resolve("outside/secret"), "inside");
    Files.createSymbolicLink(root.resolve("abs"), Path.of("/outside"));
    Files.createSymbolicLink(root.resolve("host"), outside);
    Files.createSymbolicLink(root.resolve("rel"), Path.of("../../../outside"));
    Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));

    try (Fd r = FileCalls.open(root, FileCalls.O_PATH | FileCalls.O_DIRECTORY)) {
      for (String p : new String[] {"abs/secret", "rel/secret", "../outside/secret",
          "/outside/secret", "abs/../../outside/secret"}) {
        int fd = FileCalls.openInRoot(r.fd(), p, FileCalls.O_RDONLY, 0);
        try (Fd f = Fd.of(fd, p)) {
          byte[] b = new byte[16];
          int n = FileCalls.read(f.fd(), b, 0, b.length, p);
          assertThat(new String(b, 0, n, StandardCharsets.UTF_8)).as(p).isEqualTo("inside");
        }
      }
      assertThatThrownBy(() -> FileCalls.openInRoot(r.fd(), "host/secret", FileCalls.O_RDONLY, 0))
          .isInstanceOfSatisfying(
              ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
      assertThatThrownBy(() -> FileCalls.openInRoot(r.fd(), "loop/x", FileCalls.O_RDONLY, 0))
          .isInstanceOfSatisfying(
              ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ELOOP));
      int created =
          FileCalls.openInRoot(
              r.fd(), "abs/new", FileCalls.O_WRONLY | FileCalls.O_CREAT | FileCalls.O_EXCL, 0644);
      FileCalls.close(created, "abs/new");
    }
    assertThat(root.resolve("outside/new")).exists();
    assertThat(outside.resolve("new")).doesNotExist();
  }

  @Test
  void setsListsAndRemovesUserXattrs() throws Exception {
    Path f = Files.writeString(tmp.resolve("f"), "x");
    Xattrs.lset(f.toString(), "user.k", new byte[] {1, 0, 2}, 0);
    assertThat(Xattrs.lget(f.toString(), "user.k")).hasValueSatisfying(
        v -> assertThat(v).containsExactly(1, 0, 2));
    assertThat(Xattrs.llist(f.toString())).contains("user.k");
    try (Fd dir = FileCalls.open(tmp, FileCalls.O_PATH | FileCalls.O_DIRECTORY);
        Fd fd = FileCalls.open(f, FileCalls.O_RDONLY)) {
      Xattrs.fset(fd.fd(), "user.e", new byte[0], 0, "f");
      assertThat(Xattrs.fget(fd.fd(), "user.e", "f")).hasValueSatisfying(
          v -> assertThat(v).isEmpty());
      assertThat(Xattrs.flist(fd.fd(), "f")).contains("user.k", "user.e");
      Xattrs.lremove(Xattrs.at(dir.fd(), "f"), "user.k");
      Xattrs.fremove(fd.fd(), "user.e", "f");
    }
    assertThat(Xattrs.lget(f.toString(), "user.k")).isEmpty();
    assertThat(Xattrs.llist(f.toString())).doesNotContain("user.k", "user.e");
  }

  @Test
  @RequiresRoot
  void changesOwnerOfSymlinkItselfAndMakesWhiteoutDevice() throws Exception {
    try (Fd dir = FileCalls.open(tmp, FileCalls.O_PATH | FileCalls.O_DIRECTORY)) {
      Files.writeString(tmp.resolve("t"), "x");
      FileCalls.symlinkat("t", dir.fd(), "s");
      FileCalls.lchownat(dir.fd(), "s", 1234, 5678);
      FileCalls.mknodat(dir.fd(), "wh", FileCalls.S_IFCHR, FileCalls.makedev(0, 0));
      FileCalls.mknodat(dir.fd(), "blk", FileCalls.S_IFBLK | 0600, FileCalls.makedev(259, 70000));
      Xattrs.lset(Xattrs.at(dir.fd(), "s"), "trusted.k", new byte[] {9}, 0);

      Statx s = FileCalls.statx(dir.fd(), "s", FileCalls.AT_SYMLINK_NOFOLLOW, 0x7ff);
      assertThat(s.uid()).isEqualTo(1234);
      assertThat(s.gid()).isEqualTo(5678);
      assertThat(FileCalls.statx(dir.fd(), "t", 0, 0x7ff).uid()).isZero();
      assertThat(FileCalls.statx(dir.fd(), "wh", 0, 0x7ff).isWhiteout()).isTrue();
      Statx b = FileCalls.statx(dir.fd(), "blk", 0, 0x7ff);
      assertThat(b.rdevMajor()).isEqualTo(259);
      assertThat(b.rdevMinor()).isEqualTo(70000);
      assertThat(Xattrs.lget(tmp.resolve("s").toString(), "trusted.k")).isPresent();
    }
    assertThat(Files.getLastModifiedTime(tmp.resolve("t"))).isNotEqualTo(FileTime.fromMillis(0));
  }
}
