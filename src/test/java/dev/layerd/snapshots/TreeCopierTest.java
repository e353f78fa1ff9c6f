package dev.layerd.snapshots;

import static dev.layerd.linux.FileCalls.AT_FDCWD;
import static dev.layerd.linux.FileCalls.AT_SYMLINK_NOFOLLOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Statx;
import dev.layerd.linux.Xattrs;
import dev.layerd.testing.RequiresRoot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@RequiresRoot
class TreeCopierTest {
  private static final long SPARSE_SIZE = 64L << 20;

  @TempDir Path tmp;
  Path src;
  Path dst;

  @BeforeEach
  void buildTree() throws IOException {
    src = Files.createDirectories(tmp.resolve("src"));
    dst = Files.createDirectories(tmp.resolve("dst"));
    Path d = Files.createDirectories(src.resolve("dir/sub"));
    Files.writeString(d.resolve("file"), "content");
    Files.writeString(src.resolve("suid"), "#!/bin/sh\n");
    Files.createLink(src.resolve("dir/hardlink"), src.resolve("suid"));
    Files.createSymbolicLink(src.resolve("link"), Path.of("../outside/target"));
    FileCalls.mknodat(AT_FDCWD, src.resolve("fifo").toString(), FileCalls.S_IFIFO | 0640, 0);
    FileCalls.mknodat(AT_FDCWD, src.resolve("null").toString(), FileCalls.S_IFCHR | 0666,
        FileCalls.makedev(1, 3));
    FileCalls.mknodat(AT_FDCWD, src.resolve("whiteout").toString(), FileCalls.S_IFCHR, 0);
    FileCalls.mknodat(AT_FDCWD, src.resolve("loop").toString(), FileCalls.S_IFBLK | 0600,
        FileCalls.makedev(7, 300));
    try (FileChannel ch = FileChannel.open(src.resolve("sparse"), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("start".getBytes(StandardCharsets.UTF_8)), 0);
      ch.write(ByteBuffer.wrap("middle".getBytes(StandardCharsets.UTF_8)), SPARSE_SIZE / 2);
      ch.truncate(SPARSE_SIZE);
      ch.write(ByteBuffer.allocate(0), SPARSE_SIZE);
    }
    try (FileChannel ch = FileChannel.open(src.resolve("sparse"), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0}), SPARSE_SIZE - 1);
    }

    Xattrs.lset(src.resolve("dir").toString(), "trusted.overlay.opaque", bytes("y"), 0);
    Xattrs.lset(src.resolve("dir/sub/file").toString(), "user.comment", bytes("hello"), 0);
    Xattrs.lset(src.resolve("link").toString(), "trusted.note", bytes("on a symlink"), 0);
    FileCalls.fchownat(AT_FDCWD, src.resolve("dir/sub").toString(), 1234, 5678, 0);
    FileCalls.fchownat(AT_FDCWD, src.resolve("suid").toString(), 1000, 1000, 0);
    FileCalls.fchownat(AT_FDCWD, src.resolve("link").toString(), 42, 43, AT_SYMLINK_NOFOLLOW);
    FileCalls.fchmodat(AT_FDCWD, src.resolve("suid").toString(), 04755);
    FileCalls.fchmodat(AT_FDCWD, src.resolve("dir/sub").toString(), 0751);
    FileCalls.fchmodat(AT_FDCWD, src.toString(), 0705);
    for (String p : List.of("dir/sub/file", "suid", "fifo", "null", "dir/sub", "dir", "")) {
      FileCalls.utimensat(AT_FDCWD, src.resolve(p).toString(), 1_000_000_000L, 111_111_111L,
          1_234_567_890L, 123_456_789L, AT_SYMLINK_NOFOLLOW);
    }
    FileCalls.utimensat(AT_FDCWD, src.resolve("link").toString(), 5, 6, 7, 8,
        AT_SYMLINK_NOFOLLOW);
  }

  @Test
  void copiesEveryTypeWithItsMetadata() throws IOException {
    TreeCopier.copy(src, dst);

    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.toList()) {
        String rel = src.relativize(p).toString();
        Statx a = stat(p);
        Statx b = stat(dst.resolve(rel));
        assertThat(b.mode()).as("mode of %s", rel).isEqualTo(a.mode());
        assertThat(b.uid()).as("uid of %s", rel).isEqualTo(a.uid());
        assertThat(b.gid()).as("gid of %s", rel).isEqualTo(a.gid());
        assertThat(b.mtimeSec()).as("mtime of %s", rel).isEqualTo(a.mtimeSec());
        assertThat(b.mtimeNsec()).as("mtime ns of %s", rel).isEqualTo(a.mtimeNsec());
        assertThat(b.rdevMajor()).as("rdev of %s", rel).isEqualTo(a.rdevMajor());
        assertThat(b.rdevMinor()).as("rdev of %s", rel).isEqualTo(a.rdevMinor());
        assertThat(b.size()).as("size of %s", rel).isEqualTo(a.size());
        assertThat(Xattrs.llist(dst.resolve(rel).toString()))
            .as("xattrs of %s", rel)
            .containsExactlyInAnyOrderElementsOf(Xattrs.llist(p.toString()));
      }
    }
    assertThat(stat(dst.resolve("null")).isCharDevice()).isTrue();
    assertThat(stat(dst.resolve("whiteout")).isWhiteout()).isTrue();
    assertThat(stat(dst).mode() & 07777).isEqualTo(0705);
    assertThat(stat(dst.resolve("suid")).mode() & 07777).isEqualTo(04755);
    assertThat(Files.readSymbolicLink(dst.resolve("link"))).isEqualTo(Path.of("../outside/target"));
    assertThat(stat(dst.resolve("link")).mtimeNsec()).isEqualTo(8);
    assertThat(Xattrs.lget(dst.resolve("dir").toString(), "trusted.overlay.opaque"))
        .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("y")));
    assertThat(Files.readString(dst.resolve("dir/sub/file"))).isEqualTo("content");
  }

  @Test
  void keepsHardlinksAndHoles() throws IOException {
    TreeCopier.copy(src, dst);

    Statx one = stat(dst.resolve("suid"));
    Statx two = stat(dst.resolve("dir/hardlink"));
    assertThat(one.ino()).isEqualTo(two.ino()).isNotEqualTo(stat(src.resolve("suid")).ino());
    assertThat(one.nlink()).isEqualTo(2);
    Statx sparse = stat(dst.resolve("sparse"));
    assertThat(sparse.size()).isEqualTo(SPARSE_SIZE);
    assertThat(sparse.blocks() * 512).isLessThan(1 << 20);
    try (FileChannel ch = FileChannel.open(dst.resolve("sparse"))) {
      ByteBuffer b = ByteBuffer.allocate(6);
      ch.read(b, SPARSE_SIZE / 2);
      assertThat(new String(b.array(), StandardCharsets.UTF_8)).isEqualTo("middle");
    }
    assertThat(Files.readString(dst.resolve("sparse"), StandardCharsets.ISO_8859_1))
        .startsWith("start");
  }

  @Test
  void usageCountsAllocatedBlocksAndLinksOnce() throws IOException {
    TreeCopier.copy(src, dst);

    Usage u = Trees.usage(dst);

    long entries;
    try (Stream<Path> s = Files.walk(dst)) {
      entries = s.count();
    }
    assertThat(u.inodes()).isEqualTo(entries - 1);
    assertThat(u.size()).isLessThan(SPARSE_SIZE / 4).isGreaterThan(0);
  }

  private static Statx stat(Path p) throws IOException {
    return FileCalls.statx(AT_FDCWD, p.toString(), AT_SYMLINK_NOFOLLOW,
        FileCalls.STATX_BASIC_STATS);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
