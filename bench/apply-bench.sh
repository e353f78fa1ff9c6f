#!/usr/bin/env bash
# Measures layerd's layer apply against GNU tar on the same layers: wall time and peak RSS,
# medians of RUNS runs, plain and gzip. Needs a built jar (mvn -DskipTests package) and root
# (both sides then keep owners). Usage: bench/apply-bench.sh [work dir]
# Env: RUNS (3), SMALL_FILES (50000), BIG_MB (about 1000: the mixed layer's target size),
# AOT (1: layerd runs with a JDK AOT cache made by its training run, as ./layerd does; 0: none),
# LAYERD_JAVA_OPTS (more JVM options, e.g. -Dlayerd.apply.writeBehind=false to compare),
# FRESH_FS (GiB: extract onto a new ext4 loop file system made in the work dir and removed at the
# end, so that files deleted earlier on the machine's disk cannot slow file creation),
# DROP_CACHES (1: before each measurement drop the page cache and read the inputs back, because on
# a VM whose memory the host backs lazily, memory first touched costs several times more, so a
# page cache growing run after run slows later commands; 0: keep it).
# Columns: cold process (layerd_s, ratio: one JVM per layer, start-up and JIT included) and
# warm (warm_s, warm_r: the same layer applied again in one JVM, as the service does).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT_DIR=$PWD
WORK=${1:-/var/tmp/layerd-apply-bench}
RUNS=${RUNS:-3}
SMALL_FILES=${SMALL_FILES:-50000}
BIG_MB=${BIG_MB:-1000}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP="$ROOT_DIR/target/layerd.jar:$ROOT_DIR/target/lib/*"

[ -f "$ROOT_DIR/target/layerd.jar" ] || { echo "build first: mvn -DskipTests package" >&2; exit 1; }
command -v tar >/dev/null && [ -x /usr/bin/time ] || { echo "needs GNU tar and /usr/bin/time" >&2; exit 1; }

mkdir -p "$WORK"
cd "$WORK" && WORK=$PWD

# the launcher's options (./layerd), with the jar on the class path
. "$ROOT_DIR/scripts/lib/jvm-options.sh"
JVM=("${LAYERD_JVM_OPTIONS[@]}" ${LAYERD_JAVA_OPTS:-})
if [ "${AOT:-1}" != 0 ]; then
  aot="$WORK/layerd-bench.aot"
  if [ ! -f "$aot" ] || [ "$ROOT_DIR/target/layerd.jar" -nt "$aot" ]; then
    echo "training the AOT cache with layerd's training run (generated layers, not these)"
    rm -rf aot-train
    "$JAVA" "${JVM[@]}" -XX:AOTCacheOutput="$aot" -cp "$CP" dev.layerd.cli.TrainMain aot-train \
      >/dev/null 2>&1 || rm -f "$aot"
    rm -rf aot-train
  fi
  [ -f "$aot" ] && JVM+=(-XX:AOTCache="$aot" -Xlog:aot=off -Xlog:cds=off)
fi

# ---- layers
if [ ! -f small.tar ]; then
  echo "building the small-files layer ($SMALL_FILES files)"
  rm -rf src-small && mkdir -p src-small
  seq 1 200 | sed 's/^/line of a small configuration file /' > lines.txt
  per=100
  dirs=$(( (SMALL_FILES + per - 1) / per ))
  for d in $(seq 1 "$dirs"); do
    sub="src-small/d$((d % 50))/e$d"
    mkdir -p "$sub"
    split -l 2 -a 3 -d lines.txt "$sub/f"
  done
  tar -C src-small -cf small.tar .
  gzip -c small.tar > small.tar.gz
fi
if [ ! -f big.tar ]; then
  echo "building the mixed layer (about $BIG_MB MB)"
  rm -rf src-big && mkdir -p src-big
  budget=$((BIG_MB * 1024 * 1024))
  for t in /usr/lib/x86_64-linux-gnu /usr/share /usr/lib/python3 /usr/lib/gcc /usr/lib/jvm; do
    [ -d "$t" ] || continue
    used=$(du -sb src-big | cut -f1)
    size=$(du -sb "$t" | cut -f1)
    if [ $((used + size)) -le $((budget - 200 * 1024 * 1024)) ]; then
      mkdir -p "src-big$(dirname "$t")"
      cp -a "$t" "src-big$t"
    fi
  done
  # a few large files: random (incompressible) and zeros-with-text (compressible)
  head -c $((96 * 1024 * 1024)) /dev/urandom > src-big/random.bin
  for i in 1 2; do (yes "layer data $i" || true) | head -c $((48 * 1024 * 1024)) > "src-big/text$i.log"; done
  tar -C src-big -cf big.tar .
  gzip -c big.tar > big.tar.gz
fi
ls -l small.tar small.tar.gz big.tar big.tar.gz | awk '{print "  " $5 " bytes  " $9}'
echo "  small: $(tar -tf small.tar | wc -l) entries; big: $(tar -tf big.tar | wc -l) entries"

# ---- runs; extracted trees stay until the end (deleting many files slows later creation)
rm -rf out && mkdir -p out
if [ -n "${FRESH_FS:-}" ]; then
  rm -f fs.img && truncate -s "${FRESH_FS}G" fs.img && mkfs.ext4 -q -F fs.img
  mount -o loop fs.img out
  trap 'umount "$WORK/out"; rm -f "$WORK/fs.img"' EXIT
  echo "extracting onto a new ${FRESH_FS} GiB ext4 file system at $WORK/out"
fi
declare -A TIMES RSS
JAVA_DIR=$(dirname "$(dirname "$JAVA")")
measure() { # name layer command...
  local name=$1 layer=$2
  shift 2
  local log
  log=$(mktemp)
  sync
  if [ "${DROP_CACHES:-1}" != 0 ]; then
    echo 3 >/proc/sys/vm/drop_caches
    cat "$layer" "$ROOT_DIR"/target/*.jar "$ROOT_DIR"/target/lib/* "${aot:-/dev/null}" \
      "$JAVA_DIR"/lib/modules "$JAVA_DIR"/lib/*.so "$JAVA_DIR"/lib/server/* >/dev/null 2>&1 || true
  fi
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; rm -f "$log"; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
    awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  rm -f "$log"
  TIMES[$name,$layer]+="$wall "
  RSS[$name,$layer]+="$rss "
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for run in $(seq 1 "$RUNS"); do
  for layer in small.tar small.tar.gz big.tar big.tar.gz; do
    t="out/tar-$layer-$run"; l="out/layerd-$layer-$run"
    mkdir -p "$t" "$l"
    zflag=""; [[ $layer == *.gz ]] && zflag="-z"
    if (( run % 2 )); then
      measure tar "$layer" tar $zflag -xpf "$layer" -C "$t"
      measure layerd "$layer" "$JAVA" "${JVM[@]}" -cp "$CP" \
        dev.layerd.cli.ApplyMain "$layer" "$l"
    else
      measure layerd "$layer" "$JAVA" "${JVM[@]}" -cp "$CP" \
        dev.layerd.cli.ApplyMain "$layer" "$l"
      measure tar "$layer" tar $zflag -xpf "$layer" -C "$t"
    fi
    echo "  run $run $layer: tar ${TIMES[tar,$layer]}/ layerd ${TIMES[layerd,$layer]}"
  done
done

# ---- warm: one JVM applies each layer RUNS+2 times and the first two passes are left out, as a
# long-running layerd (the gRPC service behind containerd) applies once its code is compiled
declare -A WARM
for layer in small.tar small.tar.gz big.tar big.tar.gz; do
  w="out/warm-$layer" && mkdir -p "$w" && sync
  drop=false; [ "${DROP_CACHES:-1}" != 0 ] && drop=true
  WARM[$layer]=$("$JAVA" "${JVM[@]}" -Dlayerd.repeat=$((RUNS + 2)) -Dlayerd.dropCaches=$drop \
    -cp "$CP" dev.layerd.cli.ApplyMain "$layer" "$w" | awk 'NR > 2 {print $3 / 1000}' | median)
  echo "  warm $layer: ${WARM[$layer]} s"
done

echo
printf '%-14s %10s %10s %7s %12s %12s %10s %7s\n' layer tar_s layerd_s ratio tar_rss_MB \
  layerd_rss_MB warm_s warm_r
for layer in small.tar small.tar.gz big.tar big.tar.gz; do
  tt=$(echo "${TIMES[tar,$layer]}" | median)
  lt=$(echo "${TIMES[layerd,$layer]}" | median)
  tr_=$(echo "${RSS[tar,$layer]}" | median)
  lr=$(echo "${RSS[layerd,$layer]}" | median)
  wt=${WARM[$layer]}
  printf '%-14s %10.2f %10.2f %7.2f %12.1f %12.1f %10.2f %7.2f\n' "$layer" "$tt" "$lt" \
    "$(echo "$lt $tt" | awk '{print $1/$2}')" "$(echo "$tr_" | awk '{print $1/1024}')" \
    "$(echo "$lr" | awk '{print $1/1024}')" "$wt" "$(echo "$wt $tt" | awk '{print $1/$2}')"
done

# the trees agree (owners, modes, content), checked on the last run's plain layers
for layer in small.tar big.tar; do
  if ! diff -r --no-dereference "out/tar-$layer-$RUNS" "out/layerd-$layer-$RUNS" >/dev/null; then
    echo "WARNING: layerd and tar trees differ for $layer" >&2
  fi
done
[ -n "${FRESH_FS:-}" ] || rm -rf out
