#!/usr/bin/env bash
# Installs the programs layerd's tests and scripts use as independent producers and judges of
# layers: umoci and skopeo (OCI tools), attr (getfattr/setfattr), GNU tar, gzip, zstd and
# GNU time; and libisal2 (ISA-L), which layerd inflates gzip layers with when it is installed.
# Debian packages only; the machine's apt sources are left as they are. Idempotent: when
# everything is present it changes nothing and prints nothing. Needs root to install.
# Then fetches containerd (for the interoperability tests) when scripts/fetch-containerd.sh
# exists.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(umoci skopeo attr tar gzip zstd time libisal2)

missing=()
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  log="$(mktemp)"
  if ! apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" \
      >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "install-deps: apt-get install ${missing[*]} failed" >&2
    exit 1
  fi
  rm -f "$log"
fi

if [ -f scripts/fetch-containerd.sh ]; then
  bash scripts/fetch-containerd.sh
fi
