/**
 * `websocket-workbench export scenario <session.ndjson|session.har> [--mode exact|shape] [--name NAME]
 *   [--connection ID] [--output FILE]`
 *
 * Turns a recorded session (transcript, or HAR with `_webSocketMessages`) into a collection with one
 * request and one scenario: sends as steps, replies as expectations, exact or by shape. Prints the
 * collection JSON, or writes it to FILE (never over an existing file). Exit 0, or 2 on bad usage or
 * an unreadable session.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIO } from './io';
import { parseTranscript } from '../core/collections/transcript';
import { importHar, transcriptsToEvents } from '../core/collections/har';
import { parseCollection } from '../core/collections/parse';
import { sessionToCollection } from '../core/scenario/fromSession';
import type { TimelineEvent } from '../core/engine/events';

const USAGE = `Usage: websocket-workbench export scenario <session.ndjson|session.har> [options]

Turn a recorded session into a scenario: its sends as steps, its replies as expectations.

Options:
  --mode MODE        exact (default): replies must be the same text, JSON value or bytes;
                     shape: JSON replies must have the same paths with the same value types
  --name NAME        scenario name (default: the session file's name)
  --connection ID    which recorded connection (default: the first)
  --output FILE      write the collection there (refuses to overwrite) instead of printing it
  -h, --help         show this help
`;

export async function exportCommand(argv: string[], io: CliIO): Promise<number> {
  const usage = (msg: string) => {
    io.stderr.write(`websocket-workbench export: ${msg}\n\n${USAGE}`);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { mode: { type: 'string' }, name: { type: 'string' }, connection: { type: 'string' }, output: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const [what, input, ...extra] = parsed.positionals;
  if (what !== 'scenario') return usage(what === undefined ? 'missing what to export (scenario)' : `cannot export "${what}" (can: scenario)`);
  if (input === undefined) return usage('missing <session.ndjson|session.har>');
  if (extra.length) return usage(`unexpected argument ${extra[0]}`);
  const mode = v.mode ?? 'exact';
  if (mode !== 'exact' && mode !== 'shape') return usage(`--mode must be exact or shape, got ${mode}`);

  const file = path.resolve(io.cwd, input);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    io.stderr.write(`websocket-workbench export: cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? String(err)} [WSWB_FILE_READ]\n`);
    return 2;
  }
  let events: TimelineEvent[];
  if (/\.har$/i.test(file) || text.trimStart().startsWith('{"log"') || /^\s*\{\s*"log"/.test(text)) {
    const har = importHar(text);
    for (const e of har.errors) io.stderr.write(`${input}: ${e.message} [${e.code}]\n`);
    events = transcriptsToEvents(har.transcripts);
  } else {
    const t = parseTranscript(text);
    for (const e of t.errors) io.stderr.write(`${input}:${e.line}: ${e.message} [${e.code}]\n`);
    events = t.events;
  }
  const name = v.name ?? path.basename(file).replace(/\.(ndjson|har|json)$/i, '');
  let collection;
  try {
    collection = sessionToCollection(events, { mode, name, ...(v.connection ? { connection: v.connection } : {}) });
  } catch (err) {
    io.stderr.write(`websocket-workbench export: ${err instanceof Error ? err.message : String(err)} [${(err as { code?: string }).code ?? 'WSWB_EXPORT'}]\n`);
    return 2;
  }
  const out = JSON.stringify(collection, null, 2) + '\n';
  const check = parseCollection(out, v.output ?? '<output>');
  if (!check.ok) {
    for (const d of check.errors) io.stderr.write(`websocket-workbench export: generated file is invalid: ${d.message} [${d.code}]\n`);
    return 2;
  }
  if (v.output === undefined) {
    io.stdout.write(out);
    return 0;
  }
  try {
    await fs.writeFile(path.resolve(io.cwd, v.output), out, { flag: 'wx' });
  } catch (err) {
    io.stderr.write(`websocket-workbench export: cannot write ${v.output}: ${(err as NodeJS.ErrnoException).code ?? String(err)} [WSWB_FILE_WRITE]\n`);
    return 2;
  }
  io.stderr.write(`wrote ${v.output}: request "${collection.requests![0]!.name}", scenario "${collection.scenarios![0]!.name}" (${collection.scenarios![0]!.steps.length} steps)\n`);
  return 0;
}
