#!/usr/bin/env bash
# Verifies the built unit with systemd-analyze on a copy whose ExecStart names
# the freshly built binary. systemd-analyze exits 0 on some parse errors, so
# any output on stderr fails the test.
set -euo pipefail
unit="$1"
binary="$2"
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed -e "s|^ExecStart=[^ ]*liassed|ExecStart=$binary|" "$unit" > "$dir/liassed.service"
grep -q "^ExecStart=$binary " "$dir/liassed.service" || { echo "ExecStart not rewritten"; exit 1; }
# The unit must carry what the issue asks for.
for want in 'Type=notify' 'WatchdogSec=' 'Restart=on-failure' 'User=liasse' \
    'Group=liasse' 'StateDirectory=liasse' 'RuntimeDirectory=liasse' \
    'ConfigurationDirectory=liasse' 'Environment=OMP_THREAD_LIMIT=1' \
    'ExecReload=/bin/kill -HUP $MAINPID' 'NoNewPrivileges=yes' \
    'ProtectSystem=strict' 'PrivateTmp=yes' 'ProtectKernelTunables=yes' \
    'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
    'SystemCallFilter=@system-service' 'ReadWritePaths=/var/lib/liasse /srv/liasse'; do
  grep -qF -- "$want" "$dir/liassed.service" || { echo "unit lacks: $want"; exit 1; }
done
set +e
SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$dir/liassed.service" \
  >"$dir/out" 2>"$dir/err"
rc=$?
set -e
if [ $rc -ne 0 ] || [ -s "$dir/err" ]; then
  echo "systemd-analyze verify failed (exit $rc):"
  cat "$dir/err" "$dir/out"
  exit 1
fi
echo "systemd-analyze verify: clean"
