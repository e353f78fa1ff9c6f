package dev.layerd.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.linux.FileCalls;
import dev.layerd.linux.Statx;
import dev.layerd.linux.Xattrs;
import dev.layerd.testing.RequiresRoot;
import dev.layerd.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GNU tar as an independent producer and judge: a real tree (documentation files of the
 * installed system plus every entry type) archived by GNU tar, then extracted by GNU tar and by
 * layerd; the two trees must agree.
 */
@RequiresRoot
class GnuTarInteropTest {
  @TempDir Path tmp;

  @Test
  void layerdExtractsWhatGnuTarExtracts() throws Exception {
    Path tar = Tools.require("tar");
    Path src = Files.createDirectories(tmp.resolve("src"));
    buildTree(src);
    Path layer = tmp.resolve("layer.tar");
    run(tar.toString(), "--xattrs", "--xattrs-include=*", "--format=posix", "--sparse",
        "-cf", layer.toString(), "-C", src.toString(), ".");

    Path gnu = Files.createDirectories(tmp.resolve("gnu"));
    run(tar.toString(), "--xattrs", "--xattrs-include=*", "-xpf", layer.toString(),
        "-C", gnu.toString());
    Path ours = Files.createDirectories(tmp.resolve("ours"));
    try (InputStream in = Files.newInputStream(layer)) {
      Archives.apply(ours, in, ArchiveOptions.builder().layerName("gnu-tar").build());
    }

    Map<String, String> expected = describe(gnu);
    assertThat(expected).hasSizeGreaterThan(20);
    assertThat(describe(ours)).isEqualTo(expected);
  }

  /**
   * Names that are not UTF-8 (Latin-1 bytes, stray 0xff) in each format GNU tar writes them in:
   * ustar fields (with the prefix field for a long path), GNU long names, PAX path records. The
   * tree is made and judged by the shell and find(1), byte for byte, not by Java's file API.
   */
  @ParameterizedTest
  @ValueSource(strings = {"gnu", "ustar", "posix"})
  void namesThatAreNotUtf8ArriveByteForByte(String format) throws Exception {
    Path tar = Tools.require("tar");
    Path src = Files.createDirectories(tmp.resolve("src"));
    String script =
        """
        cd "$1"
        e=$(printf '\\351'); f=$(printf '\\377\\376')
        echo one > "caf$e"
        mkdir "d$f"
        echo two > "d$f/na$e-$f"
        ln "caf$e" "hard$e"
        ln -s "caf$e" "link$e"
        long="p$e$(printf 'q%.0s' $(seq 90))/r$e$(printf 's%.0s' $(seq 60))"
        mkdir -p "$(dirname "$long")"
        echo three > "$long"
        """;
    run("sh", "-c", script, "sh", src.toString());
    Path layer = tmp.resolve("layer.tar");
    run(tar.toString(), "--format=" + format, "-cf", layer.toString(), "-C", src.toString(), ".");
    Path gnu = Files.createDirectories(tmp.resolve("gnu"));
    run(tar.toString(), "-xpf", layer.toString(), "-C", gnu.toString());
    Path ours = Files.createDirectories(tmp.resolve("ours"));
    try (InputStream in = Files.newInputStream(layer)) {
      Archives.apply(ours, in, ArchiveOptions.builder().layerName("gnu-tar").build());
    }

    byte[] expected = findListing(gnu);
    String latin1 = new String(expected, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(latin1)
        .contains("caf\u00e9\tf\t\t2\0")
        .contains("hard\u00e9\tf\t\t2\0")
        .contains("link\u00e9\tl\tcaf\u00e9\t1\0")
        .contains("d\u00ff\u00fe/na\u00e9-\u00ff\u00fe\tf\t\t1\0")
        .contains("/r\u00e9sss")
        .contains("one\n");
    assertThat(findListing(ours)).isEqualTo(expected);
  }

  /** Each path under {@code root} with its type, link target and link count, then the contents. */
  static byte[] findListing(Path root) throws Exception {
    String script =
        """
        cd "$1"
        find . -mindepth 1 -printf '%P\\t%y\\t%l\\t%n\\0' | LC_ALL=C sort -z
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat
        """;
    Process p =
        new ProcessBuilder("sh", "-c", script, "sh", root.toString())
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).isZero();
    return out;
  }

  private static void buildTree(Path src) throws Exception {
    // real files: some of the system's documentation
    Path doc = Path.of("/usr/share/doc");
    if (Files.isDirectory(doc)) {
      try (Stream<Path> s = Files.list(doc)) {
        for (Path d : s.sorted().limit(40).toList()) {
          copyTree(d, src.resolve("doc").resolve(d.getFileName().toString()));
        }
      }
    }
    Path x = Files.createDirectories(src.resolve("x/deep/er"));
    Files.writeString(x.resolve("plain"), "plain");
    Files.writeString(src.resolve("x/suid"), "#!/bin/sh");
    FileCalls.fchownat(FileCalls.AT_FDCWD, src.resolve("x/suid").toString(), 1000, 50, 0);
    FileCalls.fchmodat(FileCalls.AT_FDCWD, src.resolve("x/suid").toString(), 06755);
    Files.createSymbolicLink(src.resolve("x/abs"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(src.resolve("x/rel"), Path.of("deep/er/plain"));
    Files.createLink(src.resolve("x/hard"), x.resolve("plain"));
    FileCalls.mknodat(FileCalls.AT_FDCWD, src.resolve("x/fifo").toString(),
        FileCalls.S_IFIFO | 0640, 0);
    FileCalls.mknodat(FileCalls.AT_FDCWD, src.resolve("x/null").toString(),
        FileCalls.S_IFCHR | 0666, FileCalls.makedev(1, 3));
    String longName = "n".repeat(150) + "/" + "m".repeat(200);
    Files.createDirectories(src.resolve("x").resolve(longName).getParent());
    Files.writeString(src.resolve("x").resolve(longName), "long");
    Path cap = src.resolve("x/ping");
    Files.writeString(cap, "elf");
    Xattrs.lset(cap.toString(), "security.capability",
        HexFormat.of().parseHex("0100000200200000000000000000000000000000"), 0);
    Xattrs.lset(cap.toString(), "user.mime", "application/x-elf".getBytes(), 0);
    Xattrs.lset(src.resolve("x/deep").toString(), "trusted.note", new byte[] {1, 2, 3}, 0);
    try (var ch = Files.newByteChannel(src.resolve("x/sparse"),
        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
      ch.position(10 << 20).write(java.nio.ByteBuffer.wrap("data".getBytes()));
      ch.position(30 << 20).write(java.nio.ByteBuffer.wrap("end".getBytes()));
    }
    FileCalls.fchmodat(FileCalls.AT_FDCWD, src.resolve("x/deep").toString(), 02750);
    FileCalls.fchownat(FileCalls.AT_FDCWD, src.resolve("x/deep").toString(), 3, 4, 0);
    FileCalls.utimensat(FileCalls.AT_FDCWD, src.resolve("x/deep/er/plain").toString(),
        1, 2, 1_500_000_000L, 123_456_789L, 0);
    FileCalls.utimensat(FileCalls.AT_FDCWD, src.resolve("x/deep").toString(),
        1, 2, 1_600_000_000L, 987_654_321L, 0);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        Files.createDirectories(t.getParent());
        Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd) + "\n" + out).isZero();
  }

  private static Map<String, String> describe(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Map<Long, TreeSet<String>> inodes = new HashMap<>();
    List<Path> all;
    try (Stream<Path> s = Files.walk(root)) {
      all = s.sorted().toList();
    }
    for (Path p : all) {
      String rel = root.relativize(p).toString();
      Statx st =
          FileCalls.statx(FileCalls.AT_FDCWD, p.toString(), FileCalls.AT_SYMLINK_NOFOLLOW, 0x7ff);
      StringBuilder d = new StringBuilder();
      d.append(Integer.toOctalString(st.mode())).append(' ').append(st.uid()).append(':')
          .append(st.gid()).append(" mtime ").append(st.mtimeSec()).append('.')
          .append(st.mtimeNsec());
      if (st.isSymlink()) {
        d.append(" -> ").append(Files.readSymbolicLink(p));
      } else if (st.isRegular()) {
        d.append(" size ").append(st.size()).append(" sha ")
            .append(dev.layerd.oci.Digest.sha256(Files.readAllBytes(p)).shortHex());
        d.append(" sparse ").append(st.blocks() * 512 < st.size());
        inodes.computeIfAbsent(st.ino(), k -> new TreeSet<>()).add(rel);
      } else if (!st.isDirectory()) {
        d.append(" rdev ").append(st.rdevMajor()).append(',').append(st.rdevMinor());
      }
      for (String x : new TreeSet<>(Xattrs.llist(p.toString()))) {
        d.append(' ').append(x).append('=')
            .append(HexFormat.of().formatHex(Xattrs.lget(p.toString(), x).orElseThrow()));
      }
      out.put(rel.isEmpty() ? "." : rel, d.toString());
    }
    inodes.values().stream()
        .filter(g -> g.size() > 1)
        .forEach(g -> out.put("hardlinks " + g.first(), g.toString()));
    return out;
  }
}
