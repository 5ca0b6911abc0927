/**
 * Checks a mock definition: the JSON Schema (schemas/mock.schema.json) first, then what a schema
 * cannot say (regexes compile, hex parses, rule close codes are valid on the wire, ranges ordered).
 */
import { parseCodecMessage } from '../../codecs/message';
import { isCodecKind } from '../../codecs/types';
import { loadAjv, loadSchemas } from '../../lazy';
import type { ValidateFunction } from 'ajv';
import type { MockDefinition, MockFault } from './definition';
import { resolveEndpoints } from './definition';
import { compileRule, RuleCompileError } from './rules';
import { parseHex } from './template';
import { MockError } from './errors';
import { isValidCloseCode } from '../../protocol/closeCodes';
import { KIND_PROTOCOL, MessageDefError, parseMessageDef } from '../../protocols/messages';
import type { ProtocolSetting } from '../../protocols/types';
import { compileProtocolRule } from './protocols/match';

/** One problem in a definition, with a JSON pointer to where it is. */
export interface MockDefinitionProblem {
  pointer: string;
  message: string;
}

let compiled: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (!compiled) compiled = new (loadAjv())({ allErrors: true, strict: false }).compile(loadSchemas().mockSchema);
  return compiled;
}

/** Lists every problem in `def` (empty when it is a valid mock definition). */
export function checkMockDefinition(def: unknown): MockDefinitionProblem[] {
  const validate = schemaValidator();
  if (!validate(def)) {
    return (validate.errors ?? []).map((e) => ({ pointer: e.instancePath || '/', message: e.message ?? 'invalid' }));
  }
  const d = def as MockDefinition;
  const problems: MockDefinitionProblem[] = [];
  const endpoints = resolveEndpoints(d);
  const seen = new Set<string>();
  endpoints.forEach((ep, i) => {
    const where = d.endpoints ? `/endpoints/${i}` : '';
    if (seen.has(ep.path)) problems.push({ pointer: `${where}/path`, message: `duplicate endpoint path ${ep.path}` });
    seen.add(ep.path);
    const proto = ep.protocol === 'auto' || ep.protocol === 'raw' ? undefined : ep.protocol;
    ep.rules.forEach((r, j) => {
      try {
        if (proto) compileProtocolRule(r, j, proto);
        else compileRule(r, j);
      } catch (e) {
        if (e instanceof RuleCompileError) problems.push({ pointer: `${where}/rules/${j}/${e.field}`, message: e.detail });
        else problems.push({ pointer: `${where}/rules/${j}`, message: (e as Error).message });
      }
      if (r.close && !isSendableCloseCode(r.close.code)) {
        problems.push({ pointer: `${where}/rules/${j}/close/code`, message: `close code ${r.close.code} cannot be sent in a close frame; use a "close" fault to send it anyway` });
      }
      if (r.close?.reason !== undefined && Buffer.byteLength(r.close.reason) > 123) {
        problems.push({ pointer: `${where}/rules/${j}/close/reason`, message: 'close reason longer than 123 bytes (RFC 6455 §5.5)' });
      }
      if (r.delay !== undefined && typeof r.delay === 'object' && r.delay.max < r.delay.min) {
        problems.push({ pointer: `${where}/rules/${j}/delay`, message: 'delay.max is below delay.min' });
      }
      for (const f of r.faults ?? []) {
        if (f.type === 'handshakeDelay' || f.type === 'refuse') {
          problems.push({ pointer: `${where}/rules/${j}/faults`, message: `a "${f.type}" fault applies to the handshake: put it on the mock or endpoint` });
        }
      }
      (r.respond ?? []).forEach((m, k) => checkMessage(m, `${where}/rules/${j}/respond/${k}`, problems, ep.protocol));
    });
    ep.greeting.forEach((m, k) => checkMessage(m, `${where}/greeting/${k}`, problems, ep.protocol));
    ep.schedules.forEach((s, j) => s.messages.forEach((m, k) => checkMessage(m, `${where}/schedules/${j}/messages/${k}`, problems, ep.protocol)));
    checkFaults(ep.faults, `${where}/faults`, problems);
  });
  return problems;
}

/** Returns `def` typed when valid; throws MockError WSWB_MOCK_INVALID_DEFINITION listing the problems. */
export function assertMockDefinition(def: unknown): MockDefinition {
  const problems = checkMockDefinition(def);
  if (problems.length > 0) {
    const name = typeof def === 'object' && def !== null && typeof (def as { name?: unknown }).name === 'string' ? ` "${(def as { name: string }).name}"` : '';
    throw new MockError('WSWB_MOCK_INVALID_DEFINITION', `invalid mock definition${name}: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`);
  }
  return def as MockDefinition;
}

function checkMessage(m: unknown, pointer: string, problems: MockDefinitionProblem[], protocol: ProtocolSetting): void {
  if (typeof m === 'object' && m !== null && isCodecKind((m as { kind?: unknown }).kind)) {
    // Payload codecs answer on any protocol (a protobuf type is checked against the .proto when sent).
    try {
      parseCodecMessage(m as Record<string, unknown>);
    } catch (e) {
      problems.push({ pointer, message: (e as Error).message });
    }
    return;
  }
  if (typeof m === 'object' && m !== null && 'kind' in m) {
    try {
      const def = parseMessageDef(m);
      if (KIND_PROTOCOL[def.kind] !== protocol) problems.push({ pointer, message: `a "${def.kind}" message needs "protocol": "${KIND_PROTOCOL[def.kind]}" on the mock or endpoint (it is ${protocol})` });
    } catch (e) {
      if (!(e instanceof MessageDefError)) throw e;
      problems.push({ pointer, message: e.message });
    }
    return;
  }
  if (typeof m === 'object' && m !== null && 'hex' in m) {
    try {
      parseHex(String((m as { hex: unknown }).hex));
    } catch (e) {
      problems.push({ pointer, message: (e as Error).message });
    }
  }
}

function checkFaults(faults: MockFault[], pointer: string, problems: MockDefinitionProblem[]): void {
  if (faults.filter((f) => f.type === 'refuse').length > 1) problems.push({ pointer, message: 'more than one "refuse" fault' });
}

/** RFC 6455 §7.4: whether a close frame may carry this code (the protocol core's table). */
export function isSendableCloseCode(code: number): boolean {
  return isValidCloseCode(code);
}
