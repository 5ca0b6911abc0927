/**
 * `websocket-workbench validate <file|dir>…` — checks collection files against the schema (and the
 * checks a schema cannot make). Prints each problem as `file:line:column message [CODE]`; exits 0 when
 * every file is valid, 1 when any is invalid, 2 on bad usage. Directories are searched for
 * `*.websocket.json` (skipping node_modules and dot-folders).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CliIO } from './io';
import { oneOf, parseCommandLine, parseOrUsage, UsageError, type OptionSpec } from './args';
import { collectionSizeLimit, readCollectionFile } from '../core/collections/fsio';
import { visible } from './output';
import type { CollectionDiagnostic } from '../core/collections/types';
import { codecDiagnostics } from '../core/codecs/collection';

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

const OPTIONS = {
  output: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} satisfies OptionSpec;

/** Parses argv; throws UsageError for bad usage; 'help' for -h/--help. */
export function parseValidateArgs(argv: string[]): { targets: string[]; output: 'text' | 'ndjson'; quiet: boolean } | 'help' {
  const tokens = parseCommandLine(argv, OPTIONS);
  if (tokens === 'help') return 'help';
  const out = { targets: tokens.positionals, output: 'text' as 'text' | 'ndjson', quiet: false };
  for (const t of tokens.options) {
    if (t.name === 'quiet') out.quiet = true;
    else out.output = oneOf('--output', t.value, ['text', 'ndjson'] as const);
  }
  if (!out.targets.length) throw new UsageError('no files given');
  return out;
}

/** `websocket-workbench validate`. */
export async function validate(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseOrUsage('validate', USAGE, io, () => parseValidateArgs(argv));
  if (typeof parsed === 'number') return parsed;
  const { targets, output, quiet } = parsed;

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
    // codecs rules: their .proto files parse and define the types named (positions in the .proto).
    if (r.ok && r.collection && r.text !== undefined) for (const d of await codecDiagnostics(r.collection, r.text, file)) diags.push({ ...d, file: shown(d.file) });
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
