package dev.layerd.diff;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * How to apply one layer.
 *
 * @param parallel the mounts were prepared without the lower layers (parallel unpack); an applier
 *     that needs the lower layers present refuses with "not implemented"
 * @param syncFs sync the target filesystem before returning
 * @param progress called with the number of compressed bytes read so far: at least once with 0 and
 *     once with the final count; called from the applying thread
 * @param payloads processor payloads by media type; layerd runs no stream processors, so a
 *     non-empty map is refused as not implemented
 * @param implicitDirs called once after a successful apply with the directories the layer needed
 *     but did not list (normalized paths under the target), when the applier knows them; the
 *     parallel unpacker fixes their metadata from this instead of reading the layer again
 */
public record ApplyOptions(
    boolean parallel,
    boolean syncFs,
    LongConsumer progress,
    Map<String, Payload> payloads,
    Consumer<Set<String>> implicitDirs) {

  public ApplyOptions {
    progress = Objects.requireNonNullElse(progress, n -> {});
    payloads = payloads == null ? Map.of() : Map.copyOf(payloads);
    implicitDirs = Objects.requireNonNullElse(implicitDirs, d -> {});
  }

  public ApplyOptions(
      boolean parallel, boolean syncFs, LongConsumer progress, Map<String, Payload> payloads) {
    this(parallel, syncFs, progress, payloads, null);
  }

  /** Sequential, no sync, no progress, no payloads. */
  public static ApplyOptions defaults() {
    return new ApplyOptions(false, false, null, Map.of());
  }

  public ApplyOptions withParallel(boolean parallel) {
    return new ApplyOptions(parallel, syncFs, progress, payloads, implicitDirs);
  }

  public ApplyOptions withSyncFs(boolean syncFs) {
    return new ApplyOptions(parallel, syncFs, progress, payloads, implicitDirs);
  }

  public ApplyOptions withProgress(LongConsumer progress) {
    return new ApplyOptions(parallel, syncFs, progress, payloads, implicitDirs);
  }

  public ApplyOptions withImplicitDirs(Consumer<Set<String>> implicitDirs) {
    return new ApplyOptions(parallel, syncFs, progress, payloads, implicitDirs);
  }
}
