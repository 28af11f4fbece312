#!/usr/bin/env bash
# Checks what `cmake --install` put under DESTDIR (the README's install path):
# the binaries run, the installed config is valid, the installed unit passes
# `systemd-analyze verify` (any stderr fails) and its exposure score
# (`systemd-analyze security --offline=true`) is at most 2.0.
# Usage: verify_installed.sh DESTDIR [PREFIX=/usr] [CONFIG_DIR=/etc/liasse]
set -euo pipefail
destdir="$(cd "$1" && pwd)"
prefix="${2:-/usr}"
confdir="${3:-/etc/liasse}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

fail() { echo "verify_installed: $*" >&2; exit 1; }

for f in "$prefix/sbin/liassed" "$prefix/bin/liasse" "$prefix/lib/systemd/system/liassed.service" \
    "$prefix/lib/sysusers.d/liasse.conf" "$prefix/lib/tmpfiles.d/liasse.conf" \
    "$confdir/liasse.toml"; do
  [ -e "$destdir$f" ] || fail "not installed: $f"
done
[ -x "$destdir$prefix/sbin/liassed" ] || fail "liassed is not executable"
"$destdir$prefix/sbin/liassed" --version | grep -q '^liassed ' || fail "liassed --version"
"$destdir$prefix/bin/liasse" --help >/dev/null || fail "liasse --help"

# The installed config is valid as shipped (paths are not created by the check).
"$destdir$prefix/sbin/liassed" --check-config --config "$destdir$confdir/liasse.toml" >/dev/null ||
  fail "the installed liasse.toml does not pass --check-config"

unit="$destdir$prefix/lib/systemd/system/liassed.service"
grep -q "^ExecStart=$prefix/sbin/liassed --config $confdir/liasse.toml" "$unit" ||
  fail "ExecStart does not name $prefix/sbin/liassed with $confdir/liasse.toml"
"$here/verify_unit_test.sh" "$unit" "$destdir$prefix/sbin/liassed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$unit" "$tmp/liassed.service"
systemd-analyze security --offline=true --no-pager "$tmp/liassed.service" >"$tmp/out" 2>"$tmp/err" || true
score=$(sed -n 's/.*Overall exposure level for liassed.service: \([0-9.]*\).*/\1/p' "$tmp/out")
[ -n "$score" ] || { cat "$tmp/err" "$tmp/out"; fail "no exposure score"; }
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure score $score > 2.0"
echo "installed tree: ok; unit exposure score $score"
