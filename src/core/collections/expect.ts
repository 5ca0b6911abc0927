/**
 * Expectations on replies (`expect` rules of a named message): a regex on the reply text, or a JSON
 * path into the reply parsed as JSON with `equals` / `exists`. Pure matching; waiting with timeouts
 * is the runner's job (src/cli/run.ts).
 */
import { CollectionError } from './types';
import type { ExpectRule, JsonType } from './types';
import { compilePattern } from '../pattern';

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

/** A reply as the matcher sees it. */
export interface Reply {
  binary: boolean;
  data: Uint8Array;
}

/** A compiled rule: `test` says whether one reply satisfies it. */
export interface CompiledExpect {
  rule: ExpectRule;
  timeoutMs: number;
  /** Short human description, e.g. `regex /^pong/` or `$.type == "joined"`. */
  label: string;
  test(reply: Reply): boolean;
}

/** A text reply parsed as JSON (binary replies and text that is not JSON: not ok). */
function replyJson(r: Reply): { ok: true; value: unknown } | { ok: false } {
  if (r.binary) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(r.data)) };
  } catch {
    return { ok: false };
  }
}

/** A rule on the reply parsed as JSON: binary replies and text that is not JSON never match. */
function jsonRule(rule: ExpectRule, timeoutMs: number, label: string, holds: (value: unknown) => boolean): CompiledExpect {
  return {
    rule,
    timeoutMs,
    label,
    test: (r) => {
      const json = replyJson(r);
      return json.ok && holds(json.value);
    },
  };
}

/** Compiles a rule (throws WSWB_BAD_EXPECT / WSWB_BAD_JSON_PATH on an invalid one). */
export function compileExpect(rule: ExpectRule): CompiledExpect {
  const timeoutMs = rule.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS;
  const text = (r: Reply): string =>
    r.binary ? Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('hex') : new TextDecoder().decode(r.data);
  if (rule.regex !== undefined) {
    // Linear-time engine: the rule's timeout can only fire if matching one reply cannot stall.
    const c = compilePattern(rule.regex, rule.flags);
    if (!c.ok) throw new CollectionError('WSWB_BAD_EXPECT', `invalid regex ${JSON.stringify(rule.regex)}: ${c.error}`);
    const re = c.pattern;
    return { rule, timeoutMs, label: rule.description ?? `regex /${rule.regex}/${rule.flags ?? ''}`, test: (r) => re.test(text(r)) };
  }
  if (rule.jsonPath !== undefined) {
    const path = rule.jsonPath;
    parseJsonPath(path);
    const wantExists = rule.exists ?? true;
    const hasEquals = Object.prototype.hasOwnProperty.call(rule, 'equals');
    const label =
      rule.description ?? (hasEquals ? `${path} == ${JSON.stringify(rule.equals)}` : wantExists ? `${path} exists` : `${path} does not exist`);
    return jsonRule(rule, timeoutMs, label, (value) => {
      const got = evaluateJsonPath(value, path);
      if (hasEquals) return got.found && jsonEqual(got.value, rule.equals);
      return got.found === wantExists;
    });
  }
  if (rule.shape !== undefined) {
    const entries = Object.entries(rule.shape);
    for (const [p] of entries) parseJsonPath(p);
    const label = rule.description ?? `shape {${entries.map(([p, t]) => `${p}: ${t}`).join(', ')}}`;
    return jsonRule(rule, timeoutMs, label, (value) =>
      entries.every(([p, type]) => {
        const got = evaluateJsonPath(value, p);
        return got.found && jsonType(got.value) === type;
      }),
    );
  }
  throw new CollectionError('WSWB_BAD_EXPECT', 'an expect rule needs "regex", "jsonPath" or "shape"');
}

/** The JSON type of a parsed value, as `shape` rules name them. */
export function jsonType(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' ? t : 'object';
}
