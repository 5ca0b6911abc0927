/**
 * Runs one planned test (a scenario, or a saved request with expectations) with the engine's real
 * Connection and MockServer. Pure core: no vscode; the CLI and the Test Explorer both use it.
 *
 * - Every connection keeps every message it received. An `expect` looks at the messages after the
 *   one the previous expectation on that connection matched (in order), so a reply that arrived
 *   before the step started still counts; an `unordered` group's expectations each take a different
 *   message; `expectNone` fails on a matching message not yet matched by an expectation.
 * - Deadlines are total: `within`, `for`, the handshake and the whole test (`timeoutMs`) count from
 *   when they start, whatever traffic arrives meanwhile.
 * - Variables resolve as for a request (request → collection → environment → secrets), below the
 *   scenario's own variables, `--var` overrides, started mocks' `mock.<name>.url|port` and captures.
 * - Every string reported (step messages, expected/actual, events) goes through the secrets' mask.
 *
 * - A connection whose request names a protocol speaks it through a ProtocolSession (ready before
 *   the first step on it); protocol messages go through the session, whose pairing key `ack`
 *   waits for; matching on decoded packets is expect.ts's.
 *
 * Over ~400 lines: steps, expectation matching and connection bookkeeping share one run state.
 * Protocol expectations (issue 13) added the session per connection and counted matches; the
 * split by step kind (connections and their session in one module, waiting in another) is the
 * next step, not done yet.
 */
import { readFile } from 'node:fs/promises';
import { loadCodecs, type CodecSet } from '../codecs/bindings';
import { describeCodecProblem, rulesOf } from '../codecs/collection';
import { Connection } from '../engine/connection';
import type { TimelineEvent } from '../engine/events';
import { MockServer } from '../engine/mock/mockServer';
import type { MockDefinition } from '../engine/mock/definition';
import { isProtocolMessage } from '../collections/types';
import type { Collection, ExpectRule, MessageDef, RequestDef, VariableMap } from '../collections/types';
import { compileExpect, decodedPayload, DEFAULT_EXPECT_TIMEOUT_MS, evaluateJsonPath } from '../collections/expect';
import type { CompiledExpect, MatchContext } from '../collections/expect';
import { messagePayload, protocolMessageOf, protocolOf, resolveVariables, toConnectionOptions } from '../collections/variables';
import { ProtocolSession, type SessionOutput } from '../protocols/connectionSession';
import { KIND_PROTOCOL } from '../protocols/messages';
import { publicDecoded } from '../protocols/monitor';
import type { Decoded, ProtocolSetting } from '../protocols/types';
import { expectProtocolProblem } from '../collections/protocolChecks';
import type { ResolvedVariables, SecretResolver } from '../collections/variables';
import { substituteDeep } from '../collections/template';
import { compileMask } from '../collections/secretMask';
import type { SecretMask } from '../collections/secretMask';
import { DEFAULT_EXPECT_NONE_MS, mockVariables, stepAction } from '../collections/scenario';
import type { InlineMessageDef, StepAction, StepDef } from '../collections/scenario';
import type { DocPath, PlannedStep, PlannedTest } from './plan';

/** How a test runs: where names resolve, where secrets come from, who hears about progress. */
export interface RunOptions {
  collection: Collection;
  /** Folder of the collection file (relative TLS files). */
  baseDir?: string;
  secrets?: SecretResolver;
  /** Environment for every connection (beats the scenario's `env`; a connect step's `env` beats it). */
  environment?: string;
  /** Environment used when neither the step, `environment` nor the scenario names one (the editor's active environment). */
  defaultEnvironment?: string;
  /**
   * What a `startMock` step starts, given the file's definition: the editor narrows a mock's exposure
   * in a restricted workspace here (loopback only, Origin and Host checks on). `notes` are reported.
   */
  prepareMock?(def: MockDefinition): { definition: MockDefinition; notes: string[] };
  /** Variables set from outside (`--var`). */
  overrides?: VariableMap;
  /** Process environment for proxies (HTTPS_PROXY…). */
  processEnv?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Every event of every connection and mock, masked; `source` is a connection alias or `mock:<name>`. */
  onEvent?(e: TimelineEvent, source: string): void;
  /** A connection's protocol layer: a message's decoded packet, a completed pair, an unanswered request (masked). */
  onProtocol?(o: SessionOutput, source: string): void;
  /** How long a protocol request waits for its reply before it is reported unanswered (ms, default 10000). */
  replyTimeoutMs?: number;
  /** Each step's outcome as it completes (a group reports once, for itself). */
  onStep?(r: StepResult): void;
  now?: () => number;
}

/** The outcome of one step. */
export interface StepResult {
  /** JSON path of the step (for a failing group: of the failing expectation) in the file. */
  path: DocPath;
  action: StepAction;
  /** One line: `expect on bob: $.type == "joined"`. */
  label: string;
  on?: string;
  ok: boolean;
  elapsedMs: number;
  /** Why it failed. */
  message?: string;
  /** What was expected and what was seen, for a failed expectation. */
  expected?: string;
  actual?: string;
  /** Machine code of the failure, e.g. WSWB_EXPECT_TIMEOUT. */
  code?: string;
}

/** The outcome of one test. */
export interface TestResult {
  id: string;
  name: string;
  kind: PlannedTest['kind'];
  ok: boolean;
  /** ms since the epoch. */
  startedAt: number;
  durationMs: number;
  steps: StepResult[];
  /** The first failed step. */
  failure?: StepResult;
  /** Steps not run after the failure. */
  skipped: number;
}

/** A received message, copied when it arrives (the store may spill payloads to disk later). */
interface Received {
  id: number;
  binary: boolean;
  data: Uint8Array;
  at: number;
  /** What the protocol layer made of it. */
  decoded?: Decoded;
}

interface Conn {
  alias: string;
  request: RequestDef;
  /** The request's loaded `codecs` rules (protobuf types for messages it sends). */
  codecs?: CodecSet;
  env?: string;
  conn: Connection;
  received: Received[];
  /** Index after the message the last expectation matched. */
  cursor: number;
  /** received.length when the last message was sent. */
  sendMark: number;
  lastMatched?: Received;
  /** The packet of lastMatched that matched (its payload is what `capture` reads on a protocol connection). */
  lastPacket?: Decoded;
  /** Decoding, pairing and (with an explicit protocol) speaking. */
  session: ProtocolSession;
  protocol: ProtocolSetting;
  /** Pairing key of the request the last send opened (what `ack` expectations wait for). */
  ackKey?: string;
  closed?: string;
  waiters: Set<() => void>;
}

class StepFailure extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly extra: { expected?: string; actual?: string; path?: DocPath } = {},
  ) {
    super(message);
  }
}

const decoder = new TextDecoder();
const ACTUAL_SHOWN = 5;
const ACTUAL_CHARS = 300;
const CLEANUP_MS = 2000;
/** How long a protocol session may take to be ready when the request sets no handshakeTimeoutMs (as `connect`). */
const PROTOCOL_READY_MS = 10_000;

function show(r: Received): string {
  const raw = r.binary ? `hex ${Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('hex')}` : decoder.decode(r.data);
  const s = raw.length > ACTUAL_CHARS ? raw.slice(0, ACTUAL_CHARS) + '…' : raw;
  // A decoded message says what it was: protocol, packet type, summary (key when it has one).
  const d = r.decoded;
  return d && d.invalid === undefined ? `${s}  ⤷ ${d.protocol} ${d.type}${d.key !== undefined ? ` key ${d.key}` : ''}: ${d.summary}` : s;
}

function stepLabel(step: StepDef, action: StepAction, on: string | undefined, rule?: CompiledExpect): string {
  const where = on ? ` on ${on}` : '';
  switch (action) {
    case 'connect':
      return `connect ${step.connect}${step.as && step.as !== step.connect ? ` as ${step.as}` : ''}`;
    case 'send':
      return `send ${typeof step.send === 'string' ? step.send : (step.send?.name ?? `inline ${step.send?.kind ?? ''}`)}${where}`;
    case 'expect':
      return `expect${where}: ${rule?.label ?? step.description ?? ''}`;
    case 'expectNone':
      return `expectNone${where}: ${rule?.label ?? ''} for ${step.for ?? DEFAULT_EXPECT_NONE_MS} ms`;
    case 'capture':
      return `capture ${step.capture?.var} = ${step.capture?.jsonPath}${where}`;
    case 'wait':
      return `wait ${step.wait} ms`;
    case 'close':
      return `close${where}`;
    case 'startMock':
      return `startMock ${step.startMock}`;
    case 'stopMock':
      return `stopMock ${step.stopMock}`;
    case 'unordered':
      return step.description ?? 'unordered expectations';
  }
}

/** Runs one test. Never throws: every problem is a failed step. */
export async function runTest(test: PlannedTest, opts: RunOptions): Promise<TestResult> {
  return new TestRun(test, opts).run();
}

class TestRun {
  private readonly now: () => number;
  private readonly conns = new Map<string, Conn>();
  private readonly mocks = new Map<string, MockServer>();
  private readonly captures: VariableMap = {};
  private readonly secretValues = new Set<string>();
  private maskCache: SecretMask | undefined;
  private lastAlias: string | undefined;
  /** The (first) rule the running step compiled, for its label. */
  private stepRule: CompiledExpect | undefined;
  private deadline = 0;
  private readonly results: StepResult[] = [];

  constructor(
    private readonly test: PlannedTest,
    private readonly opts: RunOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  private get mask(): SecretMask {
    return (this.maskCache ??= compileMask(this.secretValues));
  }

  async run(): Promise<TestResult> {
    const startedAt = this.now();
    this.deadline = startedAt + this.test.timeoutMs;
    let failure: StepResult | undefined;
    let ran = 0;
    try {
      for (const ps of this.test.steps) {
        ran++;
        const r = await this.runStep(ps);
        this.results.push(r);
        this.opts.onStep?.(r);
        if (!r.ok) {
          failure = r;
          break;
        }
      }
    } finally {
      await this.cleanup();
    }
    return {
      id: this.test.id,
      name: this.test.name,
      kind: this.test.kind,
      ok: !failure,
      startedAt,
      durationMs: Math.max(0, this.now() - startedAt),
      steps: this.results,
      ...(failure ? { failure } : {}),
      skipped: this.test.steps.length - ran,
    };
  }

  private async runStep(ps: PlannedStep): Promise<StepResult> {
    const started = this.now();
    const step = ps.step;
    const action = stepAction(step) ?? 'unordered';
    const on = ['connect', 'wait', 'startMock', 'stopMock', 'unordered'].includes(action) ? undefined : (step.on ?? this.lastAlias);
    let label = stepLabel(step, action, on);
    this.stepRule = undefined;
    try {
      if (this.opts.signal?.aborted) throw new StepFailure('WSWB_INTERRUPTED', 'interrupted');
      if (this.now() >= this.deadline) throw this.deadlineFailure();
      const rule = await this.execute(ps, action, on);
      if (rule) label = stepLabel(step, action, on, rule);
      return this.masked({ path: ps.path, action, label, ...(on ? { on } : {}), ok: true, elapsedMs: this.now() - started });
    } catch (err) {
      if (this.stepRule) label = stepLabel(step, action, on, this.stepRule);
      const f = err instanceof StepFailure ? err : new StepFailure((err as { code?: string }).code ?? 'WSWB_STEP_ERROR', err instanceof Error ? err.message : String(err));
      const r: StepResult = {
        path: f.extra.path ?? ps.path,
        action,
        label,
        ...(on ? { on } : {}),
        ok: false,
        elapsedMs: this.now() - started,
        message: f.message,
        code: f.code,
      };
      if (f.extra.expected !== undefined) r.expected = f.extra.expected;
      if (f.extra.actual !== undefined) r.actual = f.extra.actual;
      return this.masked(r);
    }
  }

  private masked(r: StepResult): StepResult {
    return this.mask.active ? this.mask.value(r) : r;
  }

  private deadlineFailure(): StepFailure {
    return new StepFailure('WSWB_SCENARIO_TIMEOUT', `the ${this.test.kind}'s deadline of ${this.test.timeoutMs} ms passed`);
  }

  /** Resolves the references in `value` (and in `message`, sent as it) for a connection's request and environment. */
  private async resolve(request: RequestDef | undefined, env: string | undefined, parts: { message?: MessageDef; value?: unknown; whole?: boolean }): Promise<ResolvedVariables> {
    const overrides = { ...(this.test.variables ?? {}), ...(this.opts.overrides ?? {}), ...this.captures };
    const subject: RequestDef = parts.whole && request
      ? { ...request, messages: [] }
      : ({ name: request?.name ?? '_', url: '', variables: request?.variables, messages: parts.message ? [parts.message] : [], value: parts.value } as unknown as RequestDef);
    const resolved = await resolveVariables(this.opts.collection, subject, {
      environment: env ?? this.opts.environment ?? this.test.env ?? this.opts.defaultEnvironment,
      secrets: this.opts.secrets,
      overrides,
    });
    if (resolved.secretValues.length) {
      for (const s of resolved.secretValues) this.secretValues.add(s);
      this.maskCache = undefined;
    }
    if (!resolved.ok) {
      const e = resolved.errors[0];
      throw new StepFailure(e?.code ?? 'WSWB_UNRESOLVED_VARIABLE', resolved.errors.map((x) => x.message).join('; '));
    }
    return resolved;
  }

  private conn(alias: string | undefined): Conn {
    const c = alias === undefined ? undefined : this.conns.get(alias);
    if (!c) throw new StepFailure('WSWB_SCENARIO_UNKNOWN_NAME', alias === undefined ? 'no connection is open' : `no connection "${alias}"`);
    return c;
  }

  private async execute(ps: PlannedStep, action: StepAction, on: string | undefined): Promise<CompiledExpect | undefined> {
    const step = ps.step;
    switch (action) {
      case 'connect':
        await this.connect(step);
        return undefined;
      case 'send': {
        const c = this.conn(on);
        let message: MessageDef;
        if (typeof step.send === 'string') {
          const m = (c.request.messages ?? []).find((x) => x.name === step.send);
          if (!m) throw new StepFailure('WSWB_SCENARIO_UNKNOWN_NAME', `request "${c.request.name}" has no message named "${step.send}"`);
          message = m;
        } else {
          const inline = step.send as InlineMessageDef;
          message = { ...inline, name: inline.name ?? 'inline' };
        }
        const resolved = await this.resolve(c.request, c.env, { message });
        if (isProtocolMessage(message)) {
          const wants = KIND_PROTOCOL[message.kind];
          if (wants !== c.protocol) throw new StepFailure('WSWB_PROTOCOL_MISMATCH', `a "${message.kind}" message needs a connection speaking ${wants}; "${c.alias}" has protocol "${c.protocol}"`);
          const m = protocolMessageOf(message, resolved);
          if (c.conn.state !== 'open') throw new StepFailure('WSWB_NOT_OPEN', `connection "${c.alias}" is not open${c.closed ? ` (${c.closed})` : ''}`);
          c.sendMark = c.received.length;
          c.ackKey = undefined;
          c.ackKey = await this.race(c.session.send(m), this.deadline);
          return undefined;
        }
        const payload = messagePayload(message, resolved, c.codecs);
        if (c.conn.state !== 'open') throw new StepFailure('WSWB_NOT_OPEN', `connection "${c.alias}" is not open${c.closed ? ` (${c.closed})` : ''}`);
        c.sendMark = c.received.length;
        c.ackKey = undefined;
        if (payload.binary) c.conn.sendBinary(payload.data);
        else c.conn.sendText(payload.text);
        return undefined;
      }
      case 'expect': {
        const c = this.conn(on);
        const x = await this.compile(c, step.expect!);
        await this.expectGroup([{ c, x, within: step.within ?? step.expect!.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS, path: ps.path }], true, false);
        return x;
      }
      case 'expectNone': {
        const c = this.conn(on);
        const x = await this.compile(c, step.expectNone!);
        await this.expectNone(c, x, step.for ?? DEFAULT_EXPECT_NONE_MS);
        return x;
      }
      case 'unordered': {
        const items = [];
        for (const child of ps.children ?? []) {
          const c = this.conn(child.step.on ?? this.lastAlias);
          const x = await this.compile(c, child.step.expect!);
          items.push({ c, x, within: child.step.within ?? child.step.expect!.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS, path: child.path });
        }
        await this.expectGroup(items, ps.group !== 'each', ps.group === 'each');
        return undefined;
      }
      case 'capture': {
        const c = this.conn(on);
        const cap = step.capture!;
        const m = c.lastMatched;
        if (!m) throw new StepFailure('WSWB_CAPTURE_FAILED', `nothing to capture from: no expectation has matched a message on "${c.alias}" yet`);
        let value: unknown;
        if (c.lastPacket && this.readsDecoded(c)) value = decodedPayload(c.lastPacket);
        else {
          try {
            value = JSON.parse(decoder.decode(m.data));
          } catch {
            throw new StepFailure('WSWB_CAPTURE_FAILED', `the message last matched on "${c.alias}" is not JSON`, { expected: cap.jsonPath, actual: show(m) });
          }
        }
        const got = evaluateJsonPath(value, cap.jsonPath);
        if (!got.found) throw new StepFailure('WSWB_CAPTURE_FAILED', `${cap.jsonPath} is not in the message last matched on "${c.alias}"`, { expected: cap.jsonPath, actual: show(m) });
        this.captures[cap.var] = typeof got.value === 'string' ? got.value : JSON.stringify(got.value);
        return undefined;
      }
      case 'wait':
        await this.sleep(Math.min(step.wait ?? 0, Math.max(0, this.deadline - this.now())));
        if (this.now() >= this.deadline && (step.wait ?? 0) > 0) throw this.deadlineFailure();
        return undefined;
      case 'close': {
        const c = this.conn(on);
        const spec = step.close === true || step.close === undefined ? {} : step.close;
        if (c.conn.state === 'open') {
          await this.race(c.conn.close(spec.code ?? 1000, spec.reason ?? ''), this.deadline);
        }
        return undefined;
      }
      case 'startMock': {
        const def = (this.opts.collection.mocks ?? []).find((m) => m.name === step.startMock);
        if (!def) throw new StepFailure('WSWB_SCENARIO_UNKNOWN_NAME', `no mock named "${step.startMock}"`);
        if (this.mocks.has(def.name)) throw new StepFailure('WSWB_MOCK_RUNNING', `mock "${def.name}" is already started`);
        const prepared = this.opts.prepareMock ? this.opts.prepareMock(def) : { definition: def, notes: [] };
        const mock = new MockServer(prepared.definition, { baseDir: this.opts.baseDir, closeGraceMs: 200 });
        const source = `mock:${def.name}`;
        mock.onEvent((e) => this.opts.onEvent?.(this.mask.value(e), source));
        const { url, port } = await mock.start();
        this.mocks.set(def.name, mock);
        Object.assign(this.captures, mockVariables(def.name, url, port));
        for (const note of prepared.notes) this.opts.onEvent?.({ kind: 'info', id: 0, time: this.now(), connection: source, message: note }, source);
        return undefined;
      }
      case 'stopMock': {
        const mock = this.mocks.get(step.stopMock!);
        if (!mock) throw new StepFailure('WSWB_SCENARIO_UNKNOWN_NAME', `mock "${step.stopMock}" was not started by this scenario`);
        this.mocks.delete(step.stopMock!);
        await mock.stop();
        return undefined;
      }
    }
  }

  /** A request's loaded `codecs` rules (its own, then the collection's), once per request; a problem fails the step. */
  private async codecsOf(requestName: string): Promise<CodecSet | undefined> {
    const rules = rulesOf(this.opts.collection, requestName);
    if (!rules.length) return undefined;
    const { codecs, problems } = await loadCodecs(rules.map((r) => r.rule), { baseDir: this.opts.baseDir ?? process.cwd(), readText: (f) => readFile(f, 'utf8') });
    if (problems.length) throw new StepFailure(problems[0]!.code, problems.map((p) => describeCodecProblem(p)).join('; '));
    return codecs;
  }

  private async connect(step: StepDef): Promise<void> {
    const request = (this.opts.collection.requests ?? []).find((r) => r.name === step.connect);
    if (!request) throw new StepFailure('WSWB_SCENARIO_UNKNOWN_NAME', `no request named "${step.connect}"`);
    const alias = step.as ?? request.name;
    const old = this.conns.get(alias);
    if (old && old.conn.state !== 'closed') throw new StepFailure('WSWB_ALIAS_IN_USE', `connection "${alias}" is already open`);
    old?.conn.dispose();
    const resolved = await this.resolve(request, step.env, { whole: true });
    // Messages resolve when sent (they may use values captured later).
    const { protocol, protocolOptions } = protocolOf(request, resolved);
    const codecs = await this.codecsOf(request.name);
    const session = new ProtocolSession(protocol, { protocolOptions, ...(this.opts.replyTimeoutMs !== undefined ? { replyTimeoutMs: this.opts.replyTimeoutMs } : {}), ...(codecs ? { codecs } : {}) });
    const options = session.prepare(toConnectionOptions({ ...request, messages: [] }, resolved, { baseDir: this.opts.baseDir }));
    const conn = new Connection(options, { env: this.opts.processEnv ?? process.env, id: alias });
    const c: Conn = { alias, request, env: step.env, conn, received: [], cursor: 0, sendMark: 0, waiters: new Set(), session, protocol, ...(codecs ? { codecs } : {}) };
    this.conns.set(alias, c);
    this.lastAlias = alias;
    session.attach(conn, (o) => {
      if (o.type !== 'event') {
        this.opts.onProtocol?.(this.mask.value(o), alias);
        return;
      }
      const e = o.event;
      if (e.kind === 'message' && e.dir === 'in') {
        c.received.push({ id: e.id, binary: e.binary, data: new Uint8Array(e.data), at: this.now(), ...(o.decoded ? { decoded: o.decoded } : {}) });
        for (const w of [...c.waiters]) w();
      } else if (e.kind === 'close') {
        c.closed = `connection closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`;
        for (const w of [...c.waiters]) w();
      }
      this.opts.onEvent?.(this.mask.value(e), alias);
      // publicDecoded first: the summary of a lazily built packet is a getter a masked copy would lose.
      if (o.decoded) this.opts.onProtocol?.(this.mask.value({ ...o, decoded: publicDecoded(o.decoded) as Decoded }), alias);
    });
    try {
      await this.race(conn.connect(), this.deadline, () => conn.terminate());
      // The protocol's own handshake (Engine.IO open and namespace, connection_ack, CONNACK…),
      // bounded like the WebSocket's.
      if (session.driver) {
        const bound = this.now() + (options.handshakeTimeoutMs ?? PROTOCOL_READY_MS);
        const timedOut = new StepFailure('WSWB_PROTO_TIMEOUT', `the ${protocol} session of "${alias}" was not ready within ${options.handshakeTimeoutMs ?? PROTOCOL_READY_MS} ms`);
        await this.race(session.ready(), Math.min(bound, this.deadline), () => conn.terminate(), bound < this.deadline ? timedOut : undefined);
      }
    } catch (err) {
      if (err instanceof StepFailure) throw err;
      const code = (err as { code?: string }).code ?? 'WSWB_CONN_FAILED';
      throw new StepFailure(code, `could not connect "${alias}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** jsonPath, shape and capture read a decoded reply's payload when the request names its protocol. */
  private readsDecoded(c: Conn): boolean {
    return c.protocol !== 'auto' && c.protocol !== 'raw';
  }

  /** What matching on a connection depends on: the last send's pairing key, how payloads are read. */
  private context(c: Conn): MatchContext {
    return { ...(c.ackKey !== undefined ? { ackKey: c.ackKey } : {}), decodedPayload: this.readsDecoded(c) };
  }

  private async compile(c: Conn, rule: ExpectRule): Promise<CompiledExpect> {
    const resolved = await this.resolve(c.request, c.env, { value: rule });
    const x = compileExpect(substituteDeep(rule, resolved) as ExpectRule);
    this.stepRule ??= x;
    const p = expectProtocolProblem(rule, c.protocol);
    if (p) throw new StepFailure('WSWB_PROTOCOL_MISMATCH', `on "${c.alias}": ${p.message}`);
    if (rule.ack && c.ackKey === undefined) {
      throw new StepFailure('WSWB_EXPECT_FAILED', `"ack" waits for the reply to the message last sent on "${c.alias}", but it opened no request (a protocol message with an ack, an id or a receipt)`, { expected: x.label, actual: 'no request to answer' });
    }
    return x;
  }

  private actualSince(c: Conn, from: number): string {
    const seen = c.received.slice(from);
    if (!seen.length) return c.closed ? `nothing (${c.closed})` : 'nothing received';
    const shown = seen.slice(-ACTUAL_SHOWN).map(show);
    return (seen.length > ACTUAL_SHOWN ? `${seen.length} messages, the last ${ACTUAL_SHOWN}:\n` : '') + shown.join('\n');
  }

  /**
   * Waits for every item's rule to match a message on its connection before its own deadline.
   * `exclusive`: each item takes a different message, searching after the connection's cursor, and
   * the cursor moves past what matched. Otherwise each item searches independently among the
   * messages received since the last send (a saved message's expect list).
   */
  private async expectGroup(items: Array<{ c: Conn; x: CompiledExpect; within: number; path: DocPath }>, exclusive: boolean, fromSend: boolean): Promise<void> {
    const start = this.now();
    const deadlines = items.map((it) => Math.min(start + it.within, this.deadline));
    const from = items.map((it) => (fromSend ? it.c.sendMark : it.c.cursor));
    const matched: Array<number | undefined> = items.map(() => undefined);
    const packets: Array<Decoded | undefined> = items.map(() => undefined);
    // Each item scans its connection's messages once, counting matching packets up to its `count`.
    const scan = [...from];
    const got = items.map(() => 0);
    const ctx = items.map((it) => this.context(it.c));
    const claimed = new Set<string>();
    const check = (): 'done' | number | undefined => {
      const t = this.now();
      items.forEach((it, i) => {
        if (matched[i] !== undefined || t > deadlines[i]!) return;
        for (; scan[i]! < it.c.received.length; scan[i]!++) {
          const k = scan[i]!;
          const key = `${it.c.alias}\u0000${k}`;
          if (exclusive && claimed.has(key)) continue;
          const m = it.x.match(it.c.received[k]!, ctx[i]);
          if (!m.n) continue;
          got[i]! += m.n;
          packets[i] = m.packet;
          if (exclusive) claimed.add(key);
          if (got[i]! >= it.x.count) {
            matched[i] = k;
            scan[i]!++;
            return;
          }
        }
      });
      const open = items.findIndex((_, i) => matched[i] === undefined);
      if (open < 0) return 'done';
      // The first unmet item past its deadline, or whose connection closed: fail now.
      const dead = items.findIndex((it, i) => matched[i] === undefined && (t >= deadlines[i]! || it.c.closed !== undefined || this.opts.signal?.aborted));
      return dead >= 0 ? dead : undefined;
    };
    const outcome = await this.waitUntil([...new Set(items.map((it) => it.c))], check, Math.max(...deadlines), deadlines);
    if (outcome !== 'done') {
      const i = typeof outcome === 'number' ? outcome : matched.findIndex((m) => m === undefined);
      const it = items[i]!;
      const why = this.opts.signal?.aborted
        ? 'interrupted'
        : it.c.closed !== undefined && this.now() < deadlines[i]!
          ? `${it.c.closed} before a message matching ${it.x.label} arrived on "${it.c.alias}"`
          : deadlines[i]! >= this.deadline && this.deadline < start + it.within
            ? this.deadlineFailure().message
            : it.x.count > 1
              ? `${got[i]} of ${it.x.count} messages matching ${it.x.label} arrived on "${it.c.alias}" within ${it.within} ms`
              : `no message matching ${it.x.label} arrived on "${it.c.alias}" within ${it.within} ms`;
      const expected = it.x.rule.ack && it.c.ackKey !== undefined ? `${it.x.label} (the reply to ${it.c.protocol} key ${it.c.ackKey})` : it.x.label;
      throw new StepFailure(this.opts.signal?.aborted ? 'WSWB_INTERRUPTED' : 'WSWB_EXPECT_FAILED', why, { expected, actual: this.actualSince(it.c, from[i]!), path: it.path });
    }
    items.forEach((it, i) => {
      const k = matched[i]!;
      if (exclusive) it.c.cursor = Math.max(it.c.cursor, k + 1);
      if (!it.c.lastMatched || exclusive || k >= it.c.received.indexOf(it.c.lastMatched)) {
        it.c.lastMatched = it.c.received[k];
        it.c.lastPacket = packets[i];
      }
    });
  }

  private async expectNone(c: Conn, x: CompiledExpect, forMs: number): Promise<void> {
    // The scenario's deadline may end the window early: then the step did not get to pass.
    const cut = this.deadline < this.now() + forMs;
    const until = Math.min(this.now() + forMs, this.deadline);
    const from = c.cursor;
    const ctx = this.context(c);
    const hit = await this.waitUntil(
      [c],
      () => {
        for (let k = from; k < c.received.length; k++) if (x.test(c.received[k]!, ctx)) return k;
        return c.closed !== undefined || this.opts.signal?.aborted ? -1 : undefined;
      },
      until,
    );
    if (this.opts.signal?.aborted) throw new StepFailure('WSWB_INTERRUPTED', 'interrupted');
    if (hit !== undefined && hit >= 0) {
      throw new StepFailure('WSWB_EXPECT_NONE_FAILED', `a message matching ${x.label} arrived on "${c.alias}"`, { expected: `no message matching ${x.label} for ${forMs} ms`, actual: show(c.received[hit]!) });
    }
    if (hit === undefined && cut) throw this.deadlineFailure();
  }

  /** Calls `check` on every message or close of `conns`, at each of `ticks` and at `deadline`; resolves with its first non-undefined value, or undefined at the deadline. */
  private waitUntil<T>(conns: Conn[], check: () => T | undefined, deadline: number, ticks: number[] = []): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      let done = false;
      const finish = (v: T | undefined) => {
        if (done) return;
        done = true;
        for (const t of timers) clearTimeout(t);
        for (const c of conns) c.waiters.delete(fn);
        this.opts.signal?.removeEventListener('abort', fn);
        resolve(v);
      };
      const fn = () => {
        const v = check();
        if (v !== undefined) finish(v);
      };
      for (const at of new Set(ticks)) if (at < deadline) timers.push(setTimeout(fn, Math.max(0, at - this.now())));
      timers.push(setTimeout(() => {
        const v = check();
        finish(v);
      }, Math.max(0, deadline - this.now())));
      for (const c of conns) c.waiters.add(fn);
      this.opts.signal?.addEventListener('abort', fn);
      fn();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.opts.signal;
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done);
    });
  }

  /** Awaits `p` until `deadline` (the test's, unless `failure` says otherwise), then fails the step (after calling `onTimeout`). */
  private async race<T>(p: Promise<T>, deadline: number, onTimeout?: () => void, failure?: StepFailure): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout?.();
        reject(failure ?? this.deadlineFailure());
      }, Math.max(0, deadline - this.now()));
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async cleanup(): Promise<void> {
    const closing = [...this.conns.values()].map(async (c) => {
      try {
        if (c.conn.state === 'open') {
          let t: NodeJS.Timeout | undefined;
          await Promise.race([c.conn.close(1000, '').catch(() => undefined), new Promise((r) => (t = setTimeout(r, CLEANUP_MS)))]);
          clearTimeout(t);
        }
      } finally {
        c.session.dispose();
        c.conn.dispose();
      }
    });
    await Promise.all(closing);
    await Promise.all([...this.mocks.values()].map((m) => m.stop().catch(() => undefined)));
    this.mocks.clear();
  }
}
