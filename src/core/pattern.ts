/**
 * User-supplied regular expressions (mock rules, `expect` rules, the panel's search, settings) run
 * here, on RE2 (the `re2js` port): matching time is linear in the input, whatever the pattern, so a
 * pattern from a cloned collection or a typo in the search box cannot stall the mock, a test run or
 * the shared extension host. JS `RegExp` stays for the project's own literals only.
 *
 * Syntax is JavaScript's where RE2 has the feature (`\uXXXX`, `\u{…}`, `(?<name>…)`, `\cX` and `[^]`
 * are translated); backreferences and lookahead have no linear-time form and are compile errors
 * with a message that says so. Lookbehind without captures is supported.
 */
import type { RE2JS as RE2JSClass } from 're2js';
import { loadRe2 } from './lazy';

/** A successful match: `[0]` is the whole match, `[n]` the n-th group (undefined when it did not take part). */
export interface PatternMatch {
  readonly [group: number]: string | undefined;
  readonly length: number;
  readonly index: number;
  /** Named groups (a prototype-less object), or undefined when the pattern has none. */
  readonly groups?: Record<string, string | undefined>;
}

/** A compiled user pattern. Stateless: every call searches the whole input from its start. */
export interface Pattern {
  readonly source: string;
  readonly flags: string;
  /** Whether the pattern matches anywhere in `s`. */
  test(s: string): boolean;
  /** The leftmost match in `s` with its groups, or null. */
  exec(s: string): PatternMatch | null;
}

export type CompiledPattern = { ok: true; pattern: Pattern } | { ok: false; error: string };

/** The flags a pattern may carry: i (ignore case), m (multiline), s (dot matches newline), u (no-op: always Unicode). */
export const PATTERN_FLAGS = 'imsu';
/** Flags accepted and ignored: matching is stateless, so global/sticky/indices change nothing. */
const IGNORED_FLAGS = 'gyd';

/** Compiles a user pattern; never throws. The error is one line, fit for a diagnostic. */
export function compilePattern(source: string, flags = ''): CompiledPattern {
  if (typeof source !== 'string') return { ok: false, error: 'the pattern must be a string' };
  const RE2JS = loadRe2();
  let bits = RE2JS.LOOKBEHINDS;
  let kept = '';
  for (const f of flags) {
    if (IGNORED_FLAGS.includes(f)) continue;
    if (!PATTERN_FLAGS.includes(f)) return { ok: false, error: `unknown regular expression flag "${f}" (allowed: ${PATTERN_FLAGS})` };
    if (kept.includes(f)) continue;
    kept += f;
    if (f === 'i') bits |= RE2JS.CASE_INSENSITIVE;
    else if (f === 'm') bits |= RE2JS.MULTILINE;
    else if (f === 's') bits |= RE2JS.DOTALL;
  }
  const refused = unsupportedSyntax(source);
  if (refused) return { ok: false, error: refused };
  let re: RE2JSClass;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(source), bits);
  } catch (err) {
    return { ok: false, error: describeError(source, err) };
  }
  const pre = prefilter(source, kept.includes('i'));
  const pattern: Pattern = pre
    ? { source, flags: kept, test: (s) => pre(s) && re.test(s), exec: (s) => (pre(s) ? (re.exec(s) as PatternMatch | null) : null) }
    : { source, flags: kept, test: (s) => re.test(s), exec: (s) => re.exec(s) as PatternMatch | null };
  return { ok: true, pattern };
}

/** Compiles or throws an Error whose message is the compile error (for callers that wrap it with context). */
export function compilePatternOrThrow(source: string, flags?: string): Pattern {
  const c = compilePattern(source, flags);
  if (!c.ok) throw new Error(c.error);
  return c.pattern;
}

const RE2_NOTE = 'patterns run on a linear-time engine (RE2 syntax)';

/**
 * Backreferences, found before translation (which would quietly turn `\\k<n>` into `k<n>`): a
 * backslash that is not itself escaped, then 1-9 or `k<`, outside a character class.
 */
function unsupportedSyntax(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && ((next >= '1' && next <= '9') || (next === 'k' && source[i + 2] === '<'))) {
        return `backreferences (\\1, \\k<name>) are not supported: ${RE2_NOTE}`;
      }
      i++;
    } else if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
  }
  return undefined;
}

/** A clear message for the features RE2 leaves out on purpose, else the engine's own. */
function describeError(source: string, err: unknown): string {
  if (/\(\?[=!]/.test(source)) return `lookahead ((?=…), (?!…)) is not supported: ${RE2_NOTE}`;
  if (/\(\?<[=!][^)]*\((?!\?)/.test(source)) return `a lookbehind cannot contain a capturing group (use (?:…)): ${RE2_NOTE}`;
  const msg = err instanceof Error ? err.message : String(err);
  return `invalid regular expression: ${msg.replace(/^error parsing regexp: /, '')}`;
}

// ------------------------------------------------------------------ literal prefilter
//
// re2js walks its automaton at some 15 ns a character; a search over 100k events mostly rejects.
// Like RE2's own prefilter, this derives from the pattern the literal strings any match must contain
// (`"value":(13|42)}` → contains `"value":13}` or `"value":42}`) and rejects with `String#includes`
// before RE2 runs. It is a necessary condition only: a pass still goes through RE2, and anything the
// small parser below is unsure about yields no prefilter at all (RE2 alone decides).

/** What a match must contain: any string (no information), a literal, or a combination. */
type Cond = { k: 'any' } | { k: 'str'; s: string } | { k: 'and' | 'or'; subs: Cond[] };
/** A sub-pattern: the finite set of strings it matches exactly (when small and known), else a condition. */
interface Info {
  exact: string[] | null;
  cond: Cond;
}

const ANY: Cond = { k: 'any' };
const MAX_EXACT = 16;
const MAX_STRINGS = 64;
const anyInfo = (): Info => ({ exact: null, cond: ANY });

function condOf(i: Info): Cond {
  if (!i.exact) return i.cond;
  if (i.exact.some((s) => s === '')) return ANY;
  return i.exact.length === 1 ? { k: 'str', s: i.exact[0]! } : { k: 'or', subs: i.exact.map((s) => ({ k: 'str', s })) };
}

function and(a: Cond, b: Cond): Cond {
  if (a.k === 'any') return b;
  if (b.k === 'any') return a;
  return { k: 'and', subs: [...(a.k === 'and' ? a.subs : [a]), ...(b.k === 'and' ? b.subs : [b])] };
}

function concat(a: Info, b: Info): Info {
  if (a.exact && b.exact && a.exact.length * b.exact.length <= MAX_EXACT) {
    const out: string[] = [];
    for (const x of a.exact) for (const y of b.exact) out.push(x + y);
    return { exact: [...new Set(out)], cond: ANY };
  }
  return { exact: null, cond: and(condOf(a), condOf(b)) };
}

function alternate(a: Info, b: Info): Info {
  if (a.exact && b.exact && a.exact.length + b.exact.length <= MAX_EXACT) return { exact: [...new Set([...a.exact, ...b.exact])], cond: ANY };
  const x = condOf(a);
  const y = condOf(b);
  if (x.k === 'any' || y.k === 'any') return anyInfo();
  return { exact: null, cond: { k: 'or', subs: [...(x.k === 'or' ? x.subs : [x]), ...(y.k === 'or' ? y.subs : [y])] } };
}

/** Thrown inside the parser when it meets syntax it does not model: no prefilter then. */
class Unsure extends Error {}

/**
 * Parses the JS-syntax source (already accepted by RE2) just enough to find required literals.
 * With `fold` (flag i) literals are lowercased ASCII and other letters give no information.
 */
function analyse(src: string, fold: boolean): Info {
  let i = 0;
  const lit = (c: string): Info => {
    if (!fold) return { exact: [c], cond: ANY };
    if (c.charCodeAt(0) > 0x7f) return anyInfo();
    return { exact: [c.toLowerCase()], cond: ANY };
  };
  const alternation = (): Info => {
    let acc = sequence();
    while (src[i] === '|') {
      i++;
      acc = alternate(acc, sequence());
    }
    return acc;
  };
  // A run of exactly-known pieces is kept whole (`time` stays one literal after an inexact `.*`).
  const sequence = (): Info => {
    let run: Info = { exact: [''], cond: ANY };
    let cond: Cond = ANY;
    let exact = true;
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const q = quantified();
      if (q.exact) {
        const next = concat(run, q);
        if (next.exact) run = next;
        else {
          cond = and(cond, condOf(run));
          run = q;
          exact = false;
        }
      } else {
        cond = and(and(cond, condOf(run)), q.cond);
        run = { exact: [''], cond: ANY };
        exact = false;
      }
    }
    return exact ? run : { exact: null, cond: and(cond, condOf(run)) };
  };
  const quantified = (): Info => {
    const atom = primary();
    const c = src[i];
    let min = 1;
    if (c === '*' || c === '?') {
      min = 0;
      i++;
    } else if (c === '+') i++;
    else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(src.slice(i, i + 24));
      if (!m) throw new Unsure();
      min = Number(m[1]);
      i += m[0].length;
      if (m[2] === undefined && min === 1) return atom; // {1}
    } else return atom;
    if (src[i] === '?') i++; // lazy
    if (src[i] === '*' || src[i] === '+' || src[i] === '?' || src[i] === '{') throw new Unsure();
    return min === 0 ? anyInfo() : { exact: null, cond: condOf(atom) };
  };
  const primary = (): Info => {
    const c = src[i]!;
    if (c === '(') {
      i++;
      if (src[i] === '?') {
        const head = src.slice(i, i + 3);
        if (head.startsWith('?:')) i += 2;
        else if (head === '?<=' || head === '?<!') {
          // Lookbehind: zero width here; what it looks at is not part of the match.
          i += 3;
          alternation();
          if (src[i] !== ')') throw new Unsure();
          i++;
          return { exact: [''], cond: ANY };
        } else if (head.startsWith('?<') || head.startsWith('?P<')) {
          const close = src.indexOf('>', i);
          if (close < 0) throw new Unsure();
          i = close + 1;
        } else throw new Unsure(); // inline flags and anything else
      }
      const inner = alternation();
      if (src[i] !== ')') throw new Unsure();
      i++;
      return inner;
    }
    if (c === '[') {
      i++;
      if (src[i] === '^') i++;
      if (src[i] === ']') throw new Unsure();
      while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
      if (src[i] !== ']') throw new Unsure();
      i++;
      return anyInfo();
    }
    if (c === '.') {
      i++;
      return anyInfo();
    }
    if (c === '^' || c === '$') {
      i++;
      return { exact: [''], cond: ANY };
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') throw new Unsure();
    if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) throw new Unsure();
      i += 2;
      if (/[^A-Za-z0-9]/.test(e)) return lit(e);
      const ctl = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v' }[e as 'n'];
      if (ctl) return lit(ctl);
      if (/[dDwWsSbB]/.test(e)) return anyInfo();
      throw new Unsure(); // \x, \u, \p, \c, \0…: escapes with arguments are not modelled
    }
    const cp = src.codePointAt(i)!;
    if (cp >= 0xd800 && cp <= 0xdfff) throw new Unsure(); // a lone surrogate
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    return lit(ch);
  };
  const info = alternation();
  if (i !== src.length) throw new Unsure();
  return info;
}

function countStrings(c: Cond): number {
  return c.k === 'any' ? 0 : c.k === 'str' ? 1 : c.subs.reduce((n, s) => n + countStrings(s), 0);
}

/**
 * The condition as a function. Alternatives of literals become one JS RegExp: escaped literals and
 * `|` only, no quantifier, so the backtracking engine stays linear in the input (and it outruns a
 * series of `includes`). Flag i maps to `iu`, whose simple case folding is RE2's for ASCII letters
 * (ſ matches s, the Kelvin sign k).
 */
function compileCond(c: Cond, fold: boolean): (s: string) => boolean {
  if (c.k === 'any') return () => true;
  const strs = c.k === 'str' ? [c.s] : c.k === 'or' && c.subs.every((x) => x.k === 'str') ? c.subs.map((x) => (x as { s: string }).s) : undefined;
  if (strs) {
    const re = new RegExp(strs.map((x) => x.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|'), fold ? 'iu' : 'u');
    return (s) => re.test(s);
  }
  const subs = (c as { subs: Cond[] }).subs.map((x) => compileCond(x, fold));
  return c.k === 'and' ? (s) => subs.every((f) => f(s)) : (s) => subs.some((f) => f(s));
}

/** A quick necessary condition for a match, or undefined when the pattern gives none. */
export function prefilter(source: string, fold: boolean): ((s: string) => boolean) | undefined {
  let cond: Cond;
  try {
    cond = condOf(analyse(source, fold));
  } catch (e) {
    if (e instanceof Unsure) return undefined;
    throw e;
  }
  if (cond.k === 'any' || countStrings(cond) > MAX_STRINGS) return undefined;
  return compileCond(cond, fold);
}
