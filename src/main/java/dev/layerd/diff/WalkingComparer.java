package dev.layerd.diff;

import com.github.luben.zstd.ZstdOutputStream;
import dev.layerd.archive.AppliedLayer;
import dev.layerd.archive.TreeDiff;
import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentLabels;
import dev.layerd.content.ContentStore;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.linux.Errno;
import dev.layerd.linux.ErrnoException;
import dev.layerd.mount.BindMount;
import dev.layerd.mount.Mount;
import dev.layerd.mount.OtherMount;
import dev.layerd.mount.OverlayMount;
import dev.layerd.mount.TempMount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.MediaTypes;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;

/**
 * Computes a diff by mounting both sides read-only and walking them ({@link TreeDiff}), then
 * streams the compressed layer into the content store. A single bind mount is read in place; no
 * lower mounts means an empty lower tree. The blob gets the request's labels plus {@link
 * ContentLabels#UNCOMPRESSED}, which is added once the layer is written (its diffID is known only
 * then).
 */
final class WalkingComparer implements Comparer {
  private static final int PIPE_BUFFER = 1 << 20;

  private final ContentStore store;
  private final DifferOptions options;

  WalkingComparer(ContentStore store, DifferOptions options) {
    this.store = Objects.requireNonNull(store, "walking comparer needs a content store");
    this.options = Objects.requireNonNull(options, "walking comparer needs its options");
  }

  @Override
  public Descriptor compare(List<Mount> lower, List<Mount> upper, DiffOptions diffOptions)
      throws IOException {
    String mediaType =
        diffOptions.mediaType().isEmpty() ? MediaTypes.OCI_LAYER : diffOptions.mediaType();
    Compression compression = compression(mediaType);
    if (upper.isEmpty()) {
      throw new InvalidArgumentException("diff: no mounts for the upper tree");
    }
    checkMountable(lower);
    checkMountable(upper);
    try (View l = view(lower);
        View u = view(upper)) {
      return write(l.path(), u.path(), mediaType, compression, diffOptions);
    }
  }

  private Descriptor write(
      Path lower, Path upper, String mediaType, Compression compression, DiffOptions diffOptions)
      throws IOException {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<AppliedLayer> result = new AtomicReference<>();
    PipedInputStream pipeIn = new PipedInputStream(PIPE_BUFFER);
    PipedOutputStream pipeOut = new PipedOutputStream(pipeIn);
    Instant epoch = diffOptions.sourceDateEpoch();
    Thread producer =
        Thread.ofVirtual()
            .name("layerd-diff-writer")
            .start(
                () -> {
                  try {
                    OutputStream compressed = compression.wrap(pipeOut);
                    result.set(TreeDiff.writeDiff(lower, upper, compressed, epoch));
                    compressed.close();
                  } catch (Throwable t) {
                    // recorded before the pipe closes, so the reader fails instead of ending
                    failure.set(t);
                  } finally {
                    try {
                      pipeOut.close();
                    } catch (IOException e) {
                      failure.compareAndSet(null, e);
                    }
                  }
                });
    ContentInfo info;
    try (InputStream in = new FailingAtEnd(pipeIn, failure)) {
      info = store.write(in, diffOptions.labels());
    } catch (IOException | RuntimeException e) {
      pipeIn.close();
      join(producer);
      Throwable t = failure.get();
      // the store saw the writer's failure at the pipe's end: report the failure itself
      if (t != null && causedBy(e, t)) {
        throw rethrown(t, upper);
      }
      throw e;
    }
    join(producer);
    Throwable t = failure.get();
    if (t != null) {
      throw rethrown(t, upper);
    }
    Map<String, String> labels = new HashMap<>();
    labels.put(ContentLabels.UNCOMPRESSED, result.get().diffId().toString());
    store.updateLabels(info.digest(), labels);
    return new Descriptor(mediaType, info.digest(), info.size());
  }

  private static void join(Thread t) throws IOException {
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for the diff writer");
    }
  }

  private static boolean causedBy(Throwable e, Throwable cause) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c == cause) {
        return true;
      }
    }
    return false;
  }

  private static IOException rethrown(Throwable t, Path upper) {
    return switch (t) {
      case IOException e -> e;
      case RuntimeException e -> throw e;
      case Error e -> throw e;
      default -> new IOException("diff of " + upper + " failed: " + t.getMessage(), t);
    };
  }

  private static Compression compression(String mediaType) {
    return switch (mediaType) {
      case MediaTypes.OCI_LAYER, MediaTypes.DOCKER_LAYER -> out -> out;
      case MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP ->
          out -> new GZIPOutputStream(out, 1 << 16);
      case MediaTypes.OCI_LAYER_ZSTD -> ZstdOutputStream::new;
      default ->
          throw new NotImplementedException(
              "walking comparer cannot write media type " + mediaType);
    };
  }

  private static void checkMountable(List<Mount> mounts) {
    for (Mount m : mounts) {
      if (m instanceof OtherMount o) {
        throw new NotImplementedException(
            "walking comparer cannot mount type " + o.type() + " (only bind and overlay)");
      }
    }
  }

  /** The tree the mounts show, read-only; a single bind mount is read where it is. */
  private View view(List<Mount> mounts) throws IOException {
    if (mounts.isEmpty()) {
      return new View(null, null);
    }
    if (mounts.size() == 1 && mounts.getFirst() instanceof BindMount b) {
      return new View(b.sourceDir(), null);
    }
    List<Mount> readOnly = new ArrayList<>();
    for (Mount m : mounts) {
      readOnly.add(readOnly(m));
    }
    try {
      TempMount tmp = TempMount.mount(readOnly, options.mountRoot());
      return new View(tmp.path(), tmp);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.EPERM) {
        throw new NotImplementedException(
            "walking comparer cannot mount without privilege: " + e.getMessage(), e);
      }
      throw e;
    }
  }

  /**
   * The same tree, mounted read-only. An overlay with an upper directory becomes one that has
   * that directory as its top lower layer: the upper may be mounted elsewhere already, and a
   * second mount must not use its work directory.
   */
  private static Mount readOnly(Mount m) {
    return switch (m) {
      case BindMount b -> new BindMount(b.sourceDir(), true, b.extraOptions());
      case OverlayMount o when o.readOnly() -> o;
      case OverlayMount o -> {
        List<Path> lowers = new ArrayList<>();
        lowers.add(o.upperDir());
        lowers.addAll(o.lowerDirs());
        List<String> extra = new ArrayList<>(o.extraOptions());
        extra.remove("volatile");
        yield new OverlayMount(lowers, null, null, extra);
      }
      case OtherMount o -> o;
    };
  }

  @FunctionalInterface
  private interface Compression {
    OutputStream wrap(OutputStream out) throws IOException;
  }

  /** A tree to read and the temporary mount to undo afterwards (null when read in place). */
  private record View(Path path, TempMount mount) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      if (mount != null) {
        mount.close();
      }
    }
  }

  /** Turns the end of the pipe into the writer's failure, so a broken layer is never stored. */
  private static final class FailingAtEnd extends FilterInputStream {
    private final AtomicReference<Throwable> failure;

    FailingAtEnd(InputStream in, AtomicReference<Throwable> failure) {
      super(in);
      this.failure = failure;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b < 0) {
        check();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n < 0) {
        check();
      }
      return n;
    }

    private void check() throws IOException {
      Throwable t = failure.get();
      if (t != null) {
        throw new IOException("diff writer failed: " + t.getMessage(), t);
      }
    }
  }
}
