/**
 * Runs one planned test (a scenario, or a saved request with expectations) with the engine's real
 * Connection and MockServer. Pure core: no vscode; the CLI and the Test Explorer both use it.
 * This file is the step loop: each step is labelled, checked against the interrupt and the test's
 * deadline, dispatched by its action, and reported (masked); then everything is closed.
 * Its parts, in src/core/scenario/run/:
 * - results.ts: RunOptions, StepResult, TestResult, and the StepFailure a step throws;
 * - timing.ts: the test's clock and deadline, and how a step waits (sleep, race, waitUntil);
 * - variables.ts: how references resolve (captures and mocks' URLs included) and the secrets' mask
 *   every reported string goes through;
 * - connections.ts: opening a request as an alias (its protocol session and codecs), the messages
 *   each connection keeps, closing them all;
 * - expectations.ts: expect, unordered groups and expectNone on those messages;
 * - labels.ts: how steps and messages are worded in reports.
 */
import { MockServer } from '../engine/mock/mockServer';
import { isProtocolMessage } from '../collections/types';
import type { ExpectRule, MessageDef } from '../collections/types';
import { compileExpect, decodedPayload, DEFAULT_EXPECT_TIMEOUT_MS, evaluateJsonPath } from '../collections/expect';
import type { CompiledExpect } from '../collections/expect';
import { messagePayload, protocolMessageOf } from '../collections/variables';
import { KIND_PROTOCOL } from '../protocols/messages';
import { substituteDeep } from '../collections/template';
import { DEFAULT_EXPECT_NONE_MS, mockVariables, stepAction } from '../collections/scenario';
import type { InlineMessageDef, StepAction } from '../collections/scenario';
import type { PlannedStep, PlannedTest } from './plan';
import { Connections, readsDecoded, type Conn } from './run/connections';
import { checkApplies, expectGroup, expectNone } from './run/expectations';
import { show, stepLabel } from './run/labels';
import { StepFailure, type RunOptions, type StepResult, type TestResult } from './run/results';
import { RunClock } from './run/timing';
import { RunVariables } from './run/variables';

export type { RunOptions, StepResult, TestResult } from './run/results';

const decoder = new TextDecoder();

/** Runs one test. Never throws: every problem is a failed step. */
export async function runTest(test: PlannedTest, opts: RunOptions): Promise<TestResult> {
  return new TestRun(test, opts).run();
}

class TestRun {
  private readonly clock: RunClock;
  private readonly vars: RunVariables;
  private readonly conns: Connections;
  private readonly mocks = new Map<string, MockServer>();
  /** The (first) rule the running step compiled, for its label. */
  private stepRule: CompiledExpect | undefined;
  private readonly results: StepResult[] = [];

  constructor(
    private readonly test: PlannedTest,
    private readonly opts: RunOptions,
  ) {
    this.clock = new RunClock(test, opts);
    this.vars = new RunVariables(test, opts);
    this.conns = new Connections(opts, this.clock, this.vars);
  }

  async run(): Promise<TestResult> {
    const startedAt = this.clock.now();
    this.clock.start(startedAt);
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
      durationMs: Math.max(0, this.clock.now() - startedAt),
      steps: this.results,
      ...(failure ? { failure } : {}),
      skipped: this.test.steps.length - ran,
    };
  }

  private async runStep(ps: PlannedStep): Promise<StepResult> {
    const started = this.clock.now();
    const step = ps.step;
    const action = stepAction(step) ?? 'unordered';
    const on = ['connect', 'wait', 'startMock', 'stopMock', 'unordered'].includes(action) ? undefined : (step.on ?? this.conns.lastAlias);
    let label = stepLabel(step, action, on);
    this.stepRule = undefined;
    try {
      if (this.opts.signal?.aborted) throw new StepFailure('WSWB_INTERRUPTED', 'interrupted');
      if (this.clock.now() >= this.clock.deadline) throw this.clock.deadlineFailure();
      const rule = await this.execute(ps, action, on);
      if (rule) label = stepLabel(step, action, on, rule);
      return this.masked({ path: ps.path, action, label, ...(on ? { on } : {}), ok: true, elapsedMs: this.clock.now() - started });
    } catch (err) {
      if (this.stepRule) label = stepLabel(step, action, on, this.stepRule);
      const f = err instanceof StepFailure ? err : new StepFailure((err as { code?: string }).code ?? 'WSWB_STEP_ERROR', err instanceof Error ? err.message : String(err));
      const r: StepResult = {
        path: f.extra.path ?? ps.path,
        action,
        label,
        ...(on ? { on } : {}),
        ok: false,
        elapsedMs: this.clock.now() - started,
        message: f.message,
        code: f.code,
      };
      if (f.extra.expected !== undefined) r.expected = f.extra.expected;
      if (f.extra.actual !== undefined) r.actual = f.extra.actual;
      return this.masked(r);
    }
  }

  private masked(r: StepResult): StepResult {
    const mask = this.vars.mask;
    return mask.active ? mask.value(r) : r;
  }

  /** Compiles an expectation on `c` with its references resolved; the step's label shows the first one even if it cannot match there. */
  private async compile(c: Conn, rule: ExpectRule): Promise<CompiledExpect> {
    const resolved = await this.vars.resolve(c.request, c.env, { value: rule });
    const x = compileExpect(substituteDeep(rule, resolved) as ExpectRule);
    this.stepRule ??= x;
    checkApplies(c, rule, x);
    return x;
  }

  private async execute(ps: PlannedStep, action: StepAction, on: string | undefined): Promise<CompiledExpect | undefined> {
    const step = ps.step;
    switch (action) {
      case 'connect':
        await this.conns.connect(step);
        return undefined;
      case 'send': {
        const c = this.conns.get(on);
        let message: MessageDef;
        if (typeof step.send === 'string') {
          const m = (c.request.messages ?? []).find((x) => x.name === step.send);
          if (!m) throw new StepFailure('WSWB_SCENARIO_UNKNOWN_NAME', `request "${c.request.name}" has no message named "${step.send}"`);
          message = m;
        } else {
          const inline = step.send as InlineMessageDef;
          message = { ...inline, name: inline.name ?? 'inline' };
        }
        const resolved = await this.vars.resolve(c.request, c.env, { message });
        if (isProtocolMessage(message)) {
          const wants = KIND_PROTOCOL[message.kind];
          if (wants !== c.protocol) throw new StepFailure('WSWB_PROTOCOL_MISMATCH', `a "${message.kind}" message needs a connection speaking ${wants}; "${c.alias}" has protocol "${c.protocol}"`);
          const m = protocolMessageOf(message, resolved);
          if (c.conn.state !== 'open') throw new StepFailure('WSWB_NOT_OPEN', `connection "${c.alias}" is not open${c.closed ? ` (${c.closed})` : ''}`);
          c.sendMark = c.received.length;
          c.ackKey = undefined;
          c.ackKey = await this.clock.race(c.session.send(m), this.clock.deadline);
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
        const c = this.conns.get(on);
        const x = await this.compile(c, step.expect!);
        await expectGroup(this.clock, [{ c, x, within: step.within ?? step.expect!.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS, path: ps.path }], true, false);
        return x;
      }
      case 'expectNone': {
        const c = this.conns.get(on);
        const x = await this.compile(c, step.expectNone!);
        await expectNone(this.clock, c, x, step.for ?? DEFAULT_EXPECT_NONE_MS);
        return x;
      }
      case 'unordered': {
        const items = [];
        for (const child of ps.children ?? []) {
          const c = this.conns.get(child.step.on ?? this.conns.lastAlias);
          const x = await this.compile(c, child.step.expect!);
          items.push({ c, x, within: child.step.within ?? child.step.expect!.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS, path: child.path });
        }
        await expectGroup(this.clock, items, ps.group !== 'each', ps.group === 'each');
        return undefined;
      }
      case 'capture': {
        const c = this.conns.get(on);
        const cap = step.capture!;
        const m = c.lastMatched;
        if (!m) throw new StepFailure('WSWB_CAPTURE_FAILED', `nothing to capture from: no expectation has matched a message on "${c.alias}" yet`);
        let value: unknown;
        if (c.lastPacket && readsDecoded(c)) value = decodedPayload(c.lastPacket);
        else {
          try {
            value = JSON.parse(decoder.decode(m.data));
          } catch {
            throw new StepFailure('WSWB_CAPTURE_FAILED', `the message last matched on "${c.alias}" is not JSON`, { expected: cap.jsonPath, actual: show(m) });
          }
        }
        const got = evaluateJsonPath(value, cap.jsonPath);
        if (!got.found) throw new StepFailure('WSWB_CAPTURE_FAILED', `${cap.jsonPath} is not in the message last matched on "${c.alias}"`, { expected: cap.jsonPath, actual: show(m) });
        this.vars.captures[cap.var] = typeof got.value === 'string' ? got.value : JSON.stringify(got.value);
        return undefined;
      }
      case 'wait':
        await this.clock.sleep(Math.min(step.wait ?? 0, Math.max(0, this.clock.deadline - this.clock.now())));
        if (this.clock.now() >= this.clock.deadline && (step.wait ?? 0) > 0) throw this.clock.deadlineFailure();
        return undefined;
      case 'close': {
        const c = this.conns.get(on);
        const spec = step.close === true || step.close === undefined ? {} : step.close;
        if (c.conn.state === 'open') {
          await this.clock.race(c.conn.close(spec.code ?? 1000, spec.reason ?? ''), this.clock.deadline);
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
        mock.onEvent((e) => this.opts.onEvent?.(this.vars.mask.value(e), source));
        const { url, port } = await mock.start();
        this.mocks.set(def.name, mock);
        Object.assign(this.vars.captures, mockVariables(def.name, url, port));
        for (const note of prepared.notes) this.opts.onEvent?.({ kind: 'info', id: 0, time: this.clock.now(), connection: source, message: note }, source);
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

  private async cleanup(): Promise<void> {
    await this.conns.closeAll();
    await Promise.all([...this.mocks.values()].map((m) => m.stop().catch(() => undefined)));
    this.mocks.clear();
  }
}
