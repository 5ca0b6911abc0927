/**
 * `websocket-workbench export scenario <session.ndjson|session.har> [--mode exact|shape] [--name NAME]
 *   [--connection ID] [--output FILE]`
 *
 * Turns a recorded session (transcript, or HAR with `_webSocketMessages`) into a collection with one
 * request and one scenario: sends as steps, replies as expectations, exact or by shape. Prints the
 * collection JSON, or writes it to FILE (never over an existing file). Exit 0, or 2 on bad usage or
 * an unreadable session.
 *
 * `websocket-workbench export artillery <file> --scenario NAME [--connection ALIAS] [--env NAME]
 *   [--var NAME=VALUE] [--users N] [--duration S] [--output FILE]`
 *
 * Writes an Artillery script (YAML, `engine: ws`) from a scenario: its variables as
 * `config.variables`, its secrets as `{{ $env.WSWB_SECRET_<NAME> }}` (never their values), what
 * Artillery cannot express as comments (src/core/scenario/artillery.ts). Exit 0, or 2 on bad usage,
 * an invalid file or a scenario that cannot be exported.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseOrUsage, parseValues, single, UsageError, varsValue } from './args';
import type { CliIO } from './io';
import { parseTranscript } from '../core/collections/transcript';
import { importHar, transcriptsToEvents } from '../core/collections/har';
import { formatDiagnostic, parseCollection } from '../core/collections/parse';
import { sessionToCollection } from '../core/scenario/fromSession';
import type { TimelineEvent } from '../core/engine/events';
import { readCollectionFile } from '../core/collections/fsio';
import { scenarioToArtillery } from '../core/scenario/artillery';

const USAGE = `Usage: websocket-workbench export scenario <session.ndjson|session.har> [options]

Turn a recorded session into a scenario: its sends as steps, its replies as expectations.

Options:
  --mode MODE        exact (default): replies must be the same text, JSON value or bytes;
                     shape: JSON replies must have the same paths with the same value types
  --name NAME        scenario name (default: the session file's name)
  --connection ID    which recorded connection (default: the first)
  --output FILE      write the collection there (refuses to overwrite) instead of printing it
  -h, --help         show this help

       websocket-workbench export artillery <file> --scenario NAME [options]

Write an Artillery script (YAML, engine ws, or socketio for a Socket.IO request) from a scenario,
for load beyond one machine:
\`artillery run script.yml\`. Secrets become {{ $env.WSWB_SECRET_<NAME> }}, never their values.

Options:
  --scenario NAME    the scenario to export (required)
  --connection ALIAS which connection of a multi-connection scenario (an Artillery user has one)
  --env NAME         environment for the variables, when the scenario does not name one
  --var NAME=VALUE   set a variable (repeatable)
  --users N          virtual users to start (default 1) …
  --duration S       … over S seconds (default 1)
  --output FILE      write the script there (refuses to overwrite) instead of printing it
`;

export async function exportCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv[0] === 'artillery') return exportArtillery(argv.slice(1), io);
  const args = parseOrUsage('export', USAGE, io, () => {
    const parsed = parseValues(argv, { mode: { type: 'string' }, name: { type: 'string' }, connection: { type: 'string' }, output: { type: 'string' } });
    if (parsed === 'help') return parsed;
    const [what, input, ...extra] = parsed.positionals;
    if (what !== 'scenario') throw new UsageError(what === undefined ? 'missing what to export (scenario, artillery)' : `cannot export "${what}" (can: scenario, artillery)`);
    if (input === undefined) throw new UsageError('missing <session.ndjson|session.har>');
    if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
    const mode = (parsed.values.mode as string | undefined) ?? 'exact';
    if (mode !== 'exact' && mode !== 'shape') throw new UsageError(`--mode must be exact or shape, got ${mode}`);
    return { v: parsed.values as { name?: string; connection?: string; output?: string }, input, mode: mode as 'exact' | 'shape' };
  });
  if (typeof args === 'number') return args;
  const { v, input, mode } = args;

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

async function exportArtillery(argv: string[], io: CliIO): Promise<number> {
  const args = parseOrUsage('export artillery', USAGE, io, () => {
    const parsed = parseValues(argv, {
      scenario: { type: 'string' },
      connection: { type: 'string' },
      env: { type: 'string' },
      var: { type: 'string', multiple: true },
      users: { type: 'string' },
      duration: { type: 'string' },
      output: { type: 'string' },
    });
    if (parsed === 'help') return parsed;
    const v = parsed.values as { scenario?: string; connection?: string; env?: string; users?: string; duration?: string; output?: string };
    single(parsed.positionals, '<file>');
    if (v.scenario === undefined) throw new UsageError('missing --scenario NAME');
    const users = v.users === undefined ? 1 : /^[1-9]\d*$/.test(v.users) ? Number(v.users) : NaN;
    if (Number.isNaN(users)) throw new UsageError(`--users must be a whole number from 1, got ${v.users}`);
    const durationS = v.duration === undefined ? 1 : /^\d+(\.\d+)?$/.test(v.duration) && Number(v.duration) > 0 ? Number(v.duration) : NaN;
    if (Number.isNaN(durationS)) throw new UsageError(`--duration must be a number of seconds more than 0, got ${v.duration}`);
    return { parsed, v: { ...v, scenario: v.scenario }, users, durationS, overrides: varsValue(parsed.lists.var) };
  });
  if (typeof args === 'number') return args;
  const { parsed, v, users, durationS, overrides } = args;
  const input = parsed.positionals[0]!;
  const doc = await readCollectionFile(path.resolve(io.cwd, input));
  if (!doc.ok || !doc.collection) {
    for (const d of doc.errors) io.stderr.write(`${formatDiagnostic({ ...d, file: input })} [${d.code}]\n`);
    return 2;
  }
  let out;
  try {
    out = scenarioToArtillery(doc.collection, v.scenario, {
      ...(v.connection !== undefined ? { connection: v.connection } : {}),
      ...(v.env !== undefined ? { env: v.env } : {}),
      overrides,
      users,
      durationS,
    });
  } catch (err) {
    io.stderr.write(`websocket-workbench export artillery: ${err instanceof Error ? err.message : String(err)} [${(err as { code?: string }).code ?? 'WSWB_EXPORT'}]\n`);
    return 2;
  }
  for (const g of out.gaps) io.stderr.write(`websocket-workbench export artillery: not exported as a check: ${g}\n`);
  if (v.output === undefined) {
    io.stdout.write(out.yaml);
    return 0;
  }
  try {
    await fs.writeFile(path.resolve(io.cwd, v.output), out.yaml, { flag: 'wx' });
  } catch (err) {
    io.stderr.write(`websocket-workbench export artillery: cannot write ${v.output}: ${(err as NodeJS.ErrnoException).code ?? String(err)} [WSWB_FILE_WRITE]\n`);
    return 2;
  }
  const env = out.secrets.length ? `; set ${out.secrets.join(', ')} before \`artillery run\`` : '';
  io.stderr.write(`wrote ${v.output}: connection "${out.connection}", ${out.sends} sends and ${out.receives} checked replies per user${env}\n`);
  return 0;
}
