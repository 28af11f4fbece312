#!/usr/bin/env bash
# A gRPC client not written here (buf, from npm @bufbuild/buf) lists the
# services through server reflection over the unix socket and calls GetStatus
# and the health check.
set -euo pipefail
liassed="$1"
buf="${2:-}"
if [ -z "$buf" ] || [ ! -x "$buf" ]; then
  echo "buf not found (scripts/test installs it with npm into build-tools/)"
  exit 1
fi
dir=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/var/inbox/acme"
(cd "$dir" && exec "$liassed" 2>"$dir/liassed.log") &
pid=$!
for _ in $(seq 1 300); do
  [ -S "$dir/var/liasse.sock" ] && break
  sleep 0.05
done
[ -S "$dir/var/liasse.sock" ] || { echo "liassed did not start"; cat "$dir/liassed.log"; exit 1; }

call() {
  "$buf" curl --protocol grpc --http2-prior-knowledge \
    --unix-socket "$dir/var/liasse.sock" "$@"
}
methods=$(call --list-methods http://localhost)
echo "$methods"
grep -q '^liasse.v1.Liasse/GetStatus$' <<<"$methods" || { echo "no liasse.v1.Liasse"; exit 1; }
grep -q '^liasse.v1.Liasse/WatchEvents$' <<<"$methods" || { echo "no WatchEvents"; exit 1; }
grep -q '^liasse.v1.Liasse/WatchEventBatches$' <<<"$methods" || { echo "no WatchEventBatches"; exit 1; }
grep -q '^grpc.health.v1.Health/Check$' <<<"$methods" || { echo "no grpc.health.v1.Health"; exit 1; }

status=$(call -d '{}' http://localhost/liasse.v1.Liasse/GetStatus)
echo "$status"
grep -q '"clientCount": *"1"' <<<"$status" || { echo "GetStatus lacks clientCount"; exit 1; }
clients=$(call -d '{}' http://localhost/liasse.v1.Liasse/ListClients)
grep -q '"acme"' <<<"$clients" || { echo "ListClients lacks client acme"; exit 1; }

health=$(call -d '{}' http://localhost/grpc.health.v1.Health/Check)
echo "$health"
grep -q '"status": *"SERVING"' <<<"$health" || { echo "health not SERVING"; exit 1; }

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
[ $rc -eq 0 ] || { echo "liassed exited $rc"; exit 1; }
echo "external client: OK"
