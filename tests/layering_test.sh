#!/usr/bin/env bash
# Fails when a part of the tree includes what it must not (STYLE.md,
# "Layering is checked"): the core (workflows/) and the readers (ocr/) know no
# I/O library, and each room of daemon/ only the rooms below it.
set -euo pipefail
root="$1"
fail=0

# forbid DIRS... -- PATTERN WHY: no #include matching PATTERN under DIRS.
forbid() {
  local dirs=() pattern why
  while [ "$1" != "--" ]; do dirs+=("$root/$1"); shift; done
  shift
  pattern="$1" why="$2"
  local bad
  bad=$(grep -rnE "^\s*#\s*include\s*[<\"]($pattern)" "${dirs[@]}" \
          --include='*.h' --include='*.cc' || true)
  if [ -n "$bad" ]; then
    echo "layering violation: $why"
    echo "$bad"
    fail=1
  fi
}

io='grpcpp/|grpc/|curl/|sqlite3\.h|gmime/|spdlog/|toml\+\+/'
forbid workflows ocr -- "daemon/|proto/|liasse/v1/|$io" \
  "workflows/ and ocr/ know no daemon, API or I/O library"
forbid workflows -- 'ocr/' "workflows/ must not include ocr/"
forbid ocr -- 'workflows/(text_fields|doc_type|validate|conclusion|filing)\.h' \
  "ocr/ reads; it does not call the rules (it asks an injected ReadingScorer)"

# The rooms of daemon/, each above the ones it may use:
#   base, config  <  store, mail, llm  <  process  <  api, cli  <  daemon.cc
# room ; rooms it must not include ; libraries it must not use ; why
while IFS=';' read -r room rooms libs why; do
  forbid "daemon/$room" -- "daemon/($rooms)/|daemon/daemon\.h|$libs" "$room/: $why"
done <<'TABLE'
base;config|store|mail|llm|process|api|cli;liasse/v1/|grpcpp/|sqlite3\.h|gmime/;below every room
config;base|store|mail|llm|process|api|cli;liasse/v1/|grpcpp/|curl/|sqlite3\.h|gmime/;reads liasse.toml and nothing else
store;config|mail|llm|process|api|cli;liasse/v1/|grpcpp/|curl/|gmime/;knows SQLite only: no gRPC, mail or LLM
mail;config|store|llm|process|api|cli;liasse/v1/|grpcpp/|sqlite3\.h;speaks IMAP, SMTP and MIME: no store, config or API
llm;store|mail|process|api|cli;liasse/v1/|grpcpp/|sqlite3\.h|gmime/;speaks to providers: no store, mail or API
process;api|cli;liasse/v1/|grpcpp/|sqlite3\.h;knows no API, CLI or SQL (the store does)
api;cli;sqlite3\.h|curl/|gmime/;serves the store and the process: no SQL, mail or CLI
cli;api|mail;daemon/store/store\.h|sqlite3\.h|gmime/;talks to the daemon through liasse.v1 only (local extract and backup aside)
TABLE

[ "$fail" = 0 ] || exit 1
n=$(find "$root/workflows" "$root/ocr" "$root/daemon" -name '*.cc' -o -name '*.h' | wc -l)
echo "layering: $n files of workflows/, ocr/ and daemon/ checked, no forbidden include"
