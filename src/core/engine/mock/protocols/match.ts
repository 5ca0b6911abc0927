/**
 * Rules of protocol mocks: the decoded fields a rule can name (`event`, `operationName`, `target`,
 * `command`/`destination`, `topic`, `method`, `type`) on top of the raw conditions of rules.ts,
 * whose `regex`, `text` and `json` then read the decoded payload instead of the message bytes.
 */
import type { MockMatch, MockRule } from '../definition';
import { pathMatches } from '../definition';
import { compileRule, RuleCompileError, type MatchInput, type MatchResult } from '../rules';
import { compilePattern, type Pattern } from '../../../pattern';
import type { ProtocolName } from '../../../protocols/types';

/** The decoded fields a protocol rule matches on. */
export interface Subject {
  type: string;
  event?: string;
  namespace?: string;
  operationName?: string;
  /** GraphQL document. */
  query?: string;
  target?: string;
  command?: string;
  destination?: string;
  topic?: string;
  method?: string;
  /** The decoded payload (`{{json.…}}`, `json` conditions). */
  payload: unknown;
  /** Text that `regex` and `text` read (default: the payload as JSON, or the payload when it is a string). */
  text?: string;
}

/** A protocol rule, compiled. */
export interface ProtocolRule {
  rule: MockRule;
  index: number;
  test(input: MatchInput, s: Subject): MatchResult | null;
}

const EXACT = ['type', 'event', 'namespace', 'operationName', 'target', 'command', 'method'] as const;
const PROTOCOL_FIELDS = [...EXACT, 'destination', 'topic'] as const;

/** Whether an MQTT topic filter (`a/+/c`, `a/#`) matches a topic (MQTT 3.1.1 §4.7). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // §4.7.2: wildcards at the first level do not match topics starting with `$`.
  if ((f[0] === '#' || f[0] === '+') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

function textOf(s: Subject): string {
  if (s.text !== undefined) return s.text;
  return typeof s.payload === 'string' ? s.payload : (JSON.stringify(s.payload) ?? '');
}

/** Compiles the rules of a protocol endpoint; throws RuleCompileError on a bad regex. */
export function compileProtocolRules(rules: MockRule[], protocol: ProtocolName): ProtocolRule[] {
  return rules.map((rule, index) => compileProtocolRule(rule, index, protocol));
}

/** Compiles one protocol rule. */
export function compileProtocolRule(rule: MockRule, index: number, protocol: ProtocolName): ProtocolRule {
  const m: MockMatch = rule.match ?? {};
  const base: MockMatch = { ...m };
  for (const k of PROTOCOL_FIELDS) delete base[k];
  let gql: { contains?: string; pattern?: Pattern } | undefined;
  if (protocol === 'graphql-ws' && m.query !== undefined) {
    delete base.query;
    if (typeof m.query === 'string') gql = { contains: m.query };
    else {
      const q = m.query as { regex?: string; flags?: string };
      const c = compilePattern(q.regex ?? '', q.flags);
      if (!c.ok) throw new RuleCompileError(index, 'match/regex', `query.regex: ${c.error}`);
      gql = { pattern: c.pattern };
    }
  }
  const raw = compileRule({ ...rule, match: base }, index).test;
  return {
    rule,
    index,
    test(input, s) {
      for (const k of EXACT) if (m[k] !== undefined && m[k] !== s[k]) return null;
      if (m.destination !== undefined && (s.destination === undefined || !pathMatches(m.destination, s.destination))) return null;
      if (m.topic !== undefined && (s.topic === undefined || !topicMatches(m.topic, s.topic))) return null;
      if (gql) {
        const q = s.query ?? '';
        if (gql.contains !== undefined && !q.includes(gql.contains)) return null;
        if (gql.pattern && !gql.pattern.test(q)) return null;
      }
      // The raw conditions read the decoded payload (not binary: `regex`/`json` look at its JSON text).
      return raw({ ...input, binary: false }, () => textOf(s), () => s.payload);
    },
  };
}

/** The first rule that matches, or null. */
export function findProtocolRule(rules: ProtocolRule[], input: MatchInput, s: Subject): { rule: ProtocolRule; result: MatchResult } | null {
  for (const r of rules) {
    const result = r.test(input, s);
    if (result) return { rule: r, result };
  }
  return null;
}
