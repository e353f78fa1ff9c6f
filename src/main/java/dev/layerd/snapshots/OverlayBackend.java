package dev.layerd.snapshots;

import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OverlayMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Layers stacked by overlayfs: each snapshot's {@code fs} holds only its own changes. */
final class OverlayBackend implements Backend {
  static final String NAME = "overlayfs";

  private final OverlayOptions options;
  private final List<String> extra;

  OverlayBackend(OverlayOptions options) {
    this.options = options;
    List<String> o = new ArrayList<>();
    // With the inodes index on, a layer used as upper by one mount cannot be lower in another
    // at once; snapshots need that, so turn it off wherever the kernel knows the option.
    if (Files.exists(Path.of("/sys/module/overlay/parameters/index"))) {
      o.add("index=off");
    }
    if (options.userxattr()) {
      o.add("userxattr");
    }
    this.extra = List.copyOf(o);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.REBASE);
  }

  @Override
  public boolean syncRemove() {
    return options.syncRemove();
  }

  @Override
  public void populate(Path dir, Kind kind, List<Path> parents) throws IOException {
    Files.createDirectory(dir.resolve("work"));
  }

  @Override
  public List<Mount> mounts(Path dir, Kind kind, List<Path> parents) {
    Path fs = dir.resolve("fs");
    return switch (kind) {
      case ACTIVE ->
          parents.isEmpty()
              ? List.of(new BindMount(fs, false))
              : List.of(new OverlayMount(parents, fs, dir.resolve("work"), extra));
      case VIEW ->
          switch (parents.size()) {
            case 0 -> List.of(new BindMount(fs, true));
            case 1 -> List.of(new BindMount(parents.getFirst(), true));
            default -> List.of(new OverlayMount(parents, null, null, extra));
          };
      case COMMITTED -> throw new IllegalStateException("committed snapshots have no mounts");
    };
  }
}
