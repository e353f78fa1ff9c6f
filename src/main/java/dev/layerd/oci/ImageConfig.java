package dev.layerd.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The parts of an image config layerd needs: platform and the layers' diffIDs. Everything else in
 * the config is kept in the stored blob and ignored here.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageConfig(
    @JsonProperty("architecture") String architecture,
    @JsonProperty("os") String os,
    @JsonProperty("variant") String variant,
    @JsonProperty("rootfs") RootFs rootfs) {

  public ImageConfig {
    rootfs = rootfs == null ? new RootFs("layers", List.of()) : rootfs;
  }

  /** The diffIDs, one per manifest layer, bottom first. */
  public List<Digest> diffIds() {
    return rootfs.diffIds();
  }

  /** {@code rootfs} of an image config. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RootFs(
      @JsonProperty("type") String type, @JsonProperty("diff_ids") List<Digest> diffIds) {
    public RootFs {
      diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
    }
  }
}
