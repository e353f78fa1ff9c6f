package dev.layerd.server;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import dev.layerd.content.ContentInfo;
import dev.layerd.diff.Payload;
import dev.layerd.errdefs.InvalidArgumentException;
import dev.layerd.mount.Mount;
import dev.layerd.oci.Descriptor;
import dev.layerd.oci.Digest;
import dev.layerd.server.proto.content.v1.Info;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Conversions between the generated wire types and layerd's own values, in one place. */
final class Protos {
  private Protos() {}

  /** A layerd descriptor from the wire; a missing or malformed digest is an invalid argument. */
  static Descriptor descriptor(dev.layerd.server.proto.types.Descriptor d, String what) {
    if (d.getDigest().isEmpty()) {
      throw new InvalidArgumentException(what + ": descriptor has no digest");
    }
    Digest digest;
    try {
      digest = Digest.parse(d.getDigest());
    } catch (InvalidArgumentException e) {
      throw new InvalidArgumentException(what + ": " + e.getMessage(), e);
    }
    return new Descriptor(d.getMediaType(), digest, d.getSize(), List.of(),
        d.getAnnotationsMap(), null);
  }

  static dev.layerd.server.proto.types.Descriptor descriptor(Descriptor d) {
    return dev.layerd.server.proto.types.Descriptor.newBuilder()
        .setMediaType(d.mediaType())
        .setDigest(d.digest().toString())
        .setSize(d.size())
        .putAllAnnotations(d.annotations())
        .build();
  }

  /** layerd mounts from the wire, in order; the target field has no meaning here and is dropped. */
  static List<Mount> mounts(List<dev.layerd.server.proto.types.Mount> mounts) {
    List<Mount> out = new ArrayList<>(mounts.size());
    for (dev.layerd.server.proto.types.Mount m : mounts) {
      if (m.getType().isEmpty()) {
        throw new InvalidArgumentException("mount of " + m.getSource() + " has no type");
      }
      out.add(Mount.of(m.getType(), m.getSource(), m.getOptionsList()));
    }
    return List.copyOf(out);
  }

  static dev.layerd.server.proto.types.Mount mount(Mount m) {
    return dev.layerd.server.proto.types.Mount.newBuilder()
        .setType(m.type())
        .setSource(m.source())
        .addAllOptions(m.options())
        .build();
  }

  static Map<String, Payload> payloads(Map<String, Any> payloads) {
    Map<String, Payload> out = new LinkedHashMap<>();
    payloads.forEach((k, v) -> out.put(k, new Payload(v.getTypeUrl(), v.getValue().toByteArray())));
    return out;
  }

  static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  static ContentInfo info(Info i) {
    return new ContentInfo(
        Digest.parse(i.getDigest()),
        i.getSize(),
        i.hasCreatedAt() ? instant(i.getCreatedAt()) : null,
        i.hasUpdatedAt() ? instant(i.getUpdatedAt()) : null,
        i.getLabelsMap());
  }

  /** A short account of the mounts for log lines: type and the directories that matter. */
  static String summary(List<Mount> mounts) {
    if (mounts.isEmpty()) {
      return "no mounts";
    }
    List<String> parts = new ArrayList<>();
    for (Mount m : mounts) {
      parts.add(switch (m) {
        case dev.layerd.mount.BindMount b ->
            "bind " + b.sourceDir() + (b.readOnly() ? " (ro)" : "");
        case dev.layerd.mount.OverlayMount o ->
            "overlay upper=" + o.upperDir() + " lowers=" + o.lowerDirs().size();
        case dev.layerd.mount.OtherMount x -> x.type() + " " + x.source();
      });
    }
    return String.join(", ", parts);
  }

  /** Like {@link #summary} for mounts that did not parse. */
  static String rawSummary(List<dev.layerd.server.proto.types.Mount> mounts) {
    if (mounts.isEmpty()) {
      return "no mounts";
    }
    List<String> parts = new ArrayList<>();
    for (dev.layerd.server.proto.types.Mount m : mounts) {
      parts.add(m.getType() + " " + m.getSource());
    }
    return String.join(", ", parts);
  }
}
