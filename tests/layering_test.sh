#!/usr/bin/env bash
# Fails when workflows/ or ocr/ include what they must not: daemon/, proto/,
# gRPC, curl or SQLite headers (STYLE.md, "Layering is checked").
set -euo pipefail
root="$1"
bad=$(grep -rnE '^\s*#\s*include\s*[<"](daemon/|proto/|liasse/v1/|grpcpp/|grpc/|curl/|sqlite3\.h)' \
  "$root/workflows" "$root/ocr" --include='*.h' --include='*.cc' || true)
if [ -n "$bad" ]; then
  echo "layering violation (workflows/ and ocr/ must not include these):"
  echo "$bad"
  exit 1
fi
# ocr/ may use workflows/ but never the other way round.
bad=$(grep -rnE '^\s*#\s*include\s*"ocr/' "$root/workflows" --include='*.h' --include='*.cc' || true)
if [ -n "$bad" ]; then
  echo "layering violation (workflows/ must not include ocr/):"
  echo "$bad"
  exit 1
fi
n=$(find "$root/workflows" "$root/ocr" -name '*.cc' -o -name '*.h' | wc -l)
echo "layering: $n files of workflows/ and ocr/ checked, no forbidden include"
