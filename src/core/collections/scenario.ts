/**
 * Scenarios in collection files (`"scenarios"`): the TypeScript mirror of the `scenario` / `step`
 * definitions of schemas/websocket-collection.schema.json, and the checks a schema cannot express
 * (a step naming a request, message, connection alias, environment or mock that does not exist).
 * Documented in docs/collection-format.md#scenarios. Pure: no I/O, no vscode.
 */
import { KIND_PROTOCOL, type ProtocolMessage } from '../protocols/types';
import { expectProtocolProblem } from './protocolChecks';
import type { Collection, ExpectRule, PayloadMessage, VariableMap } from './types';

/** A message written in a step instead of named: a plain payload or a protocol message. */
export type InlineMessageDef = { name?: string; description?: string } & (PayloadMessage | ProtocolMessage);

/** One step. Exactly one action key (connect, send, expect, …) is set; parse.ts reports otherwise. */
export interface StepDef {
  description?: string;
  connect?: string;
  as?: string;
  env?: string;
  send?: string | InlineMessageDef;
  on?: string;
  expect?: ExpectRule;
  within?: number;
  expectNone?: ExpectRule;
  for?: number;
  capture?: { var: string; jsonPath: string };
  wait?: number;
  close?: true | { code?: number; reason?: string };
  startMock?: string;
  stopMock?: string;
  unordered?: true;
  steps?: StepDef[];
}

/** A named flow of steps, run as one test. */
export interface ScenarioDef {
  name: string;
  description?: string;
  env?: string;
  variables?: VariableMap;
  timeoutMs?: number;
  steps: StepDef[];
}

/** The action keys of a step, in the order they are documented. */
export const STEP_ACTIONS = ['connect', 'send', 'expect', 'expectNone', 'capture', 'wait', 'close', 'startMock', 'stopMock', 'unordered'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** Default deadline of `expectNone` (`for`), of the whole scenario, and of `expect` without one. */
export const DEFAULT_EXPECT_NONE_MS = 1000;
export const DEFAULT_SCENARIO_TIMEOUT_MS = 60_000;

/** Which action a step performs (undefined when it has none or several: a diagnostic). */
export function stepAction(step: StepDef): StepAction | undefined {
  const present = STEP_ACTIONS.filter((k) => step[k] !== undefined);
  return present.length === 1 ? present[0] : undefined;
}

/** A problem found in the scenarios; `path` is JSON path segments from the document root. */
export interface ScenarioProblem {
  code: 'WSWB_SCENARIO_INVALID' | 'WSWB_SCENARIO_UNKNOWN_NAME' | 'WSWB_DUPLICATE_NAME' | 'WSWB_PROTOCOL_MISMATCH';
  path: Array<string | number>;
  /** When set, the diagnostic points at this property's key instead of its value. */
  message: string;
}

/** The variable names a started mock provides to later steps. */
export function mockVariables(name: string, url: string, port: number): VariableMap {
  return { [`mock.${name}.url`]: url, [`mock.${name}.port`]: String(port) };
}

/**
 * What a schema cannot check: one action per step, names that exist (requests, their messages,
 * aliases opened by an earlier step, environments, mocks), groups holding only expectations, unique
 * scenario names. Walks the steps in order, as the runner will.
 */
export function checkScenarios(c: Collection): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const requests = new Map((c.requests ?? []).map((r) => [r.name, r]));
  const mocks = new Set((c.mocks ?? []).map((m) => m.name));
  const envs = c.environments ?? {};
  const hasEnv = (e: string) => Object.prototype.hasOwnProperty.call(envs, e);
  const names = new Set<string>();
  const list = (xs: Iterable<string>) => [...xs].map((x) => JSON.stringify(x)).join(', ') || 'none';
  (c.scenarios ?? []).forEach((sc, si) => {
    const base: Array<string | number> = ['scenarios', si];
    if (names.has(sc.name)) out.push({ code: 'WSWB_DUPLICATE_NAME', path: [...base, 'name'], message: `duplicate scenario name "${sc.name}"` });
    names.add(sc.name);
    if (sc.env !== undefined && !hasEnv(sc.env)) {
      out.push({ code: 'WSWB_SCENARIO_UNKNOWN_NAME', path: [...base, 'env'], message: `no environment named "${sc.env}" (have: ${list(Object.keys(envs))})` });
    }
    /** alias → request name, as opened so far. */
    const aliases = new Map<string, string>();
    let last: string | undefined;
    const started = new Set<string>();
    const walk = (steps: StepDef[], at: Array<string | number>, inGroup: boolean) => {
      steps.forEach((st, i) => {
        const p = [...at, i];
        const action = stepAction(st);
        if (!action) {
          const present = STEP_ACTIONS.filter((k) => st[k] !== undefined);
          out.push({
            code: 'WSWB_SCENARIO_INVALID',
            path: p,
            message: present.length ? `a step does one thing; this one has ${present.join(' and ')}` : `a step needs one of ${STEP_ACTIONS.join(', ')}`,
          });
          return;
        }
        if (inGroup && action !== 'expect') {
          out.push({ code: 'WSWB_SCENARIO_INVALID', path: [...p, action], message: `an unordered group holds only expect steps, not ${action}` });
          return;
        }
        const onAlias = (): string | undefined => {
          const alias = st.on ?? last;
          if (alias === undefined) {
            out.push({ code: 'WSWB_SCENARIO_UNKNOWN_NAME', path: [...p, action], message: `${action} needs a connection: no connect step before it` });
            return undefined;
          }
          if (!aliases.has(alias)) {
            out.push({ code: 'WSWB_SCENARIO_UNKNOWN_NAME', path: [...p, 'on'], message: `no connection "${alias}" is opened before this step (opened: ${list(aliases.keys())})` });
            return undefined;
          }
          return alias;
        };
        switch (action) {
          case 'connect': {
            if (!requests.has(st.connect!)) {
              out.push({ code: 'WSWB_SCENARIO_UNKNOWN_NAME', path: [...p, 'connect'], message: `no request named "${st.connect}" (requests: ${list(requests.keys())})` });
            }
            if (st.env !== undefined && !hasEnv(st.env)) {
              out.push({ code: 'WSWB_SCENARIO_UNKNOWN_NAME', path: [...p, 'env'], message: `no environment named "${st.env}" (have: ${list(Object.keys(envs))})` });
            }
            const alias = st.as ?? st.connect!;
            aliases.set(alias, st.connect!);
            last = alias;
            break;
          }
          case 'send': {
            const alias = onAlias();
            if (alias === undefined) break;
            const req = requests.get(aliases.get(alias)!);
            if (typeof st.send !== 'string') {
              // An inline protocol message goes through the connection's protocol session.
              const kind = st.send?.kind;
              const wants = kind && Object.prototype.hasOwnProperty.call(KIND_PROTOCOL, kind) ? KIND_PROTOCOL[kind as keyof typeof KIND_PROTOCOL] : undefined;
              if (req && wants && wants !== (req.protocol ?? 'auto')) {
                out.push({ code: 'WSWB_PROTOCOL_MISMATCH', path: [...p, 'send', 'kind'], message: `a "${kind}" message needs a connection speaking ${wants}; "${alias}" (request "${req.name}") has protocol "${req.protocol ?? 'auto'}"` });
              }
              break;
            }
            if (req && !(req.messages ?? []).some((m) => m.name === st.send)) {
              out.push({
                code: 'WSWB_SCENARIO_UNKNOWN_NAME',
                path: [...p, 'send'],
                message: `request "${req.name}" (connection "${alias}") has no message named "${st.send}" (messages: ${list((req.messages ?? []).map((m) => m.name))})`,
              });
            }
            break;
          }
          case 'expect':
          case 'expectNone': {
            const alias = onAlias();
            const req = alias === undefined ? undefined : requests.get(aliases.get(alias)!);
            const rule = st[action];
            const problem = req && rule ? expectProtocolProblem(rule, req.protocol ?? 'auto') : undefined;
            if (problem) out.push({ code: 'WSWB_PROTOCOL_MISMATCH', path: [...p, action, problem.term], message: `${problem.message} (connection "${alias}", request "${req!.name}")` });
            break;
          }
          case 'capture':
          case 'close':
            onAlias();
            break;
          case 'startMock':
          case 'stopMock': {
            const name = st[action]!;
            if (!mocks.has(name)) out.push({ code: 'WSWB_SCENARIO_UNKNOWN_NAME', path: [...p, action], message: `no mock named "${name}" (mocks: ${list(mocks)})` });
            else if (action === 'startMock') started.add(name);
            else if (!started.has(name)) out.push({ code: 'WSWB_SCENARIO_UNKNOWN_NAME', path: [...p, action], message: `mock "${name}" is not started by an earlier step` });
            else started.delete(name);
            break;
          }
          case 'unordered':
            walk(st.steps ?? [], [...p, 'steps'], true);
            break;
          case 'wait':
            break;
        }
      });
    };
    walk(sc.steps ?? [], [...base, 'steps'], false);
  });
  return out;
}
