/**
 * Builds the marketplace artifact exactly as `npm run package` does (production bundles, vsce,
 * .vscodeignore), but in a temp folder so the working tree's dist/ is left alone. Used by the VSIX
 * end-to-end suite and the package bench.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

export interface BuiltVsix {
  /** The temp folder: an extension layout (package.json, dist/, media/, schemas/…). */
  dir: string;
  vsix: string;
}

export function buildVsix(): BuiltVsix {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wswb-pkg-'));
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'schemas', 'media']) {
    if (existsSync(path.join(root, f))) cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production', '--dist', path.join(dir, 'dist')], { stdio: 'ignore' });
  const version = JSON.parse(require('node:fs').readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const vsix = path.join(dir, `websocket-workbench-${version}.vsix`);
  execFileSync(path.join(root, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--out', vsix], { cwd: dir, stdio: 'pipe' });
  return { dir, vsix };
}

/** `vsce ls`: the files the package ships. */
export function vsixFiles(dir: string): string[] {
  return execFileSync(path.join(root, 'node_modules/.bin/vsce'), ['ls', '--no-dependencies'], { cwd: dir, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}
