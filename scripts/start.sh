#!/usr/bin/env bash
# `npm start`: install what is missing, build, then serve VS Code with the extension (see scripts/start.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node scripts/build.mjs
exec npx tsx scripts/start.ts
