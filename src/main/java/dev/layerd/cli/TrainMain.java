package dev.layerd.cli;

import com.github.luben.zstd.ZstdOutputStream;
import dev.layerd.api.Layerd;
import dev.layerd.archive.ArchiveOptions;
import dev.layerd.archive.Archives;
import dev.layerd.archive.WhiteoutMode;
import dev.layerd.linux.FileCalls;
import dev.layerd.oci.Digest;
import dev.layerd.oci.LayoutWriter;
import dev.layerd.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The training run behind the launcher's AOT cache: {@code TrainMain WORKDIR}.
 *
 * <p>The JDK records which classes load and how hot methods behave while this runs, and the cache
 * is only as good as the run is representative. A tiny layer taught it nothing about the per-entry
 * loop, so this builds layers shaped like a distribution's (thousands of small files in nested
 * directories, some large ones, symlinks, hardlinks, long names, whiteouts, an opaque directory) as
 * plain tar, gzip and zstd, applies them in both whiteout modes, then imports and unpacks them as
 * an image through the command line, all under {@code WORKDIR}, which the caller removes. Not a
 * user interface.
 */
public final class TrainMain {
  private static final int DIRS = 48;
  private static final int SUBDIRS = 8;

  private TrainMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: TrainMain WORKDIR");
    }
    System.setProperty(LogConfigurator.ACTIVE, "true"); // the command line's logging, trained
    Path work = Files.createDirectories(Path.of(args[0]));
    boolean root = FileCalls.geteuid() == 0;
    int files = Integer.getInteger("layerd.train.files", 12_000);
    byte[] text = text(new SplittableRandom(7), 1 << 21);
    byte[] base = baseLayer(files, text, root);
    byte[] update = updateLayer(files, text);

    for (String kind : List.of("tar", "gzip", "zstd")) {
      byte[] b = compress(base, kind);
      byte[] u = compress(update, kind);
      Path flat = work.resolve(kind + "-delete");
      ArchiveOptions delete =
          ArchiveOptions.builder().whiteoutMode(WhiteoutMode.DELETE).noSameOwner(!root).build();
      apply(flat, b, delete);
      apply(flat, u, delete);
      if (root) {
        // Whiteout devices need CAP_MKNOD: the overlay mode is trained only as root.
        Path lower = work.resolve(kind + "-overlay-1");
        ArchiveOptions overlay =
            ArchiveOptions.builder().whiteoutMode(WhiteoutMode.OVERLAY).build();
        apply(lower, b, overlay);
        apply(
            work.resolve(kind + "-overlay-2"),
            u,
            overlay.toBuilder().parents(List.of(lower)).build());
      }
    }
    commandLine(work, base, update, root);
  }

  private static void apply(Path dir, byte[] layer, ArchiveOptions options) throws IOException {
    Files.createDirectories(dir);
    Archives.apply(dir, new ByteArrayInputStream(layer), options);
  }

  /** Imports the two layers as an image and unpacks it, as the main job does. */
  private static void commandLine(Path work, byte[] base, byte[] update, boolean root)
      throws IOException {
    Path layout = work.resolve("layout");
    LayoutWriter.write(
        layout,
        "train",
        List.of(
            new LayoutWriter.Layer(
                MediaTypes.OCI_LAYER_GZIP, compress(base, "gzip"), Digest.sha256(base)),
            new LayoutWriter.Layer(
                MediaTypes.OCI_LAYER_ZSTD, compress(update, "zstd"), Digest.sha256(update))));
    Path config = Files.writeString(work.resolve("config.toml"), "version = 4\n");
    String state = work.resolve("root").toString();
    String snapshotter = root ? "overlayfs" : "native";
    List<List<String>> steps =
        List.of(
            List.of("image", "import", layout.toString(), "--name", "train:latest"),
            List.of("image", "ls", "--json"),
            List.of("unpack", "train:latest", "--snapshotter", snapshotter),
            List.of("snapshot", "ls", "--json"),
            List.of("snapshot", "tree"),
            List.of("content", "ls"),
            List.of("config", "dump"),
            List.of("image", "rm", "train:latest"),
            List.of("prune"));
    for (List<String> step : steps) {
      List<String> argv = new ArrayList<>(List.of("--root", state, "--config", config.toString()));
      argv.addAll(step);
      StringWriter err = new StringWriter();
      int code =
          Main.run(
              argv.toArray(String[]::new),
              new PrintWriter(Writer.nullWriter()),
              new PrintWriter(err),
              Layerd::open,
              false);
      if (code != 0) {
        throw new IOException("training step " + step + " failed (" + code + "): " + err);
      }
    }
  }

  /** A distribution-like first layer: nested directories of mostly small files. */
  private static byte[] baseLayer(int files, byte[] text, boolean root) throws IOException {
    SplittableRandom rnd = new SplittableRandom(1);
    return tar(
        out -> {
          dir(out, "usr/", 0755, 0);
          dir(out, "usr/lib/", 0755, 0);
          for (int d = 0; d < DIRS; d++) {
            dir(out, "usr/lib/pkg" + d + "/", 0755, 0);
            for (int s = 0; s < SUBDIRS; s++) {
              dir(out, subdir(d, s), s == 7 ? 01777 : 0755, s == 6 ? 1000 : 0);
            }
          }
          String deep = "usr/lib/pkg0/" + "long-directory-name-".repeat(6) + "/";
          dir(out, deep, 0755, 0);
          for (int i = 0; i < files; i++) {
            String name = fileName(i);
            if (i % 20 == 19) {
              link(out, name + ".lnk", TarConstants.LF_SYMLINK, "f" + (i - 1));
            } else if (i % 100 == 51) {
              link(out, name + ".hard", TarConstants.LF_LINK, fileName(i - 1));
            }
            int mode = i % 10 == 0 ? 0755 : i == 5 ? 04755 : 0644;
            Map<String, String> xattrs =
                root && i % 1000 == 3 ? Map.of("user.train", "x") : Map.of();
            file(
                out,
                i % 500 == 7 ? deep + "f" + i : name,
                mode,
                i % 7 == 0 ? 1000 : 0,
                content(rnd, text, i),
                xattrs);
          }
        });
  }

  /** A second layer: overwrites, whiteouts, an opaque directory, new files, a type change. */
  private static byte[] updateLayer(int files, byte[] text) throws IOException {
    SplittableRandom rnd = new SplittableRandom(2);
    return tar(
        out -> {
          dir(out, "usr/", 0755, 0);
          dir(out, "usr/lib/", 0755, 0);
          dir(out, "usr/lib/pkg1/", 0755, 0);
          dir(out, "usr/lib/pkg1/sub0/", 0755, 0);
          dir(out, "usr/lib/pkg2/", 0755, 0);
          dir(out, "usr/lib/pkg2/sub0/", 0700, 0);
          dir(out, "usr/lib/pkg3/", 0755, 0);
          dir(out, "usr/lib/pkg3/.wh..wh..opq", 0755, 0);
          for (int i = 0; i < files; i += 5) {
            String name = fileName(i);
            if (i % 3 == 0) {
              String parent = name.substring(0, name.lastIndexOf('/') + 1);
              file(
                  out,
                  parent + ".wh." + name.substring(parent.length()),
                  0644,
                  0,
                  new byte[0],
                  Map.of());
            } else {
              file(out, name, 0644, 0, content(rnd, text, i), Map.of());
            }
          }
          dir(out, fileName(1) + "/", 0755, 0);
          for (int i = 0; i < files / 6; i++) {
            file(out, "usr/lib/pkg3/new" + i, 0644, 0, content(rnd, text, i), Map.of());
          }
        });
  }

  private static String subdir(int d, int s) {
    return "usr/lib/pkg" + d + "/sub" + s + "/";
  }

  private static String fileName(int i) {
    return subdir(i % DIRS, (i / DIRS) % SUBDIRS) + "f" + i;
  }

  /** Sizes skewed as in a root filesystem: most under a few KiB, a few of a MiB or so. */
  private static byte[] content(SplittableRandom rnd, byte[] text, int i) {
    int r = rnd.nextInt(100);
    int size =
        i % 2000 == 999
            ? rnd.nextInt(1 << 19, 1 << 21)
            : r < 60 ? rnd.nextInt(1500) : r < 92 ? rnd.nextInt(1500, 12_000) : rnd.nextInt(64_000);
    int from = rnd.nextInt(text.length - size);
    byte[] b = new byte[size];
    System.arraycopy(text, from, b, 0, size);
    return b;
  }

  /** Word-like bytes that compress about as well as real files do. */
  private static byte[] text(SplittableRandom rnd, int size) {
    String[] words = new String[512];
    for (int w = 0; w < words.length; w++) {
      StringBuilder sb = new StringBuilder();
      for (int c = 2 + rnd.nextInt(9); c > 0; c--) {
        sb.append((char) ('a' + rnd.nextInt(26)));
      }
      words[w] = sb.toString();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(size + 16);
    while (out.size() < size) {
      out.writeBytes(words[rnd.nextInt(words.length)].getBytes(StandardCharsets.US_ASCII));
      out.write(rnd.nextInt(12) == 0 ? '\n' : ' ');
      if (rnd.nextInt(40) == 0) {
        out.write(rnd.nextInt(256));
      }
    }
    return out.toByteArray();
  }

  @FunctionalInterface
  private interface Entries {
    void write(TarArchiveOutputStream out) throws IOException;
  }

  private static byte[] tar(Entries entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      entries.write(out);
    }
    return bytes.toByteArray();
  }

  private static void dir(TarArchiveOutputStream out, String name, int mode, int owner)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_DIR);
    e.setMode(mode);
    e.setIds(owner, owner);
    out.putArchiveEntry(e);
    out.closeArchiveEntry();
  }

  private static void file(
      TarArchiveOutputStream out,
      String name,
      int mode,
      int owner,
      byte[] data,
      Map<String, String> xattrs)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
    e.setMode(mode);
    e.setIds(owner, owner);
    e.setSize(data.length);
    xattrs.forEach((k, v) -> e.addPaxHeader("SCHILY.xattr." + k, v));
    out.putArchiveEntry(e);
    out.write(data);
    out.closeArchiveEntry();
  }

  private static void link(TarArchiveOutputStream out, String name, byte type, String target)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, type);
    e.setLinkName(target);
    e.setMode(0777);
    out.putArchiveEntry(e);
    out.closeArchiveEntry();
  }

  private static byte[] compress(byte[] tar, String kind) {
    if (kind.equals("tar")) {
      return tar;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(tar.length / 3);
    try (OutputStream out =
        kind.equals("gzip") ? new GZIPOutputStream(bytes, 1 << 16) : new ZstdOutputStream(bytes)) {
      out.write(tar);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
