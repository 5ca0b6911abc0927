/**
 * Expectations on replies (`expect` rules of a named message): a regex on the reply text, a JSON
 * path into the reply parsed as JSON with `equals` / `exists`, a shape, and the protocol terms
 * (`event`, `ack`, `type`, `count`) on the reply's decoded packets. Pure matching; waiting with
 * timeouts is the runners' job (src/cli/run.ts, src/core/scenario/run/expectations.ts).
 */
import { CollectionError } from './types';
import type { ExpectRule, JsonType } from './types';
import { compilePattern, type Pattern } from '../pattern';
import type { Decoded } from '../protocols/types';

/** Default time a rule waits for a matching reply. */
export const DEFAULT_EXPECT_TIMEOUT_MS = 5000;

/** One parsed JSON path step. */
type Step = string | number;

/**
 * Parses a JSON path: `$`, then `.name`, `['name']`, `["name"]` or `[index]` steps (negative indexes
 * count from the end). Throws WSWB_BAD_JSON_PATH on anything else.
 */
export function parseJsonPath(path: string): Step[] {
  const bad = (why: string) => new CollectionError('WSWB_BAD_JSON_PATH', `invalid JSON path ${JSON.stringify(path)}: ${why}`);
  if (!path.startsWith('$')) throw bad('must start with $');
  const steps: Step[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(path.slice(i + 1));
      if (!m) throw bad(`expected a name after "." at ${i + 1}`);
      steps.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const num = /^\[\s*(-?\d+)\s*\]/.exec(rest);
      const str = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(rest);
      if (num) {
        steps.push(Number(num[1]));
        i += num[0].length;
      } else if (str) {
        steps.push((str[1] ?? str[2] ?? '').replace(/\\(.)/g, '$1'));
        i += str[0].length;
      } else throw bad(`unexpected "[" at ${i}`);
    } else throw bad(`unexpected ${JSON.stringify(c)} at ${i}`);
  }
  return steps;
}

/** Looks a JSON path up in a value. */
export function evaluateJsonPath(root: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = root;
  for (const step of parseJsonPath(path)) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur)) return { found: false };
      const idx = step < 0 ? cur.length + step : step;
      if (idx < 0 || idx >= cur.length) return { found: false };
      cur = cur[idx];
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, step)) return { found: false };
      cur = (cur as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: cur };
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** A reply as the matcher sees it; `decoded` when the protocol layer recognised it. */
export interface Reply {
  binary: boolean;
  data: Uint8Array;
  decoded?: Decoded;
}

/** What a match depends on besides the reply: the message sent, and how payloads are read. */
export interface MatchContext {
  /** Pairing key of the request the message just sent opened (what `ack` waits for). */
  ackKey?: string;
  /**
   * jsonPath and shape look into a decoded reply's payload (the request's protocol is set
   * explicitly); otherwise into the reply text parsed as JSON, as for plain requests.
   */
  decodedPayload?: boolean;
}

/** How one reply matched: the number of its packets that did (0 or 1 for an undecoded reply), the first of them. */
export interface Match {
  n: number;
  packet?: Decoded;
}

/** A compiled rule: `test` says whether one reply satisfies it. */
export interface CompiledExpect {
  rule: ExpectRule;
  timeoutMs: number;
  /** Short human description, e.g. `regex /^pong/`, `$.type == "joined"`, `event "chat" ack`. */
  label: string;
  /** Matching packets to wait for (`count`, default 1). */
  count: number;
  /** Whether the rule uses protocol terms (it then matches decoded packets only). */
  protocol: boolean;
  test(reply: Reply, ctx?: MatchContext): boolean;
  match(reply: Reply, ctx?: MatchContext): Match;
}

/**
 * The payload of a decoded packet, which jsonPath and shape look into: Socket.IO the arguments
 * array, GraphQL `payload`, SignalR the result (or error, stream item, arguments), STOMP the body
 * parsed as JSON (else its text), MQTT the payload, JSON-RPC the result (or error, params).
 */
export function decodedPayload(p: Decoded): unknown {
  switch (p.protocol) {
    case 'socket.io':
      return p.args;
    case 'graphql-ws':
      return p.payload;
    case 'signalr':
      return p.result !== undefined ? p.result : p.error !== undefined ? p.error : p.item !== undefined ? p.item : p.arguments;
    case 'stomp':
      return p.json !== undefined ? p.json : p.body;
    case 'mqtt':
      return p.payload;
    case 'json-rpc':
      return p.result !== undefined ? p.result : p.error !== undefined ? p.error : p.params;
    case 'msgpack':
    case 'cbor':
    case 'protobuf':
      return p.data;
  }
}

/** A payload decoded by a `codecs` rule (binary: its tree is the only JSON it has, whatever the protocol setting). */
const byCodec = (p: Decoded): boolean => p.protocol === 'msgpack' || p.protocol === 'cbor' || p.protocol === 'protobuf';

const NO_MATCH: Match = { n: 0 };

/** A text reply parsed as JSON (binary replies and text that is not JSON: not ok). */
function replyJson(r: Reply): { ok: true; value: unknown } | { ok: false } {
  if (r.binary) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(r.data)) };
  } catch {
    return { ok: false };
  }
}

/** The value-level part of a rule (jsonPath/equals/exists or shape) and its label; undefined for regex-only rules. */
function valueRule(rule: ExpectRule): { label: string; holds(value: unknown): boolean } | undefined {
  if (rule.jsonPath !== undefined) {
    const path = rule.jsonPath;
    parseJsonPath(path);
    const wantExists = rule.exists ?? true;
    const hasEquals = Object.prototype.hasOwnProperty.call(rule, 'equals');
    const label = hasEquals ? `${path} == ${JSON.stringify(rule.equals)}` : wantExists ? `${path} exists` : `${path} does not exist`;
    return {
      label,
      holds: (value) => {
        const got = evaluateJsonPath(value, path);
        if (hasEquals) return got.found && jsonEqual(got.value, rule.equals);
        return got.found === wantExists;
      },
    };
  }
  if (rule.shape !== undefined) {
    const entries = Object.entries(rule.shape);
    for (const [p] of entries) parseJsonPath(p);
    return {
      label: `shape {${entries.map(([p, t]) => `${p}: ${t}`).join(', ')}}`,
      holds: (value) =>
        entries.every(([p, type]) => {
          const got = evaluateJsonPath(value, p);
          return got.found && jsonType(got.value) === type;
        }),
    };
  }
  return undefined;
}

/** Compiles a rule (throws WSWB_BAD_EXPECT / WSWB_BAD_JSON_PATH on an invalid one). */
export function compileExpect(rule: ExpectRule): CompiledExpect {
  const timeoutMs = rule.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS;
  const text = (r: Reply): string =>
    r.binary ? Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('hex') : new TextDecoder().decode(r.data);
  let re: Pattern | undefined;
  if (rule.regex !== undefined) {
    // Linear-time engine: the rule's timeout can only fire if matching one reply cannot stall.
    const c = compilePattern(rule.regex, rule.flags);
    if (!c.ok) throw new CollectionError('WSWB_BAD_EXPECT', `invalid regex ${JSON.stringify(rule.regex)}: ${c.error}`);
    re = c.pattern;
  }
  const value = valueRule(rule);
  const protocol = rule.event !== undefined || rule.ack === true || rule.type !== undefined;
  if (!re && !value && !protocol) throw new CollectionError('WSWB_BAD_EXPECT', 'an expect rule needs "regex", "jsonPath" or "shape", or a protocol term "event", "ack" or "type"');
  const count = rule.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new CollectionError('WSWB_BAD_EXPECT', `"count" must be a whole number of at least 1, got ${JSON.stringify(rule.count)}`);

  const terms: string[] = [];
  if (rule.event !== undefined) terms.push(`event ${JSON.stringify(rule.event)}`);
  if (rule.type !== undefined) terms.push(`type ${rule.type}`);
  if (rule.ack) terms.push('ack');
  if (re) terms.push(`regex /${rule.regex}/${rule.flags ?? ''}`);
  if (value) terms.push(value.label);
  if (count > 1) terms.push(`×${count}`);
  const label = rule.description ?? terms.join(' ');

  const wantType = rule.type?.toLowerCase();
  /** Whether one decoded packet satisfies the protocol terms and the value rule. */
  const packetHolds = (p: Decoded, ctx: MatchContext, raw: () => { ok: boolean; value?: unknown }): boolean => {
    if (p.invalid !== undefined) return false;
    if (rule.event !== undefined && p.event !== rule.event) return false;
    if (wantType !== undefined && p.type.toLowerCase() !== wantType) return false;
    if (rule.ack && (ctx.ackKey === undefined || p.key !== ctx.ackKey || (p.role !== 'reply' && p.role !== 'partial'))) return false;
    if (!value) return true;
    if (ctx.decodedPayload || byCodec(p)) return value.holds(decodedPayload(p));
    const j = raw();
    return j.ok && value.holds(j.value);
  };

  const match = (r: Reply, ctx: MatchContext = {}): Match => {
    if (re && !re.test(text(r))) return NO_MATCH;
    let json: { ok: boolean; value?: unknown } | undefined;
    const raw = () => (json ??= replyJson(r));
    const decoded = r.decoded;
    // Plain rules on undecoded replies (or where payloads are read raw): the reply as a whole.
    if (!protocol && (!decoded || !(ctx.decodedPayload || byCodec(decoded)))) {
      if (!value) return { n: 1 };
      const j = raw();
      return j.ok && value.holds(j.value) ? { n: 1 } : NO_MATCH;
    }
    if (!decoded) return NO_MATCH;
    let n = 0;
    let first: Decoded | undefined;
    for (const p of decoded.items ?? [decoded]) {
      if (!packetHolds(p, ctx, raw)) continue;
      n++;
      first ??= p;
    }
    return n ? { n, packet: first } : NO_MATCH;
  };
  return { rule, timeoutMs, label, count, protocol, match, test: (r, ctx) => match(r, ctx).n > 0 };
}

/** The JSON type of a parsed value, as `shape` rules name them. */
export function jsonType(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' ? t : 'object';
}
