package dev.layerd.snapshots;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotTreeTest {
  private static SnapshotInfo info(String name, String parent, Kind kind) {
    return new SnapshotInfo(name, parent, kind, Map.of(), null, null);
  }

  @Test
  void rendersBranchesUnderTheirParents() {
    List<SnapshotInfo> walk =
        List.of(
            info("a", "", Kind.COMMITTED),
            info("z", "", Kind.COMMITTED),
            info("b", "a", Kind.COMMITTED),
            info("v", "a", Kind.VIEW),
            info("k", "b", Kind.ACTIVE));

    assertThat(SnapshotTree.render(walk))
        .containsExactly("a", "  b", "    k [active]", "  v [view]", "z");
  }

  @Test
  void orphanIsShownAsRoot() {
    assertThat(SnapshotTree.render(List.of(info("c", "gone", Kind.COMMITTED))))
        .containsExactly("c");
  }

  @Test
  void deepChainDoesNotOverflow() {
    List<SnapshotInfo> chain = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      chain.add(info("l" + i, i == 0 ? "" : "l" + (i - 1), Kind.COMMITTED));
    }

    List<String> lines = SnapshotTree.render(chain);

    assertThat(lines).hasSize(20_000);
    assertThat(lines.getLast()).isEqualTo("  ".repeat(19_999) + "l19999");
  }
}
