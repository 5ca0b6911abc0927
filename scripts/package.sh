#!/usr/bin/env bash
# `npm run package`: production bundles (minified, no source maps), then a .vsix with @vscode/vsce.
# Everything is bundled, so node_modules is not shipped (--no-dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-host --no-browser
rm -rf dist
node scripts/build.mjs --production
version=$(node -p "require('./package.json').version")
out="websocket-workbench-$version.vsix"
npx vsce package --no-dependencies --out "$out"
echo "[package] contents:"
npx vsce ls --no-dependencies
size=$(stat -c %s "$out")
echo "[package] $out: $size bytes"
