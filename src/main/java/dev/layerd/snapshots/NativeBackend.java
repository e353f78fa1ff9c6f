package dev.layerd.snapshots;

import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Every snapshot a full copy of its parent: simple, works anywhere, no rebase. */
final class NativeBackend implements Backend {
  static final String NAME = "native";

  private final NativeOptions options;

  NativeBackend(NativeOptions options) {
    this.options = options;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of();
  }

  @Override
  public boolean syncRemove() {
    return options.syncRemove();
  }

  @Override
  public void populate(Path dir, Kind kind, List<Path> parents) throws IOException {
    if (!parents.isEmpty()) {
      TreeCopier.copy(parents.getFirst(), dir.resolve("fs"));
    }
  }

  @Override
  public List<Mount> mounts(Path dir, Kind kind, List<Path> parents) {
    return List.of(new BindMount(dir.resolve("fs"), kind == Kind.VIEW));
  }
}
