#!/usr/bin/env bash
# bench/eval over ../shared/samples: the tool works, prints its tables, and
# e-invoices are read exactly (100 %). Other figures are reported, not
# asserted (see the README).
set -euo pipefail
root="$1"
liasse="$2"
samples="$root/../shared/samples"
if [ ! -d "$samples" ]; then echo "no ../shared/samples here"; exit 77; fi
# Photos: the check half only (the README's figures; OCR is most of CI's
# time). Every e-invoice is read.
out=$(/usr/bin/python3 "$root/bench/eval" --liasse "$liasse" --photos-half odd "$samples")
echo "$out"
grep -q '^| total |' <<<"$out" || { echo "no table printed"; exit 1; }
grep -q '^einvoice_exact=100.0 ' <<<"$out" || { echo "e-invoices not 100 % exact"; exit 1; }
