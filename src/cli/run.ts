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
import * as path from 'node:path';
import type { CliIO } from './io';
import { maskedIO } from './io';
import { createPrinter, isOutputMode, visible } from './output';
import type { OutputMode } from './output';
import { Connection } from '../core/engine/connection';
import type { MessageEvent, TimelineEvent } from '../core/engine/events';
import { collectionSizeLimit, readCollectionFile } from '../core/collections/fsio';
import { formatDiagnostic } from '../core/collections/parse';
import { messagePayload, redactedRequest, resolveRequest, resolveVariables, toConnectionOptions } from '../core/collections/variables';
import { maskFor } from '../core/collections/secretMask';
import type { ResolvedVariables, SecretResolver } from '../core/collections/variables';
import { compileExpect } from '../core/collections/expect';
import type { CompiledExpect } from '../core/collections/expect';
import { makeHeader, TranscriptWriter } from '../core/collections/transcript';
import type { RequestDef } from '../core/collections/types';

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
  -h, --help         show this help

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
}

/** Parses argv; returns a usage error instead of throwing. */
export function parseRunArgs(argv: string[]): RunArgs | { error: string } | { help: true } {
  const out: Partial<RunArgs> & { vars: Record<string, string>; frames: boolean } = { vars: {}, frames: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '-h':
      case '--help':
        return { help: true };
      case '--request':
      case '--env':
      case '--transcript': {
        const v = value();
        if (!v) return { error: `${flag} needs a value` };
        if (flag === '--request') out.request = v;
        else if (flag === '--env') out.env = v;
        else out.transcript = v;
        break;
      }
      case '--var': {
        const v = value();
        const m = v ? /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s.exec(v) : null;
        if (!m) return { error: `--var needs NAME=VALUE, got ${v ?? 'nothing'}` };
        out.vars[m[1]!] = m[2]!;
        break;
      }
      case '--output': {
        const v = value();
        if (!v || !isOutputMode(v)) return { error: `--output must be ndjson, pretty or none, got ${v ?? 'nothing'}` };
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

/** Outcome of one expectation. */
interface ExpectOutcome {
  ok: boolean;
  matchedId?: number;
  reason?: string;
  elapsedMs: number;
}

/**
 * Collects incoming messages from the moment a message is sent, so a reply that arrives before we
 * start waiting still counts; each rule then waits (with its own timeout) for any of them to match.
 */
class ReplyWatch {
  private readonly replies: MessageEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private closedReason: string | undefined;

  push(e: MessageEvent): void {
    this.replies.push(e);
    for (const w of [...this.waiters]) w();
  }

  end(reason: string): void {
    this.closedReason ??= reason;
    for (const w of [...this.waiters]) w();
  }

  wait(x: CompiledExpect, now: () => number): Promise<ExpectOutcome> {
    const started = now();
    return new Promise((resolve) => {
      let checked = 0;
      const finish = (o: Omit<ExpectOutcome, 'elapsedMs'>) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve({ ...o, elapsedMs: Math.max(0, now() - started) });
      };
      const check = () => {
        for (; checked < this.replies.length; checked++) {
          const r = this.replies[checked]!;
          if (x.test(r)) return finish({ ok: true, matchedId: r.id });
        }
        if (this.closedReason !== undefined) finish({ ok: false, reason: this.closedReason });
      };
      const timer = setTimeout(() => finish({ ok: false, reason: `no matching reply within ${x.timeoutMs} ms` }), x.timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** `websocket-workbench run`. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  // A folder, a file with scenarios, or a suite flag (--scenario, --reporter…): tests (src/cli/suite.ts).
  const suite = await import('./suite');
  if (suite.isSuiteRun(argv, io.cwd)) return suite.runSuite(argv, io);
  const args = parseRunArgs(argv);
  if ('help' in args) {
    io.stdout.write(USAGE);
    return 0;
  }
  if ('error' in args) {
    io.stderr.write(`websocket-workbench run: ${args.error}\n\n${USAGE}`);
    return 2;
  }
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
    return await runResolved(args, io, file, request, resolved);
  } catch (err) {
    io.stderr.write(`websocket-workbench run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

async function runResolved(args: RunArgs, io: CliIO, file: string, request: RequestDef, resolved: ResolvedVariables): Promise<number> {
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
  let plan: Array<{ name: string; payload: ReturnType<typeof messagePayload>; expects: CompiledExpect[] }>;
  try {
    options = toConnectionOptions(request, resolved, { baseDir: path.dirname(file) });
    const concrete = resolveRequest(request, resolved);
    // Payloads from the templates, so substitution knows which parts came from a secret.
    plan = (concrete.messages ?? []).map((m, i) => ({ name: m.name, payload: messagePayload(request.messages![i]!, resolved), expects: (m.expect ?? []).map(compileExpect) }));
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), (err as { code?: string }).code ?? 'WSWB_RUN_ERROR');
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
      transcript = await TranscriptWriter.create(path.resolve(io.cwd, args.transcript), makeHeader({ request: redactedRequest(request, resolved) as unknown as Record<string, unknown>, tool: { name: 'websocket-workbench', version: cliVersion() } }));
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err), 'WSWB_TRANSCRIPT_WRITE');
    }
  }

  const conn = new Connection(options, { env: io.env });
  let watch: ReplyWatch | undefined;
  let closed: string | undefined;
  conn.onEvent((e: TimelineEvent) => {
    const shown = mask(e);
    if (e.kind !== 'frame' || args.frames) printer.event(shown);
    transcript?.append(shown);
    if (e.kind === 'message' && e.dir === 'in') watch?.push(e);
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
      const code = (err as { code?: string }).code ?? 'CONNECT_FAILED';
      result({ type: 'summary', ok: false, connected: false, code, message: mask(err instanceof Error ? err.message : String(err)), passed, failed });
      if (mode === 'none') io.stderr.write(`websocket-workbench run: ${mask((err as Error).message)} [${code}]\n`);
      return 1;
    }
    for (const step of plan) {
      if (stopped || closed) break;
      watch = new ReplyWatch();
      if (step.payload.binary) conn.sendBinary(step.payload.data);
      else conn.sendText(step.payload.text);
      const outcomes = await Promise.all(step.expects.map((x) => watch!.wait(x, Date.now)));
      step.expects.forEach((x, i) => {
        const o = outcomes[i]!;
        if (o.ok) passed++;
        else failed++;
        const line: Record<string, unknown> = { type: 'expect', message: step.name, rule: x.label, ok: o.ok, elapsedMs: o.elapsedMs };
        if (o.matchedId !== undefined) line.matched = o.matchedId;
        if (o.reason) line.reason = o.reason;
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
    conn.dispose();
    await transcript?.close().catch((err: Error) => io.stderr.write(`websocket-workbench run: ${err.message}\n`));
  }
}

declare const __VERSION__: string | undefined;
function cliVersion(): string {
  return typeof __VERSION__ === 'string' ? __VERSION__ : 'dev';
}
