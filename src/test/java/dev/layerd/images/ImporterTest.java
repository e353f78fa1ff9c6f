package dev.layerd.images;

import static dev.layerd.images.TestImages.dockerArchive;
import static dev.layerd.images.TestImages.gzip;
import static dev.layerd.images.TestImages.image;
import static dev.layerd.images.TestImages.index;
import static dev.layerd.images.TestImages.layout;
import static dev.layerd.images.TestImages.named;
import static dev.layerd.images.TestImages.tar;
import static dev.layerd.images.TestImages.withPlatform;
import static dev.layerd.images.TestImages.writeDir;
import static dev.layerd.images.TestImages.writeFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentStore;
import dev.layerd.content.ContentStores;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.images.TestImages.Blob;
import dev.layerd.images.TestImages.Img;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.Index;
import dev.layerd.oci.Manifest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.oci.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImporterTest {
  private static final Platform AMD64 = Platform.parse("linux/amd64");
  private static final Platform ARM64 = Platform.parse("linux/arm64/v8");

  @TempDir Path root;
  @TempDir Path work;
  private MetadataDatabase db;
  private ContentStore content;
  private ImageStore images;
  private Importer importer;

  @BeforeEach
  void open() throws IOException {
    db = MetadataDatabase.open(root.resolve("metadata.db"));
    content = ContentStores.open(root, db);
    images = ImageStores.open(db);
    importer = new Importer(content, images);
  }

  @AfterEach
  void close() throws IOException {
    db.close();
  }

  private static ImportOptions opts() {
    return ImportOptions.defaults();
  }

  private Path layoutDir(List<Descriptor> entries, List<Blob> blobs) throws IOException {
    return writeDir(work.resolve("layout"), layout(entries, blobs));
  }

  private void assertStored(Img img) throws IOException {
    for (Blob b : img.blobs()) {
      assertThat(content.exists(b.digest())).as(b.desc().toString()).isTrue();
    }
  }

  @Test
  void importsLayoutDirectoryNamedByFullRefName() throws IOException {
    Img img = image(AMD64, 3, true, "a");
    Path dir = layoutDir(
        List.of(named(img.manifest().desc(), Index.REF_NAME, "example.com/app:1.0")), img.blobs());

    List<Image> out = importer.importArchive(dir, opts());

    assertThat(out).singleElement().satisfies(i -> {
      assertThat(i.name()).isEqualTo("example.com/app:1.0");
      assertThat(i.target().digest()).isEqualTo(img.manifest().digest());
      assertThat(i.target().mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    });
    assertThat(images.get("example.com/app:1.0").target().digest())
        .isEqualTo(img.manifest().digest());
    assertStored(img);
  }

  @Test
  void containerdNameAnnotationWins() throws IOException {
    Img img = image(AMD64, 1, true, "b");
    Descriptor entry = named(named(img.manifest().desc(), Index.REF_NAME, "v2"),
        Index.CONTAINERD_IMAGE_NAME, "docker.io/library/thing:v2");

    List<Image> out = importer.importArchive(layoutDir(List.of(entry), img.blobs()), opts());

    assertThat(out).extracting(Image::name).containsExactly("docker.io/library/thing:v2");
  }

  @Test
  void bareTagIsCombinedWithGivenName() throws IOException {
    Img img = image(AMD64, 1, true, "c");
    Path dir = layoutDir(List.of(named(img.manifest().desc(), Index.REF_NAME, "latest")),
        img.blobs());

    List<Image> out = importer.importArchive(dir, opts().withName("example.com/c"));

    assertThat(out).extracting(Image::name).containsExactly("example.com/c:latest");
  }

  @Test
  void bareTagWithoutGivenNameAsksForName() throws IOException {
    Img img = image(AMD64, 1, true, "d");
    Path dir = layoutDir(List.of(named(img.manifest().desc(), Index.REF_NAME, "latest")),
        img.blobs());

    assertThatThrownBy(() -> importer.importArchive(dir, opts()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("'latest'")
        .hasMessageContaining("--name");
    assertThat(images.list()).isEmpty();
  }

  @Test
  void unnamedImageAsksForName() throws IOException {
    Img img = image(AMD64, 1, true, "e");
    Path dir = layoutDir(List.of(img.manifest().desc()), img.blobs());

    assertThatThrownBy(() -> importer.importArchive(dir, opts()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("no name")
        .hasMessageContaining("--name");

    assertThat(importer.importArchive(dir, opts().withName("e:1")))
        .extracting(Image::name).containsExactly("e:1");
  }

  @Test
  void taggedNameCannotNameSeveralImages() throws IOException {
    Img a = image(AMD64, 1, true, "f1");
    Img b = image(AMD64, 1, true, "f2");
    List<Blob> blobs = new ArrayList<>(a.blobs());
    blobs.addAll(b.blobs());
    Path dir = layoutDir(List.of(named(a.manifest().desc(), Index.REF_NAME, "one"),
        named(b.manifest().desc(), Index.REF_NAME, "two")), blobs);

    assertThatThrownBy(() -> importer.importArchive(dir, opts().withName("x:1")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("holds 2 images");

    assertThat(importer.importArchive(dir, opts().withName("x")))
        .extracting(Image::name).containsExactly("x:one", "x:two");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void importsOciArchiveTarball(boolean compressed) throws IOException {
    Img img = image(AMD64, 2, true, "g");
    byte[] archive = tar(layout(
        List.of(named(img.manifest().desc(), Index.REF_NAME, "example.com/g:1")), img.blobs()));
    Path file = writeFile(work.resolve("g.tar"), compressed ? gzip(archive) : archive);

    List<Image> out = importer.importArchive(file, opts());

    assertThat(out).extracting(Image::name).containsExactly("example.com/g:1");
    assertThat(out.getFirst().target().digest()).isEqualTo(img.manifest().digest());
    assertStored(img);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void convertsDockerArchiveToOciManifest(boolean gzipLayers) throws IOException {
    Img img = image(AMD64, 3, gzipLayers, "h");
    Path file = writeFile(work.resolve("h.tar"),
        tar(dockerArchive(img, List.of("example.com/h:1", "example.com/h:latest"))));

    List<Image> out = importer.importArchive(file, opts());

    assertThat(out).extracting(Image::name)
        .containsExactly("example.com/h:1", "example.com/h:latest");
    Descriptor target = out.getFirst().target();
    assertThat(out.get(1).target()).isEqualTo(target);
    assertThat(target.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(content.info(target.digest()).size()).isEqualTo(target.size());
    Manifest m = Images.readManifest(content, target);
    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(m.config().digest()).isEqualTo(img.config().digest());
    assertThat(m.config().mediaType()).isEqualTo(MediaTypes.OCI_CONFIG);
    assertThat(m.config().size()).isEqualTo(img.config().bytes().length);
    assertThat(m.layers()).extracting(Descriptor::digest)
        .containsExactlyElementsOf(img.layers().stream().map(Blob::digest).toList());
    assertThat(m.layers()).extracting(Descriptor::size)
        .containsExactlyElementsOf(img.layers().stream().map(b -> (long) b.bytes().length)
            .toList());
    assertThat(m.layers()).extracting(Descriptor::mediaType).containsOnly(
        gzipLayers ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER);
    assertStored(img);
  }

  @Test
  void followsLayerSymlinksOfOldDockerSave() throws IOException {
    Img img = image(AMD64, 2, false, "sym");
    Map<String, byte[]> files = dockerArchive(img, List.of("sym:1"));
    byte[] shared = files.remove("layer1/layer.tar");
    files.put(img.layers().get(1).digest().hex() + ".tar", shared);
    Map<String, String> links =
        Map.of("./layer1/layer.tar", "../" + img.layers().get(1).digest().hex() + ".tar");
    Path file = writeFile(work.resolve("sym.tar"), tar(files, links));

    Image out = importer.importArchive(file, opts()).getFirst();

    assertThat(Images.readManifest(content, out.target()).layers()).extracting(Descriptor::digest)
        .containsExactlyElementsOf(img.layers().stream().map(Blob::digest).toList());
  }

  @Test
  void dockerArchiveWithoutTagsNeedsName() throws IOException {
    Img img = image(AMD64, 1, false, "i");
    Path file = writeFile(work.resolve("i.tar"), tar(dockerArchive(img, List.of())));

    assertThatThrownBy(() -> importer.importArchive(file, opts()))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("--name");

    assertThat(importer.importArchive(file, opts().withName("example.com/i")))
        .extracting(Image::name).containsExactly("example.com/i");
  }

  @Test
  void dockerLayerNotMatchingItsDiffIdFails() throws IOException {
    Img img = image(AMD64, 2, false, "j");
    Map<String, byte[]> files = dockerArchive(img, List.of("j:1"));
    files.put("layer1/layer.tar", tar(Map.of("other", TestImages.utf8("x"))));
    Path file = writeFile(work.resolve("j.tar"), tar(files));

    assertThatThrownBy(() -> importer.importArchive(file, opts()))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(img.layers().get(1).digest().toString())
        .hasMessageContaining("layer1/layer.tar")
        .hasMessageContaining(file.toString());
    assertThat(images.list()).isEmpty();
  }

  @Test
  void dockerArchiveMissingLayerFails() throws IOException {
    Img img = image(AMD64, 2, true, "k");
    Map<String, byte[]> files = dockerArchive(img, List.of("k:1"));
    files.remove("layer0/layer.tar");
    Path file = writeFile(work.resolve("k.tar"), tar(files));

    assertThatThrownBy(() -> importer.importArchive(file, opts()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("layer0/layer.tar")
        .hasMessageContaining(file.toString());
    assertThat(images.list()).isEmpty();
  }

  /** Index with one manifest per platform; arm64's descriptor carries a platform, amd64's not. */
  private record MultiPlatform(Img amd64, Img arm64, Blob index, List<Blob> blobs) {}

  private static MultiPlatform multiPlatform(boolean nested) {
    Img amd = image(AMD64, 2, true, "mp");
    Img arm = image(ARM64, 2, true, "mp");
    Blob inner = index(List.of(amd.manifest().desc(), withPlatform(arm.manifest().desc(), ARM64)));
    List<Blob> blobs = new ArrayList<>(amd.blobs());
    blobs.addAll(arm.blobs());
    blobs.add(inner);
    Blob top = inner;
    if (nested) {
      top = index(List.of(inner.desc()));
      blobs.add(top);
    }
    return new MultiPlatform(amd, arm, top, blobs);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void selectsRequestedPlatformFromIndex(boolean nested) throws IOException {
    MultiPlatform mp = multiPlatform(nested);
    Path dir = layoutDir(List.of(named(mp.index().desc(), Index.REF_NAME, "mp:1")), mp.blobs());

    Image arm = importer.importArchive(dir, opts().withPlatform(Platform.parse("linux/arm64")))
        .getFirst();
    Image amd = importer.importArchive(dir, opts().withPlatform(AMD64)).getFirst();

    assertThat(arm.target().digest()).isEqualTo(mp.arm64().manifest().digest());
    assertThat(amd.target().digest()).isEqualTo(mp.amd64().manifest().digest());
    assertThat(images.list()).singleElement()
        .satisfies(i -> assertThat(i.target()).isEqualTo(amd.target()));
  }

  @Test
  void defaultsToHostPlatform() throws IOException {
    Img host = image(Platform.host(), 1, true, "host");
    Img other = image(new Platform("linux", "s390x", null), 1, true, "other");
    List<Blob> blobs = new ArrayList<>(other.blobs());
    blobs.addAll(host.blobs());
    Blob idx = index(List.of(other.manifest().desc(), host.manifest().desc()));
    blobs.add(idx);
    Path dir = layoutDir(List.of(named(idx.desc(), Index.REF_NAME, "h:1")), blobs);

    Image out = importer.importArchive(dir, opts()).getFirst();

    assertThat(out.target().digest()).isEqualTo(host.manifest().digest());
  }

  @Test
  void selectionNeedsOnlyTheChosenPlatformsBlobs() throws IOException {
    MultiPlatform mp = multiPlatform(false);
    List<Blob> blobs = new ArrayList<>(mp.blobs());
    blobs.removeAll(mp.arm64().layers());
    Path dir = layoutDir(List.of(named(mp.index().desc(), Index.REF_NAME, "mp:1")), blobs);

    Image amd = importer.importArchive(dir, opts().withPlatform(AMD64)).getFirst();

    assertThat(amd.target().digest()).isEqualTo(mp.amd64().manifest().digest());
    assertThatThrownBy(() -> importer.importArchive(dir, opts().withAllPlatforms(true)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining(mp.arm64().layers().getFirst().digest().toString());
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void allPlatformsKeepsTheIndex(boolean nested) throws IOException {
    MultiPlatform mp = multiPlatform(nested);
    Path file = writeFile(work.resolve("mp.tar"),
        tar(layout(List.of(named(mp.index().desc(), Index.REF_NAME, "mp:1")), mp.blobs())));

    Image out = importer.importArchive(file, opts().withAllPlatforms(true)).getFirst();

    assertThat(out.target().digest()).isEqualTo(mp.index().digest());
    assertThat(out.target().mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    assertStored(mp.amd64());
    assertStored(mp.arm64());
    assertThat(Images.resolveManifest(content, out.target(), ARM64).digest())
        .isEqualTo(mp.arm64().manifest().digest());
    assertThat(Images.resolveManifest(content, out.target(), AMD64).digest())
        .isEqualTo(mp.amd64().manifest().digest());
  }

  @Test
  void missingPlatformNamesWhatIsThere() throws IOException {
    MultiPlatform mp = multiPlatform(false);
    Path dir = layoutDir(List.of(named(mp.index().desc(), Index.REF_NAME, "mp:1")), mp.blobs());

    assertThatThrownBy(
            () -> importer.importArchive(dir, opts().withPlatform(Platform.parse("linux/ppc64le"))))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("linux/ppc64le")
        .hasMessageContaining("linux/amd64")
        .hasMessageContaining("linux/arm64/v8");
    assertThat(images.list()).isEmpty();
  }

  @Test
  void corruptBlobInDirectoryFailsNamingDigestAndArchive() throws IOException {
    Img img = image(AMD64, 3, true, "l");
    Path dir = layoutDir(List.of(named(img.manifest().desc(), Index.REF_NAME, "l:1")),
        img.blobs());
    Digest bad = img.layers().get(1).digest();
    Files.write(dir.resolve("blobs/sha256/" + bad.hex()), gzip(TestImages.utf8("evil")));

    assertThatThrownBy(() -> importer.importArchive(dir, opts()))
        .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
          assertThat(e.expected()).contains(bad.toString());
          assertThat(e.source()).contains(dir.toString()).contains(bad.hex());
        });
    assertThat(images.list()).isEmpty();
    assertThat(content.exists(bad)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void corruptBlobInTarballFailsNamingDigestAndArchive(boolean sameSize) throws IOException {
    Img img = image(AMD64, 2, true, "m");
    Map<String, byte[]> files =
        layout(List.of(named(img.manifest().desc(), Index.REF_NAME, "m:1")), img.blobs());
    Digest bad = img.layers().getFirst().digest();
    byte[] orig = files.get("blobs/sha256/" + bad.hex());
    byte[] corrupt = sameSize ? orig.clone() : java.util.Arrays.copyOf(orig, orig.length - 1);
    if (sameSize) {
      corrupt[corrupt.length / 2] ^= 1;
    }
    files.put("blobs/sha256/" + bad.hex(), corrupt);
    Path file = writeFile(work.resolve("m.tar"), tar(files));

    assertThatThrownBy(() -> importer.importArchive(file, opts()))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining(file.toString());
    assertThat(images.list()).isEmpty();
    assertThat(content.exists(bad)).isFalse();
  }

  @Test
  void unreferencedCorruptBlobInTarballIsIgnored() throws IOException {
    Img img = image(AMD64, 1, true, "n");
    Map<String, byte[]> files =
        layout(List.of(named(img.manifest().desc(), Index.REF_NAME, "n:1")), img.blobs());
    files.put("blobs/sha256/" + Digest.sha256(new byte[] {1}).hex(), new byte[] {2});
    Path file = writeFile(work.resolve("n.tar"), tar(files));

    assertThat(importer.importArchive(file, opts())).extracting(Image::name)
        .containsExactly("n:1");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void missingBlobFailsNamingDigestAndArchive(boolean tarball) throws IOException {
    Img img = image(AMD64, 2, true, "o");
    Map<String, byte[]> files =
        layout(List.of(named(img.manifest().desc(), Index.REF_NAME, "o:1")), img.blobs());
    Digest gone = img.config().digest();
    files.remove("blobs/sha256/" + gone.hex());
    Path src = tarball ? writeFile(work.resolve("o.tar"), tar(files))
        : writeDir(work.resolve("o"), files);

    assertThatThrownBy(() -> importer.importArchive(src, opts()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining(gone.toString())
        .hasMessageContaining(src.toString());
    assertThat(images.list()).isEmpty();
  }

  @Test
  void malformedIndexJsonIsInvalid() throws IOException {
    Img img = image(AMD64, 1, true, "p");
    Map<String, byte[]> files = layout(List.of(img.manifest().desc()), img.blobs());
    files.put("index.json", TestImages.utf8("{\"manifests\": [ {\"digest\": "));
    Path file = writeFile(work.resolve("p.tar"), tar(files));

    assertThatThrownBy(() -> importer.importArchive(file, opts()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("index.json")
        .hasMessageContaining(file.toString());
  }

  @Test
  void malformedManifestIsInvalid() throws IOException {
    Blob manifest = Blob.of(MediaTypes.OCI_MANIFEST, TestImages.utf8("{\"layers\": 7"));
    Path dir = layoutDir(List.of(named(manifest.desc(), Index.REF_NAME, "q:1")),
        List.of(manifest));

    assertThatThrownBy(() -> importer.importArchive(dir, opts()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining(manifest.digest().toString());
    assertThat(images.list()).isEmpty();
  }

  @Test
  void rejectsFileThatIsNoImageArchive() throws IOException {
    Path junk = writeFile(work.resolve("junk.bin"), TestImages.utf8("hello, this is not a tar"));
    Path plain = writeFile(work.resolve("plain.tar"),
        tar(Map.of("readme.txt", TestImages.utf8("hi"))));

    assertThatThrownBy(() -> importer.importArchive(junk, opts()))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining(junk.toString());
    assertThatThrownBy(() -> importer.importArchive(plain, opts()))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("neither an OCI archive");
    assertThatThrownBy(() -> importer.importArchive(work.resolve("absent"), opts()))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void hostileEntryNamesWriteNothingOutsideTheStore() throws IOException {
    Img img = image(AMD64, 1, false, "evil");
    Map<String, byte[]> files = dockerArchive(img, List.of("evil:1"));
    files.put("../../escaped", TestImages.utf8("x"));
    files.put("/abs-escaped", TestImages.utf8("x"));
    Map<String, String> links = Map.of("layer9/layer.tar", "../../../../etc/passwd");
    Path file = writeFile(work.resolve("evil.tar"), tar(files, links));

    importer.importArchive(file, opts());

    try (var s = Files.list(work)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsOnly("evil.tar");
    }
    assertThat(work.getParent().resolve("escaped")).doesNotExist();
    assertThat(Path.of("/abs-escaped")).doesNotExist();
    assertThat(images.get("evil:1").target().mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
  }

  @Test
  void reimportReplacesImageKeepingCreatedTime() throws IOException {
    Img a = image(AMD64, 1, true, "r1");
    Img b = image(AMD64, 1, true, "r2");
    Path first = writeFile(work.resolve("r1.tar"), tar(dockerArchive(a, List.of("r:1"))));
    Path second = writeFile(work.resolve("r2.tar"), tar(dockerArchive(b, List.of("r:1"))));

    Image one = importer.importArchive(first, opts()).getFirst();
    Image two = importer.importArchive(second, opts()).getFirst();

    assertThat(two.target()).isNotEqualTo(one.target());
    assertThat(images.get("r:1").target()).isEqualTo(two.target());
    assertThat(images.get("r:1").created()).isEqualTo(one.created());
  }

  @Test
  void reachableCoversEveryImageAndToleratesDiscardedLayers() throws IOException {
    MultiPlatform mp = multiPlatform(false);
    Path file = writeFile(work.resolve("mp.tar"),
        tar(layout(List.of(named(mp.index().desc(), Index.REF_NAME, "mp:1")), mp.blobs())));
    importer.importArchive(file, opts().withPlatform(AMD64));
    Img other = image(AMD64, 2, false, "s");
    importer.importArchive(
        writeFile(work.resolve("s.tar"), tar(dockerArchive(other, List.of("s:1")))), opts());
    Digest discarded = mp.amd64().layers().getFirst().digest();
    content.delete(discarded);

    Set<Digest> reachable = Images.reachable(images, content);

    Set<Digest> expected = mp.amd64().blobs().stream().map(Blob::digest)
        .collect(Collectors.toSet());
    expected.add(images.get("s:1").target().digest());
    other.layers().forEach(l -> expected.add(l.digest()));
    expected.add(other.config().digest());
    assertThat(reachable).containsExactlyInAnyOrderElementsOf(expected);
    Set<Digest> unreferenced = content.list().stream().map(ContentInfo::digest)
        .filter(d -> !reachable.contains(d)).collect(Collectors.toSet());
    assertThat(unreferenced).contains(mp.index().digest(), mp.arm64().manifest().digest());
  }
}
