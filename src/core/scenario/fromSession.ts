/**
 * A recorded session (a transcript's events, or a HAR entry imported as one) turned into a
 * scenario: a request with the session's URL and subprotocol, each message sent as a named message
 * and a `send` step, each message received as an `expect` step, exact (the same text, the same JSON
 * value, the same bytes) or by shape (the JSON paths and value types seen, for replies whose values
 * change from run to run), and a client close as a `close` step. Pure.
 */
import type { MessageEvent, TimelineEvent } from '../engine/events';
import type { Collection, ExpectRule, JsonType, MessageDef, RequestDef } from '../collections/types';
import type { ScenarioDef, StepDef } from '../collections/scenario';
import { jsonType } from '../collections/expect';

export type SessionExpectMode = 'exact' | 'shape';

export interface SessionToScenarioOptions {
  mode: SessionExpectMode;
  /** Scenario name (default: "recorded session"). */
  name?: string;
  /** Request name (default: "recorded"). */
  requestName?: string;
  /** Which connection of the session (default: the first with a handshake or message). */
  connection?: string;
  /** Deadline of each expectation (default: what the recording took, doubled, at least 1000 ms). */
  withinMs?: number;
  /** Paths deeper than this are not listed in a shape (default 3). */
  maxShapeDepth?: number;
}

/** Characters with a meaning in a pattern, escaped (RE2 and JavaScript agree on these). */
function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function asText(m: MessageEvent): string | undefined {
  if (m.binary) return undefined;
  try {
    return decoder.decode(m.data);
  } catch {
    return undefined;
  }
}

function hex(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('hex');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false };
  }
}

/** A JSON path segment: `.name` when it can be, else `['name']`. */
function member(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? `.${key}` : `['${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

/** The paths and types of a JSON value: objects by member, arrays by their first item. */
export function shapeOf(value: unknown, maxDepth = 3): Record<string, JsonType> {
  const out: Record<string, JsonType> = {};
  const walk = (v: unknown, path: string, depth: number) => {
    out[path] = jsonType(v);
    if (depth >= maxDepth) return;
    if (Array.isArray(v)) {
      if (v.length) walk(v[0], `${path}[0]`, depth + 1);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, path + member(k), depth + 1);
    }
  };
  walk(value, '$', 0);
  return out;
}

function expectFor(m: MessageEvent, mode: SessionExpectMode, maxDepth: number): ExpectRule {
  const text = asText(m);
  if (text === undefined) return { regex: `^${hex(m.data)}$` };
  const json = parseJson(text);
  if (json.ok) return mode === 'exact' ? { jsonPath: '$', equals: json.value } : { shape: shapeOf(json.value, maxDepth) };
  // Text: exact, or (by shape) any text; a one-line text keeps its first word as a hint.
  if (mode === 'exact') return { regex: `^${escapeRegex(text)}$`, ...(/[\n\r]/.test(text) ? { flags: 's' } : {}) };
  return { regex: '^[\\s\\S]*$', description: `a text message (recorded: ${text.length > 40 ? text.slice(0, 40) + '…' : text})` };
}

function messageFor(m: MessageEvent, n: number): MessageDef {
  const name = `sent ${n}`;
  const text = asText(m);
  if (text === undefined) return { name, kind: 'binary', hex: hex(m.data) };
  const json = parseJson(text);
  return json.ok && JSON.stringify(json.value) === text ? { name, kind: 'json', data: json.value } : { name, kind: 'text', data: text };
}

/** The collection fragment for a session: one request and one scenario (merge them into a collection). */
export function sessionToScenario(events: readonly TimelineEvent[], opts: SessionToScenarioOptions): { request: RequestDef; scenario: ScenarioDef } {
  const connection = opts.connection ?? events.find((e) => e.kind === 'handshake' || e.kind === 'message')?.connection;
  const mine = events.filter((e) => e.connection === connection);
  const hs = mine.find((e) => e.kind === 'handshake');
  if (!hs || hs.kind !== 'handshake') throw Object.assign(new Error(`the session has no handshake${connection ? ` for connection ${connection}` : ''}: nothing to connect to`), { code: 'WSWB_SESSION_NO_HANDSHAKE' });
  const requestName = opts.requestName ?? 'recorded';
  const alias = 'client';
  const request: RequestDef = { name: requestName, url: hs.request.url, messages: [] };
  if (hs.subprotocol) request.subprotocols = [hs.subprotocol];
  const steps: StepDef[] = [{ connect: requestName, as: alias }];
  let lastSent = hs.time;
  let sent = 0;
  for (const e of mine) {
    if (e.kind === 'message' && e.dir === 'out') {
      const m = messageFor(e, ++sent);
      request.messages!.push(m);
      steps.push({ send: m.name, on: alias });
      lastSent = e.time;
    } else if (e.kind === 'message' && e.dir === 'in') {
      const within = opts.withinMs ?? Math.max(1000, 2 * Math.max(0, e.time - lastSent));
      steps.push({ expect: expectFor(e, opts.mode, opts.maxShapeDepth ?? 3), on: alias, within });
    } else if (e.kind === 'close' && e.initiator === 'client') {
      steps.push({ close: { code: e.code, ...(e.reason ? { reason: e.reason } : {}) }, on: alias });
      break;
    } else if (e.kind === 'close') break;
  }
  if (!request.messages!.length) delete request.messages;
  return {
    request,
    scenario: {
      name: opts.name ?? 'recorded session',
      description: `From a recorded session (${opts.mode === 'exact' ? 'replies expected exactly' : 'replies expected by shape'}): ${hs.request.url}`,
      steps,
    },
  };
}

/** A new collection holding the session's request and scenario. */
export function sessionToCollection(events: readonly TimelineEvent[], opts: SessionToScenarioOptions & { collectionName?: string }): Collection {
  const { request, scenario } = sessionToScenario(events, opts);
  return { version: 1, name: opts.collectionName ?? scenario.name, requests: [request], scenarios: [scenario] };
}
