/**
 * Rule matching: compiled once per endpoint, evaluated in order for each received message; the
 * first rule whose conditions all hold answers.
 */
import { isDeepStrictEqual } from 'node:util';
import type { MockMatch, MockRule } from './definition';
import { pathMatches } from './definition';
import { getJsonPath, parseHex } from './template';
import { compilePattern, type Pattern, type PatternMatch } from '../../pattern';
import { MockError } from './errors';

/** A received message and where it came from, as the matcher sees it. */
export interface MatchInput {
  data: Buffer;
  binary: boolean;
  /** 1-based index of this message on its connection. */
  count: number;
  path: string;
  query: Record<string, string>;
}

/** What a successful match hands to the templates. */
export interface MatchResult {
  captures: PatternMatch | null;
}

/** A rule with its regex and hex prefix compiled. */
export interface CompiledRule {
  rule: MockRule;
  index: number;
  test(input: MatchInput, text: () => string, json: () => unknown): MatchResult | null;
}

/** A rule that does not compile: which field (a JSON pointer below the rule) and why. */
export class RuleCompileError extends MockError {
  constructor(
    readonly index: number,
    readonly field: 'match/regex' | 'match/binaryPrefix',
    readonly detail: string,
  ) {
    super('WSWB_MOCK_INVALID_DEFINITION', `rules[${index}].${field.replace('/', '.')}: ${detail}`);
  }
}

/** Compiles rules; throws a RuleCompileError (with the rule index in the message) on a bad regex or hex. */
export function compileRules(rules: MockRule[]): CompiledRule[] {
  return rules.map((rule, index) => compileRule(rule, index));
}

/** Compiles one rule (`index` is its place in the list, for messages). */
export function compileRule(rule: MockRule, index: number): CompiledRule {
  return { rule, index, test: compileMatch(rule.match ?? {}, index) };
}

/** Returns the first matching rule, or null. */
export function findRule(
  rules: CompiledRule[],
  input: MatchInput,
  text: () => string,
  json: () => unknown,
): { rule: CompiledRule; result: MatchResult } | null {
  for (const r of rules) {
    const result = r.test(input, text, json);
    if (result) return { rule: r, result };
  }
  return null;
}

function compileMatch(m: MockMatch, index: number): CompiledRule['test'] {
  let regex: Pattern | undefined;
  if (m.regex !== undefined) {
    // Linear-time engine: a client's message cannot make a rule's pattern stall the mock.
    const c = compilePattern(m.regex, m.flags);
    if (!c.ok) throw new RuleCompileError(index, 'match/regex', c.error);
    regex = c.pattern;
  }
  let prefix: Buffer | undefined;
  if (m.binaryPrefix !== undefined) {
    try {
      prefix = Buffer.from(parseHex(m.binaryPrefix));
    } catch (e) {
      throw new RuleCompileError(index, 'match/binaryPrefix', (e as Error).message);
    }
  }
  return (input, text, json) => {
    if (m.binary !== undefined && m.binary !== input.binary) return null;
    if (m.path !== undefined && !pathMatches(m.path, input.path)) return null;
    if (m.query && typeof m.query === 'object') {
      for (const [k, v] of Object.entries(m.query)) {
        const actual = Object.hasOwn(input.query, k) ? input.query[k] : undefined;
        if (actual === undefined || (v !== '*' && v !== actual)) return null;
      }
    }
    if (m.count !== undefined && !countMatches(m.count, input.count)) return null;
    if (prefix && (input.data.length < prefix.length || !input.data.subarray(0, prefix.length).equals(prefix))) return null;
    if (m.text !== undefined && (input.binary || text() !== m.text)) return null;
    if (m.json) {
      if (input.binary) return null;
      const root = json();
      if (root === undefined) return null;
      const r = getJsonPath(root, m.json.path);
      if (m.json.exists !== undefined && r.found !== m.json.exists) return null;
      if (m.json.equals !== undefined && (!r.found || !isDeepStrictEqual(r.value, m.json.equals))) return null;
      if (m.json.exists === undefined && m.json.equals === undefined && !r.found) return null;
    }
    let captures: PatternMatch | null = null;
    if (regex) {
      if (input.binary) return null;
      captures = regex.exec(text());
      if (!captures) return null;
    }
    return { captures };
  };
}

function countMatches(c: NonNullable<MockMatch['count']>, n: number): boolean {
  if (typeof c === 'number') return n === c;
  if (c.min !== undefined && n < c.min) return false;
  if (c.max !== undefined && n > c.max) return false;
  if (c.every !== undefined && (n - (c.min ?? 1)) % c.every !== 0) return false;
  return true;
}
