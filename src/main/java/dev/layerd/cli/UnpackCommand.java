package dev.layerd.cli;

import dev.layerd.api.UnpackRequest;
import dev.layerd.oci.Platform;
import dev.layerd.unpack.LayerResult;
import dev.layerd.unpack.UnpackResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code layerd unpack NAME}. */
@Command(
    name = "unpack",
    description = "Unpack an image's layers into snapshots.",
    mixinStandardHelpOptions = true)
final class UnpackCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "NAME", description = "Image name.")
  String name;

  @Option(
      names = "--snapshotter",
      paramLabel = "NAME",
      description = "overlayfs or native (default: the config's, else overlayfs).")
  String snapshotter;

  @Option(
      names = "--differ",
      paramLabel = "NAME",
      description = "Apply with this differ only: overlay or walking (walking is sequential).")
  String differ;

  @Option(
      names = "--max-concurrent-unpacks",
      paramLabel = "N",
      description = "Layers applied at once (default: the config's max_concurrent_unpacks).")
  int maxConcurrentUnpacks;

  @Option(names = "--sequential", description = "Apply one layer after the other.")
  boolean sequential;

  @Option(
      names = "--discard-layers",
      description =
          "Delete compressed layer blobs once unpacked (unless another image needs them).")
  boolean discardLayers;

  @Option(
      names = "--platform",
      paramLabel = "OS/ARCH[/VARIANT]",
      description = "Platform of a multi-platform image (default: this host's).")
  String platform;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (maxConcurrentUnpacks < 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--max-concurrent-unpacks must be at least 1");
    }
    ProgressDisplay progress = new ProgressDisplay(root.err, root.terminal);
    UnpackRequest req =
        new UnpackRequest(
            snapshotter,
            differ,
            maxConcurrentUnpacks,
            sequential,
            discardLayers ? Boolean.TRUE : null,
            platform == null ? null : Platform.parse(platform),
            progress);
    UnpackResult r = root.layerd().unpack(name, req);
    progress.finish();
    if (json) {
      Output.json(root.out, toJson(name, r));
    } else {
      root.out.printf(
          java.util.Locale.ROOT,
          "unpacked %s: %d layers (%d applied, %d skipped), %s, %.2f s, snapshot %s%n",
          name,
          r.layers().size(),
          r.applied(),
          r.skipped(),
          r.mode().name().toLowerCase(java.util.Locale.ROOT)
              + (r.modeReason().isEmpty() ? "" : " (" + r.modeReason() + ")"),
          r.wallTime().toNanos() / 1e9,
          r.chainId());
    }
    return 0;
  }

  static Map<String, Object> toJson(String name, UnpackResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("image", name);
    m.put("manifest", r.manifest().toString());
    m.put("snapshotter", r.snapshotter());
    m.put("chainId", r.chainId().toString());
    m.put("mode", r.mode().name().toLowerCase(java.util.Locale.ROOT));
    m.put("modeReason", r.modeReason());
    m.put("applied", r.applied());
    m.put("skipped", r.skipped());
    m.put("wallTimeMillis", r.wallTime().toMillis());
    m.put("discarded", r.discarded().stream().map(Object::toString).toList());
    List<Map<String, Object>> layers = r.layers().stream().map(UnpackCommand::layer).toList();
    m.put("layers", layers);
    return m;
  }

  private static Map<String, Object> layer(LayerResult l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", l.index());
    m.put("digest", l.layer().digest().toString());
    m.put("mediaType", l.layer().mediaType());
    m.put("size", l.layer().size());
    m.put("diffId", l.diffId().toString());
    m.put("chainId", l.chainId().toString());
    m.put("state", l.state().name().toLowerCase(java.util.Locale.ROOT));
    m.put("reappliedSequentially", l.reappliedSequentially());
    m.put("implicitDirsFixed", l.implicitDirsFixed());
    m.put("millis", l.duration().toMillis());
    return m;
  }
}
