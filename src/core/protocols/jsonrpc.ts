/**
 * JSON-RPC 2.0: requests (method + id), notifications (no id), responses (result or error by id),
 * and batches (arrays of any of these). Nothing to negotiate.
 */
import { LazyPacket } from './packet';
import type { Decoded, ProtocolDecoder, WireMessage } from './types';
import { isObject, oneLine, short, textOf, tryJson } from './util';

/** The summary of a decoded JSON-RPC object (built when first read). */
function summarizeRpc(d: LazyPacket): string {
  const id = d.id === undefined ? '?' : d.id === null ? 'null' : String(d.id as string | number);
  switch (d.type) {
    case 'request':
      return `${String(d.method)}(${d.params === undefined ? '' : short(d.params, 60)}) id ${id}`;
    case 'notification':
      return `notify ${String(d.method)}(${d.params === undefined ? '' : short(d.params, 60)})`;
    case 'error': {
      const e = isObject(d.error) ? d.error : {};
      return `error ${id}: ${String(e.code)} ${typeof e.message === 'string' ? e.message : ''}`.trimEnd();
    }
    default:
      return `result ${id}: ${short(d.result, 70)}`;
  }
}

/** The decoded form of one JSON-RPC object. */
export function describeRpc(m: unknown): Decoded {
  if (!isObject(m) || m.jsonrpc !== '2.0') return invalid(`not a JSON-RPC 2.0 object: ${short(m, 40)}`);
  const id = m.id;
  const hasId = id !== undefined;
  let d: LazyPacket;
  if (typeof m.method === 'string') {
    d = new LazyPacket('json-rpc', hasId ? 'request' : 'notification', summarizeRpc);
    if (hasId) {
      d.key = id === null ? 'null' : String(id as string | number);
      d.role = 'request';
      d.id = id;
    }
    d.method = m.method;
    if (m.params !== undefined) d.params = m.params;
  } else if (m.result !== undefined || 'result' in m || 'error' in m) {
    const isError = 'error' in m;
    d = new LazyPacket('json-rpc', isError ? 'error' : 'result', summarizeRpc);
    if (hasId && id !== null) {
      d.key = String(id as string | number);
      d.role = 'reply';
    }
    if (hasId) d.id = id;
    if (isError) d.error = m.error;
    else d.result = m.result;
  } else {
    return invalid(`JSON-RPC object with neither method nor result/error: ${short(m, 40)}`);
  }
  return d;
}

/** Decodes JSON-RPC 2.0 messages (single objects and batches). */
export class JsonRpcDecoder implements ProtocolDecoder {
  readonly protocol = 'json-rpc' as const;

  decode(msg: WireMessage): Decoded | undefined {
    const text = textOf(msg);
    // The hot case, one plain object, is read without parsing its params/result/error (scanRpc).
    const lazy = scanRpc(text);
    if (lazy) return lazy;
    const m = tryJson(text);
    if (Array.isArray(m)) {
      const items = m.map(describeRpc);
      return { protocol: 'json-rpc', type: 'batch', summary: `batch of ${items.length}: ${items.map((i) => i.summary).join('; ').slice(0, 100)}`, items };
    }
    if (m === undefined) return invalid(`not JSON: ${short(text, 40)}`);
    return describeRpc(m);
  }
}

function invalid(why: string): Decoded {
  return { protocol: 'json-rpc', type: 'invalid', summary: why, invalid: why };
}

/** Encodes a JSON-RPC request (`id` given) or notification (no id). */
export function encodeJsonRpc(method: string, params: unknown, id?: number | string): string {
  return JSON.stringify({ jsonrpc: '2.0', method, ...(params !== undefined ? { params } : {}), ...(id !== undefined ? { id } : {}) });
}

/**
 * A JSON-RPC object whose `params`, `result` or `error` (the one member a request, a result or an
 * error shows) is parsed when first read: recording and pairing need only the header (jsonrpc, id,
 * method, which members there are), and JSON-parsing every message whole would cost more than the
 * rest of the decoding (the budget: decoding adds ≤ 10 % client CPU per message, DESIGN.md;
 * measured by bench/protocols.bench.ts). A member that turns out not to be JSON makes `invalid`
 * say so when read (the pair stands, as with Socket.IO arguments).
 */
class RpcLazyPacket extends LazyPacket {
  readonly #text: string;
  readonly #member: 'params' | 'result' | 'error';
  readonly #start: number;
  readonly #end: number;
  #parsed: { value: unknown } | { problem: string } | undefined;

  constructor(type: string, text: string, member: 'params' | 'result' | 'error', start: number, end: number) {
    super('json-rpc', type, summarizeRpc);
    this.#text = text;
    this.#member = member;
    this.#start = start;
    this.#end = end;
  }

  #parse(): { value: unknown } | { problem: string } {
    if (this.#parsed) return this.#parsed;
    const raw = this.#text.slice(this.#start, this.#end);
    try {
      return (this.#parsed = { value: JSON.parse(raw) });
    } catch {
      return (this.#parsed = { problem: `JSON-RPC: invalid ${this.#member} ${oneLine(raw, 40)}` });
    }
  }

  #get(member: 'params' | 'result' | 'error'): unknown {
    if (member !== this.#member || this.#start < 0) return undefined;
    const p = this.#parse();
    return 'value' in p ? p.value : undefined;
  }

  get params(): unknown {
    return this.#get('params');
  }

  get result(): unknown {
    return this.#get('result');
  }

  get error(): unknown {
    return this.#get('error');
  }

  get invalid(): string | undefined {
    if (this.#start < 0) return undefined;
    const p = this.#parse();
    return 'problem' in p ? p.problem : undefined;
  }

  override lazyFields(): readonly string[] {
    return LAZY_FIELDS;
  }
}

const LAZY_FIELDS: readonly string[] = ['params', 'result', 'error', 'invalid'];

const QUOTE = 34;
const VERSION_FIRST = '{"jsonrpc":"2.0",';

/**
 * Whether `s` holds VERSION_FIRST at `i`, compared a character at a time against constants (a
 * character past the end reads NaN): a third of the time of startsWith(VERSION_FIRST, i) here.
 */
function versionFirstAt(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 123 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 106 &&
    s.charCodeAt(i + 3) === 115 &&
    s.charCodeAt(i + 4) === 111 &&
    s.charCodeAt(i + 5) === 110 &&
    s.charCodeAt(i + 6) === 114 &&
    s.charCodeAt(i + 7) === 112 &&
    s.charCodeAt(i + 8) === 99 &&
    s.charCodeAt(i + 9) === 34 &&
    s.charCodeAt(i + 10) === 58 &&
    s.charCodeAt(i + 11) === 34 &&
    s.charCodeAt(i + 12) === 50 &&
    s.charCodeAt(i + 13) === 46 &&
    s.charCodeAt(i + 14) === 48 &&
    s.charCodeAt(i + 15) === 34 &&
    s.charCodeAt(i + 16) === 44
  );
}
const BACKSLASH = 92;
/**
 * `{"jsonrpc":"2.0","id":<id>,`, then `"method":"<name>",` when it comes next, then the name of
 * `"params":`, `"result":` or `"error":` when one comes next (ids and names as idLiteral and the
 * method check take them).
 */
const HEAD = /\{"jsonrpc":"2\.0","id":(?:0|-?[1-9][0-9]{0,14}|"[^"\\\x00-\x1f]*"|null),(?:"method":"[^"\\\x00-\x1f]*",)?(?:"(?:params|result|error)":)?/y;

/** Index of the first character at or after `i` that is not JSON whitespace. */
function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

/** Just past the closing quote of the string whose opening quote is at `i`; -1 if unterminated. */
function skipString(s: string, i: number): number {
  for (;;) {
    const q = s.indexOf('"', i + 1);
    if (q < 0) return -1;
    // Escaped when an odd number of backslashes precede it.
    let b = q - 1;
    while (s.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    i = q;
  }
}

/**
 * End of the JSON value starting at `i`, found without parsing it (strings and nesting followed,
 * nothing else checked: the value is parsed when read); -1 when it is cut short.
 */
function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return skipString(s, i);
  if (c === 123 /* { */ || c === 91 /* [ */) {
    let depth = 0;
    const n = s.length;
    for (; i < n; i++) {
      const d = s.charCodeAt(i);
      if (d === QUOTE) {
        i = skipString(s, i) - 1;
        if (i < 0) return -1;
      } else if (d === 123 || d === 91) depth++;
      else if ((d === 125 || d === 93) && --depth === 0) return i + 1;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  const start = i;
  const n = s.length;
  for (; i < n; i++) {
    const d = s.charCodeAt(i);
    if (d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break;
  }
  return i > start ? i : -1;
}

/**
 * The body of the JSON string whose quotes are at i and end - 1, when it needs no unescaping: no
 * backslash, and no control character (which JSON does not allow: JSON.parse then decides); else undefined.
 */
function plainString(s: string, i: number, end: number): string | undefined {
  for (let j = i + 1; j < end - 1; j++) {
    const d = s.charCodeAt(j);
    if (d === BACKSLASH || d < 32) return undefined;
  }
  return s.slice(i + 1, end - 1);
}

/** A JSON-RPC id at [i, end): a string without escapes, null, or an integer as JSON writes it; undefined for anything else. */
function idLiteral(s: string, i: number, end: number): string | number | null | undefined {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return plainString(s, i, end);
  if (c === 110 /* n */) return end - i === 4 && s.startsWith('null', i) ? null : undefined;
  const neg = c === 45; /* - */
  let j = neg ? i + 1 : i;
  // No leading zeros, no -0, at most 15 digits: the text is then exactly String(the number).
  if (j === end || end - j > 15 || (s.charCodeAt(j) === 48 && (end - j > 1 || neg))) return undefined;
  let n = 0;
  for (; j < end; j++) {
    const d = s.charCodeAt(j) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/** `"name":` of each member code of memberOf (index 0 unused). */
const MEMBER_TOKENS = ['', '"jsonrpc":', '"id":', '"method":', '"params":', '"result":', '"error":'];

/**
 * The member code of a `"name":` token written without spaces at `i` (see MEMBER_TOKENS), else 0.
 * Compared a character at a time against constants: on these short strings that is several times
 * faster than startsWith(token, i).
 */
function plainMember(s: string, i: number): number {
  switch (s.charCodeAt(i + 1)) {
    case 105 /* i */: // "id":
      return s.charCodeAt(i + 2) === 100 && s.charCodeAt(i + 3) === 34 && s.charCodeAt(i + 4) === 58 ? 2 : 0;
    case 109 /* m */: // "method":
      return s.charCodeAt(i + 2) === 101 && s.charCodeAt(i + 3) === 116 && s.charCodeAt(i + 4) === 104 && s.charCodeAt(i + 5) === 111 && s.charCodeAt(i + 6) === 100 && s.charCodeAt(i + 7) === 34 && s.charCodeAt(i + 8) === 58 ? 3 : 0;
    case 112 /* p */: // "params":
      return s.charCodeAt(i + 2) === 97 && s.charCodeAt(i + 3) === 114 && s.charCodeAt(i + 4) === 97 && s.charCodeAt(i + 5) === 109 && s.charCodeAt(i + 6) === 115 && s.charCodeAt(i + 7) === 34 && s.charCodeAt(i + 8) === 58 ? 4 : 0;
    case 114 /* r */: // "result":
      return s.charCodeAt(i + 2) === 101 && s.charCodeAt(i + 3) === 115 && s.charCodeAt(i + 4) === 117 && s.charCodeAt(i + 5) === 108 && s.charCodeAt(i + 6) === 116 && s.charCodeAt(i + 7) === 34 && s.charCodeAt(i + 8) === 58 ? 5 : 0;
    case 101 /* e */: // "error":
      return s.charCodeAt(i + 2) === 114 && s.charCodeAt(i + 3) === 114 && s.charCodeAt(i + 4) === 111 && s.charCodeAt(i + 5) === 114 && s.charCodeAt(i + 6) === 34 && s.charCodeAt(i + 7) === 58 ? 6 : 0;
    case 106 /* j */: // "jsonrpc":
      return s.charCodeAt(i + 2) === 115 && s.charCodeAt(i + 3) === 111 && s.charCodeAt(i + 4) === 110 && s.charCodeAt(i + 5) === 114 && s.charCodeAt(i + 6) === 112 && s.charCodeAt(i + 7) === 99 && s.charCodeAt(i + 8) === 34 && s.charCodeAt(i + 9) === 58 ? 1 : 0;
  }
  return 0;
}

/** Which member a name token [k, keyEnd) is: 1 jsonrpc, 2 id, 3 method, 4 params, 5 result, 6 error, 0 another (or one with escapes). */
function memberOf(s: string, k: number, keyEnd: number): number {
  switch (keyEnd - k - 2) {
    case 2:
      return s.charCodeAt(k + 1) === 105 && s.charCodeAt(k + 2) === 100 ? 2 : 0;
    case 5:
      return s.startsWith('error', k + 1) ? 6 : 0;
    case 6:
      switch (s.charCodeAt(k + 1)) {
        case 109:
          return s.startsWith('method', k + 1) ? 3 : 0;
        case 112:
          return s.startsWith('params', k + 1) ? 4 : 0;
        case 114:
          return s.startsWith('result', k + 1) ? 5 : 0;
      }
      return 0;
    case 7:
      return s.startsWith('jsonrpc', k + 1) ? 1 : 0;
  }
  return 0;
}

/**
 * One JSON-RPC 2.0 object read by its top-level members only (see RpcLazyPacket); undefined for
 * anything doubtful (escapes in member names or in the method, a member twice, a version other
 * than "2.0", an id that is not a plain string, null or integer, text after the object), which
 * then goes through JSON.parse and describeRpc.
 */
export function scanRpc(s: string): Decoded | undefined {
  let i = skipWs(s, 0);
  if (s.charCodeAt(i) !== 123 /* { */) return undefined;
  let version = false;
  let method: string | undefined;
  let id: string | number | null | undefined;
  let hasId = false;
  /** The member whose name HEAD took (i is then at its value), else 0. */
  let preset = 0;
  // What JSON.stringify writes for most peers: the version, then the id and often the method. Checked
  // by one sticky expression (native, no per-character JavaScript: several times cheaper here), the
  // values then taken from the positions it fixes; the members after them go through the loop below.
  HEAD.lastIndex = i;
  if (HEAD.test(s)) {
    const after = HEAD.lastIndex;
    version = true;
    hasId = true;
    let j = i + VERSION_FIRST.length + 5; // just past `"id":`
    let idEnd: number;
    const c = s.charCodeAt(j);
    if (c === QUOTE) {
      idEnd = s.indexOf('"', j + 1) + 1;
      id = s.slice(j + 1, idEnd - 1);
    } else if (c === 110 /* n */) {
      idEnd = j + 4;
      id = null;
    } else {
      const neg = c === 45;
      if (neg) j++;
      let n = 0;
      for (; ; j++) {
        const d = s.charCodeAt(j) - 48;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      idEnd = j;
      id = neg ? -n : n;
    }
    // `,"method":"…",` when the expression took it.
    if (after > idEnd + 1 && s.charCodeAt(idEnd + 2) === 109 /* m */) method = s.slice(idEnd + 11, s.indexOf('"', idEnd + 11));
    // `"params":`, `"result":` or `"error":` when it took one: the loop starts at that member's value.
    if (s.charCodeAt(after - 1) === 58 /* : */) {
      const last = s.charCodeAt(after - 3);
      preset = last === 115 /* params */ ? 4 : last === 116 /* result */ ? 5 : 6; /* error */
    }
    i = after;
  } else if (versionFirstAt(s, i)) {
    version = true;
    i += VERSION_FIRST.length;
  } else i = skipWs(s, i + 1);
  let ps = -1, pe = -1, rs = -1, re = -1, es = -1, ee = -1;
  if (!preset && s.charCodeAt(i) === 125) return undefined;
  for (;;) {
    let member: number;
    let v: number;
    let k = i;
    let keyEnd: number;
    if (preset) {
      member = preset;
      v = i;
      keyEnd = i - 1;
      preset = 0;
    } else if (s.charCodeAt(i) !== QUOTE) return undefined;
    // `"id":`, `"method":`… as JSON.stringify writes them: one compare; anything else the long way.
    else if ((member = plainMember(s, i)) > 0) {
      v = i + MEMBER_TOKENS[member]!.length;
      keyEnd = v - 1;
    } else {
      keyEnd = skipString(s, i);
      if (keyEnd < 0) return undefined;
      k = i;
      i = skipWs(s, keyEnd);
      if (s.charCodeAt(i) !== 58 /* : */) return undefined;
      v = skipWs(s, i + 1);
      // Member names are compared as written: one with an escape matches none and is left to JSON.parse below.
      member = memberOf(s, k, keyEnd);
    }
    const end = skipValue(s, v);
    if (end < 0) return undefined;
    switch (member) {
      case 1:
        if (version || !(end - v === 5 && s.startsWith('"2.0"', v))) return undefined;
        version = true;
        break;
      case 2:
        if (hasId) return undefined;
        id = idLiteral(s, v, end);
        if (id === undefined) return undefined;
        hasId = true;
        break;
      case 3:
        if (method !== undefined || s.charCodeAt(v) !== QUOTE) return undefined;
        method = plainString(s, v, end);
        if (method === undefined) return undefined;
        break;
      case 4:
        if (ps >= 0) return undefined;
        ps = v;
        pe = end;
        break;
      case 5:
        if (rs >= 0) return undefined;
        rs = v;
        re = end;
        break;
      case 6:
        if (es >= 0) return undefined;
        es = v;
        ee = end;
        break;
      default:
        // A name with an escape may spell one of the above: JSON.parse decides.
        for (let j = k + 1; j < keyEnd - 1; j++) if (s.charCodeAt(j) === BACKSLASH) return undefined;
    }
    // Any other member is ignored, as describeRpc does (a repeated one too: JSON.parse keeps the last, which nobody reads).
    i = skipWs(s, end);
    const c = s.charCodeAt(i);
    if (c === 44 /* , */) {
      i = skipWs(s, i + 1);
      continue;
    }
    if (c !== 125 /* } */ || skipWs(s, i + 1) !== s.length) return undefined;
    break;
  }
  if (!version) return undefined;
  let d: RpcLazyPacket;
  if (method !== undefined) {
    // A request's result/error are not read (describeRpc does not either).
    d = new RpcLazyPacket(hasId ? 'request' : 'notification', s, 'params', ps, pe);
    if (hasId) {
      d.key = id === null ? 'null' : String(id);
      d.role = 'request';
      d.id = id;
    }
    d.method = method;
  } else if (es >= 0 || rs >= 0) {
    // An error wins over a result (describeRpc: `'error' in m`).
    d = es >= 0 ? new RpcLazyPacket('error', s, 'error', es, ee) : new RpcLazyPacket('result', s, 'result', rs, re);
    if (hasId && id !== null) {
      d.key = String(id);
      d.role = 'reply';
    }
    if (hasId) d.id = id;
  } else return undefined;
  return d;
}
