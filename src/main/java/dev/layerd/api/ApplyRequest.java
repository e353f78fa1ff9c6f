package dev.layerd.api;

import java.nio.file.Path;
import java.util.List;

/**
 * How {@link Layerd#applyLayer} applies a layer file onto a directory.
 *
 * @param differ the differ to use; null: the diff service's configured order
 * @param mediaType the layer's media type; null: plain tar (compression is sniffed anyway)
 * @param parents lower layer directories, top first: the directory is then the upper layer of an
 *     overlay over them (overlay whiteouts); none: the directory is the whole tree
 * @param parallel apply as parallel unpack would (the lower layers are not consulted)
 */
public record ApplyRequest(String differ, String mediaType, List<Path> parents, boolean parallel) {
  public ApplyRequest {
    parents = parents == null ? List.of() : List.copyOf(parents);
  }

  public static ApplyRequest defaults() {
    return new ApplyRequest(null, null, List.of(), false);
  }
}
