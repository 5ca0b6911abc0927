/**
 * What the schema cannot say about a request's protocol: its protocol messages are of its
 * protocol, a `graphql-complete` names a graphql message of the same request, and protocol terms
 * of expectations (`event`, `ack`, `type`, `count`) can match something. Pure.
 */
import { KIND_PROTOCOL, type ProtocolSetting } from '../protocols/types';
import { isProtocolMessage } from './types';
import type { ExpectRule, RequestDef } from './types';

/** A problem with a request's protocol, at a path below the request. */
export interface ProtocolProblem {
  code: 'WSWB_PROTOCOL_MISMATCH' | 'WSWB_UNKNOWN_OPERATION';
  path: Array<string | number>;
  message: string;
}

/** Why an expectation's protocol terms cannot match on a connection with this protocol setting, if they cannot. */
export function expectProtocolProblem(rule: ExpectRule, protocol: ProtocolSetting): { term: string; message: string } | undefined {
  const terms = (['event', 'ack', 'type', 'count'] as const).filter((t) => rule[t] !== undefined);
  if (!terms.length) return undefined;
  if (protocol === 'raw') return { term: terms[0]!, message: `"${terms[0]}" looks at decoded protocol packets, but the request's protocol is "raw" (nothing is decoded)` };
  if (rule.event !== undefined && protocol !== 'auto' && protocol !== 'socket.io') return { term: 'event', message: `"event" names a Socket.IO event, but the request's protocol is "${protocol}" (use "type" and "jsonPath")` };
  return undefined;
}

/** Problems of one request (paths relative to it). */
export function checkRequestProtocol(r: RequestDef): ProtocolProblem[] {
  const out: ProtocolProblem[] = [];
  const protocol = r.protocol ?? 'auto';
  const operations = new Set((r.messages ?? []).filter((m) => m.kind === 'graphql').map((m) => m.name));
  (r.messages ?? []).forEach((m, j) => {
    if (isProtocolMessage(m)) {
      const wants = KIND_PROTOCOL[m.kind];
      if (wants !== protocol) {
        out.push({ code: 'WSWB_PROTOCOL_MISMATCH', path: ['messages', j, 'kind'], message: `a "${m.kind}" message needs "protocol": "${wants}" on its request (it has "${protocol}")` });
      }
      if (m.kind === 'graphql-complete' && !operations.has(m.of)) {
        out.push({ code: 'WSWB_UNKNOWN_OPERATION', path: ['messages', j, 'of'], message: `no graphql message named "${m.of}" in this request (have: ${[...operations].map((n) => `"${n}"`).join(', ') || 'none'})` });
      }
    }
    (m.expect ?? []).forEach((x, k) => {
      const p = expectProtocolProblem(x, protocol);
      if (p) out.push({ code: 'WSWB_PROTOCOL_MISMATCH', path: ['messages', j, 'expect', k, p.term], message: p.message });
    });
  });
  return out;
}
