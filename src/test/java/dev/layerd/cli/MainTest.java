package dev.layerd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.layerd.api.Layerd;
import dev.layerd.oci.Json;
import dev.layerd.testing.OciLayouts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine.Command;

class MainTest {
  @TempDir Path tmp;

  private record Result(int code, String out, String err) {}

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all =
        new ArrayList<>(
            List.of("--root", tmp.resolve("root").toString(), "--config", config().toString()));
    all.addAll(List.of(args));
    int code =
        Main.run(
            all.toArray(String[]::new),
            new PrintWriter(out),
            new PrintWriter(err),
            Layerd::open,
            false);
    return new Result(code, out.toString(), err.toString());
  }

  private Path config() {
    Path c = tmp.resolve("config.toml");
    try {
      if (!Files.exists(c)) {
        Files.writeString(c, "version = 4\n");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return c;
  }

  private Path layout() throws Exception {
    Path dir = tmp.resolve("layout");
    OciLayouts.write(
        dir, "v1", List.of(OciLayouts.simpleLayer("a", "1"), OciLayouts.simpleLayer("b", "2")));
    return dir;
  }

  @Test
  void importsAndListsImagesAsJson() throws Exception {
    Result imp = run("image", "import", layout().toString(), "--name", "example.com/app:v1");
    assertThat(imp.code()).as(imp.err()).isZero();

    Result ls = run("image", "ls", "--json");

    assertThat(ls.code()).isZero();
    JsonNode images = Json.mapper().readTree(ls.out());
    assertThat(images.isArray()).isTrue();
    assertThat(images.get(0).get("name").asText()).isEqualTo("example.com/app:v1");
    assertThat(images.get(0).get("digest").asText()).startsWith("sha256:");
    JsonNode content = Json.mapper().readTree(run("content", "ls", "--json").out());
    assertThat(content.size()).isEqualTo(4);
  }

  @Test
  void listsAsTableWithoutJson() throws Exception {
    run("image", "import", layout().toString(), "--name", "app:v1");

    Result ls = run("image", "ls");

    assertThat(ls.out()).startsWith("NAME").contains("app:v1");
  }

  @Test
  void exitsTwoOnUsageErrors() {
    assertThat(run().code()).isEqualTo(2);
    assertThat(run("unpack").code()).isEqualTo(2);
    assertThat(run("image", "frobnicate").code()).isEqualTo(2);
    assertThat(run("unpack", "x", "--max-concurrent-unpacks", "many").code()).isEqualTo(2);
    assertThat(run("unpack", "x", "--max-concurrent-unpacks", "-1").code()).isEqualTo(2);
  }

  @Test
  void exitsOneWithTheImageNamedOnFailure() {
    Result r = run("unpack", "no-such-image");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("layerd: ").contains("no-such-image");
  }

  @Test
  void removesImagesAndPrunesTheirBlobs() throws Exception {
    run("image", "import", layout().toString(), "--name", "app:v1");
    assertThat(run("image", "rm", "app:v1").code()).isZero();

    Result prune = run("prune", "--json");

    assertThat(prune.code()).as(prune.err()).isZero();
    JsonNode p = Json.mapper().readTree(prune.out());
    assertThat(p.get("blobs").size()).isEqualTo(4);
    assertThat(Json.mapper().readTree(run("content", "ls", "--json").out()).size()).isZero();
  }

  @Test
  void printsDefaultConfigAndDeprecationsAsJson() throws Exception {
    Result def = run("config", "default");
    assertThat(def.code()).isZero();
    assertThat(def.out()).contains("version = 4", "max_concurrent_unpacks");

    Result dep = run("deprecations", "--all", "--json");
    assertThat(dep.code()).isZero();
    assertThat(Json.mapper().readTree(dep.out()).isArray()).isTrue();
  }

  @Test
  void migratesAnOldConfigThatNamesWalking() throws Exception {
    Path old = tmp.resolve("old.toml");
    Files.writeString(
        old,
        "version = 3\n[plugins.\"io.containerd.service.v1.diff-service\"]\n"
            + "default = [\"walking\"]\n");

    Result r = run("config", "migrate", old.toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("version = 4").containsPattern("walking\"\\s*,\\s*\"overlay");
  }

  @Test
  void offersServeWithItsOptions() {
    Result r = run("serve", "--help");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--address", "--containerd-address", "--metrics-address");
    assertThat(run("serve", "--max-concurrent", "x").code()).isEqualTo(2);
  }

  @Test
  void helpListsEveryCommandAndAnUnknownOneIsAUsageError() {
    Result help = run("--help");
    Result unknown = run("unpak", "x");

    assertThat(help.code()).isZero();
    for (Class<?> c : RootCommand.SUBCOMMANDS) {
      String name = c.getAnnotation(Command.class).name();
      assertThat(help.out()).containsPattern("(?m)^\\s+" + name + "\\s");
    }
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unpak");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "unpack x|unpack",
        "--root /r image ls|image",
        "--root=/r --log-level debug snapshot tree|snapshot",
        "--config c.toml --log-level=info prune|prune",
        "--root unpack|*",
        "-h unpack|*",
        "--version|*",
        "unpak x|*",
        "|*",
      })
  void addsOnlyTheSubcommandTheArgumentsName(String args, String want) {
    String[] a = args == null ? new String[0] : args.split(" ");
    List<String> names =
        RootCommand.subcommandsFor(a).stream()
            .map(c -> c.getAnnotation(Command.class).name())
            .toList();

    if (want.equals("*")) {
      assertThat(names).hasSize(RootCommand.SUBCOMMANDS.size());
    } else {
      assertThat(names).containsExactly(want);
    }
  }
}
