package dev.layerd.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.layerd.errdefs.InvalidArgumentException;
import java.util.Objects;

/** An OCI platform: os, architecture and optional variant, as in an index entry. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Platform(
    @JsonProperty("os") String os,
    @JsonProperty("architecture") String architecture,
    @JsonProperty("variant") String variant) {

  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
    variant = variant == null ? "" : variant;
  }

  /** Parses {@code os/arch[/variant]}. */
  public static Platform parse(String s) {
    String[] p = s.split("/");
    if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
      throw new InvalidArgumentException("invalid platform (want os/arch[/variant]): " + s);
    }
    return new Platform(p[0], normalizeArch(p[1]), p.length == 3 ? p[2] : "");
  }

  /** The platform this JVM runs on, in OCI spelling. */
  public static Platform host() {
    return new Platform("linux", normalizeArch(System.getProperty("os.arch")), "");
  }

  /** True when an image for {@code other} runs here; an empty variant matches any. */
  public boolean matches(Platform other) {
    return os.equals(other.os)
        && architecture.equals(normalizeArch(other.architecture))
        && (variant.isEmpty() || other.variant.isEmpty() || variant.equals(other.variant));
  }

  static String normalizeArch(String arch) {
    return switch (arch) {
      case "x86_64", "x86-64", "amd64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> arch;
    };
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
