/**
 * `websocket-workbench validate <file|dir>…` — checks collection files against the schema (and the
 * checks a schema cannot make). Prints each problem as `file:line:column message [CODE]`; exits 0 when
 * every file is valid, 1 when any is invalid, 2 on bad usage. Directories are searched for
 * `*.websocket.json` (skipping node_modules and dot-folders).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CliIO } from './io';
import { collectionSizeLimit, readCollectionFile } from '../core/collections/fsio';
import { visible } from './output';
import type { CollectionDiagnostic } from '../core/collections/types';

const USAGE = `Usage: websocket-workbench validate <file|dir>… [options]

Check collection files (*.websocket.json) against the schema.
Prints each problem as file:line:column message; exits 1 if any file is invalid.

Options:
  --output FORMAT   text (default) or ndjson (one object per problem, then a summary)
  -q, --quiet       print problems only, no per-file "ok" lines or summary
  -h, --help        show this help
`;

async function collect(target: string, out: string[]): Promise<void> {
  const st = await fs.stat(target).catch(() => undefined);
  if (!st || !st.isDirectory()) {
    out.push(target);
    return;
  }
  const entries = await fs.readdir(target, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(target, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      await collect(p, out);
    } else if (e.name.endsWith('.websocket.json')) out.push(p);
  }
}

/** `websocket-workbench validate`. */
export async function validate(argv: string[], io: CliIO): Promise<number> {
  const targets: string[] = [];
  let output: 'text' | 'ndjson' = 'text';
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') {
      io.stdout.write(USAGE);
      return 0;
    } else if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '--output' || a.startsWith('--output=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== 'text' && v !== 'ndjson') {
        io.stderr.write(`websocket-workbench validate: --output must be text or ndjson, got ${v ?? 'nothing'}\n\n${USAGE}`);
        return 2;
      }
      output = v;
    } else if (a.startsWith('-') && a !== '-') {
      io.stderr.write(`websocket-workbench validate: unknown option ${a}\n\n${USAGE}`);
      return 2;
    } else targets.push(a);
  }
  if (!targets.length) {
    io.stderr.write(`websocket-workbench validate: no files given\n\n${USAGE}`);
    return 2;
  }

  const files: string[] = [];
  for (const t of targets) await collect(path.resolve(io.cwd, t), files);
  const shown = (abs: string) => {
    const rel = path.relative(io.cwd, abs);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
  };

  let invalid = 0;
  let problems = 0;
  for (const file of files) {
    const r = await readCollectionFile(file, { maxBytes: collectionSizeLimit(io.env.WSWB_MAX_FILE_SIZE_MB) });
    const name = shown(file);
    const diags: CollectionDiagnostic[] = r.errors.map((d) => ({ ...d, file: name }));
    if (diags.length) {
      invalid++;
      problems += diags.length;
    }
    for (const d of diags) {
      if (output === 'ndjson') {
        io.stdout.write(JSON.stringify({ type: 'problem', file: d.file, line: d.line, column: d.column, code: d.code, message: d.message, path: d.path }) + '\n');
      } else io.stdout.write(`${visible(d.file)}:${d.line}:${d.column} ${visible(d.message)} [${d.code}]\n`);
    }
    if (!diags.length && !quiet) {
      if (output === 'ndjson') io.stdout.write(JSON.stringify({ type: 'valid', file: name }) + '\n');
      else io.stdout.write(`${visible(name)}: ok\n`);
    }
  }
  if (!files.length) {
    io.stderr.write('websocket-workbench validate: no *.websocket.json files found\n');
    return 2;
  }
  if (!quiet) {
    const summary = { type: 'summary', files: files.length, invalid, problems };
    if (output === 'ndjson') io.stdout.write(JSON.stringify(summary) + '\n');
    else io.stderr.write(`${files.length} file${files.length === 1 ? '' : 's'} checked, ${invalid} invalid, ${problems} problem${problems === 1 ? '' : 's'}\n`);
  }
  return invalid ? 1 : 0;
}
