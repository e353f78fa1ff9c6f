package dev.layerd.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.metadata.MetadataDatabase;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {
  @TempDir Path root;
  private MetadataDatabase db;
  private ContentStore store;

  @BeforeEach
  void open() throws IOException {
    db = MetadataDatabase.open(root.resolve("metadata.db"));
    store = ContentStores.open(root, db);
  }

  @AfterEach
  void close() throws IOException {
    db.close();
  }

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static Descriptor describe(byte[] b) {
    return new Descriptor("application/octet-stream", Digest.sha256(b), b.length);
  }

  @Test
  void ingestsVerifiedBlobAndReadsItBack() throws IOException {
    byte[] data = bytes(1_000_000, 1);
    Descriptor d = describe(data);

    ContentInfo info = store.ingest(d, new ByteArrayInputStream(data), Map.of("a", "b"));

    assertThat(info.digest()).isEqualTo(d.digest());
    assertThat(info.size()).isEqualTo(data.length);
    assertThat(info.labels()).containsExactly(Map.entry("a", "b"));
    assertThat(info.createdAt()).isNotNull();
    assertThat(store.exists(d.digest())).isTrue();
    try (InputStream in = store.open(d.digest())) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    Path blob = root.resolve("content/blobs/sha256").resolve(d.digest().hex());
    assertThat(blob).isRegularFile().hasSize(data.length);
    assertThat(ingestDirs()).isEmpty();
  }

  @Test
  void rejectsContentWithWrongDigestAndKeepsNothing() throws IOException {
    byte[] data = bytes(5000, 2);
    Descriptor wrong = new Descriptor("x", Digest.sha256(bytes(5000, 3)), data.length);

    assertThatThrownBy(() -> store.ingest(wrong, new ByteArrayInputStream(data), Map.of()))
        .isInstanceOfSatisfying(
            DigestMismatchException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(wrong.digest().toString());
              assertThat(e.actual()).isEqualTo(Digest.sha256(data).toString());
            });

    assertThat(store.exists(wrong.digest())).isFalse();
    assertThat(store.exists(Digest.sha256(data))).isFalse();
    assertThat(store.list()).isEmpty();
    assertThat(ingestDirs()).isEmpty();
  }

  @Test
  void rejectsContentShorterOrLongerThanExpected() throws IOException {
    byte[] data = bytes(4096, 4);
    Digest d = Digest.sha256(data);

    assertThatThrownBy(
            () -> store.ingest(new Descriptor("x", d, 4097), new ByteArrayInputStream(data),
                Map.of()))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("4096 bytes");
    assertThatThrownBy(
            () -> store.ingest(new Descriptor("x", d, 100), new ByteArrayInputStream(data),
                Map.of()))
        .isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining("more than 100 bytes");

    assertThat(store.exists(d)).isFalse();
    assertThat(ingestDirs()).isEmpty();
  }

  @Test
  void ingestOfPresentBlobReadsNothingAndMergesLabels() throws IOException {
    byte[] data = bytes(100, 5);
    Descriptor d = describe(data);
    store.ingest(d, new ByteArrayInputStream(data), Map.of("one", "1"));

    InputStream exploding =
        new InputStream() {
          @Override
          public int read() {
            throw new AssertionError("must not be read");
          }
        };
    ContentInfo info = store.ingest(d, exploding, Map.of("two", "2"));

    assertThat(info.labels()).containsOnly(Map.entry("one", "1"), Map.entry("two", "2"));
  }

  @Test
  void writeComputesDigestWhileWriting() throws IOException {
    byte[] data = bytes(300_000, 6);

    ContentInfo info = store.write(new ByteArrayInputStream(data), Map.of("k", "v"));

    assertThat(info.digest()).isEqualTo(Digest.sha256(data));
    assertThat(info.size()).isEqualTo(data.length);
    assertThat(store.info(info.digest()).labels()).containsEntry("k", "v");
    try (InputStream in = store.open(info.digest())) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void blobIsNotVisibleUntilVerified() throws Exception {
    byte[] data = bytes(200_000, 7);
    Descriptor d = describe(data);
    CountDownLatch halfway = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    InputStream slow =
        new InputStream() {
          private final InputStream in = new ByteArrayInputStream(data);
          private int read;

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (read >= data.length / 2 && halfway.getCount() > 0) {
              halfway.countDown();
              try {
                proceed.await();
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
            }
            int n = in.read(b, off, Math.min(len, 4096));
            read += Math.max(n, 0);
            return n;
          }
        };
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<ContentInfo> f = pool.submit(() -> store.ingest(d, slow, Map.of()));
      halfway.await();

      assertThat(store.exists(d.digest())).isFalse();
      assertThatThrownBy(() -> store.openChannel(d.digest()))
          .isInstanceOf(NotFoundException.class)
          .hasMessageContaining(d.digest().toString());
      assertThat(store.list()).isEmpty();
      assertThat(ingestDirs()).hasSize(1);

      proceed.countDown();
      assertThat(f.get().size()).isEqualTo(data.length);
      assertThat(store.exists(d.digest())).isTrue();
    } finally {
      proceed.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentWritersOfOneDigestEndWithOneBlob() throws Exception {
    byte[] data = bytes(2_000_000, 8);
    Descriptor d = describe(data);
    int writers = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<ContentInfo>> results = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        final int n = i;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return n % 2 == 0
                      ? store.ingest(d, new ByteArrayInputStream(data), Map.of("w" + n, "x"))
                      : store.write(new ByteArrayInputStream(data), Map.of("w" + n, "x"));
                }));
      }
      start.countDown();
      for (Future<ContentInfo> f : results) {
        assertThat(f.get().digest()).isEqualTo(d.digest());
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(store.list()).singleElement().satisfies(i -> assertThat(i.size())
        .isEqualTo(data.length));
    assertThat(store.info(d.digest()).labels()).hasSize(writers);
    try (InputStream in = store.open(d.digest())) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(ingestDirs()).isEmpty();
  }

  @Test
  void labelsAreSetMergedAndRemovedByNull() throws IOException {
    byte[] data = bytes(10, 9);
    Digest d = store.write(new ByteArrayInputStream(data), Map.of("a", "1", "b", "2")).digest();
    Instant before = store.info(d).updatedAt();

    Map<String, String> change = new HashMap<>();
    change.put("a", null);
    change.put("c", "3");
    ContentInfo info = store.updateLabels(d, change);

    assertThat(info.labels()).containsOnly(Map.entry("b", "2"), Map.entry("c", "3"));
    assertThat(info.updatedAt()).isAfterOrEqualTo(before);
    assertThat(info.createdAt()).isEqualTo(store.info(d).createdAt());
    assertThatThrownBy(() -> store.updateLabels(Digest.sha256(new byte[1]), Map.of("x", "y")))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void labelsSurviveReopening() throws IOException {
    Digest d = store.write(new ByteArrayInputStream(bytes(10, 10)), Map.of("keep", "me")).digest();
    db.close();

    db = MetadataDatabase.open(root.resolve("metadata.db"));
    store = ContentStores.open(root, db);

    assertThat(store.info(d).labels()).containsOnly(Map.entry("keep", "me"));
  }

  @Test
  void listsEveryBlobInDigestOrder() throws IOException {
    List<Digest> written = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      written.add(store.write(new ByteArrayInputStream(bytes(100 + i, 20 + i)), Map.of()).digest());
    }

    List<ContentInfo> listed = store.list();

    assertThat(listed).extracting(ContentInfo::digest)
        .containsExactlyElementsOf(written.stream().sorted().toList());
    assertThat(listed).extracting(ContentInfo::size).containsExactlyInAnyOrder(
        100L, 101L, 102L, 103L, 104L);
  }

  @Test
  void deleteRemovesBlobAndLabels() throws IOException {
    byte[] data = bytes(50, 11);
    Digest d = store.write(new ByteArrayInputStream(data), Map.of("a", "1")).digest();

    store.delete(d);

    assertThat(store.exists(d)).isFalse();
    assertThatThrownBy(() -> store.info(d)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.open(d)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.delete(d)).isInstanceOf(NotFoundException.class);
    ContentInfo again = store.write(new ByteArrayInputStream(data), Map.of());
    assertThat(again.labels()).isEmpty();
  }

  @Test
  void readsAtRandomOffsets() throws IOException {
    byte[] data = bytes(1 << 20, 12);
    Digest d = store.write(new ByteArrayInputStream(data), Map.of()).digest();

    try (SeekableByteChannel ch = store.openChannel(d)) {
      assertThat(ch.size()).isEqualTo(data.length);
      for (int off : new int[] {700_000, 3, 1_048_000}) {
        ByteBuffer buf = ByteBuffer.allocate(500);
        ch.position(off);
        while (buf.hasRemaining() && ch.read(buf) > 0) {
          // fill
        }
        byte[] want = java.util.Arrays.copyOfRange(data, off, Math.min(off + 500, data.length));
        assertThat(java.util.Arrays.copyOf(buf.array(), buf.position())).isEqualTo(want);
      }
    }
  }

  @Test
  void openRemovesAbandonedIngestButKeepsLiveWriters() throws IOException {
    Path ingest = root.resolve("content/ingest");
    Path dead = Files.createDirectories(ingest.resolve("dead-1"));
    Files.write(dead.resolve("data"), bytes(100, 13));
    Path live = Files.createDirectories(ingest.resolve("live-1"));
    Files.write(live.resolve("data"), bytes(100, 14));
    Path fresh = Files.createDirectories(ingest.resolve("fresh-1"));
    FileTime old = FileTime.from(Instant.parse("2000-01-01T00:00:00Z"));
    Files.setLastModifiedTime(dead, old);
    Files.setLastModifiedTime(live, old);

    try (FileChannel ch = FileChannel.open(live.resolve("data"), StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      store = ContentStores.open(root, db);
    }

    assertThat(dead).doesNotExist();
    assertThat(live).exists();
    assertThat(fresh).exists();
  }

  private List<Path> ingestDirs() throws IOException {
    try (Stream<Path> s = Files.list(root.resolve("content/ingest"))) {
      return s.toList();
    }
  }
}
