package dev.layerd.linux;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * File names as Java strings without loss. Linux names are bytes, and tar names too; most are
 * UTF-8, but not all (Latin-1 names from old archives, say). A byte that is not part of valid
 * UTF-8 is decoded to the lone surrogate {@code U+DC00 + byte} (as Python's surrogateescape does)
 * and encoded back to that byte, so that such a name reaches the file system as it was written.
 * Valid UTF-8 decodes as usual, so every other name is the string it always was.
 */
public final class Names {
  private static final char ESCAPE_LOW = 0xDC80;
  private static final char ESCAPE_HIGH = 0xDCFF;

  private Names() {}

  /** {@code b[off, off + len)} as a name; see the class comment for invalid UTF-8. */
  public static String decode(byte[] b, int off, int len) {
    boolean ascii = true;
    for (int i = off; i < off + len; i++) {
      if (b[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(b, off, len, StandardCharsets.US_ASCII);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, off, len))
          .toString();
    } catch (CharacterCodingException e) {
      return decodeEscaping(b, off, len);
    }
  }

  /** All of {@code b} as a name. */
  public static String decode(byte[] b) {
    return decode(b, 0, b.length);
  }

  /** True when {@code b} is valid UTF-8, so that {@link #decode} escapes nothing. */
  public static boolean isUtf8(byte[] b) {
    int i = 0;
    while (i < b.length) {
      int n = sequence(b, i, b.length);
      if (n < 0) {
        return false;
      }
      i += n;
    }
    return true;
  }

  /** True for the characters that stand for a byte that was not UTF-8. */
  public static boolean isEscape(char c) {
    return c >= ESCAPE_LOW && c <= ESCAPE_HIGH;
  }

  /** The bytes {@code name} stands for: UTF-8, escaped bytes restored. */
  public static byte[] encode(String name) {
    int n = name.length();
    boolean plain = true;
    for (int i = 0; i < n; i++) {
      if (isEscape(name.charAt(i))) {
        plain = false;
        break;
      }
    }
    if (plain) {
      return name.getBytes(StandardCharsets.UTF_8);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(n + 8);
    int i = 0;
    while (i < n) {
      char c = name.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(name.charAt(i + 1))) {
        out.writeBytes(name.substring(i, i + 2).getBytes(StandardCharsets.UTF_8));
        i += 2;
      } else if (isEscape(c)) {
        out.write(c & 0xff);
        i++;
      } else {
        int j = i + 1;
        while (j < n && !Character.isSurrogate(name.charAt(j))) {
          j++;
        }
        out.writeBytes(name.substring(i, j).getBytes(StandardCharsets.UTF_8));
        i = j;
      }
    }
    return out.toByteArray();
  }

  private static String decodeEscaping(byte[] b, int off, int len) {
    StringBuilder s = new StringBuilder(len);
    int end = off + len;
    int i = off;
    while (i < end) {
      int n = sequence(b, i, end);
      if (n < 0) {
        s.append((char) (0xDC00 | (b[i] & 0xff)));
        i++;
      } else {
        s.append(new String(b, i, n, StandardCharsets.UTF_8));
        i += n;
      }
    }
    return s.toString();
  }

  /**
   * The length of the well-formed UTF-8 sequence at {@code b[i]} (Unicode's table 3-7: no
   * overlong forms, no surrogates, nothing above U+10FFFF), or -1 when there is none.
   */
  private static int sequence(byte[] b, int i, int end) {
    int c = b[i] & 0xff;
    if (c < 0x80) {
      return 1;
    }
    int n;
    int lo = 0x80;
    int hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) {
        lo = 0xA0;
      } else if (c == 0xED) {
        hi = 0x9F;
      }
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) {
        lo = 0x90;
      } else if (c == 0xF4) {
        hi = 0x8F;
      }
    } else {
      return -1;
    }
    if (i + n > end) {
      return -1;
    }
    int second = b[i + 1] & 0xff;
    if (second < lo || second > hi) {
      return -1;
    }
    for (int k = 2; k < n; k++) {
      int x = b[i + k] & 0xff;
      if (x < 0x80 || x > 0xBF) {
        return -1;
      }
    }
    return n;
  }
}
