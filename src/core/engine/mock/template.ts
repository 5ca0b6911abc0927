/**
 * `{{placeholder}}` templates in mock responses. Unknown placeholders are left as written, so a
 * literal `{{x}}` that means nothing to the mock survives. Pure: randomness, ids and time injected.
 */
import type { CodecSet } from '../../codecs/bindings';
import { loadCodecLayer } from '../../lazy';
import { isCodecKind, type CodecMessage } from '../../codecs/types';
import type { MockCodecMessage, MockMessage } from './definition';
import type { PatternMatch } from '../../pattern';
import { KIND_PROTOCOL } from '../../protocols/messages';
import { MockError } from './errors';

/** What a template can refer to when it is rendered. */
export interface TemplateContext {
  /** The received message as text (UTF-8 decoded), when rendering an answer. */
  message?: string;
  /** Regex captures of the matching rule: `{{1}}`, `{{name}}`. */
  captures?: PatternMatch | null;
  /** The received message parsed as JSON (lazily by the caller); `undefined` when not JSON. */
  json?: () => unknown;
  connection: { id: string; path: string; query: Record<string, string> };
  /** Messages received so far on this connection. */
  count: number;
  /** Increments on every use, per mock server. */
  counter: () => number;
  uuid: () => string;
  now: () => number;
  /** Uniform in [0, 1). */
  random: () => number;
  /** The collection's loaded `codecs` rules: the .proto types `protobuf` answers are encoded with. */
  codecs?: CodecSet;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const SOLE_PLACEHOLDER = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const NOT_RESOLVED = Symbol('unresolved');

/** Renders `{{…}}` placeholders in a string. */
export function renderTemplate(template: string, ctx: TemplateContext): string {
  if (!template.includes('{{')) return template;
  return template.replace(PLACEHOLDER, (whole, expr: string) => {
    const v = resolve(expr, ctx);
    if (v === NOT_RESOLVED) return whole;
    return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
  });
}

/** Renders every string inside a JSON value; a string that is one placeholder keeps its value's type. */
export function renderJson(value: unknown, ctx: TemplateContext): unknown {
  if (typeof value === 'string') {
    const sole = SOLE_PLACEHOLDER.exec(value);
    if (sole) {
      const v = resolve(sole[1] ?? '', ctx);
      if (v !== NOT_RESOLVED) return v === undefined ? null : v;
    }
    return renderTemplate(value, ctx);
  }
  if (Array.isArray(value)) return value.map((v) => renderJson(v, ctx));
  if (value !== null && typeof value === 'object') {
    // defineProperty: a `__proto__` key in a response template is sent as a key, not swallowed as a prototype.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: renderJson(v, ctx), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/** A rendered message ready for `ws.send`. */
export interface RenderedMessage {
  data: Buffer;
  binary: boolean;
}

/** Renders a MockMessage: text and JSON are templated; hex and base64 are literal bytes. */
export function renderMessage(m: MockMessage, ctx: TemplateContext): RenderedMessage {
  if (typeof m === 'string') return { data: Buffer.from(renderTemplate(m, ctx), 'utf8'), binary: false };
  if ('kind' in m && isCodecKind(m.kind)) {
    // One encode function for the client and the mock (src/core/codecs/encode.ts).
    const c = m as MockCodecMessage;
    const data = renderJson(c.data ?? null, ctx);
    const msg = (c.kind === 'protobuf' ? { kind: 'protobuf', type: c.type ?? '', data } : { kind: c.kind, data }) as CodecMessage;
    return { data: Buffer.from(loadCodecLayer().encodeCodecMessage(msg, msg.kind === 'protobuf' ? ctx.codecs?.schemasFor(msg.type) : undefined)), binary: true };
  }
  if ('kind' in m) throw new MockError('WSWB_MOCK_INVALID_DEFINITION', `a "${m.kind}" message needs a mock with "protocol": "${KIND_PROTOCOL[m.kind as keyof typeof KIND_PROTOCOL]}"`);
  if ('text' in m) return { data: Buffer.from(m.literal ? m.text : renderTemplate(m.text, ctx), 'utf8'), binary: false };
  if ('json' in m) return { data: Buffer.from(JSON.stringify(renderJson(m.json, ctx)) ?? 'null', 'utf8'), binary: false };
  if ('hex' in m) return { data: Buffer.from(parseHex(m.hex)), binary: true };
  return { data: Buffer.from(m.base64, 'base64'), binary: true };
}

function resolve(expr: string, ctx: TemplateContext): unknown {
  const [head, ...args] = expr.split(/\s+/);
  if (head === undefined) return NOT_RESOLVED;
  if (head === 'message') return ctx.message ?? '';
  if (/^\d+$/.test(head)) return ctx.captures ? (ctx.captures[Number(head)] ?? '') : NOT_RESOLVED;
  if (head === 'json' || head.startsWith('json.') || head.startsWith('json[')) {
    if (!ctx.json) return NOT_RESOLVED;
    const root = ctx.json();
    const r = getJsonPath(root, head.slice(4).replace(/^\./, ''));
    return r.found ? r.value : undefined;
  }
  switch (head) {
    case 'connection.id':
      return ctx.connection.id;
    case 'connection.path':
      return ctx.connection.path;
    case 'count':
      return String(ctx.count);
    case 'counter':
      return String(ctx.counter());
    case 'uuid':
    case 'random.uuid':
      return ctx.uuid();
    case 'now':
      return String(ctx.now());
    case 'now.iso':
      return new Date(ctx.now()).toISOString();
    case 'random.int': {
      const min = args[0] !== undefined ? Number(args[0]) : 0;
      const max = args[1] !== undefined ? Number(args[1]) : 100;
      if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return NOT_RESOLVED;
      return String(Math.floor(min + ctx.random() * (Math.floor(max) - Math.ceil(min) + 1)));
    }
    case 'random.float':
      return String(ctx.random());
    case 'random.hex': {
      const n = args[0] !== undefined ? Number(args[0]) : 8;
      if (!Number.isInteger(n) || n < 0 || n > 4096) return NOT_RESOLVED;
      let s = '';
      for (let i = 0; i < n; i++) s += Math.floor(ctx.random() * 16).toString(16);
      return s;
    }
  }
  if (head.startsWith('connection.query.')) {
    const name = head.slice('connection.query.'.length);
    return Object.hasOwn(ctx.connection.query, name) ? ctx.connection.query[name] : '';
  }
  const groups = ctx.captures?.groups;
  if (groups && Object.prototype.hasOwnProperty.call(groups, head)) return groups[head] ?? '';
  return NOT_RESOLVED;
}

/** Looks up `a.b[0].c` (or `a.b.0.c`) in a JSON value. Empty path: the value itself. */
export function getJsonPath(root: unknown, path: string): { found: boolean; value?: unknown } {
  if (path === '') return { found: root !== undefined, value: root };
  const keys: string[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return { found: false };
    if (m[1]) keys.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) keys.push(idx[1] ?? '');
  }
  let cur: unknown = root;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return { found: false };
    if (!Object.prototype.hasOwnProperty.call(cur, k)) return { found: false };
    cur = (cur as Record<string, unknown>)[k];
  }
  return { found: true, value: cur };
}

/** Hex to bytes; spaces and `0x` prefixes allowed. Throws on odd length or non-hex. */
export function parseHex(hex: string): Uint8Array {
  const clean = hex.replace(/0x/gi, '').replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`invalid hex: ${hex.slice(0, 40)}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}
