package dev.layerd.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.layerd.errdefs.InvalidArgumentException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** An OCI content descriptor: what a blob is, its digest and size. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Descriptor(
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("digest") Digest digest,
    @JsonProperty("size") long size,
    @JsonProperty("urls") List<String> urls,
    @JsonProperty("annotations") Map<String, String> annotations,
    @JsonProperty("platform") Platform platform) {

  public Descriptor {
    Objects.requireNonNull(digest, "digest");
    if (size < 0) {
      throw new InvalidArgumentException("negative size " + size + " for " + digest);
    }
    mediaType = mediaType == null ? "" : mediaType;
    urls = urls == null ? List.of() : List.copyOf(urls);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, List.of(), Map.of(), null);
  }

  public Descriptor withAnnotations(Map<String, String> annotations) {
    return new Descriptor(mediaType, digest, size, urls, annotations, platform);
  }

  public Descriptor withMediaType(String mediaType) {
    return new Descriptor(mediaType, digest, size, urls, annotations, platform);
  }

  @Override
  public String toString() {
    return mediaType + "@" + digest + " (" + size + " bytes)";
  }
}
