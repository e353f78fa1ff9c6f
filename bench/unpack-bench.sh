#!/usr/bin/env bash
# Unpack benchmark: layerd (parallel, sequential, the largest layer alone) against umoci and GNU
# tar, on one multi-layer gzip image built from this machine's own files, in one run.
#
# The image has 7 layers cut from /usr (bin, the multiarch libraries, share, include, ...) by
# byte budget, the largest about 55% of the bytes, so that the critical path of a parallel
# unpack is that one layer. Each measurement is the median of --runs runs; the commands take
# turns run by run, every run writes a fresh tree (layerd: a fresh --root; imports happen
# outside the timed region) and all trees stay until the end, because on ext4 deleting many
# files slows down file creation for minutes afterwards. Wall time and peak RSS come from
# GNU time, and so does CPU time (user plus system). Page cache is warm; there is no final sync.
#
# Usage: bench/unpack-bench.sh [options]
#   --mib N          total uncompressed image size in MiB (default 280)
#   --runs N         runs per command (default 3)
#   --work DIR       work directory (default .work/bench in the repository)
#   --rootfs DIR     cut the layers from DIR instead of / (any root file system tree)
#   --debootstrap    cut them from a Debian minbase made with debootstrap (if installed)
#   --settle SEC     after deleting an earlier run's trees, wait SEC seconds (default 120)
#   --verify         also check that layerd's merged tree equals GNU tar's
#   --keep           keep the extracted trees at the end
#   --fresh-fs GIB   extract onto a new ext4 file system of GIB GiB (a sparse loop file in the
#                    work directory, made with mkfs.ext4 and removed at the end), so that files
#                    deleted earlier on the machine's own disk cannot slow file creation
#   --keep-caches    do not drop the page cache before each measurement (see below)
#   --build-only     build the image, print its layers and stop (needs no layerd)
#
# Before each measurement the page cache is dropped and the inputs (the image's blobs, the JDK,
# layerd's jar) are read back in. On a virtual machine whose memory the host backs lazily, memory
# the guest has not touched since boot costs several times more the first time it is written, so
# a page cache that grows run after run made each later command slower (system time of a
# parallel unpack 0.6 s after a drop, 1.7 s without); after a drop, pages are reused.
# Environment: LAYERD (default ./layerd), UMOCI (default umoci).
# Runs as root. Needs GNU tar, gzip, GNU time (/usr/bin/time); umoci optional.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$repo/scripts/lib/oci-layout.sh"

mib=280
runs=3
work="$repo/.work/bench"
rootfs=/
use_debootstrap=false
settle=120
verify=false
keep=false
fresh_gib=""
fs_cleanup=":"
build_only=false
drop_caches=true
while [ $# -gt 0 ]; do
  case "$1" in
    --mib) mib="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --rootfs) rootfs="$2"; shift 2 ;;
    --debootstrap) use_debootstrap=true; shift ;;
    --settle) settle="$2"; shift 2 ;;
    --verify) verify=true; shift ;;
    --keep) keep=true; shift ;;
    --keep-caches) drop_caches=false; shift ;;
    --fresh-fs) fresh_gib="$2"; shift 2 ;;
    --build-only) build_only=true; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unpack-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
LAYERD="${LAYERD:-$repo/layerd}"
java_files="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
UMOCI="${UMOCI:-umoci}"

die() { echo "unpack-bench: $*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || die "run as root (the unpacked trees keep their owners)"
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (Debian package time)"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
runs_dir="$work/runs"
log="$work/bench.log"
: >"$log"

# --- The image, built once per work directory and size; delete $work/image to rebuild. ---

# select_entries BUDGET_BYTES OUT DIR...: writes a NUL-separated list of paths (relative to the
# source root, parents first) holding at most BUDGET_BYTES of regular file data.
select_entries() {
  local budget="$1" out="$2" bytes=0 dir part acc type size ino path
  shift 2
  declare -A seen=() inodes=()
  : >"$out"
  for dir in "$@"; do
    [ -d "$src/$dir" ] || continue
    acc=""
    for part in ${dir//\// }; do
      acc="${acc:+$acc/}$part"
      [ -n "${seen[$acc]:-}" ] || { seen[$acc]=1; printf '%s\0' "$acc" >>"$out"; }
    done
    while IFS=$'\t' read -r -d '' type size ino path; do
      path="${path#./}"
      [ -z "${seen[$path]:-}" ] || continue
      # A hardlink costs nothing in the tar.
      if [ "$type" = f ] && [ -z "${inodes[$ino]:-}" ]; then
        # A file that does not fit is passed over; the layer ends once nearly full.
        [ $((bytes * 50)) -lt $((budget * 49)) ] || break 2
        [ $((bytes + size)) -le "$budget" ] || continue
        bytes=$((bytes + size))
        inodes[$ino]=1
      fi
      seen[$path]=1
      printf '%s\0' "$path" >>"$out"
    done < <(cd "$src" && find "./$dir" -xdev \( -type f -o -type d -o -type l \) \
               -printf '%y\t%s\t%i\t%p\0' | LC_ALL=C sort -z -t $'\t' -k4,4)
  done
}

build_image() {
  local img="$work/image" i pct dirs budget list tarfile largest=0 largest_i=0 total=0 size
  local multiarch recipes
  # Layer recipes: percent of the budget, then directories (relative to the source root) to draw
  # files from, in sorted order, until the budget is spent.
  multiarch="$(cd "$src" && find usr/lib -maxdepth 1 -name '*-linux-gnu' -type d | sort | head -n 1)"
  recipes=(
    "10 usr/bin"
    "55 ${multiarch:-usr/lib}"
    "15 usr/share"
    "8 usr/include"
    "5 usr/sbin etc"
    "4 usr/lib/gcc usr/lib/python3"
    "3 usr/libexec var/lib/dpkg"
  )

  rm -rf "$img"
  mkdir -p "$img/tars"
  say "building a ${mib} MiB image from $src (once; kept in $img)"
  oci_init "$img/bench"
  for i in "${!recipes[@]}"; do
    read -r pct dirs <<<"${recipes[$i]}"
    budget=$((mib * 1024 * 1024 * pct / 100))
    list="$img/tars/layer$i.list"
    tarfile="$img/tars/layer$i.tar"
    # shellcheck disable=SC2086
    select_entries "$budget" "$list" $dirs
    tar -C "$src" -cf "$tarfile" --no-recursion --null -T "$list" --format=posix \
      --numeric-owner --pax-option=exthdr.name=%d/PaxHeaders/%f \
      --pax-option=delete=atime,delete=ctime,delete=mtime
    size="$(stat -c %s "$tarfile")"
    total=$((total + size))
    if [ "$size" -gt "$largest" ]; then largest="$size"; largest_i="$i"; fi
    oci_add_layer "$img/bench" "$tarfile" gzip
    printf '  layer %d  %-40s %5d entries %7.1f MiB tar %7.1f MiB gzip\n' "$i" "$dirs" \
      "$(tr -cd '\0' <"$list" | wc -c)" "$(awk "BEGIN{print $size/1048576}")" \
      "$(awk "BEGIN{print $OCI_LAST_SIZE/1048576}")" >&2
  done
  local layers=("${OCI_LAYERS[@]}") diffs=("${OCI_DIFF_IDS[@]}")
  oci_write_image "$img/bench" bench:latest docker.io/layerd/bench:latest
  oci_archive "$img/bench" "$img/bench.tar"

  # The largest layer alone, as an image of its own: the critical path of a parallel unpack.
  oci_init "$img/largest"
  local digest="${layers[$largest_i]#*\"digest\":\"sha256:}"
  digest="${digest%%\"*}"
  ln "$img/bench/blobs/sha256/$digest" "$img/largest/blobs/sha256/$digest"
  OCI_LAYERS=("${layers[$largest_i]}")
  OCI_DIFF_IDS=("${diffs[$largest_i]}")
  oci_write_image "$img/largest" largest:latest docker.io/layerd/largest:latest
  oci_archive "$img/largest" "$img/largest.tar"

  # The compressed layers in order, for the GNU tar baseline.
  for i in "${!layers[@]}"; do
    digest="${layers[$i]#*\"digest\":\"sha256:}"
    printf '%s\n' "$img/bench/blobs/sha256/${digest%%\"*}"
  done >"$img/blobs.txt"
  rm -f "$img"/tars/*.tar
  awk "BEGIN{printf \"  total %.1f MiB, largest layer %d holds %.0f%%\n\", \
    $total/1048576, $largest_i, 100*$largest/$total}" >&2
  [ $((largest * 100)) -le $((total * 60)) ] ||
    say "  warning: the largest layer holds more than 60% of the bytes"
  echo "$mib $src" >"$img/built-for"
}

if $use_debootstrap; then
  command -v debootstrap >/dev/null || die "--debootstrap needs debootstrap (apt-get install debootstrap)"
  rootfs="$work/debian-rootfs"
  if [ ! -x "$rootfs/bin/sh" ]; then
    say "debootstrap --variant=minbase bookworm $rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" >>"$log" 2>&1 || die "debootstrap failed (see $log)"
  fi
fi
src="$(cd "$rootfs" && pwd)"
if [ "$(cat "$work/image/built-for" 2>/dev/null)" != "$mib $src" ]; then
  build_image
fi
img="$work/image"
if $build_only; then
  say "image: $img/bench (layout), $img/bench.tar; largest layer alone: $img/largest.tar"
  exit 0
fi

# --- A quiet start: no trees of an earlier run being deleted while we measure. ---
if grep -q " $runs_dir" /proc/mounts; then
  die "something is mounted under $runs_dir; unmount it first"
fi
if [ -n "$fresh_gib" ]; then
  command -v mkfs.ext4 >/dev/null || die "--fresh-fs needs mkfs.ext4 (Debian package e2fsprogs)"
  rm -rf "$runs_dir" "$work/fs.img"
  mkdir -p "$runs_dir"
  truncate -s "${fresh_gib}G" "$work/fs.img"
  mkfs.ext4 -q -F "$work/fs.img"
  mount -o loop "$work/fs.img" "$runs_dir"
  $keep || fs_cleanup='umount "$runs_dir"; rm -f "$work/fs.img"'
  trap "$fs_cleanup" EXIT
  say "extracting onto a new ${fresh_gib} GiB ext4 file system at $runs_dir"
elif [ -e "$runs_dir" ]; then
  say "removing the trees of an earlier run, then waiting ${settle}s for the disk to settle"
  rm -rf "$runs_dir"
  sync
  sleep "$settle"
fi
mkdir -p "$runs_dir"

say "building layerd if needed"
"$LAYERD" --root "$work/warmup-root" image ls >>"$log" 2>&1 || die "layerd does not run (see $log)"
rm -rf "$work/warmup-root"
have_umoci=true
command -v "$UMOCI" >/dev/null || { have_umoci=false; say "umoci not installed: its row is skipped"; }

# --- Measurements. ---
declare -A walls=() cpus=() rss=()
names=(parallel sequential largest umoci tar)
declare -A labels=(
  [parallel]="layerd unpack (parallel)"
  [sequential]="layerd unpack --sequential"
  [largest]="layerd unpack, largest layer alone"
  [umoci]="umoci unpack"
  [tar]="GNU tar, layers in turn"
)

# timed NAME COMMAND...: runs COMMAND under GNU time after a sync, and records wall, CPU (user
# plus system, which a busy neighbour on a shared machine inflates less than wall) and RSS.
timed() {
  local name="$1" out="$work/time.out" e u s m
  shift
  sync
  if $drop_caches; then
    echo 3 >/proc/sys/vm/drop_caches
    cat "$img"/bench/blobs/sha256/* ${import_root:+"$import_root"/content/blobs/sha256/*} \
      "$repo"/target/*.jar \
      "$repo"/target/*.aot "$repo"/target/lib/* "$java_files"/lib/modules "$java_files"/lib/*.so \
      "$java_files"/lib/server/* >/dev/null 2>&1 || true
  fi
  echo "+ $*" >>"$log"
  if ! /usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "$name failed: $* (log: $log)"
  fi
  read -r e u s m <"$out"
  walls[$name]+="$e "
  cpus[$name]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}') "
  [ "${rss[$name]:-0}" -ge "$m" ] || rss[$name]="$m"
  say "  $(printf '%-36s %7.2f s %7.2f s CPU %7d MiB' "${labels[$name]}" "$e" \
    "$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')" $((m / 1024)))"
}

# import NAME ROOT ARCHIVE: an untimed import into a fresh layerd root, whose blobs the next
# measurement reads back after dropping the page cache.
import_root=""
import() {
  import_root="$2"
  "$LAYERD" --root "$2" image import "$3" --name "$1" >>"$log" 2>&1 ||
    die "layerd image import $3 failed (see $log)"
}

gnu_tar_sequence() {
  local dest="$1" blob
  mkdir -p "$dest"
  while read -r blob; do
    gzip -dc "$blob" | tar -x --numeric-owner -C "$dest" -f -
  done <"$img/blobs.txt"
}
export -f gnu_tar_sequence
export img

for ((r = 1; r <= runs; r++)); do
  say "run $r of $runs"
  d="$runs_dir/$r"
  mkdir -p "$d"

  import bench:latest "$d/parallel" "$img/bench.tar"
  timed parallel "$LAYERD" --root "$d/parallel" unpack bench:latest

  import bench:latest "$d/sequential" "$img/bench.tar"
  timed sequential "$LAYERD" --root "$d/sequential" unpack bench:latest --sequential

  import largest:latest "$d/largest" "$img/largest.tar"
  timed largest "$LAYERD" --root "$d/largest" unpack largest:latest

  import_root=""
  if $have_umoci; then
    timed umoci "$UMOCI" unpack --image "$img/bench:bench:latest" "$d/umoci"
  fi

  timed tar bash -c 'gnu_tar_sequence "$1"' _ "$d/tar"
done

if $verify; then
  say "verifying: layerd's merged tree against GNU tar's"
  mnt="$work/verify-mnt"
  mkdir -p "$mnt"
  "$LAYERD" --root "$runs_dir/1/parallel" mount bench:latest "$mnt" >>"$log" 2>&1 ||
    die "layerd mount failed (see $log)"
  trap '"$LAYERD" --root "$runs_dir/1/parallel" unmount "$mnt" >>"$log" 2>&1 || umount "$mnt"
    '"$fs_cleanup" EXIT
  "$repo/scripts/tree-manifest.sh" --no-xattrs "$mnt" | grep -v '^\. ' >"$work/tree-layerd.txt"
  "$LAYERD" --root "$runs_dir/1/parallel" unmount "$mnt" >>"$log" 2>&1
  trap "$fs_cleanup" EXIT
  "$repo/scripts/tree-manifest.sh" --no-xattrs "$runs_dir/1/tar" | grep -v '^\. ' \
    >"$work/tree-tar.txt"
  if cmp -s "$work/tree-layerd.txt" "$work/tree-tar.txt"; then
    say "  same tree: $(wc -l <"$work/tree-tar.txt") entries"
  else
    diff "$work/tree-tar.txt" "$work/tree-layerd.txt" | head -n 20 >&2
    die "layerd's tree differs from GNU tar's (- tar, + layerd; lists in $work)"
  fi
fi

# --- Report. ---
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
declare -A med=()
printf '\n%-36s %9s  %-24s %9s %9s\n' "command ($runs runs, ${mib} MiB image)" "median s" \
  "runs s" "CPU s" "peak MiB"
for n in "${names[@]}"; do
  [ -n "${walls[$n]:-}" ] || continue
  med[$n]="$(median "${walls[$n]}")"
  printf '%-36s %9.2f  %-24s %9.2f %9d\n' "${labels[$n]}" "${med[$n]}" "${walls[$n]}" \
    "$(median "${cpus[$n]}")" $((rss[$n] / 1024))
done

# ratio NAME A B OP TARGET: prints A/B with its target and whether it is met.
ratio() {
  awk -v name="$1" -v a="$2" -v b="$3" -v op="$4" -v t="$5" 'BEGIN {
    r = (b > 0) ? a / b : 0
    ok = (op == "<=") ? r <= t : (op == ">=") ? r >= t : r < t
    printf "%-36s %9.2f  target %s %s  %s\n", name, r, op, t, ok ? "met" : "MISSED"
  }'
}
echo
ratio "parallel / largest layer alone" "${med[parallel]}" "${med[largest]}" "<=" 1.15
ratio "sequential / parallel" "${med[sequential]}" "${med[parallel]}" ">=" 1.4
ratio "parallel / GNU tar sequence" "${med[parallel]}" "${med[tar]}" "<" 1
if $have_umoci; then
  ratio "parallel / umoci" "${med[parallel]}" "${med[umoci]}" "<" 1
fi

if ! $keep && [ -z "$fresh_gib" ]; then
  say "removing the extracted trees (creating files right after is slow for a while)"
  rm -rf "$runs_dir"
fi
