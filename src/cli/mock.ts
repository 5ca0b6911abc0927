/**
 * `websocket-workbench mock <file> [--name NAME] [--port N] [--host H] [--output ndjson|pretty] [--no-frames]`
 *
 * Starts one mock server from a collection file and prints its timeline: first
 * `{"type":"listening","name":…,"url":…}`, then one line per event (with its `connection` id), until
 * SIGINT/SIGTERM; then every client is closed with 1001 and the command exits 0.
 * Exit codes: 0 stopped normally, 1 the mock could not start, 2 bad usage or invalid file.
 */
import type { CodecSet } from '../core/codecs/bindings';
import { describeCodecProblem, loadRequestCodecs } from '../core/codecs/collection';
import * as path from 'node:path';
import type { CliIO } from './io';
import { MockServer } from '../core/engine/mock/mockServer';
import type { MockDefinition } from '../core/engine/mock/definition';
import { collectionSizeLimit, readCollectionFile } from '../core/collections/fsio';
import { readTranscript } from '../core/collections/transcript';
import { recordingToMock } from '../core/engine/mock/recordToMock';
import { formatDiagnostic } from '../core/collections/parse';
import { createPrinter, visible } from './output';
import { intValue, nonEmpty, outputValue, parseCommandLine, parseOrUsage, single, UsageError, type OptionSpec } from './args';
import type { OutputMode } from './output';

const USAGE = `Usage: websocket-workbench mock <file> [options]
       websocket-workbench mock --transcript <session.ndjson> [--connection ID] [--print] [options]

Run a mock WebSocket server from a collection file (*.websocket.json, "mocks" array), or one
that replays the server side of a recorded session transcript (record-to-mock).

Options:
  --name NAME        which mock to run (required when the file has several); with --transcript,
                     the name of the generated mock
  --transcript       <file> is a session transcript: build the mock from it
  --connection ID    with --transcript: which recorded connection to replay (default: the first)
  --print            with --transcript: print the generated mock definition (JSON) and exit
  --port N           listen on this port (0: a free one), overriding the file
  --host ADDR        bind this address instead of the file's (default 127.0.0.1)
  --output FORMAT    ndjson (default when piped), pretty (default on a terminal) or none
  --no-frames        leave frame events out of the output (messages, handshakes, closes stay)
  -h, --help         show this help

Runs until SIGINT/SIGTERM, then closes clients with 1001 and exits 0.
`;

interface MockArgs {
  file: string;
  name?: string;
  port?: number;
  host?: string;
  output?: OutputMode;
  frames: boolean;
  transcript?: boolean;
  connection?: string;
  print?: boolean;
}

const OPTIONS = {
  name: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  output: { type: 'string' },
  'no-frames': { type: 'boolean' },
  transcript: { type: 'boolean' },
  print: { type: 'boolean' },
  connection: { type: 'string' },
} satisfies OptionSpec;

/** Parses argv; throws UsageError for bad usage; 'help' for -h/--help. */
export function parseMockArgs(argv: string[]): MockArgs | 'help' {
  const tokens = parseCommandLine(argv, OPTIONS);
  if (tokens === 'help') return 'help';
  const out: Partial<MockArgs> & { frames: boolean } = { frames: true };
  for (const t of tokens.options) {
    const v = t.value;
    switch (t.name as keyof typeof OPTIONS) {
      case 'name':
        out.name = nonEmpty('--name', v);
        break;
      case 'port':
        out.port = intValue('--port', v, 0, 65535);
        break;
      case 'host':
        out.host = nonEmpty('--host', v);
        break;
      case 'output':
        out.output = outputValue(v);
        break;
      case 'no-frames':
        out.frames = false;
        break;
      case 'transcript':
        out.transcript = true;
        break;
      case 'print':
        out.print = true;
        break;
      case 'connection':
        out.connection = nonEmpty('--connection', v);
        break;
    }
  }
  out.file = single(tokens.positionals, '<file>');
  if (!out.transcript && (out.print || out.connection !== undefined)) throw new UsageError('--print and --connection go with --transcript');
  return out as MockArgs;
}

/** `websocket-workbench mock`. */
export async function mock(argv: string[], io: CliIO): Promise<number> {
  const args = parseOrUsage('mock', USAGE, io, () => parseMockArgs(argv));
  if (typeof args === 'number') return args;
  const file = path.resolve(io.cwd, args.file);
  if (args.transcript) {
    const def = await mockFromTranscript(file, args, io);
    if (!def) return 2;
    if (args.print) {
      io.stdout.write(JSON.stringify(def, null, 2) + '\n');
      return 0;
    }
    return serve(def, file, args, io);
  }
  const parsed = await readCollectionFile(file, { maxBytes: collectionSizeLimit(io.env.WSWB_MAX_FILE_SIZE_MB) });
  if (!parsed.ok || !parsed.collection) {
    for (const d of parsed.errors) io.stderr.write(`${visible(formatDiagnostic(d))} [${d.code}]\n`);
    return 2;
  }
  const mocks = parsed.collection.mocks ?? [];
  let def: MockDefinition | undefined;
  if (args.name !== undefined) def = mocks.find((m) => m.name === args.name);
  else if (mocks.length === 1) def = mocks[0];
  if (!def) {
    const names = mocks.map((m) => m.name).join(', ') || 'none';
    io.stderr.write(
      args.name !== undefined
        ? `websocket-workbench mock: no mock named "${args.name}" in ${args.file} (mocks: ${names}) [WSWB_MOCK_NOT_FOUND]\n`
        : mocks.length === 0
          ? `websocket-workbench mock: ${args.file} defines no mocks [WSWB_MOCK_NOT_FOUND]\n`
          : `websocket-workbench mock: ${args.file} defines several mocks (${names}); choose one with --name [WSWB_MOCK_NOT_FOUND]\n`,
    );
    return 2;
  }
  // The collection's codecs rules: the .proto types of `protobuf` answers (src/core/codecs/collection.ts).
  let codecs: CodecSet | undefined;
  if (parsed.collection.codecs?.length) {
    const loaded = await loadRequestCodecs(parsed.collection, file, undefined);
    for (const p of loaded.problems) io.stderr.write(`${visible(describeCodecProblem(p, (f) => path.relative(io.cwd, f) || f))} [${p.code}]\n`);
    if (loaded.problems.length) return 2;
    codecs = loaded.codecs;
  }
  return serve(def, file, args, io, codecs);
}

/** Reads a transcript and builds the mock replaying it; reports problems and returns undefined on failure. */
async function mockFromTranscript(file: string, args: MockArgs, io: CliIO): Promise<MockDefinition | undefined> {
  let read: Awaited<ReturnType<typeof readTranscript>>;
  try {
    read = await readTranscript(file);
  } catch (err) {
    io.stderr.write(`websocket-workbench mock: cannot read ${args.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`);
    return undefined;
  }
  for (const p of read.errors) io.stderr.write(`${args.file}:${p.line}: ${p.message} [${p.code}]\n`);
  if (!read.header || !read.events.some((e) => e.kind === 'message')) {
    io.stderr.write(`websocket-workbench mock: ${args.file} holds no recorded messages to replay\n`);
    return undefined;
  }
  if (args.connection !== undefined && !read.events.some((e) => e.connection === args.connection)) {
    const ids = [...new Set(read.events.map((e) => e.connection))].join(', ');
    io.stderr.write(`websocket-workbench mock: no connection "${args.connection}" in ${args.file} (connections: ${ids}) [WSWB_MOCK_NOT_FOUND]\n`);
    return undefined;
  }
  return recordingToMock(read.events, {
    name: args.name ?? path.basename(file).replace(/\.(ndjson|jsonl|json)$/i, ''),
    ...(args.connection !== undefined ? { connection: args.connection } : {}),
  });
}

/** Runs one mock until SIGINT/SIGTERM, printing its events. */
async function serve(def: MockDefinition, file: string, args: MockArgs, io: CliIO, codecs?: CodecSet): Promise<number> {
  def = { ...def, ...(args.port !== undefined ? { port: args.port } : {}), ...(args.host !== undefined ? { host: args.host } : {}) };

  const mode: OutputMode = args.output ?? (io.stdout.isTTY ? 'pretty' : 'ndjson');
  const pretty = mode === 'pretty';
  // Same event shapes as `connect` (docs/cli-ndjson.md); in pretty mode each line is tagged with its connection.
  const printer = createPrinter(mode, io, { frames: args.frames });
  let server: MockServer;
  try {
    server = new MockServer(def, { baseDir: path.dirname(file), log: (l) => io.stderr.write(visible(l) + '\n'), ...(codecs ? { codecs } : {}) });
  } catch (err) {
    io.stderr.write(`websocket-workbench mock: ${(err as Error).message} [${(err as { code?: string }).code ?? 'WSWB_MOCK_INVALID_DEFINITION'}]\n`);
    return 2;
  }
  server.onEvent((e) => {
    if (e.kind === 'frame' && !args.frames) return;
    // The listening/stopped lines are printed in their own shape below.
    if (e.kind === 'info' && (e.data?.type === 'listening' || e.data?.type === 'stopped')) return;
    printer.event(e, pretty ? { connection: e.connection } : undefined);
  });

  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const unsubscribe = io.onStop(() => stopRequested());
  try {
    const { url, port } = await server.start();
    const line = { type: 'listening', name: def.name, url, port, host: def.host ?? '127.0.0.1', ...(server.certificate && def.tls && 'generate' in def.tls ? { certificate: server.certificate } : {}) };
    if (pretty) io.stdout.write(`mock "${visible(def.name)}" listening on ${url}  (Ctrl+C to stop)\n`);
    else printer.line(line);
    await stopped;
    await server.stop();
    if (pretty) io.stdout.write(`mock "${visible(def.name)}" stopped\n`);
    else printer.line({ type: 'stopped', name: def.name, ...server.stats() });
    return 0;
  } catch (err) {
    io.stderr.write(`websocket-workbench mock: ${(err as Error).message} [${(err as { code?: string }).code ?? 'WSWB_MOCK_LISTEN_FAILED'}]\n`);
    await server.stop().catch(() => undefined);
    return 1;
  } finally {
    unsubscribe();
  }
}
