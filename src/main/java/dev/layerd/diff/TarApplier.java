package dev.layerd.diff;

import dev.layerd.archive.AppliedLayer;
import dev.layerd.archive.ArchiveOptions;
import dev.layerd.archive.Archives;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** The tar application step of a differ; {@link #ARCHIVES} in production, a fake in tests. */
@FunctionalInterface
interface TarApplier {
  TarApplier ARCHIVES = Archives::apply;

  AppliedLayer apply(Path root, InputStream layer, ArchiveOptions options) throws IOException;
}
