#!/usr/bin/env bash
# Builds the sample image: an OCI image layout at OUTDIR and an OCI archive of it at OUTDIR.tar,
# named sample:latest (io.containerd.image.name docker.io/layerd/sample:latest).
#
# Four layers (three gzip, the top one uncompressed) written by GNU tar from staged files, with
# fixed names, order, owners and times, so the digests are the same on every run. Together they
# exercise what a layer applier must get right: modes (setuid, setgid, sticky), owners, symlinks
# (relative and absolute), a hardlink, a FIFO, a user xattr, files and a directory replaced in a
# later layer, directory metadata changed in a later layer, whiteouts of a file, a symlink and a
# directory, a directory recreated after its whiteout, and an opaque directory.
#
# Usage: scripts/make-sample-image.sh OUTDIR
# Needs: bash, GNU tar, gzip, sha256sum, mkfifo (Debian base tools). Root is not needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib/oci-layout.sh"

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR   (writes OUTDIR/ as an OCI layout and OUTDIR.tar as an OCI archive)" >&2
  exit 2
fi
out="${1%/}"
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -e "$out/oci-layout" ]; then
  echo "make-sample-image: $out exists and is not an OCI layout; not touching it" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
work="$(mktemp -d "$(dirname "$out")/.sample-work.XXXXXX")"
trap 'rm -rf "$work"' EXIT
umask 022

# Every entry's mtime (2024-01-01T00:00:00Z).
mtime=1704067200

# --- A small language for staging one layer; entries go into the tar in declaration order. ---
# Declare parents before children. OWN is UID:GID. Modes are applied when the layer ends, so a
# directory may be declared read-only and still receive its children.
stage=""
layer_no=0
keys=()   # per entry: "UID:GID|extra pax option" (entries with equal keys share a tar run)
paths=()
modes=()

layer_begin() {
  stage="$work/stage$layer_no"
  mkdir "$stage"
  keys=()
  paths=()
  modes=()
}

entry() { keys+=("$1"); paths+=("$2"); modes+=("$3"); }

# d PATH MODE OWN: directory
d() { mkdir -p "$stage/$1"; entry "$3|" "$1" "$2"; }

# f PATH MODE OWN CONTENT: regular file (CONTENT goes through printf %b)
f() { printf '%b' "$4" >"$stage/$1"; entry "$3|" "$1" "$2"; }

# fbig PATH MODE OWN BYTES: regular file of BYTES deterministic bytes
fbig() { { yes 'layerd sample data 0123456789abcdef' || true; } | head -c "$4" >"$stage/$1"; entry "$3|" "$1" "$2"; }

# fx PATH MODE OWN CONTENT XATTR VALUE: regular file carrying one extended attribute, written as
# a PAX SCHILY.xattr record so that the staging file system needs no xattr support
fx() {
  printf '%b' "$4" >"$stage/$1"
  entry "$3|SCHILY.xattr.$5:=$6" "$1" "$2"
}

# l PATH TARGET OWN: symbolic link
l() { ln -s "$2" "$stage/$1"; entry "$3|" "$1" ""; }

# h PATH TARGET: hard link to TARGET, declared right after TARGET (same tar run)
h() {
  local i
  for i in "${!paths[@]}"; do
    if [ "${paths[$i]}" = "$2" ]; then
      ln "$stage/$2" "$stage/$1"
      entry "${keys[$i]}" "$1" ""
      return 0
    fi
  done
  echo "make-sample-image: hardlink target $2 not declared in this layer" >&2
  return 1
}

# p PATH MODE OWN: FIFO
p() { mkfifo "$stage/$1"; entry "$3|" "$1" "$2"; }

# wh DIR NAME: whiteout deleting DIR/NAME of lower layers
wh() { f "$1/.wh.$2" 0644 0:0 ""; }

# opq DIR: marks DIR opaque: lower layers' content of DIR disappears
opq() { f "$1/.wh..wh..opq" 0644 0:0 ""; }

# layer_end COMPRESSION: writes the staged entries as a tar and adds it to the layout.
layer_end() {
  local tarfile="$work/layer$layer_no.tar" part="$work/part.tar" i j n="${#paths[@]}" own pax
  for ((i = n - 1; i >= 0; i--)); do
    [ -z "${modes[$i]}" ] || chmod "${modes[$i]}" "$stage/${paths[$i]}"
  done

  # One tar run per stretch of entries with the same owner and extra PAX records, joined with
  # --concatenate (--append would drop the per-file records).
  i=0
  while [ "$i" -lt "$n" ]; do
    j="$i"
    while [ "$j" -lt "$n" ] && [ "${keys[$j]}" = "${keys[$i]}" ]; do j=$((j + 1)); done
    own="${keys[$i]%%|*}"
    pax="${keys[$i]#*|}"
    # GNU tar writes "key:=value" records only into an extended header it writes anyway; a
    # fixed atime record makes it write one (and keeps the output stable).
    if [ -n "$pax" ]; then
      pax="delete=ctime,atime:=$mtime,$pax"
    else
      pax="delete=atime,delete=ctime"
    fi
    tar -c -f "$part" -C "$stage" --format=posix --no-recursion \
      --numeric-owner --owner="${own%%:*}" --group="${own#*:}" --mtime="@$mtime" \
      --pax-option=exthdr.name=%d/PaxHeaders/%f --pax-option="$pax" \
      -- "${paths[@]:$i:$((j - i))}"
    if [ "$i" -eq 0 ]; then
      mv "$part" "$tarfile"
    else
      tar -A -f "$tarfile" "$part"
    fi
    i="$j"
  done

  oci_add_layer "$out.new" "$tarfile" "$1"
  chmod -R u+w "$stage"
  layer_no=$((layer_no + 1))
}

rm -rf "$out.new"
oci_init "$out.new"

# --- Layer 0 (gzip): a small base system. ---
layer_begin
d bin 0755 0:0
f bin/hello 0755 0:0 '#!/bin/sh\necho hello from the layerd sample\n'
h bin/hello-again bin/hello
f bin/su-sample 4755 0:0 '#!/bin/sh\n# a setuid program\n'
f bin/tool 0755 0:0 'tool v1\n'
d data 0755 0:0
fbig data/blob.bin 0644 0:0 300000
d etc 0755 0:0
d etc/conf.d 0755 0:0
f etc/conf.d/a.conf 0644 0:0 'a=1\n'
l etc/localtime /usr/share/zoneinfo/UTC 0:0
f etc/motd 0644 0:0 'base motd\n'
f etc/passwd 0644 0:0 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n'
f etc/shadow 0640 0:42 'root:*:19000:0:99999:7:::\n'
d home 0755 0:0
d home/user 0750 1000:1000
f home/user/.profile 0644 1000:1000 'export PS1="$ "\n'
f home/user/notes.txt 0600 1000:1000 'deleted by layer 2\n'
d opt 0755 0:0
d opt/app 0755 0:0
f opt/app/old.conf 0644 0:0 'old\n'
d opt/app/plugins 0755 0:0
f opt/app/plugins/p1.so 0644 0:0 'p1\n'
d run 0755 0:0
p run/initctl 0600 0:0
d tmp 1777 0:0
d usr 0755 0:0
d usr/lib 0755 0:0
l usr/lib/libsample.so libsample.so.1 0:0
l usr/lib/libsample.so.1 libsample.so.1.0 0:0
f usr/lib/libsample.so.1.0 0644 0:0 'libsample v1\n'
d var 0755 0:0
d var/cache 0755 0:0
d var/cache/app 0755 0:0
f var/cache/app/a 0644 0:0 'a\n'
d var/cache/app/sub 0700 0:0
f var/cache/app/sub/b 0644 0:0 'b\n'
layer_end gzip

# --- Layer 1 (gzip): replacements, a type change each way, an xattr, new owners. ---
layer_begin
d bin 0755 0:0
l bin/tool hello 0:0
d etc 0755 0:0
f etc/conf.d 0644 0:0 'a file where a directory was\n'
fx etc/labelled.conf 0644 0:0 'carries a user xattr\n' user.layerd.note 'sample value'
f etc/motd 0600 0:0 'updated motd\n'
d srv 0755 0:0
d srv/shared 2775 0:100
f srv/shared/readme 0664 1000:100 'shared\n'
d srv/www 0750 33:33
f srv/www/index.html 0640 33:33 '<h1>sample</h1>\n'
d usr 0755 0:0
d usr/lib 0755 0:0
f usr/lib/libsample.so.1.0 0644 0:0 'libsample v2\n'
layer_end gzip

# --- Layer 2 (gzip): deletions. ---
layer_begin
d etc 0755 0:0
wh etc localtime
d home 0755 0:0
d home/user 0750 1000:1000
wh home/user notes.txt
d opt 0755 0:0
d opt/app 0755 0:0
opq opt/app
f opt/app/new.conf 0644 0:0 'new\n'
d var 0755 0:0
d var/cache 0755 0:0
wh var/cache app
layer_end gzip

# --- Layer 3 (uncompressed): a directory recreated after its whiteout, metadata changes. ---
layer_begin
d etc 0755 0:0
f etc/hostname 0644 0:0 'sample\n'
d srv 0755 0:0
d srv/www 0755 33:33
d var 0755 0:0
d var/cache 0755 0:0
d var/cache/app 0755 0:0
f var/cache/app/fresh 0644 65534:65534 'fresh\n'
layer_end none

oci_write_image "$out.new" "sample:latest" "docker.io/layerd/sample:latest"
rm -rf "$out" "$out.tar"
mv "$out.new" "$out"
oci_archive "$out" "$out.tar.new"
mv "$out.tar.new" "$out.tar"

echo "make-sample-image: wrote $out/ and $out.tar (sample:latest, manifest $OCI_LAST_DIGEST)"
