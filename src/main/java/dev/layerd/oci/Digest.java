package dev.layerd.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.layerd.errdefs.InvalidArgumentException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code algorithm:hex}. Only sha256 and sha512 are accepted; the hex part must
 * be lower case and of the algorithm's length, so a digest string is also safe as a file name.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

  public Digest {
    int len =
        switch (algorithm) {
          case "sha256" -> 64;
          case "sha512" -> 128;
          case null -> throw new InvalidArgumentException("digest algorithm is missing");
          default ->
              throw new InvalidArgumentException("unsupported digest algorithm: " + algorithm);
        };
    if (hex == null || hex.length() != len || !HEX.matcher(hex).matches()) {
      throw new InvalidArgumentException("invalid " + algorithm + " digest: " + hex);
    }
  }

  /** Parses {@code sha256:<64 hex>}; throws {@link InvalidArgumentException} otherwise. */
  @JsonCreator
  public static Digest parse(String s) {
    if (s == null) {
      throw new InvalidArgumentException("digest is missing");
    }
    int colon = s.indexOf(':');
    if (colon < 0) {
      throw new InvalidArgumentException("invalid digest (no algorithm): " + s);
    }
    return new Digest(s.substring(0, colon), s.substring(colon + 1));
  }

  public static Digest sha256(byte[] data) {
    return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(data)));
  }

  /** Wraps a finished sha256 {@link MessageDigest}. */
  public static Digest fromSha256(MessageDigest md) {
    return new Digest("sha256", HexFormat.of().formatHex(md.digest()));
  }

  /** A fresh digester for this digest's algorithm. */
  public MessageDigest newDigester() {
    try {
      return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first 12 hex characters, for logs and tables. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @JsonValue
  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

  @Override
  public int compareTo(Digest o) {
    return toString().compareTo(o.toString());
  }
}
