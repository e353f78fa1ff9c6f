#!/usr/bin/env bash
# layerd end to end on the sample image: build it, import it, unpack it into overlay snapshots,
# show the snapshot chain, mount the top snapshot read-only and list the merged tree. When umoci
# is installed, the listing must equal the tree umoci unpacks from the same image.
# Runs as root (overlay mounts). Works under .work/ in the repository; leaves no mount behind.
#
# Usage: ./scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (it mounts overlay file systems)" >&2
  exit 1
fi

work="$PWD/.work"
root="$work/root"
mnt="$work/mnt"
mkdir -p "$work"

# Leftovers of an interrupted run: unmount, then start from an empty root.
if mountpoint -q "$mnt"; then umount "$mnt"; fi
rm -rf "$root" "$work/umoci"

cleanup() {
  if mountpoint -q "$mnt"; then
    ./layerd --root "$root" unmount "$mnt" || umount "$mnt"
  fi
  rm -rf "$work/umoci"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
layerd() { ./layerd --root "$root" "$@"; }

step "build the sample image"
scripts/make-sample-image.sh "$work/sample"

step "layerd image import"
layerd image import "$work/sample.tar" --name sample:latest
layerd image ls

step "layerd unpack"
layerd unpack sample:latest

step "layerd snapshot tree"
layerd snapshot tree

step "layerd mount (read-only)"
mkdir -p "$mnt"
layerd mount sample:latest "$mnt"
scripts/tree-manifest.sh "$mnt" | tee "$work/layerd-tree.txt"
layerd unmount "$mnt"

if command -v umoci >/dev/null; then
  step "compare with umoci"
  umoci unpack --image "$work/sample:sample:latest" "$work/umoci" >/dev/null
  scripts/tree-manifest.sh "$work/umoci/rootfs" >"$work/umoci-tree.txt"
  # The root directory itself belongs to the mount point, not to the image.
  if ! diff -u <(grep -v '^\. ' "$work/umoci-tree.txt") <(grep -v '^\. ' "$work/layerd-tree.txt")
  then
    echo "demo: FAIL: layerd's tree differs from umoci's (- umoci, + layerd)" >&2
    exit 1
  fi
  echo "same tree as umoci: $(grep -vc '^\. ' "$work/layerd-tree.txt") entries"
fi

step "done"
