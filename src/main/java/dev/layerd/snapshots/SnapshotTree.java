package dev.layerd.snapshots;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders parent links as an indented tree, one line per snapshot, roots first and children
 * below their parent:
 *
 * <pre>
 * sha256:aaa
 *   sha256:bbb
 *     extract-7 sha256:ccc [active]
 * </pre>
 *
 * Committed snapshots show their name alone; others add their kind. A snapshot whose parent is
 * not in the list is shown as a root.
 */
public final class SnapshotTree {
  private SnapshotTree() {}

  /** The lines of the tree of {@code snapshots} (as {@link Snapshotter#walk} returns them). */
  public static List<String> render(List<SnapshotInfo> snapshots) {
    Map<String, SnapshotInfo> byName = new LinkedHashMap<>();
    for (SnapshotInfo s : snapshots) {
      byName.put(s.name(), s);
    }
    Map<String, List<SnapshotInfo>> children = new HashMap<>();
    List<SnapshotInfo> roots = new ArrayList<>();
    for (SnapshotInfo s : snapshots) {
      if (byName.containsKey(s.parent())) {
        children.computeIfAbsent(s.parent(), k -> new ArrayList<>()).add(s);
      } else {
        roots.add(s);
      }
    }
    List<String> out = new ArrayList<>();
    Comparator<SnapshotInfo> order = Comparator.comparing(SnapshotInfo::name);
    roots.sort(order);
    // Iterative depth-first walk: chains can be hundreds of layers deep.
    record Item(SnapshotInfo s, int depth) {}
    List<Item> stack = new ArrayList<>();
    for (int i = roots.size() - 1; i >= 0; i--) {
      stack.add(new Item(roots.get(i), 0));
    }
    while (!stack.isEmpty()) {
      Item it = stack.removeLast();
      String kind =
          switch (it.s().kind()) {
            case COMMITTED -> "";
            case ACTIVE -> " [active]";
            case VIEW -> " [view]";
          };
      out.add("  ".repeat(it.depth()) + it.s().name() + kind);
      List<SnapshotInfo> kids = new ArrayList<>(children.getOrDefault(it.s().name(), List.of()));
      kids.sort(order.reversed());
      for (SnapshotInfo k : kids) {
        stack.add(new Item(k, it.depth() + 1));
      }
    }
    return out;
  }
}
