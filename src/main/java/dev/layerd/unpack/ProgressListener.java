package dev.layerd.unpack;

/**
 * Receives progress of an unpack, layer by layer. Every layer is reported at least once as {@link
 * LayerState#WAITING} and once in its final state ({@link LayerState#COMMITTED} or {@link
 * LayerState#SKIPPED}) unless the unpack fails. Calls come from several threads at once in parallel
 * mode, so implementations must be thread-safe; they must also be quick and must not throw.
 */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = p -> {};

  void update(LayerProgress progress);
}
