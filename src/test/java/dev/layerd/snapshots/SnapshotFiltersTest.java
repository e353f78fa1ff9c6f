package dev.layerd.snapshots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.InvalidArgumentException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotFiltersTest {
  private static final SnapshotInfo LAYER =
      new SnapshotInfo(
          "sha256:abc",
          "sha256:parent",
          Kind.COMMITTED,
          Map.of("containerd.io/snapshot.ref", "sha256:abc", "plain", "v, with comma"),
          null,
          null);

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "kind==committed|true",
        "kind==COMMITTED|true",
        "kind==active|false",
        "kind!=active|true",
        "name==sha256:abc|true",
        "name~=^sha256:a|true",
        "name~=^abc|false",
        "parent==sha256:parent|true",
        "parent==|false",
        "labels.\"containerd.io/snapshot.ref\"==sha256:abc|true",
        "labels.\"containerd.io/snapshot.ref\"|true",
        "labels.missing|false",
        "labels.plain==\"v, with comma\"|true",
        "kind==committed,parent==sha256:parent|true",
        "kind==committed, name==other|false",
        "name == sha256:abc|true"
      })
  void matchesContainerdStyleFilters(String filter, boolean matches) {
    assertThat(SnapshotFilters.parse(filter).test(LAYER)).isEqualTo(matches);
  }

  @ParameterizedTest
  @ValueSource(strings = {"size==3", "labels", "name==x,", "name~=(", "labels.\"open==x", ""})
  void rejectsMalformedFilters(String filter) {
    assertThatThrownBy(() -> SnapshotFilters.parse(filter))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("filter");
  }

  @org.junit.jupiter.api.Test
  void severalFiltersMatchWhenAnyDoes() {
    assertThat(SnapshotFilters.parse("kind==view", "name==sha256:abc").test(LAYER)).isTrue();
    assertThat(SnapshotFilters.parse("kind==view", "name==x").test(LAYER)).isFalse();
    assertThat(SnapshotFilters.parse().test(LAYER)).isTrue();
    assertThat(List.of(LAYER).stream().filter(SnapshotFilters.parse("kind==view"))).isEmpty();
  }
}
