# shellcheck shell=bash
# Shell functions that write an OCI image layout (image-spec: oci-layout, index.json,
# blobs/sha256/<hex>) from plain tar files, with GNU tar, gzip, zstd and sha256sum only.
# Source this file; it defines functions and the OCI_* variables below and runs nothing.
#
# Typical use:
#   oci_init "$layout"
#   oci_add_layer "$layout" layer0.tar gzip      # once per layer, bottom first
#   oci_add_layer "$layout" layer1.tar none
#   oci_write_image "$layout" "sample:latest" "docker.io/layerd/sample:latest"
#   oci_archive "$layout" "$layout.tar"
#
# Determinism: blobs are named by content, gzip runs with -n (no name, no time), JSON is written
# in a fixed order with a fixed creation time, and the archive has fixed names, owners and times,
# so the same layer tars always give the same digests.

# Layer descriptors (JSON objects) and diff IDs (JSON strings), in layer order.
OCI_LAYERS=()
OCI_DIFF_IDS=()
# Outputs of the last oci_put_blob call.
OCI_LAST_DIGEST=""
OCI_LAST_SIZE=0
# Fixed creation time written into the image config.
OCI_CREATED="${OCI_CREATED:-2024-01-01T00:00:00Z}"

oci_die() {
  echo "oci-layout: $*" >&2
  return 1
}

# The OCI architecture name of this machine (amd64, arm64, ...).
oci_arch() {
  case "$(uname -m)" in
    x86_64) echo amd64 ;;
    aarch64) echo arm64 ;;
    armv7l | armv6l) echo arm ;;
    i?86) echo 386 ;;
    *) uname -m ;;
  esac
}

# oci_init LAYOUT: creates an empty layout directory and forgets earlier layers.
oci_init() {
  local layout="$1"
  [ ! -e "$layout" ] || [ -z "$(ls -A "$layout")" ] ||
    oci_die "$layout exists and is not empty" || return 1
  mkdir -p "$layout/blobs/sha256" || return 1
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  OCI_LAYERS=()
  OCI_DIFF_IDS=()
}

# oci_put_blob LAYOUT FILE: moves FILE into the layout under its digest.
# Sets OCI_LAST_DIGEST (sha256:<hex>) and OCI_LAST_SIZE.
oci_put_blob() {
  local layout="$1" file="$2" hex
  hex="$(sha256sum <"$file" | cut -d' ' -f1)" || return 1
  OCI_LAST_DIGEST="sha256:$hex"
  OCI_LAST_SIZE="$(stat -c %s "$file")" || return 1
  if [ -e "$layout/blobs/sha256/$hex" ]; then
    rm -f "$file"
  else
    chmod 0644 "$file" && mv "$file" "$layout/blobs/sha256/$hex" || return 1
  fi
}

# oci_put_json LAYOUT TEXT: stores TEXT as a blob (no trailing newline); see oci_put_blob.
oci_put_json() {
  local layout="$1" text="$2" tmp
  tmp="$(mktemp "$layout/blobs/.json.XXXXXX")" || return 1
  printf '%s' "$text" >"$tmp"
  oci_put_blob "$layout" "$tmp"
}

# oci_add_layer LAYOUT TAR COMPRESSION: compresses TAR (gzip, zstd or none), stores it, and
# appends its descriptor and diff ID (the sha256 of TAR itself). TAR is left in place.
oci_add_layer() {
  local layout="$1" tar="$2" compression="$3" diff tmp media
  diff="$(sha256sum <"$tar" | cut -d' ' -f1)" || return 1
  tmp="$(mktemp "$layout/blobs/.layer.XXXXXX")" || return 1
  case "$compression" in
    gzip)
      gzip -n -c <"$tar" >"$tmp" || return 1
      media="application/vnd.oci.image.layer.v1.tar+gzip" ;;
    zstd)
      zstd -q -c --no-progress <"$tar" >"$tmp" || return 1
      media="application/vnd.oci.image.layer.v1.tar+zstd" ;;
    none)
      cp "$tar" "$tmp" || return 1
      media="application/vnd.oci.image.layer.v1.tar" ;;
    *)
      rm -f "$tmp"
      oci_die "unknown compression '$compression' (gzip, zstd or none)"
      return 1 ;;
  esac
  oci_put_blob "$layout" "$tmp" || return 1
  OCI_LAYERS+=("{\"mediaType\":\"$media\",\"digest\":\"$OCI_LAST_DIGEST\",\"size\":$OCI_LAST_SIZE}")
  OCI_DIFF_IDS+=("\"sha256:$diff\"")
}

# oci_join SEP ITEM...: prints the items joined by SEP.
oci_join() {
  local sep="$1" out="" item
  shift
  for item in "$@"; do
    out+="${out:+$sep}$item"
  done
  printf '%s' "$out"
}

# oci_write_image LAYOUT REF_NAME [CONTAINERD_NAME]: writes the image config and manifest for
# the layers added so far, and index.json pointing at the manifest, annotated with
# org.opencontainers.image.ref.name = REF_NAME and, when given,
# io.containerd.image.name = CONTAINERD_NAME. Names must not contain '"' or '\'.
oci_write_image() {
  local layout="$1" ref="$2" cname="${3:-}" arch config manifest annotations
  [ "${#OCI_LAYERS[@]}" -gt 0 ] || oci_die "no layers added" || return 1
  case "$ref$cname" in *'"'* | *'\'*) oci_die "bad image name: $ref $cname"; return 1 ;; esac
  arch="$(oci_arch)"

  config="{\"created\":\"$OCI_CREATED\",\"architecture\":\"$arch\",\"os\":\"linux\","
  config+="\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],"
  config+="\"Cmd\":[\"/bin/sh\"]},"
  config+="\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$(oci_join , "${OCI_DIFF_IDS[@]}")]}}"
  oci_put_json "$layout" "$config" || return 1

  manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
  manifest+="\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
  manifest+="\"digest\":\"$OCI_LAST_DIGEST\",\"size\":$OCI_LAST_SIZE},"
  manifest+="\"layers\":[$(oci_join , "${OCI_LAYERS[@]}")]}"
  oci_put_json "$layout" "$manifest" || return 1

  annotations=""
  [ -z "$cname" ] || annotations+="\"io.containerd.image.name\":\"$cname\","
  annotations+="\"org.opencontainers.image.ref.name\":\"$ref\""
  printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\
\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\
\"digest\":\"$OCI_LAST_DIGEST\",\"size\":$OCI_LAST_SIZE,\
\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"},\
\"annotations\":{$annotations}}]}" >"$layout/index.json"
}

# oci_archive LAYOUT OUT.tar: writes an OCI archive, a tar of the layout's contents
# (oci-layout, index.json, blobs/...) with fixed order, owners and times.
oci_archive() {
  local layout="$1" out="$2"
  tar -C "$layout" -cf "$out" --format=posix --sort=name --numeric-owner --owner=0 --group=0 \
    --mtime=@0 --mode=u+rw,go+r,go-w \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --exclude='blobs/.*' oci-layout index.json blobs
}
