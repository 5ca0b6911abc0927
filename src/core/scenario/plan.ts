/**
 * What a collection file holds as tests: every scenario, and every saved request that has a message
 * with expectations (run the way `websocket-workbench run --request` always ran it: connect, send
 * each message in order, after each wait for its `expect` rules). Both become a list of steps with
 * the JSON path of the part of the file each came from, so a failure points at its line. Pure.
 */
import type { Collection, RequestDef } from '../collections/types';
import type { ScenarioDef, StepDef } from '../collections/scenario';
import { DEFAULT_SCENARIO_TIMEOUT_MS } from '../collections/scenario';

/** A JSON path from the document root (`['scenarios', 0, 'steps', 2]`). */
export type DocPath = Array<string | number>;

/** A step as the runner executes it. */
export interface PlannedStep {
  step: StepDef;
  path: DocPath;
  /** Groups only: `unordered` (each expectation by a different message, after the cursor) or `each` (each independently among the replies since the last send: a saved message's `expect` list). */
  group?: 'unordered' | 'each';
  children?: PlannedStep[];
}

/** One test: a scenario or a saved request with expectations. */
export interface PlannedTest {
  kind: 'scenario' | 'request';
  name: string;
  /** Stable id within the file: `scenario:<name>` or `request:<name>`. */
  id: string;
  path: DocPath;
  env?: string;
  variables?: Record<string, string>;
  timeoutMs: number;
  steps: PlannedStep[];
}

function planSteps(steps: StepDef[], at: DocPath): PlannedStep[] {
  return steps.map((step, i) => {
    const path = [...at, i];
    if (step.unordered) return { step, path, group: 'unordered' as const, children: planSteps(step.steps ?? [], [...path, 'steps']) };
    return { step, path };
  });
}

/** A scenario as a test. */
export function planScenario(sc: ScenarioDef, index: number): PlannedTest {
  const path: DocPath = ['scenarios', index];
  return {
    kind: 'scenario',
    name: sc.name,
    id: `scenario:${sc.name}`,
    path,
    env: sc.env,
    variables: sc.variables,
    timeoutMs: sc.timeoutMs ?? DEFAULT_SCENARIO_TIMEOUT_MS,
    steps: planSteps(sc.steps, [...path, 'steps']),
  };
}

/** Whether a request is a test: one of its messages has expectations. */
export function requestHasExpectations(r: RequestDef): boolean {
  return (r.messages ?? []).some((m) => (m.expect ?? []).length > 0);
}

/** A saved request as a test: connect, then each message sent and its expectations checked. */
export function planRequest(r: RequestDef, index: number): PlannedTest {
  const path: DocPath = ['requests', index];
  const alias = r.name;
  const steps: PlannedStep[] = [{ step: { connect: r.name, as: alias }, path }];
  (r.messages ?? []).forEach((m, j) => {
    const mp = [...path, 'messages', j];
    steps.push({ step: { send: m.name, on: alias }, path: mp });
    const expects = m.expect ?? [];
    if (!expects.length) return;
    steps.push({
      step: { unordered: true, description: `replies to "${m.name}"` },
      path: mp,
      group: 'each',
      children: expects.map((rule, k) => ({ step: { expect: rule, on: alias, description: `${m.name}: ${rule.description ?? ''}`.replace(/: $/, '') }, path: [...mp, 'expect', k] })),
    });
  });
  steps.push({ step: { close: true, on: alias }, path });
  return { kind: 'request', name: r.name, id: `request:${r.name}`, path, timeoutMs: DEFAULT_SCENARIO_TIMEOUT_MS, steps };
}

/** Every test of a collection: scenarios first, then requests with expectations, in file order. */
export function planTests(c: Collection): PlannedTest[] {
  const out = (c.scenarios ?? []).map(planScenario);
  (c.requests ?? []).forEach((r, i) => {
    if (requestHasExpectations(r)) out.push(planRequest(r, i));
  });
  return out;
}
