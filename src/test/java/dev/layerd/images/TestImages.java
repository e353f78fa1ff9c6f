package dev.layerd.images;

import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.ImageConfig;
import dev.layerd.oci.Index;
import dev.layerd.oci.Json;
import dev.layerd.oci.Manifest;
import dev.layerd.oci.MediaTypes;
import dev.layerd.oci.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Builds layers, images, OCI layouts and docker-archives in memory for tests. */
final class TestImages {
  private TestImages() {}

  /** A blob with its descriptor. */
  record Blob(Descriptor desc, byte[] bytes) {
    static Blob of(String mediaType, byte[] bytes) {
      return new Blob(new Descriptor(mediaType, Digest.sha256(bytes), bytes.length), bytes);
    }

    Digest digest() {
      return desc.digest();
    }
  }

  /** An image: its manifest, config and layers (plus the uncompressed layers for diffIDs). */
  record Img(Blob manifest, Blob config, List<Blob> layers, List<byte[]> tars) {
    List<Blob> blobs() {
      List<Blob> out = new ArrayList<>(layers);
      out.add(config);
      out.add(manifest);
      return out;
    }
  }

  /** A tar holding the given files (path -> content). */
  static byte[] tar(Map<String, byte[]> files) {
    return tar(files, Map.of());
  }

  /** A tar holding the given files, then symbolic links (path -> link target). */
  static byte[] tar(Map<String, byte[]> files, Map<String, String> symlinks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (var e : symlinks.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), TarArchiveEntry.LF_SYMLINK);
        entry.setLinkName(e.getValue());
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
      }
      for (var e : files.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
        entry.setSize(e.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** An image of {@code layers} small layers (gzip when asked) for {@code platform}. */
  static Img image(Platform platform, int layers, boolean gzip, String seed) {
    List<byte[]> tars = new ArrayList<>();
    List<Blob> blobs = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      byte[] t = tar(Map.of("file-" + i, utf8(seed + " layer " + i + " " + platform)));
      tars.add(t);
      diffIds.add(Digest.sha256(t));
      blobs.add(gzip ? Blob.of(MediaTypes.OCI_LAYER_GZIP, gzip(t))
          : Blob.of(MediaTypes.OCI_LAYER, t));
    }
    ImageConfig cfg = new ImageConfig(platform.architecture(), platform.os(),
        platform.variant().isEmpty() ? null : platform.variant(),
        new ImageConfig.RootFs("layers", diffIds));
    Blob config = Blob.of(MediaTypes.OCI_CONFIG, Json.write(cfg));
    Manifest m = new Manifest(2, MediaTypes.OCI_MANIFEST, config.desc(),
        blobs.stream().map(Blob::desc).toList(), Map.of());
    Blob manifest = Blob.of(MediaTypes.OCI_MANIFEST, Json.write(m));
    return new Img(manifest, config, blobs, tars);
  }

  static Blob index(List<Descriptor> manifests) {
    return Blob.of(MediaTypes.OCI_INDEX,
        Json.write(new Index(2, MediaTypes.OCI_INDEX, manifests, Map.of())));
  }

  static Descriptor withPlatform(Descriptor d, Platform p) {
    return new Descriptor(d.mediaType(), d.digest(), d.size(), d.urls(), d.annotations(), p);
  }

  static Descriptor named(Descriptor d, String key, String value) {
    Map<String, String> a = new LinkedHashMap<>(d.annotations());
    a.put(key, value);
    return d.withAnnotations(a);
  }

  /** An OCI layout: the files it consists of, path -> bytes. */
  static Map<String, byte[]> layout(List<Descriptor> entries, List<Blob> blobs) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("oci-layout", utf8("{\"imageLayoutVersion\":\"1.0.0\"}"));
    for (Blob b : blobs) {
      files.put("blobs/sha256/" + b.digest().hex(), b.bytes());
    }
    files.put("index.json",
        Json.write(new Index(2, MediaTypes.OCI_INDEX, entries, Map.of())));
    return files;
  }

  static Path writeDir(Path dir, Map<String, byte[]> files) throws IOException {
    for (var e : files.entrySet()) {
      Path p = dir.resolve(e.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, e.getValue());
    }
    return dir;
  }

  static Path writeFile(Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes);
    return file;
  }

  /** A docker-archive ({@code docker save} layout) of {@code img} tagged {@code repoTags}. */
  static Map<String, byte[]> dockerArchive(Img img, List<String> repoTags) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    List<String> layerPaths = new ArrayList<>();
    for (int i = 0; i < img.layers().size(); i++) {
      String p = "layer" + i + "/layer.tar";
      files.put(p, img.layers().get(i).bytes());
      layerPaths.add(p);
    }
    String configPath = img.config().digest().hex() + ".json";
    files.put(configPath, img.config().bytes());
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("Config", configPath);
    entry.put("RepoTags", repoTags);
    entry.put("Layers", layerPaths);
    files.put("manifest.json", Json.write(List.of(entry)));
    return files;
  }
}
