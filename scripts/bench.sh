#!/usr/bin/env bash
# `npm run bench`: every bench/*.bench.ts in turn; each prints JSON lines (see bench/lib.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-host >&2
node scripts/build.mjs >&2
status=0
for f in bench/*.bench.ts; do
  [ -e "$f" ] || continue
  echo "[bench] $f" >&2
  node --expose-gc --import tsx "$f" || { echo "[bench] $f failed" >&2; status=1; }
done
exit $status
