/**
 * The `{{name}}` / `{{secret:name}}` template grammar, and the one place references are replaced.
 *
 * Every substitution goes through `render` (strings) or `renderJson` (JSON values), which return
 * the substituted text together with the spans of it that came from a secret (a `{{secret:…}}`
 * reference, or a variable whose value contains one). Callers that record or print what was sent
 * turn those spans into the exact forms they took on the wire (see secretMask.ts), so masking
 * follows the substitution by construction instead of guessing afterwards. Pure: no I/O.
 */
import { CollectionError } from './types';

/** A variable (or secret) name, as the schema's `variables` property names: a letter or `_`, then letters, digits, `_ . -`. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const REFERENCE_SOURCE = String.raw`\{\{\s*(secret:)?([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}`;

/** One reference: `{{name}}` or `{{secret:name}}`, optional spaces inside the braces. */
export const REFERENCE = new RegExp(REFERENCE_SOURCE, 'g');

/** A half-open range `[start, end)` of a rendered text that came from a secret. */
export type Span = readonly [start: number, end: number];

/**
 * What references resolve to. `secretSpans[key]` lists the ranges of `values[key]` that came from a
 * secret; without it, a `secret:name` key counts as secret as a whole and other keys as plain.
 */
export interface TemplateValues {
  values: Record<string, string>;
  secretSpans?: Record<string, readonly Span[]>;
}

/** A substituted text and the spans of it that came from a secret. */
export interface Rendered {
  text: string;
  spans: Span[];
  /** Reference keys that had no value (rendered as empty). */
  missing: string[];
}

/** The reference key of a match: `name` or `secret:name`. */
function keyOf(m: RegExpMatchArray): string {
  return (m[1] ? 'secret:' : '') + m[2]!;
}

/** Reference keys (`name`, `secret:name`) in a string, in order of appearance. */
export function referencesIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(REFERENCE)) out.push(keyOf(m));
  return out;
}

const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Replaces each reference with `value(key)`, keeping one it has no value for as written: for text
 * the user types and sends as is (the panel's message composer), where a `{{…}}` that resolves to
 * nothing should stay visible. Nothing is recorded as secret here: callers mask by value.
 */
export function replaceReferences(text: string, value: (key: string) => string | undefined): string {
  if (!text.includes('{{')) return text;
  return text.replace(REFERENCE, (whole, secret: string | undefined, name: string) => value((secret ? 'secret:' : '') + name) ?? whole);
}

/** Each reference replaced by `placeholder` (to check that the text around references parses, e.g. a URL or JSON). */
export function withPlaceholders(text: string, placeholder: string): string {
  return replaceReferences(text, () => placeholder);
}

/** True when the whole string (spaces around allowed) is one reference: how a secret is kept out of files. */
export function isReference(text: string): boolean {
  const m = /^\s*(\{\{[^{}]*\}\})\s*$/.exec(text);
  return !!m && referencesIn(m[1]!).length === 1;
}

/** True when the string starts with a reference (a URL whose scheme and host are one variable). */
export function startsWithReference(text: string): boolean {
  return new RegExp('^\\s*' + REFERENCE_SOURCE).test(text);
}

/** The secret ranges of one value (relative to the value). */
export function spansOfValue(vars: TemplateValues, key: string, value: string): readonly Span[] {
  const given = vars.secretSpans && own(vars.secretSpans, key) ? vars.secretSpans[key] : undefined;
  if (given) return given;
  return key.startsWith('secret:') && value.length ? [[0, value.length]] : [];
}

/**
 * Replaces every reference in `text` with its value; reports missing keys instead of throwing.
 * `lookup` defaults to `vars.values` (own properties only).
 */
export function render(text: string, vars: TemplateValues): Rendered {
  const spans: Span[] = [];
  const missing: string[] = [];
  if (!text.includes('{{')) return { text, spans, missing };
  let out = '';
  let last = 0;
  for (const m of text.matchAll(REFERENCE)) {
    const key = keyOf(m);
    out += text.slice(last, m.index);
    const v = own(vars.values, key) ? vars.values[key] : undefined;
    if (v === undefined) missing.push(key);
    else {
      for (const [a, b] of spansOfValue(vars, key, v)) spans.push([out.length + a, out.length + b]);
      out += v;
    }
    last = m.index! + m[0].length;
  }
  return { text: out + text.slice(last), spans: mergeSpans(spans), missing };
}

/** Sorted, overlapping or touching spans merged. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const s = [...spans].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of s) {
    const prev = out[out.length - 1];
    if (prev && a <= prev[1]) prev[1] = Math.max(prev[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The texts of the spans. */
export function spanTexts(r: Pick<Rendered, 'text' | 'spans'>): string[] {
  return r.spans.map(([a, b]) => r.text.slice(a, b));
}

/** `text` with each span replaced by `replacement`. */
export function maskSpans(text: string, spans: readonly Span[], replacement: string): string {
  let out = '';
  let at = 0;
  for (const [a, b] of spans) {
    out += text.slice(at, a) + replacement;
    at = b;
  }
  return out + text.slice(at);
}

/**
 * The same values with every secret span replaced by `replacement`: rendering a template with
 * them gives what was sent with the secrets masked by construction, wherever they sit (object keys
 * of a JSON message included).
 */
export function maskedValues(vars: TemplateValues, replacement: string): TemplateValues {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(vars.values)) values[k] = maskSpans(v, spansOfValue(vars, k, v), replacement);
  return { values };
}

function unresolved(missing: readonly string[]): CollectionError {
  const names = [...new Set(missing)];
  return new CollectionError('WSWB_UNRESOLVED_VARIABLE', `unresolved variables: ${names.join(', ')}`, { names });
}

/** `render`, throwing WSWB_UNRESOLVED_VARIABLE rather than send a reference literally or empty. */
export function renderStrict(text: string, vars: TemplateValues): Rendered {
  const r = render(text, vars);
  if (r.missing.length) throw unresolved(r.missing);
  return r;
}

/** Replaces every reference in `text`; throws WSWB_UNRESOLVED_VARIABLE if one has no value. */
export function substitute(text: string, vars: TemplateValues): string {
  return renderStrict(text, vars).text;
}

/** A deep copy of `v` with every reference in strings and object keys replaced (throws when one is missing). */
export function substituteDeep(v: unknown, vars: TemplateValues): unknown {
  if (typeof v === 'string') return substitute(v, vars);
  if (Array.isArray(v)) return v.map((x) => substituteDeep(x, vars));
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    // defineProperty: a `__proto__` key from the file stays a key (assignment would set the prototype).
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, substitute(k, vars), { value: substituteDeep(x, vars), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/**
 * `JSON.stringify(substituteDeep(value))`, with the spans of the JSON text that came from a secret
 * (in their JSON-escaped form, which is what goes on the wire). Throws when a reference is missing.
 */
export function renderJson(value: unknown, vars: TemplateValues): Rendered {
  let out = '';
  const spans: Span[] = [];
  const str = (s: string) => {
    const r = renderStrict(s, vars);
    if (!r.spans.length) {
      out += JSON.stringify(r.text);
      return;
    }
    // JSON escaping is per character, so escaping the pieces one by one gives the same text and
    // tells where each secret piece ends up.
    out += '"';
    let at = 0;
    for (const [a, b] of r.spans) {
      out += JSON.stringify(r.text.slice(at, a)).slice(1, -1);
      const start = out.length;
      out += JSON.stringify(r.text.slice(a, b)).slice(1, -1);
      spans.push([start, out.length]);
      at = b;
    }
    out += JSON.stringify(r.text.slice(at)).slice(1, -1) + '"';
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) {
      out += '[';
      v.forEach((x, i) => {
        if (i) out += ',';
        if (x === undefined || typeof x === 'function') out += 'null';
        else walk(x);
      });
      out += ']';
      return;
    }
    if (v && typeof v === 'object') {
      // Keys are substituted first, then ordered and de-duplicated as JSON.stringify would.
      const byKey: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      const sourceKey = new Map<string, string>();
      for (const [k, x] of Object.entries(v)) {
        const sk = substitute(k, vars);
        byKey[sk] = x;
        sourceKey.set(sk, k);
      }
      out += '{';
      let first = true;
      for (const sk of Object.keys(byKey)) {
        const x = byKey[sk];
        if (x === undefined || typeof x === 'function') continue;
        if (!first) out += ',';
        first = false;
        str(sourceKey.get(sk)!);
        out += ':';
        walk(x);
      }
      out += '}';
      return;
    }
    out += JSON.stringify(v ?? null);
  };
  walk(value);
  return { text: out, spans: mergeSpans(spans), missing: [] };
}
