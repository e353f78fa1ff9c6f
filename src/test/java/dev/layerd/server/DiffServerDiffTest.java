package dev.layerd.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.layerd.archive.ArchiveOptions;
import dev.layerd.archive.Archives;
import dev.layerd.archive.WhiteoutMode;
import dev.layerd.content.ContentLabels;
import dev.layerd.content.ContentStore;
import dev.layerd.content.ContentStores;
import dev.layerd.content.Provider;
import dev.layerd.diff.DiffService;
import dev.layerd.diff.DifferOptions;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.oci.Digest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.server.proto.diff.v1.DiffGrpc;
import dev.layerd.server.proto.diff.v1.DiffRequest;
import dev.layerd.server.proto.diff.v1.DiffResponse;
import dev.layerd.testing.RequiresRoot;
import dev.layerd.testing.TreeDescription;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Diff over gRPC, computed by the walking comparer into layerd's own store. */
@RequiresRoot
class DiffServerDiffTest {
  @TempDir Path dir;

  private static dev.layerd.server.proto.types.Mount bind(Path p) {
    return dev.layerd.server.proto.types.Mount.newBuilder()
        .setType("bind").setSource(p.toString()).addOptions("rbind").addOptions("ro").build();
  }

  private static void lowerTree(Path root) throws IOException {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/hostname"), "lower\n");
    Files.writeString(root.resolve("etc/motd"), "hello\n");
    Files.setLastModifiedTime(root.resolve("etc/hostname"), FileTime.from(Instant.EPOCH));
    Files.setLastModifiedTime(root.resolve("etc/motd"), FileTime.from(Instant.EPOCH));
    Files.setLastModifiedTime(root.resolve("etc"), FileTime.from(Instant.EPOCH));
  }

  private interface Starter {
    DiffServer start(ServeOptions options, ContentStore store, DifferOptions differs)
        throws IOException;
  }

  @Test
  void diffIsWrittenIntoTheStoreChosenAtStartAndReapplies() throws Exception {
    diffIsWrittenIntoTheLocalStoreAndReapplies((options, store, differs) -> DiffServer.start(
        options, content -> DiffService.create(content, differs, DiffService.DEFAULT_ORDER),
        store));
  }

  @Test
  void diffIsServedByAnApplierThatIsAlsoAComparer() throws Exception {
    // as the serve command starts it: a diff service over the store seen as a provider
    diffIsWrittenIntoTheLocalStoreAndReapplies((options, store, differs) -> DiffServer.start(
        options, DiffService.create((Provider) store, differs, DiffService.DEFAULT_ORDER), null));
  }

  private void diffIsWrittenIntoTheLocalStoreAndReapplies(Starter starter) throws Exception {
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Path upper = Files.createDirectories(dir.resolve("upper"));
    lowerTree(lower);
    lowerTree(upper);
    Files.writeString(upper.resolve("etc/hostname"), "upper\n");
    Files.delete(upper.resolve("etc/motd"));
    Files.createDirectories(upper.resolve("srv"));
    Files.writeString(upper.resolve("srv/index.html"), "<p>hi</p>\n");

    try (MetadataDatabase db = MetadataDatabase.open(dir.resolve("root/metadata.db"))) {
      ContentStore store = ContentStores.open(dir.resolve("root"), db);
      DifferOptions differs = DifferOptions.defaults().withMountRoot(dir.resolve("root/tmp"));
      try (DiffServer server = starter.start(
              ServeOptions.builder().socket(dir.resolve("layerd.sock")).build(), store, differs);
          UnixChannels.Client client = UnixChannels.connect(server.socket())) {
        DiffGrpc.DiffBlockingStub stub = DiffGrpc.newBlockingStub(client.channel());
        DiffRequest request = DiffRequest.newBuilder()
            .addLeft(bind(lower)).addRight(bind(upper))
            .setMediaType(MediaTypes.OCI_LAYER_GZIP)
            .putLabels("made-by", "test")
            .setSourceDateEpoch(Timestamp.newBuilder().setSeconds(1_000_000_000))
            .build();

        DiffResponse response = stub.diff(request);

        Digest digest = Digest.parse(response.getDiff().getDigest());
        assertThat(response.getDiff().getMediaType()).isEqualTo(MediaTypes.OCI_LAYER_GZIP);
        assertThat(store.info(digest).size()).isEqualTo(response.getDiff().getSize());
        assertThat(store.info(digest).labels())
            .containsEntry("made-by", "test")
            .containsKey(ContentLabels.UNCOMPRESSED);
        Path check = Files.createDirectories(dir.resolve("check"));
        lowerTree(check);
        try (InputStream in = store.open(digest)) {
          Archives.apply(check, in,
              ArchiveOptions.builder().whiteoutMode(WhiteoutMode.DELETE).build());
        }
        assertThat(Files.getLastModifiedTime(check.resolve("srv/index.html")).toInstant())
            .isEqualTo(Instant.ofEpochSecond(1_000_000_000));
        assertThat(check.resolve("etc/motd")).doesNotExist();
        Files.setLastModifiedTime(check.resolve("srv/index.html"),
            Files.getLastModifiedTime(upper.resolve("srv/index.html")));
        Files.setLastModifiedTime(check.resolve("srv"),
            Files.getLastModifiedTime(upper.resolve("srv")));
        Files.setLastModifiedTime(check.resolve("etc"),
            Files.getLastModifiedTime(upper.resolve("etc")));
        Files.setLastModifiedTime(check.resolve("etc/hostname"),
            Files.getLastModifiedTime(upper.resolve("etc/hostname")));
        assertThat(TreeDescription.describe(check)).isEqualTo(TreeDescription.describe(upper));

        assertThat(stub.diff(request).getDiff()).isEqualTo(response.getDiff());
      }
    }
  }
}
