package dev.layerd.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
  private static final String DIFF = "[plugins.\"io.containerd.service.v1.diff-service\"]\n";
  private static final String TRANSFER = "[plugins.\"io.containerd.transfer.v1.local\"]\n";

  private static String versioned(int version, String body) {
    return (version == 0 ? "" : "version = " + version + "\n") + body;
  }

  private static LoadedConfig parse(String toml) {
    return ConfigLoader.parse(toml, "test.toml");
  }

  private static List<String> order(LoadedConfig c) {
    return c.config().diffService().defaultOrder();
  }

  @Test
  void defaultsRoundTripThroughToml() {
    String toml = ConfigWriter.toToml(Config.defaults());

    LoadedConfig loaded = parse(toml);

    assertThat(loaded.config()).isEqualTo(Config.defaults());
    assertThat(loaded.warnings()).isEmpty();
    assertThat(loaded.deprecations()).isEmpty();
    assertThat(loaded.migratedFrom()).isEmpty();
    assertThat(toml).startsWith("version = 4\nroot = \"/var/lib/layerd\"\n");
  }

  @Test
  void everySectionRoundTrips() {
    Config c =
        new Config(
            4,
            Path.of("/home/u/.local/share/layerd"),
            new DiffServiceConfig(List.of("overlay", "walking"), true),
            new TransferConfig(
                7,
                2,
                List.of(
                    new UnpackConfig("linux/amd64", "overlayfs", "overlay"),
                    new UnpackConfig("linux/arm64/v8", "native", "")),
                true),
            new OverlayfsConfig("/srv/snap \"quoted\"", true, List.of("userxattr")),
            new NativeConfig("/srv/native"));

    LoadedConfig loaded = parse(ConfigWriter.toToml(c));

    assertThat(loaded.config()).isEqualTo(c);
    assertThat(loaded.warnings()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  void migratesWalkingAloneByAddingOverlay(int version) {
    LoadedConfig c = parse(versioned(version, DIFF + "default = [\"walking\"]\n"));

    assertThat(order(c)).containsExactly("walking", "overlay");
    assertThat(c.config().version()).isEqualTo(4);
    assertThat(c.migratedFrom()).isEqualTo(OptionalInt.of(version == 0 ? 1 : version));
    assertThat(c.deprecations()).containsExactly(Deprecation.WALKING_DIFFER);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void leavesOrderAloneWhenOverlayIsAlreadyNamed(int version) {
    assertThat(order(parse(versioned(version, DIFF + "default = [\"walking\", \"overlay\"]\n"))))
        .containsExactly("walking", "overlay");
    assertThat(order(parse(versioned(version, DIFF + "default = [\"overlay\", \"walking\"]\n"))))
        .containsExactly("overlay", "walking");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void insertsOverlayRightAfterWalkingWhereverItIs(int version) {
    assertThat(order(parse(versioned(version, DIFF + "default = [\"proxy\", \"walking\"]\n"))))
        .containsExactly("proxy", "walking", "overlay");
    assertThat(order(parse(versioned(version, DIFF + "default = [\"walking\", \"proxy\"]\n"))))
        .containsExactly("walking", "overlay", "proxy");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void leavesOrderWithoutWalkingAlone(int version) {
    LoadedConfig c = parse(versioned(version, DIFF + "default = [\"proxy\"]\n"));

    assertThat(order(c)).containsExactly("proxy");
    assertThat(c.deprecations()).isEmpty();
    assertThat(c.migratedFrom()).isEqualTo(OptionalInt.of(version));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void migratesFilesWithoutTheKeyOrTheSections(int version) {
    LoadedConfig noKey = parse(versioned(version, DIFF + "sync_fs = true\n"));
    LoadedConfig noSection = parse(versioned(version, "root = \"/srv/layerd\"\n"));

    assertThat(order(noKey)).isEqualTo(DiffServiceConfig.DEFAULT_ORDER);
    assertThat(noKey.config().diffService().syncFs()).isTrue();
    assertThat(noKey.deprecations()).isEmpty();
    assertThat(noSection.config()).isEqualTo(Config.defaults().withRoot(Path.of("/srv/layerd")));
    assertThat(noSection.migratedFrom()).isEqualTo(OptionalInt.of(version));
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 5})
  void neverTouchesCurrentOrNewerVersions(int version) {
    String toml = versioned(version, DIFF + "default = [\"walking\"]\n");

    LoadedConfig c = parse(toml);

    assertThat(order(c)).containsExactly("walking");
    assertThat(c.config().version()).isEqualTo(version);
    assertThat(c.migratedFrom()).isEmpty();
    assertThat(c.deprecations()).containsExactly(Deprecation.WALKING_DIFFER);
    assertThat(ConfigLoader.migrate(toml)).isEqualTo(toml);
  }

  @Test
  void warnsAboutANewerVersion() {
    assertThat(parse("version = 5\n").warnings())
        .singleElement()
        .satisfies(w -> assertThat(w.key()).isEqualTo("version"));
  }

  @Test
  void reportsUnknownKeysWithTheirDottedPath() {
    String toml =
        "version = 4\nfoo = 1\n"
            + TRANSFER
            + "max_concurent_unpacks = 8\n"
            + "[[plugins.\"io.containerd.transfer.v1.local\".unpack_config]]\n"
            + "platform = \"linux/amd64\"\nsnapshotter = \"overlayfs\"\ncolour = \"red\"\n"
            + "[plugins.\"io.containerd.grpc.v1.cri\"]\nx = 1\n";

    LoadedConfig c = parse(toml);

    assertThat(c.warnings())
        .extracting(ConfigWarning::key)
        .containsExactlyInAnyOrder(
            "foo",
            "plugins.\"io.containerd.transfer.v1.local\".max_concurent_unpacks",
            "plugins.\"io.containerd.transfer.v1.local\".unpack_config[0].colour",
            "plugins.\"io.containerd.grpc.v1.cri\"");
    assertThat(c.config().transfer().unpackConfig())
        .containsExactly(new UnpackConfig("linux/amd64", "overlayfs", ""));
  }

  @Test
  void namesTheKeyOnATypeError() {
    String four = "version = 4\n" + TRANSFER + "max_concurrent_unpacks = \"four\"\n";
    assertThatThrownBy(() -> parse(four))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.key())
                  .isEqualTo("plugins.\"io.containerd.transfer.v1.local\".max_concurrent_unpacks");
              assertThat(e.source()).isEqualTo("test.toml");
            })
        .hasMessageContaining("must be an integer, got string four");
    assertThatThrownBy(() -> parse("version = 4\n" + DIFF + "sync_fs = \"yes\"\n"))
        .hasMessageContaining("sync_fs: must be a boolean");
    assertThatThrownBy(() -> parse("version = 2\n" + DIFF + "default = \"walking\"\n"))
        .hasMessageContaining("default: must be an array of strings");
    assertThatThrownBy(() -> parse("version = \"4\"\n")).hasMessageContaining("key version");
    assertThatThrownBy(() -> parse("plugins = 3\n")).hasMessageContaining("must be a table");
  }

  @Test
  void rejectsInvalidValuesNamingTheKey() {
    assertThatThrownBy(() -> parse("version = 4\n" + TRANSFER + "max_concurrent_downloads = 0\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max_concurrent_downloads: must be 1 or more");
    assertThatThrownBy(() -> parse("version = 4\n" + DIFF + "default = []\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("default");
    assertThatThrownBy(() -> parse("version = 4\nroot = \"relative\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("absolute");
    assertThatThrownBy(
            () ->
                parse(
                    "version = 4\n[[plugins.\"io.containerd.transfer.v1.local\".unpack_config]]\n"
                        + "snapshotter = \"overlayfs\"\n"))
        .hasMessageContaining("unpack_config[0].platform");
  }

  @Test
  void rejectsInvalidToml() {
    assertThatThrownBy(() -> parse("version = = 4\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("invalid TOML");
  }

  @Test
  void migrateKeepsTheRestOfTheFile() {
    String v2 =
        "version = 2\nroot = \"/srv/layerd\"\nfoo = \"kept\"\n"
            + DIFF
            + "default = [\"walking\"]\nsync_fs = true\n"
            + "[plugins.\"io.containerd.grpc.v1.cri\"]\nsandbox = \"pause:3.9\"\n";

    String migrated = ConfigLoader.migrate(v2);

    assertThat(migrated).startsWith("version = 4\n");
    assertThat(migrated).contains("foo = \"kept\"", "sandbox = \"pause:3.9\"");
    LoadedConfig c = parse(migrated);
    assertThat(c.migratedFrom()).isEmpty();
    assertThat(order(c)).containsExactly("walking", "overlay");
    assertThat(c.config().diffService().syncFs()).isTrue();
    assertThat(c.config().root()).isEqualTo(Path.of("/srv/layerd"));
    assertThat(c.warnings()).extracting(ConfigWarning::key).contains("foo");
  }

  @Test
  void migrateWritesArraysOfTablesAndOtherSectionsBack() {
    String v3 =
        "version = 3\n"
            + DIFF
            + "default = [\"walking\"]\n"
            + "[[plugins.\"io.containerd.transfer.v1.local\".unpack_config]]\n"
            + "platform = \"linux/amd64\"\nsnapshotter = \"overlayfs\"\ndiffer = \"walking\"\n"
            + "[proxy_plugins.mine]\ntype = \"diff\"\naddress = \"/run/x.sock\"\n";

    String migrated = ConfigLoader.migrate(v3);

    assertThat(migrated)
        .isEqualTo(
            "version = 4\n\n"
                + DIFF
                + "default = [\"walking\", \"overlay\"]\n\n"
                + "[[plugins.\"io.containerd.transfer.v1.local\".unpack_config]]\n"
                + "platform = \"linux/amd64\"\nsnapshotter = \"overlayfs\"\n"
                + "differ = \"walking\"\n\n"
                + "[proxy_plugins.mine]\ntype = \"diff\"\naddress = \"/run/x.sock\"\n");
    assertThat(parse(migrated).config().transfer().unpackConfig())
        .containsExactly(new UnpackConfig("linux/amd64", "overlayfs", "walking"));
  }

  @Test
  void migrateAddsTheVersionToAFileWithout() {
    String migrated = ConfigLoader.migrate(DIFF + "default = [\"walking\"]\n");

    assertThat(migrated)
        .isEqualTo(
            "version = 4\n\n"
                + DIFF
                + "default = [\"walking\", \"overlay\"]\n");
  }

  @Test
  void loadsFilesAndFallsBackToDefaultsOnlyWhenAsked(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("config.toml");
    Files.writeString(file, "version = 4\n" + TRANSFER + "max_concurrent_unpacks = 1\n");

    assertThat(ConfigLoader.load(file).config().transfer().maxConcurrentUnpacks()).isEqualTo(1);
    assertThat(ConfigLoader.loadOrDefaults(dir.resolve("none.toml")).config())
        .isEqualTo(Config.defaults());
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("none.toml")))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void listsKnownDeprecations() {
    assertThat(Deprecation.known())
        .extracting(Deprecation::id)
        .containsExactly("dev.layerd.deprecation/walking-differ");
  }

  @Test
  void defaultsAreDocumentedValues() {
    Config d = Config.defaults();

    assertThat(d.version()).isEqualTo(Config.CURRENT_VERSION).isEqualTo(4);
    assertThat(d.root()).isEqualTo(Path.of("/var/lib/layerd"));
    assertThat(d.diffService().defaultOrder()).containsExactly("walking", "overlay");
    assertThat(d.transfer().maxConcurrentDownloads()).isEqualTo(3);
    assertThat(d.transfer().maxConcurrentUnpacks()).isEqualTo(4);
    assertThat(d.overlayfs().resolveRootPath(d.root()))
        .isEqualTo(Path.of("/var/lib/layerd/snapshots/overlayfs"));
  }
}
