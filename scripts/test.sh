#!/usr/bin/env bash
# Runs layerd's whole test suite (the README's test command). Arguments go on to Maven, for
# example: ./scripts/test.sh -Dtest='ChainIdsTest'
#
# As root every test runs. Elsewhere root-only tests skip with "requires root", and tests whose
# external program (umoci, skopeo, containerd...) is missing skip with "requires tool".
# Under CI (CI=true) neither may happen: the run must be as root, -Dlayerd.requireRoot=true makes
# those tests run (and fail loudly) instead of skipping, and any test still reported as skipped
# for either reason fails this script.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

ci=false
[ "${CI:-}" = "true" ] && ci=true
if $ci && [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: under CI the tests must run as root, but the effective uid is $(id -u)" >&2
  exit 1
fi

# As root, install the Debian tools the tests use (idempotent; LAYERD_SKIP_INSTALL=1 skips it).
if [ "$(id -u)" -eq 0 ] && [ -z "${LAYERD_SKIP_INSTALL:-}" ]; then
  bash scripts/install-deps.sh || exit 1
fi

reports=target/surefire-reports
rm -rf "$reports"   # reports of an earlier run would be counted again
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

mvn -B -ntp -Dstyle.color=never test -Dlayerd.requireRoot="$ci" "$@" 2>&1 | tee "$log"
mvn_rc="${PIPESTATUS[0]}"

# Totals over all test classes, from the testsuite elements of the XML reports.
tests=0 failures=0 errors=0 skipped=0
shopt -s nullglob
for xml in "$reports"/TEST-*.xml; do
  suite="$(grep -o '<testsuite [^>]*>' "$xml" | head -n 1)"
  for a in tests failures errors skipped; do
    v="$(sed -n "s/.* $a=\"\([0-9]*\)\".*/\1/p" <<<"$suite")"
    printf -v "$a" '%d' "$((${!a} + ${v:-0}))"
  done
done

# Skipped tests whose reason is "requires root" or "requires tool": JUnit reports a disabled
# test with the reason in the skipped element's message, an aborted one in its text.
not_run="$(
  for xml in "$reports"/TEST-*.xml; do
    awk '
      function attr(s, a) {
        if (match(s, " " a "=\"[^\"]*\"")) return substr(s, RSTART + length(a) + 3, RLENGTH - length(a) - 4)
        return ""
      }
      BEGIN { RS = "</testcase>" }
      {
        i = 0
        while ((j = index(substr($0, i + 1), "<testcase ")) > 0) i += j
        if (i == 0) next
        tc = substr($0, i)
        if (tc !~ /<skipped/ || !match(tc, /requires (root|tool)[^"<\n]*/)) next
        why = substr(tc, RSTART, RLENGTH)
        print "  " attr(tc, "classname") "." attr(tc, "name") ": " why
      }' "$xml"
  done
)"
not_run_count=0
[ -z "$not_run" ] || not_run_count="$(wc -l <<<"$not_run")"

echo
echo "== Test summary (Surefire) =="
if grep -q '\] Results:' "$log"; then
  sed -n '/\] Results:/,/Tests run: [0-9]*, Failures: [0-9]*, Errors: [0-9]*, Skipped: [0-9]*$/p' "$log"
else
  echo "(no Surefire results: no test ran)"
fi
if [ "$not_run_count" -gt 0 ]; then
  echo "Skipped for want of root or a tool ($not_run_count):"
  echo "$not_run"
fi

rc="$mvn_rc"
if $ci && [ "$not_run_count" -gt 0 ]; then
  echo "test.sh: FAIL: $not_run_count test(s) skipped for 'requires root' or 'requires tool' under CI"
  [ "$rc" -ne 0 ] || rc=1
elif [ "$not_run_count" -gt 0 ]; then
  echo "test.sh: note: $not_run_count test(s) did not run; run as root with scripts/install-deps.sh done"
fi
if [ "$mvn_rc" -ne 0 ] && [ "$tests" -eq 0 ]; then
  echo "test.sh: FAIL: Maven exited with $mvn_rc before any test ran (see the log above)"
fi
echo "tests: $((tests - failures - errors - skipped)) passed, $((failures + errors)) failed, $skipped skipped"
exit "$rc"
