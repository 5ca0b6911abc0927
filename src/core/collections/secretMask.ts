/**
 * Masking secrets in everything recorded, exported, printed or logged: the one place it is done.
 *
 * A mask is compiled from secret values and from the exact fragments a substitution produced (see
 * template.ts and `secretFragments` in variables.ts: JSON-escaped pieces, `Authorization: Basic`
 * values derived from URL userinfo or `auth.basic`). As a second net every entry is expanded into
 * the encoded forms a secret can take: raw, `encodeURIComponent`, the WHATWG URL class's per-part
 * percent-encoding (userinfo, path, query, fragment), form encoding (`+` for space), JSON string
 * escaping, hex, and base64/base64url of its UTF-8 bytes at all three alignments. Byte arrays are
 * masked against the UTF-8 of every form and against the bytes a hex or base64 secret decodes to.
 * Pure: no vscode, no DOM.
 */

/** Replacement for secret values in exported or logged data. */
export const REDACTED = '••••';

const REDACTED_BYTES = Buffer.from(REDACTED, 'utf8');

/** Base64 fragments shorter than this are not masked on their own (they would match unrelated text). */
const MIN_ENCODED = 6;

/** Characters of base64 that depend only on `bytes`, wherever they sit in a longer base64 text. */
function base64Cores(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const b64 = padded.toString('base64');
    // Leading characters that mix in the bytes before; trailing ones that mix in the bytes after.
    const skip = [0, 2, 3][shift]!;
    const full = Math.floor((padded.length * 8) / 6);
    const core = b64.slice(skip, full);
    if (core.length >= MIN_ENCODED) out.push(core);
    // The secret at the very end of the data: its last group is padded and fully known.
    const tail = b64.slice(skip).replace(/=+$/, '');
    if (tail.length >= MIN_ENCODED && tail !== core) out.push(tail);
  }
  return out;
}

/** How a string is written into one part of a URL by the WHATWG URL class (the engine's URL builder). */
const viaUrl = (base: string, part: 'username' | 'pathname' | 'search' | 'hash', lead: string) => (s: string): string => {
  const u = new URL(base);
  u[part] = lead + s;
  return u[part].slice(lead.length);
};

/** Percent-encodings of a string: each URL part's (special and non-special query), form, encodeURI(Component). */
const URL_ENCODINGS: ReadonlyArray<(s: string) => string> = [
  viaUrl('ws://h/', 'username', ''),
  viaUrl('ws://h/', 'pathname', '/'),
  viaUrl('ws://h/', 'search', '?'),
  viaUrl('x-wswb:/p', 'search', '?'),
  viaUrl('ws://h/', 'hash', '#'),
  (s) => new URLSearchParams([['', s]]).toString().slice(1),
  encodeURIComponent,
  encodeURI,
];

function urlPartForms(s: string): string[] {
  const out: string[] = [];
  for (const encode of URL_ENCODINGS) {
    try {
      out.push(encode(s));
    } catch {
      /* not representable that way (a lone surrogate) */
    }
  }
  return out;
}

/**
 * Every text form of a secret the scrubber looks for: raw, URL/form percent-encoded, JSON-escaped,
 * hex and base64 (three alignments, standard and url-safe alphabets).
 */
export function secretForms(secret: string): string[] {
  if (!secret) return [];
  const forms = new Set<string>([secret]);
  for (const f of urlPartForms(secret)) forms.add(f);
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json);
  for (const f of urlPartForms(json)) forms.add(f);
  const bytes = Buffer.from(secret, 'utf8');
  if (bytes.length * 2 >= MIN_ENCODED) {
    forms.add(bytes.toString('hex'));
    forms.add(bytes.toString('hex').toUpperCase());
  }
  for (const core of base64Cores(bytes)) {
    forms.add(core);
    forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((f) => f.length > 0);
}

/** The value of `Authorization: Basic …` for these credentials. */
export function basicCredentials(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
}

/** Bytes a secret stands for when it is used as hex or base64 binary data. */
function decodedForms(secret: string): Buffer[] {
  const out: Buffer[] = [];
  const hex = secret.replace(/0[xX]/g, '').replace(/[\s,:]+/g, '');
  if (hex.length >= MIN_ENCODED && hex.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(hex)) out.push(Buffer.from(hex, 'hex'));
  const b64 = secret.replace(/\s+/g, '');
  if (b64.length >= MIN_ENCODED && /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && b64.length % 4 !== 1) out.push(Buffer.from(b64, 'base64'));
  return out;
}

/** A compiled mask: apply it to strings, bytes, or whole event objects. */
export interface SecretMask {
  /** Whether there is anything to mask. */
  readonly active: boolean;
  /** The text forms masked, longest first. */
  readonly forms: readonly string[];
  text(s: string): string;
  bytes(u: Uint8Array): Uint8Array;
  /** Deep copy of `value` with strings and byte arrays masked; object keys are kept. */
  value<T>(value: T): T;
}

/** Compiles a mask from secret values and substitution fragments (each expanded to its forms). */
export function compileMask(secrets: Iterable<string>): SecretMask {
  const forms = new Set<string>();
  const byteNeedles: Buffer[] = [];
  for (const s of secrets) {
    if (!s) continue;
    for (const f of secretForms(s)) forms.add(f);
    byteNeedles.push(...decodedForms(s));
  }
  const list = [...forms].sort((a, b) => b.length - a.length);
  const needles = [...list.map((x) => Buffer.from(x, 'utf8')), ...byteNeedles].filter((b) => b.length > 0).sort((a, b) => b.length - a.length);
  const text = (s: string): string => {
    let out = s;
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  const bytes = (u: Uint8Array): Uint8Array => redactBytes(u, needles);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Uint8Array) return bytes(v);
    if (v instanceof RegExp || v instanceof Date) return v;
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: walk(x), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };
  const active = list.length > 0 || byteNeedles.length > 0;
  return { active, forms: list, text, bytes, value: <T>(v: T): T => (active ? (walk(v) as T) : v) };
}

/** A secret list as passed around: ResolvedVariables-like, or the values themselves. */
export type SecretList = { secretValues: readonly string[] } | readonly string[];

const compiled = new WeakMap<readonly string[], SecretMask>();

/** The compiled mask of a secret list, cached per list (callers mask every event with the same list). */
export function maskFor(secrets: SecretList): SecretMask {
  const list = Array.isArray(secrets) ? (secrets as readonly string[]) : (secrets as { secretValues: readonly string[] }).secretValues;
  let m = compiled.get(list);
  if (!m) {
    m = compileMask(list);
    compiled.set(list, m);
  }
  return m;
}

/**
 * Deep copy of `value` with every secret masked in every form, in string values and inside byte
 * arrays (a message that carried a token must not leak it into a transcript or HAR). Object keys
 * are kept, so a short secret cannot rename fields.
 */
export function redact<T>(value: T, secrets: SecretList): T {
  return maskFor(secrets).value(value);
}

/** Replaces every occurrence of the needles in `u` with the UTF-8 of ••••; returns `u` itself when none occurs. */
export function redactBytes(u: Uint8Array, needles: readonly Uint8Array[]): Uint8Array {
  let buf = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  let changed = false;
  for (const n of needles) {
    if (!n.length || buf.indexOf(n) < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = buf.indexOf(n); at >= 0; at = buf.indexOf(n, from)) {
      parts.push(buf.subarray(from, at), REDACTED_BYTES);
      from = at + n.length;
    }
    parts.push(buf.subarray(from));
    buf = Buffer.concat(parts);
    changed = true;
  }
  return changed ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : u;
}
