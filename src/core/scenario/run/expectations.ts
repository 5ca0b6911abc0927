/**
 * Waiting for expectations on a test's connections. Every connection keeps every message it
 * received, so a reply that arrived before the step started still counts:
 * - an `expect` looks at the messages after the one the previous expectation on that connection
 *   matched (in order); an `unordered` group's expectations each take a different message; a
 *   saved message's expect list (`each`) searches among the messages since the last send;
 * - `expectNone` fails on a matching message not yet matched by an expectation.
 * `within` and `for` count from when the step starts, cut by the test's deadline.
 */
import type { ExpectRule } from '../../collections/types';
import type { CompiledExpect } from '../../collections/expect';
import { expectProtocolProblem } from '../../collections/protocolChecks';
import type { Decoded } from '../../protocols/types';
import type { DocPath } from '../plan';
import { matchContext, type Conn } from './connections';
import { actualSince, show } from './labels';
import { StepFailure } from './results';
import type { RunClock } from './timing';

/** One expectation of a group: its compiled rule on a connection, its own time limit and place in the file. */
export interface ExpectItem {
  c: Conn;
  x: CompiledExpect;
  within: number;
  path: DocPath;
}

/** Fails the step when `rule` (compiled as `x`) cannot match on `c`: a protocol term its protocol lacks, an `ack` with no request sent. */
export function checkApplies(c: Conn, rule: ExpectRule, x: CompiledExpect): void {
  const p = expectProtocolProblem(rule, c.protocol);
  if (p) throw new StepFailure('WSWB_PROTOCOL_MISMATCH', `on "${c.alias}": ${p.message}`);
  if (rule.ack && c.ackKey === undefined) {
    throw new StepFailure('WSWB_EXPECT_FAILED', `"ack" waits for the reply to the message last sent on "${c.alias}", but it opened no request (a protocol message with an ack, an id or a receipt)`, { expected: x.label, actual: 'no request to answer' });
  }
}

/**
 * Waits for every item's rule to match a message on its connection before its own deadline.
 * `exclusive`: each item takes a different message, searching after the connection's cursor, and
 * the cursor moves past what matched. Otherwise each item searches independently among the
 * messages received since the last send (a saved message's expect list).
 */
export async function expectGroup(clock: RunClock, items: ExpectItem[], exclusive: boolean, fromSend: boolean): Promise<void> {
  const start = clock.now();
  const deadlines = items.map((it) => Math.min(start + it.within, clock.deadline));
  const from = items.map((it) => (fromSend ? it.c.sendMark : it.c.cursor));
  const matched: Array<number | undefined> = items.map(() => undefined);
  const packets: Array<Decoded | undefined> = items.map(() => undefined);
  // Each item scans its connection's messages once, counting matching packets up to its `count`.
  const scan = [...from];
  const got = items.map(() => 0);
  const ctx = items.map((it) => matchContext(it.c));
  const claimed = new Set<string>();
  const check = (): 'done' | number | undefined => {
    const t = clock.now();
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
    const dead = items.findIndex((it, i) => matched[i] === undefined && (t >= deadlines[i]! || it.c.closed !== undefined || clock.signal?.aborted));
    return dead >= 0 ? dead : undefined;
  };
  const outcome = await clock.waitUntil([...new Set(items.map((it) => it.c))], check, Math.max(...deadlines), deadlines);
  if (outcome !== 'done') {
    const i = typeof outcome === 'number' ? outcome : matched.findIndex((m) => m === undefined);
    const it = items[i]!;
    const why = clock.signal?.aborted
      ? 'interrupted'
      : it.c.closed !== undefined && clock.now() < deadlines[i]!
        ? `${it.c.closed} before a message matching ${it.x.label} arrived on "${it.c.alias}"`
        : deadlines[i]! >= clock.deadline && clock.deadline < start + it.within
          ? clock.deadlineFailure().message
          : it.x.count > 1
            ? `${got[i]} of ${it.x.count} messages matching ${it.x.label} arrived on "${it.c.alias}" within ${it.within} ms`
            : `no message matching ${it.x.label} arrived on "${it.c.alias}" within ${it.within} ms`;
    const expected = it.x.rule.ack && it.c.ackKey !== undefined ? `${it.x.label} (the reply to ${it.c.protocol} key ${it.c.ackKey})` : it.x.label;
    throw new StepFailure(clock.signal?.aborted ? 'WSWB_INTERRUPTED' : 'WSWB_EXPECT_FAILED', why, { expected, actual: actualSince(it.c, from[i]!), path: it.path });
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

/** Fails when a message matching `x` arrives on `c` (after its cursor) within `forMs`, or when the test's deadline cuts the window short. */
export async function expectNone(clock: RunClock, c: Conn, x: CompiledExpect, forMs: number): Promise<void> {
  // The scenario's deadline may end the window early: then the step did not get to pass.
  const cut = clock.deadline < clock.now() + forMs;
  const until = Math.min(clock.now() + forMs, clock.deadline);
  const from = c.cursor;
  const ctx = matchContext(c);
  const hit = await clock.waitUntil(
    [c],
    () => {
      for (let k = from; k < c.received.length; k++) if (x.test(c.received[k]!, ctx)) return k;
      return c.closed !== undefined || clock.signal?.aborted ? -1 : undefined;
    },
    until,
  );
  if (clock.signal?.aborted) throw new StepFailure('WSWB_INTERRUPTED', 'interrupted');
  if (hit !== undefined && hit >= 0) {
    throw new StepFailure('WSWB_EXPECT_NONE_FAILED', `a message matching ${x.label} arrived on "${c.alias}"`, { expected: `no message matching ${x.label} for ${forMs} ms`, actual: show(c.received[hit]!) });
  }
  if (hit === undefined && cut) throw clock.deadlineFailure();
}
