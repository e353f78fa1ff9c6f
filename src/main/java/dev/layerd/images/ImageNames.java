package dev.layerd.images;

import dev.layerd.errdefs.InvalidArgumentException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Naming rules for imported images (see {@link ImportOptions#name()}). Each image found in an
 * archive comes with full names (from {@code io.containerd.image.name}, a full
 * {@code org.opencontainers.image.ref.name}, or docker-archive RepoTags) and maybe a bare tag (an
 * OCI {@code ref.name} such as {@code latest}). No reference normalization is done: names are
 * kept as written.
 */
final class ImageNames {
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  private ImageNames() {}

  /** What an archive says about one image's name. */
  record Candidate(String describe, List<String> fullNames, String bareTag) {
    Candidate {
      fullNames = List.copyOf(fullNames);
    }
  }

  /** True for an OCI {@code ref.name} that is only a tag, not a full reference. */
  static boolean isBareTag(String refName) {
    return TAG.matcher(refName).matches();
  }

  /** True when {@code name} carries a tag or a digest. */
  static boolean hasTagOrDigest(String name) {
    if (name.contains("@")) {
      return true;
    }
    return name.substring(name.lastIndexOf('/') + 1).contains(":");
  }

  /** The tag of a full reference, or null. */
  static String tagOf(String name) {
    int at = name.indexOf('@');
    String n = at >= 0 ? name.substring(0, at) : name;
    String last = n.substring(n.lastIndexOf('/') + 1);
    int colon = last.indexOf(':');
    return colon >= 0 ? last.substring(colon + 1) : null;
  }

  /**
   * The names for each candidate, in order. Fails with a hint to pass a name when an image
   * cannot be named, and when two images would get the same name.
   */
  static List<List<String>> assign(List<Candidate> images, String override, String archive) {
    if (override != null && hasTagOrDigest(override) && images.size() != 1) {
      throw new InvalidArgumentException(
          archive + " holds " + images.size() + " images; a name with a tag (" + override
              + ") can name only one: pass a repository name without a tag to keep each"
              + " image's own tag");
    }
    List<List<String>> out = new ArrayList<>();
    Set<String> taken = new LinkedHashSet<>();
    for (Candidate c : images) {
      List<String> names = namesOf(c, override, archive);
      for (String n : names) {
        if (!taken.add(n)) {
          throw new InvalidArgumentException(
              "two images in " + archive + " would both be named " + n);
        }
      }
      out.add(names);
    }
    return out;
  }

  private static List<String> namesOf(Candidate c, String override, String archive) {
    if (override != null) {
      if (hasTagOrDigest(override)) {
        return List.of(override);
      }
      Set<String> tags = new LinkedHashSet<>();
      for (String full : c.fullNames()) {
        String t = tagOf(full);
        if (t != null) {
          tags.add(t);
        }
      }
      if (c.bareTag() != null) {
        tags.add(c.bareTag());
      }
      return tags.isEmpty() ? List.of(override) : tags.stream().map(t -> override + ":" + t)
          .toList();
    }
    if (!c.fullNames().isEmpty()) {
      return List.copyOf(new LinkedHashSet<>(c.fullNames()));
    }
    if (c.bareTag() != null) {
      throw new InvalidArgumentException(
          c.describe() + " in " + archive + " has only the tag '" + c.bareTag()
              + "', no repository name: pass --name REPOSITORY to import it as REPOSITORY:"
              + c.bareTag());
    }
    throw new InvalidArgumentException(
        c.describe() + " in " + archive + " has no name (no io.containerd.image.name or"
            + " org.opencontainers.image.ref.name annotation, no RepoTags): pass --name NAME");
  }
}
