package dev.layerd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.layerd.images.ImportOptions;
import dev.layerd.linux.Xattrs;
import dev.layerd.testing.LayerBuilder;
import dev.layerd.testing.OciLayouts;
import dev.layerd.testing.RequiresRoot;
import dev.layerd.testing.Tools;
import dev.layerd.testing.TreeListing;
import dev.layerd.unpack.UnpackMode;
import dev.layerd.unpack.UnpackResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parallel, sequential and native unpacks of the same image, mounted by the kernel, give the same
 * tree, and that tree is the one umoci unpacks.
 */
@RequiresRoot
class UnpackEndToEndTest {
  @TempDir Path tmp;

  private final List<Layerd> opened = new ArrayList<>();
  private final List<Path> mounts = new ArrayList<>();

  @AfterEach
  void tearDown() throws IOException {
    for (int i = 0; i < mounts.size(); i++) {
      opened.get(i).unmount(mounts.get(i));
    }
    for (Layerd l : opened) {
      l.close();
    }
  }

  private enum Mode {
    PARALLEL,
    SEQUENTIAL,
    NATIVE
  }

  /** An unpack's result and its mounted tree, listed without and with times. */
  private record Unpacked(
      UnpackResult result, Map<String, String> tree, Map<String, String> timed) {}

  private Unpacked unpackAndList(Path layout, String name, Mode mode) throws IOException {
    Path config = tmp.resolve("config.toml");
    Files.writeString(config, "version = 4\n");
    Path root = tmp.resolve("root-" + mode);
    Layerd l = Layerd.open(new LayerdOptions(root, config));
    opened.add(l);
    String image =
        l.importImage(layout, ImportOptions.defaults().withName(name + ":e2e")).getFirst().name();
    UnpackRequest req =
        switch (mode) {
          case PARALLEL -> UnpackRequest.defaults().withMaxConcurrentUnpacks(4);
          case SEQUENTIAL -> UnpackRequest.defaults().withSequential(true);
          case NATIVE -> UnpackRequest.defaults().withSnapshotter("native");
        };
    UnpackResult r = l.unpack(image, req);
    Path target = Files.createDirectories(tmp.resolve("mnt-" + mode));
    l.mount(image, target, false, mode == Mode.NATIVE ? "native" : "overlayfs");
    mounts.add(target);
    return new Unpacked(r, TreeListing.of(target), TreeListing.withTimes(target));
  }

  private Map<String, String> umociUnpack(Path layout, String tag) throws Exception {
    Path bundle = tmp.resolve("umoci-" + tag);
    run(
        Tools.require("umoci").toString(),
        "unpack",
        "--image",
        layout + ":" + tag,
        bundle.toString());
    return TreeListing.of(bundle.resolve("rootfs"));
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + "\n" + out).isZero();
  }

  /** The root directory's own metadata depends on who made the mount point; compare the rest. */
  private static Map<String, String> withoutRoot(Map<String, String> tree) {
    Map<String, String> m = new java.util.TreeMap<>(tree);
    m.remove(".");
    return m;
  }

  private static List<LayerBuilder> hostileLayers() {
    LayerBuilder base =
        new LayerBuilder()
            .dir("a", 0750, 1000, 1000, Map.of("user.origin", "base"))
            .dir("a/b", 0711, 1000, 1001)
            .file("a/b/one", "one")
            .dir("etc", 0755, 0, 0)
            .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
            .dir("tmp", 01777, 0, 0)
            .dir("usr", 0755, 0, 0)
            .dir("usr/bin", 0755, 0, 0)
            .file("usr/bin/tool", "#!/bin/sh\n", 0755, 0, 0)
            .dir("opq", 0700, 0, 0)
            .file("opq/x", "x")
            .file("opq/y", "y")
            .file("gone", "gone")
            .dir("gonedir", 0755, 0, 0)
            .file("gonedir/inner", "inner");
    // Implicit parents a/ and a/b/ (non-default modes below), whiteouts, an opaque directory and
    // a hardlink whose target is in the layer below.
    LayerBuilder middle =
        new LayerBuilder()
            .file("a/b/c/new", "new")
            .whiteout("gone")
            .whiteout("gonedir")
            .opaque("opq")
            .file("opq/z", "z")
            .hardlink("usr/bin/tool-link", "usr/bin/tool");
    LayerBuilder top =
        new LayerBuilder()
            .file("etc/passwd", "root:x:0:0::/root:/bin/bash\n")
            .file("gonedir/again", "implicit parent over a whiteout")
            .symlink("etc/shell", "/bin/bash")
            .file("data/f1", "linked")
            .hardlink("data/f2", "data/f1")
            .dir("tmp/sub", 02755, 0, 50);
    return List.of(base, middle, top);
  }

  @Test
  void parallelSequentialAndNativeUnpacksMountTheSameTreeAsUmoci() throws Exception {
    Path layout = tmp.resolve("layout");
    OciLayouts.write(layout, "hostile", hostileLayers());

    Unpacked parallel = unpackAndList(layout, "hostile", Mode.PARALLEL);
    Unpacked sequential = unpackAndList(layout, "hostile", Mode.SEQUENTIAL);
    Unpacked nativeCopy = unpackAndList(layout, "hostile", Mode.NATIVE);

    assertThat(parallel.result().mode()).isEqualTo(UnpackMode.PARALLEL);
    assertThat(parallel.result().layers().get(1).reappliedSequentially())
        .as("the hardlink into the base layer needs the base layer")
        .isTrue();
    assertThat(sequential.result().mode()).isEqualTo(UnpackMode.SEQUENTIAL);
    assertThat(nativeCopy.result().mode()).isEqualTo(UnpackMode.SEQUENTIAL);
    assertThat(parallel.tree()).containsEntry("a", sequential.tree().get("a"));
    assertThat(parallel.tree().get("a")).contains("0750 1000:1000", "user.origin");
    assertThat(parallel.tree()).doesNotContainKeys("gone", "gonedir/inner", "opq/x", "opq/y");
    assertThat(withoutRoot(parallel.tree())).isEqualTo(withoutRoot(sequential.tree()));
    assertThat(withoutRoot(nativeCopy.tree())).isEqualTo(withoutRoot(sequential.tree()));
    assertThat(parallel.timed()).as("with times").isEqualTo(sequential.timed());
    assertThat(nativeCopy.timed()).as("with times").isEqualTo(sequential.timed());
    assertThat(withoutRoot(parallel.tree())).isEqualTo(withoutRoot(umociUnpack(layout, "hostile")));
  }

  @Test
  void fixesImplicitDirectoriesOfALayerAppliedInParallel() throws Exception {
    Path layout = tmp.resolve("layout");
    LayerBuilder base =
        new LayerBuilder()
            .dir("srv", 0700, 33, 33, Map.of("user.kind", "web"))
            .dir("srv/www", 0750, 33, 33)
            .file("srv/www/index.html", "hello");
    LayerBuilder next = new LayerBuilder().file("srv/www/assets/app.js", "js");
    OciLayouts.write(layout, "implicit", List.of(base, next));

    Unpacked parallel = unpackAndList(layout, "implicit", Mode.PARALLEL);
    Unpacked sequential = unpackAndList(layout, "implicit", Mode.SEQUENTIAL);

    assertThat(parallel.result().mode()).isEqualTo(UnpackMode.PARALLEL);
    assertThat(parallel.result().layers().get(1).implicitDirsFixed()).isEqualTo(2);
    assertThat(parallel.tree().get("srv")).contains("0700 33:33", "user.kind");
    assertThat(parallel.tree().get("srv/www")).contains("0750 33:33");
    assertThat(withoutRoot(parallel.tree())).isEqualTo(withoutRoot(sequential.tree()));
    assertThat(parallel.timed()).as("with times").isEqualTo(sequential.timed());
  }

  @Test
  void unpacksAnImageUmociBuiltLayerByLayerLikeUmociDoes() throws Exception {
    String umoci = Tools.require("umoci").toString();
    Path layout = tmp.resolve("umoci-layout");
    Path bundle = tmp.resolve("work-bundle");
    run(umoci, "init", "--layout", layout.toString());
    run(umoci, "new", "--image", layout + ":app");

    List<Step> steps =
        List.of(
            rootfs -> {
              Files.createDirectories(rootfs.resolve("opt/app/lib"));
              Files.writeString(rootfs.resolve("opt/app/lib/core.so"), "core");
              Files.setPosixFilePermissions(
                  rootfs.resolve("opt/app"),
                  java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
              Files.setAttribute(rootfs.resolve("opt/app"), "unix:uid", 1000);
              Xattrs.lset(rootfs.resolve("opt/app").toString(), "user.tag", "v1".getBytes(), 0);
              Files.createDirectories(rootfs.resolve("var/cache/pkg"));
              Files.writeString(rootfs.resolve("var/cache/pkg/a"), "a");
              Files.writeString(rootfs.resolve("var/cache/pkg/b"), "b");
              Files.writeString(rootfs.resolve("bin-tool"), "tool");
            },
            rootfs -> {
              Files.delete(rootfs.resolve("var/cache/pkg/a"));
              Files.writeString(rootfs.resolve("opt/app/lib/plugin.so"), "plugin");
              Files.createLink(rootfs.resolve("tool-link"), rootfs.resolve("bin-tool"));
              Files.createSymbolicLink(rootfs.resolve("opt/current"), Path.of("app"));
            },
            rootfs -> {
              try (var s = Files.walk(rootfs.resolve("var/cache"))) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                  Files.delete(p);
                }
              }
              Files.writeString(rootfs.resolve("opt/app/lib/core.so"), "core v2");
            });
    for (Step step : steps) {
      run(umoci, "unpack", "--image", layout + ":app", bundle.toString());
      step.apply(bundle.resolve("rootfs"));
      run(umoci, "repack", "--image", layout + ":app", bundle.toString());
      run("rm", "-rf", bundle.toString());
    }

    Unpacked parallel = unpackAndList(layout, "app", Mode.PARALLEL);
    Unpacked sequential = unpackAndList(layout, "app", Mode.SEQUENTIAL);
    Unpacked nativeCopy = unpackAndList(layout, "app", Mode.NATIVE);
    Map<String, String> judge = umociUnpack(layout, "app");

    assertThat(parallel.result().layers()).hasSize(3);
    assertThat(withoutRoot(parallel.tree())).isEqualTo(withoutRoot(sequential.tree()));
    assertThat(withoutRoot(nativeCopy.tree())).isEqualTo(withoutRoot(sequential.tree()));
    assertThat(parallel.timed()).as("with times").isEqualTo(sequential.timed());
    assertThat(nativeCopy.timed()).as("with times").isEqualTo(sequential.timed());
    assertThat(withoutRoot(parallel.tree())).isEqualTo(withoutRoot(judge));
  }

  @FunctionalInterface
  private interface Step {
    void apply(Path rootfs) throws IOException;
  }
}
