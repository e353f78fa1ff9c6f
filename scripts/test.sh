#!/usr/bin/env bash
# Runs layerd's whole test suite. As root every test runs; elsewhere root-only tests skip with
# "requires root". With CI=true a skipped root-only test fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
require_root=false
[ "${CI:-}" = "true" ] && require_root=true
mvn -B test -Dlayerd.requireRoot="$require_root"
