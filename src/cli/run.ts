/**
 * `websocket-workbench run <file> [--request NAME] [--env NAME] [--output ndjson|pretty|none]`
 *
 * Connects with a saved request, sends its named messages in order and, after each, waits for
 * replies matching the message's `expect` rules (regex or JSON path, each with its timeout). Prints
 * the timeline (secrets masked), one `expect` line per rule and a `summary` line.
 * Secrets come from environment variables `WSWB_SECRET_<NAME>` (name upper-cased, other characters
 * as `_`; the exact spelling `WSWB_SECRET_<name>` wins).
 * Exit codes: 0 every expectation held; 1 an expectation failed or the connection failed;
 * 2 bad usage, invalid file, unknown request/environment or unresolved variables.
 */
import { describeCodecProblem, loadRequestCodecs } from '../core/codecs/collection';
import * as path from 'node:path';
import type { CliIO } from './io';
import { maskedIO } from './io';
import { createPrinter, visible } from './output';
import { nonEmpty, outputValue, parseCommandLine, parseOrUsage, single, UsageError, type OptionSpec } from './args';
import type { OutputMode } from './output';
import { Connection } from '../core/engine/connection';
import type { TimelineEvent } from '../core/engine/events';
import { collectionSizeLimit, readCollectionFile } from '../core/collections/fsio';
import { formatDiagnostic } from '../core/collections/parse';
import { messagePayload, protocolMessageOf, protocolOf, redactedRequest, resolveRequest, resolveVariables, toConnectionOptions } from '../core/collections/variables';
import { ProtocolSession } from '../core/protocols/connectionSession';
import { publicDecoded } from '../core/protocols/monitor';
import type { ProtocolMessage } from '../core/protocols/messages';
import type { Decoded } from '../core/protocols/types';
import { isProtocolMessage } from '../core/collections/types';
import type { MatchContext } from '../core/collections/expect';
import { protocolOutput } from './protocols';
import { ReplyWatch, type ExpectOutcome } from './replyWatch';
import { maskFor } from '../core/collections/secretMask';
import type { ResolvedVariables, SecretResolver } from '../core/collections/variables';
import { compileExpect } from '../core/collections/expect';
import type { CompiledExpect } from '../core/collections/expect';
import { makeHeader, TranscriptWriter } from '../core/collections/transcript';
import type { RequestDef, Collection } from '../core/collections/types';
import { codeOf } from '../core/errors';

const USAGE = `Usage: websocket-workbench run <file> [options]

Connect with a saved request, send its messages in order and check the replies against each
message's "expect" rules. Exits 1 when an expectation fails.

With a folder, a file with scenarios, or --scenario/--reporter/--reporter-output/--parallel, runs
scenarios and requests as tests instead (see \`run --reporter ndjson --help\`).

Options:
  --request NAME     which request to run (required when the file has several)
  --env NAME         environment whose variables to use
  --var NAME=VALUE   set a request variable (repeatable; beats the file's variables)
  --output FORMAT    ndjson (default when piped), pretty (default on a terminal) or none
  --no-frames        leave frame events out of the output
  --transcript PATH  also record the session as a transcript (NDJSON) at PATH
  --reply-timeout MS report a protocol request without a reply after MS as unanswered
                     (default 10000)
  -h, --help         show this help

A request with "protocol" speaks it (handshake, heartbeats); its protocol messages are sent through
it and NDJSON message lines carry "decoded", with "exchange" and "unanswered" lines as in connect.

Secrets ({{secret:name}}) are read from environment variables WSWB_SECRET_<NAME>.
`;

interface RunArgs {
  file: string;
  request?: string;
  env?: string;
  vars: Record<string, string>;
  output?: OutputMode;
  frames: boolean;
  transcript?: string;
  replyTimeoutMs?: number;
}

const OPTIONS = {
  request: { type: 'string' },
  env: { type: 'string' },
  var: { type: 'string' },
  output: { type: 'string' },
  'no-frames': { type: 'boolean' },
  transcript: { type: 'string' },
  'reply-timeout': { type: 'string' },
} satisfies OptionSpec;

/** Parses argv; throws UsageError for bad usage; 'help' for -h/--help. */
export function parseRunArgs(argv: string[]): RunArgs | 'help' {
  const tokens = parseCommandLine(argv, OPTIONS);
  if (tokens === 'help') return 'help';
  const out: Partial<RunArgs> & { vars: Record<string, string>; frames: boolean } = { vars: {}, frames: true };
  for (const t of tokens.options) {
    const v = t.value;
    switch (t.name as keyof typeof OPTIONS) {
      case 'request':
        out.request = nonEmpty('--request', v);
        break;
      case 'env':
        out.env = nonEmpty('--env', v);
        break;
      case 'transcript':
        out.transcript = nonEmpty('--transcript', v);
        break;
      case 'var': {
        const m = v ? /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s.exec(v) : null;
        if (!m) throw new UsageError(`--var needs NAME=VALUE, got '${v ?? ''}'`);
        out.vars[m[1]!] = m[2]!;
        break;
      }
      case 'output':
        out.output = outputValue(v);
        break;
      case 'no-frames':
        out.frames = false;
        break;
      case 'reply-timeout': {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 86_400_000) throw new UsageError(`--reply-timeout must be an integer between 1 and 86400000, got '${v ?? ''}'`);
        out.replyTimeoutMs = n;
        break;
      }
    }
  }
  out.file = single(tokens.positionals, '<file>');
  return out as RunArgs;
}

/** Secrets from the environment: WSWB_SECRET_<name>, then WSWB_SECRET_<NAME_NORMALIZED>. */
export function envSecretResolver(env: NodeJS.ProcessEnv): SecretResolver {
  return {
    async get(name) {
      return env[`WSWB_SECRET_${name}`] ?? env[`WSWB_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`];
    },
  };
}

/** `websocket-workbench run`. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  // A folder, a file with scenarios, or a suite flag (--scenario, --reporter…): tests (src/cli/suite.ts).
  const suite = await import('./suite');
  if (suite.isSuiteRun(argv, io.cwd)) return suite.runSuite(argv, io);
  const args = parseOrUsage('run', USAGE, io, () => parseRunArgs(argv));
  if (typeof args === 'number') return args;
  const fail = (msg: string, code: string) => {
    io.stderr.write(`websocket-workbench run: ${msg} [${code}]\n`);
    return 2;
  };

  const file = path.resolve(io.cwd, args.file);
  const parsed = await readCollectionFile(file, { maxBytes: collectionSizeLimit(io.env.WSWB_MAX_FILE_SIZE_MB) });
  if (!parsed.ok || !parsed.collection) {
    for (const d of parsed.errors) io.stderr.write(`${visible(formatDiagnostic({ ...d, file: args.file }))} [${d.code}]\n`);
    return 2;
  }
  const collection = parsed.collection;
  const requests = collection.requests ?? [];
  let request: RequestDef | undefined;
  if (args.request !== undefined) request = requests.find((r) => r.name === args.request);
  else if (requests.length === 1) request = requests[0];
  if (!request) {
    const names = requests.map((r) => JSON.stringify(r.name)).join(', ') || 'none';
    if (args.request !== undefined) return fail(`no request named "${args.request}" in ${args.file} (requests: ${names})`, 'WSWB_REQUEST_NOT_FOUND');
    if (!requests.length) return fail(`${args.file} has no requests`, 'WSWB_REQUEST_NOT_FOUND');
    return fail(`${args.file} has several requests (${names}); choose one with --request`, 'WSWB_REQUEST_NOT_FOUND');
  }

  const resolved: ResolvedVariables = await resolveVariables(collection, request, {
    environment: args.env,
    secrets: envSecretResolver(io.env),
    overrides: args.vars,
  });
  // From here on everything printed goes through the secrets' mask, error messages included.
  const secretMask = maskFor(resolved);
  if (secretMask.active) io = maskedIO(io, secretMask.text);
  try {
    return await runResolved(args, io, file, request, resolved, collection);
  } catch (err) {
    io.stderr.write(`websocket-workbench run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

async function runResolved(args: RunArgs, io: CliIO, file: string, request: RequestDef, resolved: ResolvedVariables, collection: Collection): Promise<number> {
  const fail = (msg: string, code: string) => {
    io.stderr.write(`websocket-workbench run: ${msg} [${code}]\n`);
    return 2;
  };
  if (!resolved.ok) {
    for (const e of resolved.errors) io.stderr.write(`websocket-workbench run: ${e.message} [${e.code}]\n`);
    const secretNames = resolved.unresolved.filter((k) => k.startsWith('secret:')).map((k) => k.slice(7));
    if (secretNames.length) {
      io.stderr.write(`  set ${secretNames.map((n) => `WSWB_SECRET_${n.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`).join(', ')} in the environment\n`);
    }
    return 2;
  }

  // Everything that can fail on the file's content fails here, before connecting.
  let options;
  let plan: Array<{ name: string; payload: ReturnType<typeof messagePayload> | { message: ProtocolMessage }; expects: CompiledExpect[] }>;
  const { protocol, protocolOptions } = protocolOf(request, resolved);
  // codecs rules (the request's, then the collection's): decoded forms, and the types protobuf messages send.
  const loaded = await loadRequestCodecs(collection, file, request.name);
  if (loaded.problems.length) return fail(loaded.problems.map((p) => describeCodecProblem(p, (f) => path.relative(io.cwd, f) || f)).join('; '), loaded.problems[0]!.code);
  const codecs = loaded.codecs.empty ? undefined : loaded.codecs;
  const session = new ProtocolSession(protocol, { protocolOptions, ...(args.replyTimeoutMs !== undefined ? { replyTimeoutMs: args.replyTimeoutMs } : {}), ...(codecs ? { codecs } : {}) });
  try {
    options = session.prepare(toConnectionOptions(request, resolved, { baseDir: path.dirname(file) }));
    const concrete = resolveRequest(request, resolved);
    // Payloads from the templates, so substitution knows which parts came from a secret.
    plan = (concrete.messages ?? []).map((m, i) => {
      const def = request.messages![i]!;
      return { name: m.name, payload: isProtocolMessage(def) ? { message: protocolMessageOf(def, resolved) } : messagePayload(def, resolved, codecs), expects: (m.expect ?? []).map(compileExpect) };
    });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), codeOf(err));
  }

  const mode: OutputMode = args.output ?? (io.stdout.isTTY ? 'pretty' : 'ndjson');
  const printer = createPrinter(mode, io, { frames: args.frames });
  const mask = maskFor(resolved).value;
  // Result lines: NDJSON objects, or a readable line in pretty mode.
  const result = (obj: Record<string, unknown>) => {
    if (mode !== 'pretty') return printer.line(obj);
    if (obj.type === 'expect') {
      const head = `${obj.ok ? '✔' : '✖'} ${visible(String(obj.message))}: ${visible(String(obj.rule))}`;
      io.stdout.write(`${head}${obj.ok ? ` (${String(obj.elapsedMs)} ms)` : ` — ${visible(String(obj.reason))}`}\n`);
      if (!obj.ok && obj.actual !== undefined) io.stdout.write(`    expected: ${visible(String(obj.expected))}\n    actual:\n${String(obj.actual).split('\n').map((l) => `      ${visible(l)}\n`).join('')}`);
    } else if (obj.type === 'summary') {
      const parts = obj.connected ? [`${String(obj.passed)} passed`, `${String(obj.failed)} failed`] : [`could not connect: ${visible(String(obj.message))} [${String(obj.code)}]`];
      if (obj.skipped) parts.push(`${String(obj.skipped)} not reached`);
      if (obj.interrupted) parts.push('interrupted');
      io.stdout.write(`${obj.ok ? 'PASS' : 'FAIL'} ${parts.join(', ')}\n`);
    } else printer.line(obj);
  };

  let transcript: TranscriptWriter | undefined;
  if (args.transcript) {
    try {
      transcript = await TranscriptWriter.create(path.resolve(io.cwd, args.transcript), makeHeader({ request: redactedRequest(request, resolved) as unknown as Record<string, unknown>, tool: { name: 'websocket-workbench', version: cliVersion() } }), { writes: 'sync' });
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err), 'WSWB_TRANSCRIPT_WRITE');
    }
  }

  const conn = new Connection(options, { env: io.env });
  let watch: ReplyWatch | undefined;
  let closed: string | undefined;
  // Events in wire order, message lines with their decoded packet, then exchange/unanswered lines.
  const print = protocolOutput(printer, mode, io);
  session.attach(conn, (o) => {
    if (o.type !== 'event') return print(mask(o));
    const e: TimelineEvent = o.event;
    const shown = mask(e);
    // publicDecoded first: the summary of a lazily built packet is a getter a masked copy would lose.
    if (e.kind !== 'frame' || args.frames) print(o.decoded ? { type: 'event', event: shown, decoded: mask(publicDecoded(o.decoded)) as Decoded } : { type: 'event', event: shown });
    transcript?.append(shown);
    if (e.kind === 'message' && e.dir === 'in') watch?.push(o.decoded ? { ...e, decoded: o.decoded } : e);
    if (e.kind === 'close') {
      closed = `connection closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`;
      watch?.end(closed);
    }
  });
  let stopped = false;
  const unsubscribe = io.onStop(() => {
    stopped = true;
    watch?.end('interrupted');
    conn.terminate();
  });

  let passed = 0;
  let failed = 0;
  let exit = 0;
  try {
    try {
      await conn.connect();
    } catch (err) {
      const code = codeOf(err);
      result({ type: 'summary', ok: false, connected: false, code, message: mask(err instanceof Error ? err.message : String(err)), passed, failed });
      if (mode === 'none') io.stderr.write(`websocket-workbench run: ${mask((err as Error).message)} [${code}]\n`);
      return 1;
    }
    // The protocol's own handshake (Engine.IO open and namespace, connection_ack, CONNACK…).
    const notReady = await protocolReady(session, options.handshakeTimeoutMs ?? 10_000);
    if (notReady) {
      result({ type: 'summary', ok: false, connected: false, code: notReady.code, message: mask(notReady.message), passed, failed });
      if (mode === 'none') io.stderr.write(`websocket-workbench run: ${mask(notReady.message)} [${notReady.code}]\n`);
      return 1;
    }
    const readsDecoded = protocol !== 'auto' && protocol !== 'raw';
    for (const step of plan) {
      if (stopped || closed) break;
      let ackKey: string | undefined;
      // Watching before sending: a reply may come before the send resolves.
      const ctx: MatchContext = { decodedPayload: readsDecoded };
      watch = new ReplyWatch(ctx);
      if ('message' in step.payload) {
        try {
          ackKey = await session.send(step.payload.message);
          if (ackKey !== undefined) ctx.ackKey = ackKey;
        } catch (err) {
          // Not sent: its expectations fail with the reason.
          const why = `not sent: ${err instanceof Error ? err.message : String(err)}`;
          for (const x of step.expects) {
            failed++;
            result(mask({ type: 'expect', message: step.name, rule: x.label, ok: false, elapsedMs: 0, reason: why }));
          }
          continue;
        }
      }
      if (!('message' in step.payload)) {
        if (step.payload.binary) conn.sendBinary(step.payload.data);
        else conn.sendText(step.payload.text);
      }
      const outcomes = await Promise.all(step.expects.map((x) => (x.rule.ack && ackKey === undefined ? Promise.resolve<ExpectOutcome>({ ok: false, elapsedMs: 0, reason: 'the message opened no request to answer (an ack, id or receipt)' }) : watch!.wait(x, Date.now))));
      step.expects.forEach((x, i) => {
        const o = outcomes[i]!;
        if (o.ok) passed++;
        else failed++;
        const line: Record<string, unknown> = { type: 'expect', message: step.name, rule: x.label, ok: o.ok, elapsedMs: o.elapsedMs };
        if (o.matchedId !== undefined) line.matched = o.matchedId;
        if (o.reason) line.reason = o.reason;
        if (!o.ok) line.expected = x.rule.ack && ackKey !== undefined ? `${x.label} (the reply to ${protocol} key ${ackKey})` : x.label;
        if (o.actual !== undefined) line.actual = o.actual;
        result(mask(line));
        if (!o.ok && mode === 'none') io.stderr.write(`expectation failed: message "${step.name}": ${x.label}: ${o.reason}\n`);
      });
    }
    const skipped = plan.length && (stopped || closed) ? plan.reduce((n, s) => n + s.expects.length, 0) - passed - failed : 0;
    failed += skipped;
    if (conn.state === 'open') await conn.close(1000, '');
    const ok = failed === 0 && !stopped;
    result({ type: 'summary', ok, connected: true, passed, failed, ...(skipped ? { skipped } : {}), ...(stopped ? { interrupted: true } : {}) });
    exit = ok ? 0 : 1;
    return exit;
  } finally {
    unsubscribe();
    session.dispose();
    conn.dispose();
    await transcript?.close().catch((err: Error) => io.stderr.write(`websocket-workbench run: ${err.message}\n`));
  }
}

/** Waits for the protocol session to be ready (at once without a driver); the failure, if it was not within `ms`. */
async function protocolReady(session: ProtocolSession, ms: number): Promise<{ code: string; message: string } | undefined> {
  if (!session.driver) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Error>((r) => (timer = setTimeout(() => r(Object.assign(new Error(`the ${session.setting} session was not ready within ${ms} ms`), { code: 'WSWB_PROTO_TIMEOUT' })), ms)));
  const failed = await Promise.race([session.ready().then(() => undefined, (e: Error) => e), timeout]);
  clearTimeout(timer);
  return failed ? { code: codeOf(failed), message: failed.message } : undefined;
}

declare const __VERSION__: string | undefined;
function cliVersion(): string {
  return typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';
}
