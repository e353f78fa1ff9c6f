package dev.layerd.archive;

import static dev.layerd.archive.GzipMembers.member;
import static dev.layerd.archive.GzipMembers.viaIsal;
import static dev.layerd.archive.GzipMembers.viaJdk;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** ISA-L and the JDK agree on any gzip stream, and no damage passes unnoticed. */
class GzipInflationProperties {

  /** {@code parts} as consecutive members, each with its own level and header fields. */
  private static byte[] members(List<byte[]> parts, int seed) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    for (byte[] p : parts) {
      int s = seed + i++;
      out.writeBytes(member(p, Math.floorMod(s, 10), Math.floorMod(s * 7, 32) & ~1));
    }
    return out.toByteArray();
  }

  private static byte[] joined(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  @Property(tries = 300)
  void isalGivesTheJdksBytes(
      @ForAll @Size(min = 1, max = 4) List<@Size(max = 40_000) byte[]> parts,
      @ForAll int seed,
      @ForAll @IntRange(min = 1, max = 70_000) int chunk)
      throws IOException {
    byte[] gz = members(parts, seed);

    assertThat(viaIsal(gz, chunk)).isEqualTo(joined(parts)).isEqualTo(viaJdk(gz));
  }

  @Property(tries = 300)
  void aDamagedByteIsAnErrorOrChangesNothing(
      @ForAll @Size(min = 1, max = 3) List<@Size(min = 1, max = 20_000) byte[]> parts,
      @ForAll int seed,
      @ForAll @IntRange(min = 0) int where,
      @ForAll @IntRange(min = 1, max = 255) int flip) {
    byte[] gz = members(parts, seed);
    int at = where % gz.length;
    gz[at] ^= (byte) flip;

    byte[] got;
    try {
      got = viaIsal(gz, 8192);
    } catch (IOException expected) {
      return;
    }
    // A later member whose magic is hit is trailing junk, ignored as the JDK does; other header
    // bytes such as the time or the OS change no data.
    int start = 0;
    for (int k = 0; k < parts.size(); k++) {
      if (k > 0 && at - start < 2 && at >= start) {
        assertThat(got).isEqualTo(joined(parts.subList(0, k)));
        return;
      }
      start += members(parts.subList(k, k + 1), seed + k).length;
    }
    assertThat(got).isEqualTo(joined(parts));
  }
}
