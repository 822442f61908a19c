#!/usr/bin/env bash
# generated/ is up to date: regenerates every model of models/ with this build's akornc into
# a temporary directory and fails, showing the difference, when it differs from what is
# committed (fix: scripts/regenerate.sh, then commit generated/).
# usage: generated_check.sh AKORNC WORK_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
akornc=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
bash "$root/scripts/regenerate.sh" "$akornc" "$work" >/dev/null
status=0
for spec in "$root"/models/*.json; do
  name=$(basename "$spec" .json)
  if [ ! -d "$root/generated/$name" ]; then
    echo "FAIL: generated/$name is missing (run scripts/regenerate.sh and commit generated/)"
    status=1
    continue
  fi
  if ! diff -ru "$root/generated/$name" "$work/$name" >"$work/$name.diff"; then
    echo "FAIL: generated/$name differs from what akornc emits now (run scripts/regenerate.sh and commit):"
    head -40 "$work/$name.diff"
    status=1
  else
    echo "ok   generated/$name matches ($(ls "$work/$name" | wc -l) files)"
  fi
done
for d in "$root"/generated/*/; do
  name=$(basename "$d")
  [ -f "$root/models/$name.json" ] || { echo "FAIL: generated/$name has no spec models/$name.json"; status=1; }
done
exit $status
