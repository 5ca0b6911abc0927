import assert from 'node:assert/strict';
import { parseCollection, formatDiagnostic } from '../../../src/core/collections/parse';
import { chatCollection } from './fixtures';

const diagnostics = (doc: unknown) => {
  const text = JSON.stringify(doc, null, 2);
  return { text, errors: parseCollection(text, 'c.websocket.json').errors };
};

describe('scenario diagnostics', () => {
  it('a step naming a missing request, message, alias, environment or mock is a diagnostic at its position', () => {
    const { text, errors } = diagnostics(
      chatCollection([
        {
          name: 's',
          steps: [
            { startMock: 'nomock' },
            { connect: 'nochat', as: 'x' },
            { connect: 'chat', as: 'alice', env: 'noenv' },
            { send: 'nomessage', on: 'alice' },
            { expect: { regex: 'a' }, on: 'carol' },
            { unordered: true, steps: [{ wait: 1 }] },
            { stopMock: 'chat' },
          ],
        },
        { name: 's', steps: [{ send: 'join' }] },
      ]),
    );
    const got = errors.map((e) => [e.code, e.path, e.message.replace(/ \([^()]*\)$/, '')]);
    assert.deepEqual(got, [
      ['WSWB_SCENARIO_UNKNOWN_NAME', '/scenarios/0/steps/0/startMock', 'scenarios[0].steps[0].startMock: no mock named "nomock"'],
      ['WSWB_SCENARIO_UNKNOWN_NAME', '/scenarios/0/steps/1/connect', 'scenarios[0].steps[1].connect: no request named "nochat"'],
      ['WSWB_SCENARIO_UNKNOWN_NAME', '/scenarios/0/steps/2/env', 'scenarios[0].steps[2].env: no environment named "noenv"'],
      ['WSWB_SCENARIO_UNKNOWN_NAME', '/scenarios/0/steps/3/send', 'scenarios[0].steps[3].send: request "chat" (connection "alice") has no message named "nomessage"'],
      ['WSWB_SCENARIO_UNKNOWN_NAME', '/scenarios/0/steps/4/on', 'scenarios[0].steps[4].on: no connection "carol" is opened before this step'],
      ['WSWB_SCENARIO_INVALID', '/scenarios/0/steps/5/steps/0/wait', 'scenarios[0].steps[5].steps[0].wait: an unordered group holds only expect steps, not wait'],
      ['WSWB_SCENARIO_UNKNOWN_NAME', '/scenarios/0/steps/6/stopMock', 'scenarios[0].steps[6].stopMock: mock "chat" is not started by an earlier step'],
      ['WSWB_DUPLICATE_NAME', '/scenarios/1/name', 'scenarios[1].name: duplicate scenario name "s"'],
      ['WSWB_SCENARIO_UNKNOWN_NAME', '/scenarios/1/steps/0/send', 'scenarios[1].steps[0].send: send needs a connection: no connect step before it'],
    ]);
    // Positions point at the offending value.
    const d = errors[1]!;
    assert.equal(text.slice(d.offset, d.offset + d.length), '"nochat"');
    assert.match(formatDiagnostic(d), /^c\.websocket\.json:\d+:\d+ /);
    const lineText = text.split('\n')[d.line - 1]!;
    assert.equal(lineText.slice(d.column - 1, d.column - 1 + 8), '"nochat"');
  });

  it('the schema rejects keys that do not go with a step, empty steps and two actions in one step', () => {
    const e1 = diagnostics(chatCollection([{ name: 's', steps: [{ wait: 1, within: 3 }, {}] }])).errors;
    assert.deepEqual(e1.map((e) => e.message), [
      'scenarios[0].steps[0].within: does not go with this step (see the step\'s action)',
      'scenarios[0].steps[1]: a step needs one of connect, send, expect, expectNone, capture, wait, close, startMock, stopMock, unordered',
    ]);
    const e2 = diagnostics(chatCollection([{ name: 's', steps: [{ wait: 1, startMock: 'chat' }] }])).errors;
    assert.ok(e2.length >= 1);
    assert.ok(e2.every((e) => e.path.startsWith('/scenarios/0/steps/0')), JSON.stringify(e2));
  });

  it('a valid scenario file has no diagnostics', () => {
    const { errors } = diagnostics(chatCollection([{ name: 'ok', steps: [{ startMock: 'chat' }, { connect: 'chat', as: 'a' }, { send: 'join' }, { expect: { jsonPath: '$.type', equals: 'joined' }, within: 100 }, { capture: { var: 'room', jsonPath: '$.room' } }, { close: true }, { stopMock: 'chat' }] }]));
    assert.deepEqual(errors, []);
  });
});
