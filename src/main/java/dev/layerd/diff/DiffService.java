package dev.layerd.diff;

import dev.layerd.content.ContentStore;
import dev.layerd.content.Provider;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotImplementedException;
import dev.layerd.mount.Mount;
import dev.layerd.oci.Descriptor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured differs, tried in order. {@link #apply} hands the request, options unchanged
 * ({@code parallel} included), to each differ in turn and moves to the next only when one answers
 * "not implemented"; any other failure ends the attempt. When every differ declines, the
 * {@link NotImplementedException} lists each one's reason. {@link #compare} does the same over the
 * comparers. Thread-safe when the differs are.
 */
public final class DiffService implements Applier, Comparer {
  /** The default differ order on Linux. */
  public static final List<String> DEFAULT_ORDER = List.of(Differs.WALKING, Differs.OVERLAY);

  private static final Logger LOG = LoggerFactory.getLogger(DiffService.class);

  private final List<Applier> differs;
  private final List<Comparer> comparers;
  private final boolean syncFs;

  /**
   * A service over {@code differs}, tried in list order, and {@code comparers}, likewise. Names
   * must be unique; at least one differ is required.
   */
  public DiffService(List<Applier> differs, List<Comparer> comparers) {
    this(differs, comparers, false);
  }

  private DiffService(List<Applier> differs, List<Comparer> comparers, boolean syncFs) {
    this.differs = List.copyOf(differs);
    this.comparers = List.copyOf(comparers);
    this.syncFs = syncFs;
    if (this.differs.isEmpty()) {
      throw new InvalidArgumentException("diff service needs at least one differ");
    }
    Set<String> seen = new HashSet<>();
    for (Applier a : this.differs) {
      if (!seen.add(a.name())) {
        throw new InvalidArgumentException("differ " + a.name() + " is configured twice");
      }
    }
  }

  /**
   * A service over the differs named in {@code order}, picked from {@code available} (name to
   * differ); an unknown name is {@link InvalidArgumentException} naming it and the known ones.
   */
  public static DiffService of(Map<String, Applier> available, List<String> order) {
    List<Applier> chosen = new ArrayList<>();
    for (String name : order) {
      Applier a = available.get(name);
      if (a == null) {
        throw new InvalidArgumentException(
            "unknown differ " + name + " in diff service order " + order
                + " (known: " + String.join(", ", available.keySet().stream().sorted().toList())
                + ")");
      }
      chosen.add(a);
    }
    return new DiffService(chosen, List.of());
  }

  /**
   * The shipped differs ({@link Differs}) in {@code order}, reading through {@code provider}.
   * When the provider is a whole {@link ContentStore}, the walking comparer writing into it is
   * included, as with {@link #create(ContentStore, DifferOptions, List)}.
   */
  public static DiffService create(Provider provider, DifferOptions options, List<String> order) {
    if (provider instanceof ContentStore store) {
      return create(store, options, order);
    }
    List<Applier> chosen = new ArrayList<>();
    for (String name : order) {
      chosen.add(Differs.named(name, provider, options));
    }
    return new DiffService(chosen, List.of());
  }

  /**
   * The shipped differs in {@code order}, reading through {@code store}, and the walking comparer
   * ({@link Differs#walkingComparer}) writing computed diffs into {@code store}.
   */
  public static DiffService create(ContentStore store, DifferOptions options, List<String> order) {
    List<Applier> chosen = new ArrayList<>();
    for (String name : order) {
      chosen.add(Differs.named(name, store, options));
    }
    return new DiffService(chosen, List.of(Differs.walkingComparer(store, options)));
  }

  /**
   * This service, syncing the target filesystem after every applied layer when {@code always}
   * (the diff service's {@code sync_fs} setting); otherwise each request's {@code syncFs} decides.
   */
  public DiffService withSyncFs(boolean always) {
    return new DiffService(differs, comparers, always);
  }

  /** The differ names in the order they are tried. */
  public List<String> order() {
    return differs.stream().map(Applier::name).toList();
  }

  @Override
  public String name() {
    return "diff-service";
  }

  @Override
  public Descriptor apply(Descriptor layer, List<Mount> mounts, ApplyOptions options)
      throws IOException {
    return apply(layer, mounts, options, name -> {});
  }

  /** Names the differ that took the layer; nothing when all declined. */
  @Override
  public Descriptor apply(
      Descriptor layer, List<Mount> mounts, ApplyOptions options, Consumer<String> taken)
      throws IOException {
    ApplyOptions effective = syncFs ? options.withSyncFs(true) : options;
    List<NotImplementedException> declined = new ArrayList<>();
    for (Applier differ : differs) {
      long start = System.nanoTime();
      Descriptor applied;
      try {
        applied = differ.apply(layer, mounts, effective);
      } catch (NotImplementedException e) {
        LOG.debug("differ {} declined layer {}: {}", differ.name(), layer.digest(), e.getMessage());
        declined.add(e);
        continue;
      } catch (IOException | RuntimeException | Error e) {
        taken.accept(differ.name());
        throw e;
      }
      taken.accept(differ.name());
      LOG.debug(
          "differ {} applied layer {} ({} bytes, {} bytes uncompressed, diffID {}) in {} ms",
          differ.name(),
          layer.digest(),
          layer.size(),
          applied.size(),
          applied.digest(),
          (System.nanoTime() - start) / 1_000_000);
      return applied;
    }
    throw allDeclined("no differ could apply layer " + layer.digest(), declined, order());
  }

  @Override
  public Descriptor compare(List<Mount> lower, List<Mount> upper, DiffOptions options)
      throws IOException {
    List<NotImplementedException> declined = new ArrayList<>();
    for (Comparer comparer : comparers) {
      try {
        return comparer.compare(lower, upper, options);
      } catch (NotImplementedException e) {
        declined.add(e);
      }
    }
    if (comparers.isEmpty()) {
      throw new NotImplementedException("diff service has no comparer to compute a diff with");
    }
    List<String> names = comparers.stream().map(c -> c.getClass().getSimpleName()).toList();
    throw allDeclined("no comparer could compute the diff", declined, names);
  }

  private static NotImplementedException allDeclined(
      String what, List<NotImplementedException> declined, List<String> names) {
    StringBuilder msg = new StringBuilder(what).append(": ");
    for (int i = 0; i < declined.size(); i++) {
      msg.append(i == 0 ? "" : "; ").append(names.get(i)).append(": ");
      msg.append(declined.get(i).getMessage());
    }
    NotImplementedException e = new NotImplementedException(msg.toString(), declined.getFirst());
    for (int i = 1; i < declined.size(); i++) {
      e.addSuppressed(declined.get(i));
    }
    return e;
  }
}
