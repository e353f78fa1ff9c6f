#!/usr/bin/env bash
# Prints a deterministic listing of a directory tree, one line per entry, sorted by path, for
# comparing the trees that different tools make from the same layers (diff the listings):
#
#   PATH TYPE MODE UID:GID [size=N sha256=HEX] [target=LINK] [dev=MAJOR,MINOR]
#        [hardlink=FIRST] [mtime=SECONDS] [xattr.NAME=0xHEX ...]
#
# TYPE is find's letter (f d l p s c b). MODE is octal with the setuid, setgid and sticky bits.
# Regular files carry size and sha256; links their target; devices (overlay whiteouts are
# character devices 0,0) their numbers. Files with more than one link name the first path of
# their group in sorted order, so the groups compare across trees. Extended attributes of every
# namespace readable to the caller are listed, sorted (trusted.* needs root). Paths are relative
# to DIR ("." is DIR itself); backslash, space and bytes outside printable ASCII are written as
# \ooo octal, as getfattr writes them.
#
# Usage: scripts/tree-manifest.sh [--mtime] [--no-xattrs] DIR
#   --mtime      also print each entry's modification time (whole seconds)
#   --no-xattrs  leave extended attributes out (needs no getfattr)
# Needs: GNU find, sort, sha256sum, stat; getfattr (Debian package attr) for xattrs.
set -euo pipefail
export LC_ALL=C

with_mtime=false
with_xattrs=true
while [ $# -gt 0 ]; do
  case "$1" in
    --mtime) with_mtime=true; shift ;;
    --no-xattrs) with_xattrs=false; shift ;;
    --) shift; break ;;
    -*) echo "tree-manifest: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 [--mtime] [--no-xattrs] DIR" >&2
  exit 2
fi
cd "$1"

# escape STRING: sets esc to the path as printed (octal escapes for \, space, control and
# non-ASCII bytes). Sets a variable rather than printing, to spare a subshell per entry.
escape() {
  local s="$1" c i v
  esc=""
  case "$s" in
    *[!A-Za-z0-9./_+,:@%=~^-]*) ;;
    *) esc="$s"; return ;;
  esac
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [!\ -~] | '\' | ' ')
        printf -v v '%d' "'$c"
        [ "$v" -ge 0 ] || v=$((v + 256))
        printf -v c '\\%03o' "$v" ;;
    esac
    esc+="$c"
  done
}

# unoctal STRING: decodes getfattr's \ooo escapes.
unoctal() {
  local s="$1" out="" c
  while [[ "$s" == *'\'* ]]; do
    out+="${s%%\\*}"
    s="${s#*\\}"
    # shellcheck disable=SC2059  # the format is the escape itself
    printf -v c "\\${s:0:3}"
    out+="$c"
    s="${s:3}"
  done
  printf '%s' "$out$s"
}

declare -A sha=() xattrs=() firstlink=()

# Content hashes, one sha256sum for the whole tree (-z: NUL records, names unescaped).
while IFS= read -r -d '' rec; do
  sha["${rec#*  }"]="${rec%%  *}"
done < <(find . -type f -print0 | xargs -0 -r sha256sum -z)

# Extended attributes, one getfattr walk (values in hex), keyed by the printed name.
if $with_xattrs; then
  if ! command -v getfattr >/dev/null; then
    echo "tree-manifest: getfattr not found (install the attr package, or pass --no-xattrs)" >&2
    exit 1
  fi
  file=""
  while IFS= read -r line; do
    case "$line" in
      '# file: '*) escape "$(unoctal "${line#\# file: }")"; file="$esc" ;;
      '') ;;
      *=*) xattrs["$file"]+=" xattr.${line%%=*}=${line#*=}" ;;
      *) xattrs["$file"]+=" xattr.$line=" ;;
    esac
  done < <(getfattr -R -P -h -d -m - -e hex . 2>/dev/null | sed 's/^# file: \.\//# file: /')
fi

# One record per entry, fields split by the unit separator, records sorted by path.
sep=$'\x1f'
list="$(mktemp "${TMPDIR:-/tmp}/tree-manifest.XXXXXX")"
trap 'rm -f "$list"' EXIT
find . -printf "%p$sep%y$sep%m$sep%U$sep%G$sep%i$sep%n$sep%s$sep%T@$sep%l\0" | sort -z >"$list"

while IFS="$sep" read -r -d '' path type mode uid gid ino nlink size mt target; do
  case "$path$target" in
    *$'\n'* | *"$sep"*) echo "tree-manifest: unprintable name under $PWD: $path" >&2; exit 1 ;;
  esac
  escape "${path#./}"
  name="$esc"
  printf -v line '%s %s %04o %s:%s' "$name" "$type" "0$mode" "$uid" "$gid"
  case "$type" in
    f) line+=" size=$size sha256=${sha["$path"]:-?}" ;;
    l) escape "$target"; line+=" target=$esc" ;;
    c | b) line+=" dev=$(stat -c '%Hr,%Lr' -- "$path")" ;;
  esac
  if [ "$type" != d ] && [ "$nlink" -gt 1 ]; then
    [ -n "${firstlink[$ino]:-}" ] || firstlink[$ino]="$name"
    line+=" hardlink=${firstlink[$ino]}"
  fi
  $with_mtime && line+=" mtime=${mt%.*}"
  if $with_xattrs && [ -n "${xattrs[$name]:-}" ]; then
    line+=" $(tr ' ' '\n' <<<"${xattrs[$name]# }" | sort | paste -sd ' ')"
  fi
  printf '%s\n' "$line"
done <"$list"
