package dev.layerd.archive;

import static dev.layerd.archive.GzipMembers.FCOMMENT;
import static dev.layerd.archive.GzipMembers.FEXTRA;
import static dev.layerd.archive.GzipMembers.FHCRC;
import static dev.layerd.archive.GzipMembers.FNAME;
import static dev.layerd.archive.GzipMembers.concat;
import static dev.layerd.archive.GzipMembers.member;
import static dev.layerd.archive.GzipMembers.viaIsal;
import static dev.layerd.archive.GzipMembers.viaJdk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.layerd.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** gzip inflated by ISA-L: the JDK's bytes, and clear failures on damaged streams. */
class IsalInputStreamTest {
  @TempDir Path tmp;

  private static byte[] sample(int size, long seed) {
    byte[] b = new byte[size];
    Random r = new Random(seed);
    for (int i = 0; i < size; i++) {
      // half text-like runs, half noise: both Huffman and back-references get exercised
      b[i] = (i / 4096) % 2 == 0 ? (byte) ('a' + r.nextInt(6)) : (byte) r.nextInt();
    }
    return b;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, FHCRC, FEXTRA, FNAME, FCOMMENT, FHCRC | FEXTRA | FNAME | FCOMMENT})
  void readsEveryHeaderFieldAsTheJdkDoes(int flags) throws IOException {
    byte[] data = sample(300_000, flags);
    byte[] gz = member(data, 6, flags);

    assertThat(viaIsal(gz, 65536)).isEqualTo(data).isEqualTo(viaJdk(gz));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 9})
  void readsStoredFastAndBestCompression(int level) throws IOException {
    byte[] data = sample(1 << 20, level);

    assertThat(viaIsal(member(data, level, FNAME), 1000)).isEqualTo(data);
  }

  @Test
  void readsConcatenatedMembersAsOneStreamEmptyOnesIncluded() throws IOException {
    byte[] a = sample(70_000, 1);
    byte[] b = sample(5, 2);
    byte[] gz = concat(member(a, 6, 0), member(new byte[0], 6, FNAME), member(b, 1, FHCRC));

    assertThat(viaIsal(gz, 4096)).isEqualTo(concat(a, b)).isEqualTo(viaJdk(gz));
  }

  @Test
  void ignoresBytesAfterTheLastMemberThatAreNoGzip() throws IOException {
    byte[] data = sample(10_000, 3);
    byte[] padded = concat(member(data, 6, 0), new byte[1024]);
    byte[] junk = concat(member(data, 6, 0), "x".getBytes(StandardCharsets.US_ASCII));

    assertThat(viaIsal(padded, 512)).isEqualTo(data).isEqualTo(viaJdk(padded));
    assertThat(viaIsal(junk, 512)).isEqualTo(data).isEqualTo(viaJdk(junk));
  }

  @Test
  void refusesAGzipMagicAfterAMemberThatIsNoMember() {
    byte[] gz = concat(member(sample(100, 4), 6, 0), new byte[] {0x1f, (byte) 0x8b, 9, 0});

    assertThatThrownBy(() -> viaIsal(gz, 512))
        .isInstanceOf(ZipException.class)
        .hasMessageContaining("member 2")
        .hasMessageContaining("method 9");
  }

  @Test
  void refusesAStreamThatIsNoGzip() {
    assertThatThrownBy(() -> viaIsal("plain text".getBytes(StandardCharsets.US_ASCII), 512))
        .isInstanceOf(ZipException.class)
        .hasMessageContaining("not in gzip format");
  }

  @Test
  void truncationAnywhereIsAnErrorUnlessAtAMemberEnd() throws IOException {
    byte[] first = sample(3000, 5);
    byte[] one = member(first, 6, FNAME | FHCRC);
    byte[] gz = concat(one, member(sample(2000, 6), 9, FEXTRA));
    for (int cut = 1; cut < gz.length; cut++) {
      byte[] part = Arrays.copyOf(gz, cut);
      if (cut == one.length || cut == one.length + 1) {
        // a member's end, then nothing or a lone byte that cannot be a gzip magic
        assertThat(viaIsal(part, 700)).as("cut at %d", cut).isEqualTo(first);
        continue;
      }
      Throwable t = catchThrowable(() -> viaIsal(part, 700));

      assertThat(t).as("cut at %d of %d", cut, gz.length).isInstanceOf(EOFException.class);
      if (cut < one.length) {
        assertThat(catchThrowable(() -> viaJdk(part))).as("the JDK, cut at %d", cut)
            .isInstanceOf(EOFException.class);
      }
    }
  }

  @Test
  void refusesAWrongCrcOrSizeInTheTrailer() {
    byte[] good = member(sample(50_000, 7), 6, 0);
    for (int at : new int[] {good.length - 8, good.length - 1}) {
      byte[] bad = good.clone();
      bad[at] ^= 0x10;

      assertThatThrownBy(() -> viaIsal(bad, 8192))
          .as("flipped byte %d of the trailer", at - good.length + 8)
          .isInstanceOf(ZipException.class)
          .hasMessageContaining("CRC-32 or size");
    }
  }

  @Test
  void refusesACorruptHeaderChecksum() {
    byte[] gz = member(sample(100, 8), 6, FNAME | FHCRC);
    gz[12] ^= 1; // inside the name

    assertThatThrownBy(() -> viaIsal(gz, 512))
        .isInstanceOf(ZipException.class)
        .hasMessageContaining("corrupt header");
  }

  @Test
  void refusesDeflateDataThatIsNotDeflate() {
    byte[] gz = member(sample(20_000, 9), 6, 0);
    gz[10] = (byte) 0xff; // the first block header: type 3 is reserved

    assertThatThrownBy(() -> viaIsal(gz, 512))
        .isInstanceOf(ZipException.class)
        .hasMessageContaining("deflate");
  }

  @Test
  void readsALayerBlobMadeByGnuGzipAsTheJdkDoes() throws Exception {
    Path file = Files.write(tmp.resolve("data"), sample(2_000_000, 10));
    Process p =
        new ProcessBuilder(dev.layerd.testing.Tools.require("gzip").toString(), "-k", "-9", "-f",
                file.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor()).isZero();
    byte[] gz = Files.readAllBytes(tmp.resolve("data.gz"));

    assertThat(Digest.sha256(viaIsal(gz, 65536)))
        .isEqualTo(Digest.sha256(Files.readAllBytes(file)));
  }

  @Test
  void readAfterCloseFailsAndCloseIsIdempotent() throws IOException {
    InputStream in =
        new IsalInputStream(
            new ByteArrayInputStream(member(new byte[10], 6, 0)), GzipMembers.isal());
    in.close();
    in.close();

    assertThatThrownBy(() -> in.read(new byte[4])).isInstanceOf(IOException.class);
  }

  @Test
  void decompressionUsesTheInflaterItIsGiven() throws IOException {
    byte[] data = sample(1000, 11);
    byte[] gz = member(data, 6, 0);

    try (InputStream isal =
            Decompression.open(new ByteArrayInputStream(gz), GzipMembers.isal()).stream();
        InputStream jdk = Decompression.open(new ByteArrayInputStream(gz), null).stream()) {
      assertThat(isal).isInstanceOf(IsalInputStream.class);
      assertThat(jdk).isNotInstanceOf(IsalInputStream.class);
      assertThat(isal.readAllBytes()).isEqualTo(data).isEqualTo(jdk.readAllBytes());
    }
  }
}
