package dev.layerd.images;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.layerd.content.ContentInfo;
import dev.layerd.content.ContentStore;
import dev.layerd.errdefs.DigestMismatchException;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.errdefs.NotFoundException;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.oci.ImageConfig;
import dev.layerd.oci.Json;
import dev.layerd.oci.Manifest;
import dev.layerd.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the images of a scanned {@code docker save} archive into OCI manifests. Layers keep
 * their bytes; their media type comes from their magic (plain tar, gzip, zstd). An uncompressed
 * layer's digest is its diffID, so it is checked against the config here; compressed layers are
 * checked by the unpacker, which computes the diffID anyway.
 */
final class DockerArchive {
  private static final Pattern CONFIG_NAME = Pattern.compile("(?:.*/)?([0-9a-f]{64})(?:\\.json)?");

  /** One entry of {@code manifest.json}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Entry(
      @JsonProperty("Config") String config,
      @JsonProperty("RepoTags") List<String> repoTags,
      @JsonProperty("Layers") List<String> layers) {
    Entry {
      repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
      layers = layers == null ? List.of() : List.copyOf(layers);
    }
  }

  /** A converted image: its new manifest descriptor and what names it. */
  record Converted(Descriptor manifest, List<String> repoTags) {}

  private final ArchiveScan scan;
  private final ContentStore store;

  DockerArchive(ArchiveScan scan, ContentStore store) {
    this.scan = scan;
    this.store = store;
  }

  List<Converted> convert() throws IOException {
    List<Entry> entries;
    try {
      entries = Json.mapper().readValue(scan.document("manifest.json"), new TypeReference<>() {});
    } catch (IOException e) {
      throw new InvalidArgumentException(
          "malformed manifest.json in " + scan.archive() + ": " + e.getMessage(), e);
    }
    if (entries == null || entries.isEmpty()) {
      throw new InvalidArgumentException("manifest.json in " + scan.archive() + " lists no image");
    }
    List<Converted> out = new ArrayList<>();
    for (Entry e : entries) {
      out.add(new Converted(convert(e), e.repoTags()));
    }
    return out;
  }

  private Descriptor convert(Entry e) throws IOException {
    if (e.config() == null) {
      throw new InvalidArgumentException(
          "an entry of manifest.json in " + scan.archive() + " names no Config");
    }
    ContentInfo configInfo = require(e.config(), "config");
    checkConfigName(e.config(), configInfo.digest());
    Descriptor config =
        new Descriptor(MediaTypes.OCI_CONFIG, configInfo.digest(), configInfo.size());
    ImageConfig parsed =
        Json.parse(Images.readBlob(store, config), ImageConfig.class,
            "config " + e.config() + " in " + scan.archive());
    List<Digest> diffIds = parsed.diffIds();
    if (diffIds.size() != e.layers().size()) {
      throw new InvalidArgumentException(
          "config " + e.config() + " in " + scan.archive() + " lists " + diffIds.size()
              + " diff_ids but manifest.json lists " + e.layers().size() + " layers");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (int i = 0; i < e.layers().size(); i++) {
      String path = e.layers().get(i);
      ContentInfo info = require(path, "layer");
      String mediaType = layerMediaType(info.digest());
      if (mediaType.equals(MediaTypes.OCI_LAYER) && !info.digest().equals(diffIds.get(i))) {
        throw new DigestMismatchException(
            diffIds.get(i).toString(), info.digest().toString(),
            "layer " + path + " in " + scan.archive());
      }
      layers.add(new Descriptor(mediaType, info.digest(), info.size()));
    }
    Manifest m = new Manifest(2, MediaTypes.OCI_MANIFEST, config, layers, Map.of());
    byte[] json = Json.write(m);
    ContentInfo stored = store.write(new ByteArrayInputStream(json), Map.of());
    return new Descriptor(MediaTypes.OCI_MANIFEST, stored.digest(), stored.size());
  }

  private ContentInfo require(String path, String what) throws IOException {
    ContentInfo info = scan.file(path);
    if (info == null) {
      throw new NotFoundException(
          what + " " + path + " listed in manifest.json is missing from " + scan.archive());
    }
    return info;
  }

  /** A config named by its digest ({@code <hex>.json}, {@code blobs/sha256/<hex>}) must match. */
  private void checkConfigName(String path, Digest actual) {
    Matcher m = CONFIG_NAME.matcher(path);
    if (m.matches() && !m.group(1).equals(actual.hex())) {
      throw new DigestMismatchException(
          "sha256:" + m.group(1), actual.toString(), "config " + path + " in " + scan.archive());
    }
  }

  private String layerMediaType(Digest d) throws IOException {
    byte[] magic;
    try (InputStream in = store.open(d)) {
      magic = in.readNBytes(4);
    }
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return MediaTypes.OCI_LAYER_GZIP;
    }
    if (magic.length == 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return MediaTypes.OCI_LAYER_ZSTD;
    }
    return MediaTypes.OCI_LAYER;
  }
}
