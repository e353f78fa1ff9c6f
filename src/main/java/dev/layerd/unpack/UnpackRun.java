package dev.layerd.unpack;

import dev.layerd.diff.ApplyOptions;
import dev.layerd.errdefs.AlreadyExistsException;
import dev.layerd.errdefs.ErrorKind;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.LayerdException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.mount.Mount;
import dev.layerd.oci.ChainIds;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.ImageConfig;
import dev.layerd.oci.Json;
import dev.layerd.oci.Manifest;
import dev.layerd.snapshots.Capability;
import dev.layerd.snapshots.Kind;
import dev.layerd.snapshots.SnapshotInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One unpack of one image: the state shared by the committing thread and the apply tasks. */
final class UnpackRun {
  private static final Logger LOG = LoggerFactory.getLogger(Unpacker.class);

  private final Unpacker u;
  private final String image;
  private final Descriptor manifestDesc;
  private final UnpackOptions opts;
  private final Set<String> active = ConcurrentHashMap.newKeySet();

  /** Chain locks by layer, each released once its layer is committed or skipped. */
  private ChainLocks.Held[] held = new ChainLocks.Held[0];

  private Descriptor config;
  private List<Descriptor> layers;
  private List<Digest> diffIds;
  private List<Digest> chainIds;
  private LayerResult[] results;
  private AtomicLongArray bytesRead;
  private UnpackMode mode;
  private String modeReason = "";

  UnpackRun(Unpacker u, String image, Descriptor manifest, UnpackOptions opts) {
    this.u = u;
    this.image = image == null || image.isEmpty() ? manifest.digest().toString() : image;
    this.manifestDesc = manifest;
    this.opts = opts;
  }

  /** The outcome of applying one layer with no parent, before it is committed. */
  private record Detached(
      String key,
      List<Mount> mounts,
      Descriptor applied,
      Set<String> implicitDirs,
      long startNanos,
      Exception deferral) {}

  /** A failure in an apply task, tagged with its layer. */
  private static final class LayerFailure extends RuntimeException {
    final int index;

    LayerFailure(int index, Throwable cause) {
      super(cause);
      this.index = index;
    }
  }

  UnpackResult run() throws IOException {
    long t0 = System.nanoTime();
    readImage();
    decideMode();
    int n = layers.size();
    if (n == 0) {
      throw new InvalidArgumentException("image " + image + " has no layers to unpack");
    }
    results = new LayerResult[n];
    held = new ChainLocks.Held[n];
    bytesRead = new AtomicLongArray(n);
    for (int i = 0; i < n; i++) {
      report(i, LayerState.WAITING);
    }

    // Platform threads: an apply task is CPU and system-call work that would pin a virtual
    // thread's carrier, so that no more tasks than cores could start, whatever the limit says.
    ExecutorService exec =
        mode == UnpackMode.PARALLEL
            ? Executors.newThreadPerTaskExecutor(
                Thread.ofPlatform().name("layer-apply-", 0).daemon().factory())
            : null;
    Semaphore slots = new Semaphore(opts.maxConcurrentUnpacks());
    List<CompletableFuture<Detached>> tasks = new ArrayList<>(Collections.nCopies(n, null));
    CompletableFuture<Void> anyFailure = new CompletableFuture<>();
    int current = 0;
    try {
      for (; current < n; current++) {
        held[current] = u.locks.lock(chainIds.get(current));
        if (isCommitted(chainIds.get(current))) {
          skip(current);
          continue;
        }
        removeLeftovers(current);
        if (exec != null) {
          int i = current;
          CompletableFuture<Detached> t =
              CompletableFuture.supplyAsync(() -> applyDetached(i, slots), exec);
          t.whenComplete(
              (r, e) -> {
                if (e != null) {
                  anyFailure.completeExceptionally(e);
                }
              });
          tasks.set(i, t);
        }
      }

      for (current = 0; current < n; current++) {
        if (results[current] != null) {
          continue;
        }
        if (exec != null) {
          commitDetached(current, await(tasks.get(current), anyFailure));
        } else {
          applyOnParent(current, System.nanoTime(), false);
        }
      }

      Digest top = chainIds.isEmpty() ? null : chainIds.getLast();
      if (top != null && u.store != null) {
        u.store.updateLabels(
            config.digest(),
            Map.of(UnpackLabels.gcRefSnapshot(u.snapshotter.name()), top.toString()));
      }
      List<Digest> discarded = opts.discardLayers() ? discard() : List.of();
      Duration wall = Duration.ofNanos(System.nanoTime() - t0);
      UnpackResult result =
          new UnpackResult(
              manifestDesc.digest(),
              u.snapshotter.name(),
              top == null ? manifestDesc.digest() : top,
              mode,
              modeReason,
              List.of(results),
              discarded,
              wall);
      LOG.info(
          "unpacked {}: {} layers, {} applied, {} skipped, {} mode, {} ms, snapshot {}",
          image,
          n,
          result.applied(),
          result.skipped(),
          mode.name().toLowerCase(),
          wall.toMillis(),
          top);
      return result;
    } catch (Throwable e) {
      throw abort(e, current, exec, tasks);
    } finally {
      if (exec != null) {
        exec.close();
      }
      releaseLocks();
    }
  }

  private void readImage() throws IOException {
    Manifest m =
        Json.parse(
            readBlob(manifestDesc.digest(), "manifest"),
            Manifest.class,
            "manifest " + manifestDesc.digest() + " of image " + image);
    config = m.config();
    ImageConfig c =
        Json.parse(
            readBlob(config.digest(), "config"),
            ImageConfig.class,
            "config " + config.digest() + " of image " + image);
    if (c.diffIds().size() != m.layers().size()) {
      throw new InvalidArgumentException(
          "image "
              + image
              + ": manifest "
              + manifestDesc.digest()
              + " lists "
              + m.layers().size()
              + " layers but config "
              + config.digest()
              + " lists "
              + c.diffIds().size()
              + " diff_ids");
    }
    layers = m.layers();
    diffIds = c.diffIds();
    chainIds = ChainIds.of(diffIds);
  }

  private byte[] readBlob(Digest d, String what) throws IOException {
    try (InputStream in = u.content.open(d)) {
      return in.readAllBytes();
    } catch (NotFoundException e) {
      throw new NotFoundException("image " + image + ": " + what + " " + d + " is missing", e);
    }
  }

  private void decideMode() {
    if (opts.sequential()) {
      modeReason = "sequential unpack was requested";
    } else if (opts.maxConcurrentUnpacks() < 2) {
      modeReason = "max_concurrent_unpacks is 1";
    } else if (layers.size() < 2) {
      modeReason = "the image has " + layers.size() + " layer(s)";
    } else if (!u.snapshotter.capabilities().contains(Capability.REBASE)) {
      modeReason = "snapshotter " + u.snapshotter.name() + " cannot rebase";
    } else if (Unpacker.PARALLEL_DENY_LIST.containsAll(u.differs)) {
      modeReason = "differ " + String.join(", ", u.differs) + " cannot apply layers in parallel";
    }
    mode = modeReason.isEmpty() ? UnpackMode.PARALLEL : UnpackMode.SEQUENTIAL;
    if (mode == UnpackMode.SEQUENTIAL && layers.size() >= 2) {
      LOG.info("unpacking {} sequentially: {}", image, modeReason);
    }
  }

  private boolean isCommitted(Digest chainId) throws IOException {
    try {
      SnapshotInfo info = u.snapshotter.stat(chainId.toString());
      return info.kind() == Kind.COMMITTED;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /**
   * Removes extraction snapshots and fix-up views an unpack that died left for layer {@code i}:
   * nobody else can be using them while this run holds the chain lock.
   */
  private void removeLeftovers(int i) throws IOException {
    String chain = chainIds.get(i).toString();
    String parent = i == 0 ? "" : chainIds.get(i - 1).toString();
    List<SnapshotInfo> stale =
        u.snapshotter.walk(
            s ->
                s.kind() != Kind.COMMITTED
                    && (s.name().startsWith("extract-") && s.name().endsWith(" " + chain)
                        || !parent.isEmpty()
                            && s.name().startsWith("fixup-")
                            && s.name().endsWith(" " + parent)));
    for (SnapshotInfo s : stale) {
      u.snapshotter.remove(s.name());
      LOG.warn("removed {} left by an interrupted unpack of layer {}", s.name(), i);
    }
  }

  private void skip(int i) throws IOException {
    release(i);
    results[i] =
        new LayerResult(
            i,
            layers.get(i),
            diffIds.get(i),
            chainIds.get(i),
            LayerState.SKIPPED,
            false,
            0,
            Duration.ZERO);
    report(i, LayerState.SKIPPED);
    LOG.debug(
        "layer {} {} skipped: snapshot {} exists", i, layers.get(i).digest(), chainIds.get(i));
  }

  /** Parallel mode, in an apply task: prepares with no parent and applies. */
  private Detached applyDetached(int i, Semaphore slots) {
    try {
      slots.acquire();
      try {
        long start = System.nanoTime();
        Descriptor layer = layers.get(i);
        u.content.info(layer.digest());
        String key = extractKey(i);
        List<Mount> mounts = u.snapshotter.prepare(key, "", labels(i));
        active.add(key);
        report(i, LayerState.APPLYING);
        Descriptor applied;
        AtomicReference<Set<String>> implicitDirs = new AtomicReference<>();
        try {
          applied =
              u.applier.apply(
                  layer, mounts, applyOptions(i, true).withImplicitDirs(implicitDirs::set));
        } catch (LayerdException e) {
          if (e.kind() != ErrorKind.FAILED_PRECONDITION && e.kind() != ErrorKind.NOT_IMPLEMENTED) {
            throw e;
          }
          // Needs its lower layers (a hardlink into one, or no differ takes parallel work):
          // applied again on the parent chain when that is committed.
          removeActive(key, e);
          return new Detached(key, List.of(), null, null, start, e);
        }
        report(i, LayerState.VERIFYING);
        verify(i, applied);
        return new Detached(key, mounts, applied, implicitDirs.get(), start, null);
      } finally {
        slots.release();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LayerFailure(i, new InterruptedIOException("interrupted before applying"));
    } catch (Exception e) {
      throw new LayerFailure(i, e);
    }
  }

  private Detached await(CompletableFuture<Detached> task, CompletableFuture<Void> anyFailure)
      throws Throwable {
    try {
      CompletableFuture.anyOf(task, anyFailure).get();
    } catch (ExecutionException e) {
      throw e.getCause();
    }
    return task.join();
  }

  /** Parallel mode, in order: fixes implicit directories and rebases onto the parent chain. */
  private void commitDetached(int i, Detached d) throws IOException {
    if (d.deferral() != null) {
      LOG.info(
          "layer {} {} of {} is applied again on its parent chain: {}",
          i,
          layers.get(i).digest(),
          image,
          d.deferral().getMessage());
      applyOnParent(i, d.startNanos(), true);
      return;
    }
    String parent = i == 0 ? "" : chainIds.get(i - 1).toString();
    int fixed = 0;
    if (i > 0 && u.fixImplicitDirs) {
      fixed = ImplicitDirs.fix(u, d.mounts(), parent, layers.get(i), d.implicitDirs());
    }
    commit(i, d.key(), parent, true, d.applied(), d.startNanos(), false, fixed);
  }

  /** Prepares layer {@code i} on its parent chain, applies, verifies and commits it. */
  private void applyOnParent(int i, long start, boolean reapplied) throws IOException {
    Descriptor layer = layers.get(i);
    String parent = i == 0 ? "" : chainIds.get(i - 1).toString();
    u.content.info(layer.digest());
    String key = extractKey(i);
    List<Mount> mounts = u.snapshotter.prepare(key, parent, labels(i));
    active.add(key);
    bytesRead.set(i, 0);
    report(i, LayerState.APPLYING);
    Descriptor applied = u.applier.apply(layer, mounts, applyOptions(i, false));
    report(i, LayerState.VERIFYING);
    verify(i, applied);
    commit(i, key, parent, false, applied, start, reapplied, 0);
  }

  private void commit(
      int i,
      String key,
      String parent,
      boolean rebase,
      Descriptor applied,
      long start,
      boolean reapplied,
      int fixed)
      throws IOException {
    Digest chain = chainIds.get(i);
    Descriptor layer = layers.get(i);
    try {
      if (rebase) {
        u.snapshotter.commit(chain.toString(), key, parent, labels(i));
      } else {
        u.snapshotter.commit(chain.toString(), key, labels(i));
      }
      active.remove(key);
    } catch (AlreadyExistsException e) {
      // Committed by someone not holding our lock (another root's lock directory): theirs wins.
      removeActive(key, e);
      skip(i);
      return;
    }
    release(i);
    if (u.store != null) {
      u.store.updateLabels(
          layer.digest(), Map.of(UnpackLabels.UNCOMPRESSED, diffIds.get(i).toString()));
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    results[i] =
        new LayerResult(
            i, layer, diffIds.get(i), chain, LayerState.COMMITTED, reapplied, fixed, took);
    report(i, LayerState.COMMITTED);
    LOG.debug(
        "layer {} {} applied: {} bytes, {} uncompressed, media type {}, {} ms{}",
        i,
        layer.digest(),
        layer.size(),
        applied.size(),
        layer.mediaType(),
        took.toMillis(),
        fixed > 0 ? ", " + fixed + " implicit directories fixed" : "");
  }

  private void verify(int i, Descriptor applied) {
    Digest want = diffIds.get(i);
    if (!want.equals(applied.digest())) {
      throw new DiffIdMismatchException(i, layers.get(i).digest(), want, applied.digest());
    }
  }

  private ApplyOptions applyOptions(int i, boolean parallel) {
    return ApplyOptions.defaults()
        .withParallel(parallel)
        .withSyncFs(opts.syncFs())
        .withProgress(
            n -> {
              bytesRead.set(i, n);
              report(i, LayerState.APPLYING);
            });
  }

  private Map<String, String> labels(int i) {
    Map<String, String> l = new HashMap<>();
    l.put(UnpackLabels.SNAPSHOT_REF, chainIds.get(i).toString());
    l.put(UnpackLabels.DIFF_ID, diffIds.get(i).toString());
    if (i > 0) {
      l.put(UnpackLabels.PARENT_CHAIN_ID, chainIds.get(i - 1).toString());
    }
    return l;
  }

  private String extractKey(int i) {
    long unique = System.nanoTime() ^ ThreadLocalRandom.current().nextLong();
    return "extract-" + Long.toUnsignedString(unique, 36) + " " + chainIds.get(i);
  }

  private void report(int i, LayerState state) {
    opts.progress().update(new LayerProgress(i, layers.get(i), state, bytesRead.get(i)));
  }

  private List<Digest> discard() throws IOException {
    Set<Digest> digests = new LinkedHashSet<>();
    for (Descriptor l : layers) {
      digests.add(l.digest());
    }
    List<Digest> out = new ArrayList<>();
    for (Digest d : digests) {
      if (u.store.exists(d) && !u.blobInUse.test(d)) {
        u.store.delete(d);
        out.add(d);
        LOG.debug("discarded layer blob {} of {}", d, image);
      }
    }
    return out;
  }

  private void removeActive(String key, Throwable failure) {
    try {
      u.snapshotter.remove(key);
      active.remove(key);
    } catch (IOException | RuntimeException c) {
      failure.addSuppressed(c);
    }
  }

  private UnpackException abort(
      Throwable e, int current, ExecutorService exec, List<CompletableFuture<Detached>> tasks) {
    int index = Math.min(current, layers.size() - 1);
    Throwable cause = e;
    if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
      cause = e.getCause();
    }
    if (cause instanceof LayerFailure lf) {
      index = lf.index;
      cause = lf.getCause();
    }
    boolean interrupted = Thread.interrupted();
    if (exec != null) {
      exec.shutdownNow();
      while (true) {
        try {
          if (exec.awaitTermination(1, TimeUnit.MINUTES)) {
            break;
          }
        } catch (InterruptedException ie) {
          interrupted = true;
        }
      }
      for (CompletableFuture<Detached> t : tasks) {
        if (t != null && t.isCompletedExceptionally()) {
          Throwable other = t.exceptionNow();
          Throwable root = other instanceof LayerFailure lf ? lf.getCause() : other;
          if (root != cause && !(root instanceof InterruptedIOException)) {
            cause.addSuppressed(root);
          }
        }
      }
    }
    for (String key : List.copyOf(active)) {
      removeActive(key, cause);
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return new UnpackException(image, index, layers.get(index).digest(), cause);
  }

  /** Releases the lock of layer {@code i}: others now find its chain ID committed. */
  private void release(int i) throws IOException {
    ChainLocks.Held h = held[i];
    held[i] = null;
    if (h != null) {
      h.close();
    }
  }

  private void releaseLocks() throws IOException {
    IOException failure = null;
    for (int i = held.length - 1; i >= 0; i--) {
      try {
        release(i);
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
