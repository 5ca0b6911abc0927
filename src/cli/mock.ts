/**
 * `websocket-workbench mock <file> [--name NAME] [--port N] [--host H] [--output ndjson|pretty] [--no-frames]`
 *
 * Starts one mock server from a collection file and prints its timeline: first
 * `{"type":"listening","name":…,"url":…}`, then one line per event (with its `connection` id), until
 * SIGINT/SIGTERM; then every client is closed with 1001 and the command exits 0.
 * Exit codes: 0 stopped normally, 1 the mock could not start, 2 bad usage or invalid file.
 */
import * as path from 'node:path';
import type { CliIO } from './io';
import type { TimelineEvent } from '../core/engine/events';
import { MockServer } from '../core/engine/mock/mockServer';
import type { MockDefinition } from '../core/engine/mock/definition';
import { readCollectionFile } from '../core/collections/fsio';
import { formatDiagnostic } from '../core/collections/parse';

const USAGE = `Usage: websocket-workbench mock <file> [options]

Run a mock WebSocket server from a collection file (*.websocket.json, "mocks" array).

Options:
  --name NAME        which mock to run (required when the file has several)
  --port N           listen on this port (0: a free one), overriding the file
  --host ADDR        bind this address instead of the file's (default 127.0.0.1)
  --output FORMAT    ndjson (default when piped) or pretty (default on a terminal)
  --no-frames        leave frame events out of the output (messages, handshakes, closes stay)
  -h, --help         show this help

Runs until SIGINT/SIGTERM, then closes clients with 1001 and exits 0.
`;

interface MockArgs {
  file: string;
  name?: string;
  port?: number;
  host?: string;
  output?: 'ndjson' | 'pretty';
  frames: boolean;
}

/** Parses argv; returns a usage error message instead of throwing. */
export function parseMockArgs(argv: string[]): MockArgs | { error: string } | { help: true } {
  const out: Partial<MockArgs> & { frames: boolean } = { frames: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return { help: true };
      case '--name': {
        const v = value();
        if (!v) return { error: '--name needs a value' };
        out.name = v;
        break;
      }
      case '--port': {
        const v = value();
        const n = Number(v);
        if (v === undefined || !/^\d+$/.test(v) || n > 65535) return { error: `--port needs a number from 0 to 65535, got ${v ?? 'nothing'}` };
        out.port = n;
        break;
      }
      case '--host': {
        const v = value();
        if (!v) return { error: '--host needs a value' };
        out.host = v;
        break;
      }
      case '--output': {
        const v = value();
        if (v !== 'ndjson' && v !== 'pretty') return { error: `--output must be ndjson or pretty, got ${v ?? 'nothing'}` };
        out.output = v;
        break;
      }
      case '--no-frames':
        out.frames = false;
        break;
      default:
        if (a.startsWith('-') && a !== '-') return { error: `unknown option ${a}` };
        if (out.file !== undefined) return { error: `unexpected argument ${a}` };
        out.file = a;
    }
  }
  if (out.file === undefined) return { error: 'missing <file>' };
  return out as MockArgs;
}

/** `websocket-workbench mock`. */
export async function mock(argv: string[], io: CliIO): Promise<number> {
  const args = parseMockArgs(argv);
  if ('help' in args) {
    io.stdout.write(USAGE);
    return 0;
  }
  if ('error' in args) {
    io.stderr.write(`websocket-workbench mock: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  const file = path.resolve(io.cwd, args.file);
  const parsed = await readCollectionFile(file);
  if (!parsed.ok || !parsed.collection) {
    for (const d of parsed.errors) io.stderr.write(`${formatDiagnostic(d)} [${d.code}]\n`);
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
        ? `websocket-workbench mock: no mock named "${args.name}" in ${args.file} (mocks: ${names}) [MOCK_NOT_FOUND]\n`
        : mocks.length === 0
          ? `websocket-workbench mock: ${args.file} defines no mocks [MOCK_NOT_FOUND]\n`
          : `websocket-workbench mock: ${args.file} defines several mocks (${names}); choose one with --name [MOCK_NOT_FOUND]\n`,
    );
    return 2;
  }
  def = { ...def, ...(args.port !== undefined ? { port: args.port } : {}), ...(args.host !== undefined ? { host: args.host } : {}) };

  const pretty = args.output ? args.output === 'pretty' : Boolean(io.stdout.isTTY);
  const write = (line: string) => io.stdout.write(line + '\n');
  let server: MockServer;
  try {
    server = new MockServer(def, { baseDir: path.dirname(file), log: (l) => io.stderr.write(l + '\n') });
  } catch (err) {
    io.stderr.write(`websocket-workbench mock: ${(err as Error).message} [${(err as { code?: string }).code ?? 'MOCK_INVALID_DEFINITION'}]\n`);
    return 2;
  }
  server.onEvent((e) => {
    if (e.kind === 'frame' && !args.frames) return;
    // The listening/stopped lines are printed in their own shape below.
    if (e.kind === 'info' && (e.data?.type === 'listening' || e.data?.type === 'stopped')) return;
    write(pretty ? prettyEvent(e) : JSON.stringify(eventJson(e)));
  });

  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const unsubscribe = io.onStop(() => stopRequested());
  try {
    const { url, port } = await server.start();
    const line = { type: 'listening', name: def.name, url, port, host: def.host ?? '127.0.0.1', ...(server.certificate && def.tls && 'generate' in def.tls ? { certificate: server.certificate } : {}) };
    write(pretty ? `mock "${def.name}" listening on ${url}  (Ctrl+C to stop)` : JSON.stringify(line));
    await stopped;
    await server.stop();
    write(pretty ? `mock "${def.name}" stopped` : JSON.stringify({ type: 'stopped', name: def.name, ...server.stats() }));
    return 0;
  } catch (err) {
    io.stderr.write(`websocket-workbench mock: ${(err as Error).message} [${(err as { code?: string }).code ?? 'MOCK_LISTEN_FAILED'}]\n`);
    await server.stop().catch(() => undefined);
    return 1;
  } finally {
    unsubscribe();
  }
}

/** An event as one NDJSON object: `type` is the event kind; bytes as UTF-8 text or base64. */
export function eventJson(e: TimelineEvent): Record<string, unknown> {
  const { kind, ...rest } = e as TimelineEvent & Record<string, unknown>;
  const out: Record<string, unknown> = { type: kind, ...rest };
  if (e.kind === 'message') {
    delete out.data;
    Object.assign(out, bytesJson(e.data, e.binary, 'data'));
  } else if (e.kind === 'frame') {
    delete out.payload;
    Object.assign(out, bytesJson(e.payload, e.opcode !== 1 && e.opcode !== 0 && e.opcode !== 8, 'payload'));
  }
  return out;
}

function bytesJson(b: Uint8Array, binary: boolean, field: string): Record<string, string> {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!binary) {
    const text = buf.toString('utf8');
    if (Buffer.byteLength(text) === buf.length && !text.includes('\uFFFD')) return { [field]: text };
  }
  return { [field]: buf.toString('base64'), encoding: 'base64' };
}

/** One human-readable line per event. */
export function prettyEvent(e: TimelineEvent): string {
  const t = new Date(e.time).toISOString().slice(11, 23);
  const head = `${t} ${e.connection}`;
  switch (e.kind) {
    case 'handshake':
      return `${head} handshake ${e.request.method} ${e.request.path} → ${e.response ? `${e.response.status} ${e.response.statusText}` : 'pending'}${e.subprotocol ? ` (${e.subprotocol})` : ''}`;
    case 'message': {
      const b = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
      const body = e.binary ? `<${e.size} bytes> ${b.subarray(0, 32).toString('hex')}${e.size > 32 ? '…' : ''}` : b.toString('utf8');
      return `${head} ${e.dir === 'in' ? '←' : '→'} ${body}`;
    }
    case 'frame':
      return `${head} ${e.dir === 'in' ? '⇠' : '⇢'} frame op=${e.opcode} fin=${e.fin ? 1 : 0}${e.rsv1 || e.rsv2 || e.rsv3 ? ` rsv=${+e.rsv1}${+e.rsv2}${+e.rsv3}` : ''}${e.masked ? ` mask=${e.maskKey ?? ''}` : ''} len=${e.length}`;
    case 'state':
      return `${head} ${e.state}${e.detail ? ` ${e.detail}` : ''}`;
    case 'close':
      return `${head} closed ${e.code}${e.reason ? ` "${e.reason}"` : ''} by ${e.initiator}${e.wasClean ? '' : ' (not clean)'}`;
    case 'error':
      return `${head} error ${e.code}: ${e.message}`;
    case 'rtt':
      return `${head} rtt ${e.ms} ms`;
    case 'info':
      return `${head} ${e.message}`;
  }
}
