/**
 * How a run words its steps and messages in reports: a step's one-line label, a received message
 * (text, or hex when binary, cut at ACTUAL_CHARS, with what its protocol made of it), and what a
 * connection received since a point (the last ACTUAL_SHOWN messages) as a failure's `actual`.
 */
import type { CompiledExpect } from '../../collections/expect';
import { DEFAULT_EXPECT_NONE_MS } from '../../collections/scenario';
import type { StepAction, StepDef } from '../../collections/scenario';
import type { Conn, Received } from './connections';

const decoder = new TextDecoder();
const ACTUAL_SHOWN = 5;
const ACTUAL_CHARS = 300;

/** One received message, as a failure shows it. */
export function show(r: Received): string {
  const raw = r.binary ? `hex ${Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('hex')}` : decoder.decode(r.data);
  const s = raw.length > ACTUAL_CHARS ? raw.slice(0, ACTUAL_CHARS) + '…' : raw;
  // A decoded message says what it was: protocol, packet type, summary (key when it has one).
  const d = r.decoded;
  return d && d.invalid === undefined ? `${s}  ⤷ ${d.protocol} ${d.type}${d.key !== undefined ? ` key ${d.key}` : ''}: ${d.summary}` : s;
}

/** A step's one-line label: `expect on bob: $.type == "joined"` (with `rule`, the compiled expectation's own). */
export function stepLabel(step: StepDef, action: StepAction, on: string | undefined, rule?: CompiledExpect): string {
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

/** What `c` received from index `from` on (or that nothing came, and why), for a failed expectation. */
export function actualSince(c: Conn, from: number): string {
  const seen = c.received.slice(from);
  if (!seen.length) return c.closed ? `nothing (${c.closed})` : 'nothing received';
  const shown = seen.slice(-ACTUAL_SHOWN).map(show);
  return (seen.length > ACTUAL_SHOWN ? `${seen.length} messages, the last ${ACTUAL_SHOWN}:\n` : '') + shown.join('\n');
}
