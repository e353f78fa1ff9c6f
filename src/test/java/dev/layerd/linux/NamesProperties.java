package dev.layerd.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Any bytes survive a trip through a name string; valid UTF-8 decodes as the JDK decodes it. */
class NamesProperties {

  @Property(tries = 2000)
  void anyBytesComeBack(@ForAll("nameBytes") byte[] b) {
    assertThat(Names.encode(Names.decode(b))).isEqualTo(b);
  }

  @Property(tries = 1000)
  void validUtf8IsTheJdksString(@ForAll String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (!s.equals(new String(b, StandardCharsets.UTF_8))) {
      return; // s held a lone surrogate, which no UTF-8 stands for
    }
    assertThat(Names.isUtf8(b)).isTrue();
    assertThat(Names.decode(b)).isEqualTo(s);
    assertThat(Names.encode(s)).isEqualTo(b);
  }

  @Property(tries = 2000)
  void isUtf8AgreesWithTheJdksStrictDecoder(@ForAll("nameBytes") byte[] b) {
    boolean strict;
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      strict = true;
    } catch (CharacterCodingException e) {
      strict = false;
    }
    assertThat(Names.isUtf8(b)).isEqualTo(strict);
  }

  @Example
  void strayBytesBecomeEscapesAndTheRestStays() {
    byte[] b = {'c', 'a', 'f', (byte) 0xe9, '/', (byte) 0xc3, (byte) 0xa9, (byte) 0xff};
    assertThat(Names.decode(b)).isEqualTo("caf\udce9/\u00e9\udcff");
    // an encoded surrogate (CESU-8) and an overlong slash are not UTF-8: byte by byte
    byte[] cesu = {(byte) 0xed, (byte) 0xa0, (byte) 0x80, (byte) 0xc0, (byte) 0xaf};
    assertThat(Names.decode(cesu)).isEqualTo("\udced\udca0\udc80\udcc0\udcaf");
    assertThat(Names.encode("\udced\udca0\udc80\udcc0\udcaf")).isEqualTo(cesu);
    // a supplementary character whose low surrogate lies in the escape range stays one character
    String u10080 = new String(Character.toChars(0x10080));
    assertThat(Names.encode(u10080)).isEqualTo(u10080.getBytes(StandardCharsets.UTF_8));
  }

  /** Bytes weighted towards what breaks decoders: high bytes, lead bytes, cut sequences. */
  @Provide
  Arbitrary<byte[]> nameBytes() {
    Arbitrary<Byte> any = Arbitraries.bytes();
    Arbitrary<Byte> tricky =
        Arbitraries.of(
            (byte) 0x80, (byte) 0xbf, (byte) 0xc0, (byte) 0xc2, (byte) 0xdf, (byte) 0xe0,
            (byte) 0xed, (byte) 0xef, (byte) 0xf0, (byte) 0xf4, (byte) 0xf5, (byte) 0xff,
            (byte) 0xa0, (byte) 0x9f, (byte) 0x8f, (byte) 0x90, (byte) 'a', (byte) '/');
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(1, any), net.jqwik.api.Tuple.of(2, tricky))
        .array(byte[].class)
        .ofMaxSize(24);
  }

  @Property(tries = 200)
  void utf8TextAroundStrayBytesKeepsItsCharacters(
      @ForAll @Size(max = 5) String a, @ForAll @Size(max = 5) String c) {
    byte[] left = a.getBytes(StandardCharsets.UTF_8);
    byte[] right = c.getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[left.length + 1 + right.length];
    System.arraycopy(left, 0, b, 0, left.length);
    b[left.length] = (byte) 0xff; // never part of UTF-8
    System.arraycopy(right, 0, b, left.length + 1, right.length);
    assertThat(Names.encode(Names.decode(b))).isEqualTo(b);
    assertThat(Names.decode(b)).contains("\udcff");
  }
}
