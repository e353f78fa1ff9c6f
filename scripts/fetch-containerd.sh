#!/usr/bin/env bash
# Fetches containerd 1.7 (containerd and ctr) from Debian trixie and unpacks it into DESTDIR
# (default: .work/containerd in the repository), for the interop tests. The machine's apt
# configuration is left alone: a private sources list, lists and cache live in a temporary
# directory. Idempotent: does nothing when DESTDIR already holds a containerd 1.7.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$repo/.work/containerd}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

installed_version() {
  [ -x "$dest/usr/bin/containerd" ] || return 1
  "$dest/usr/bin/containerd" --version 2>/dev/null | awk '{print $3}'
}

if v="$(installed_version)" && [[ "$v" == 1.7.* || "$v" == v1.7.* ]]; then
  echo "containerd $v already in $dest"
  exit 0
fi

# The first URI ending in /debian on lines that FIELD starts (deb822 "URIs:" or one-line "deb").
debian_uri() {
  awk -v field="$1" '$1 == field {
    for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit }
  }' "$2"
}

# The Debian mirror the machine already uses, else the public one.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  mirror="$(debian_uri URIs: "$f")"
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror="$(debian_uri deb /etc/apt/sources.list)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"
if [ ! -f "$keyring" ]; then
  echo "fetch-containerd: $keyring missing (apt-get install debian-archive-keyring)" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/download"
cat > "$tmp/trixie.sources" <<SRC
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: $keyring
SRC

apt_opts=(
  -o "Dir::Etc::SourceList=$tmp/trixie.sources"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$tmp/lists"
  -o "Dir::Cache=$tmp/cache"
  -o "Dir::State::Status=/dev/null"
  -o "APT::Architecture=$(dpkg --print-architecture)"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=$(id -un)"
)
echo "fetch-containerd: reading trixie package lists from $mirror"
apt-get -q "${apt_opts[@]}" update >/dev/null

(cd "$tmp/download" && apt-get -q "${apt_opts[@]}" download containerd >/dev/null)
deb="$(ls "$tmp"/download/containerd_*.deb)"
mkdir -p "$dest"
dpkg -x "$deb" "$dest"

if ! v="$(installed_version)"; then
  echo "fetch-containerd: $dest/usr/bin/containerd does not run" >&2
  exit 1
fi
case "$v" in
  1.7.*|v1.7.*) echo "containerd $v unpacked into $dest" ;;
  *) echo "fetch-containerd: trixie gave containerd $v, expected 1.7.x" >&2; exit 1 ;;
esac
