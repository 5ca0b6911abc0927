import assert from 'node:assert/strict';
import { parseCollection } from '../../../src/core/collections/parse';
import type { Collection } from '../../../src/core/collections/types';
import { planTests } from '../../../src/core/scenario/plan';
import { runTest } from '../../../src/core/scenario/runner';
import type { StepResult } from '../../../src/core/scenario/runner';
import { chatCollection } from './fixtures';

function load(doc: Record<string, unknown>): Collection {
  const r = parseCollection(JSON.stringify(doc, null, 2), 'chat.websocket.json');
  assert.deepEqual(r.errors.map((e) => e.message), []);
  return r.collection!;
}

const start = [
  { startMock: 'chat' },
  { connect: 'chat', as: 'alice', env: 'alice' },
  { connect: 'chat', as: 'bob', env: 'bob' },
];

async function runOnly(doc: Record<string, unknown>, name: string, opts: { secrets?: Record<string, string> } = {}) {
  const c = load(doc);
  const t = planTests(c).find((x) => x.name === name)!;
  const steps: StepResult[] = [];
  const secrets = opts.secrets ?? {};
  const r = await runTest(t, { collection: c, onStep: (s) => steps.push(s), secrets: { get: async (n) => secrets[n] } });
  return { r, steps };
}

describe('scenario runner', () => {
  it('runs a two-user chat: join, capture, broadcast seen by both, unordered group, expectNone, close', async () => {
    const { r } = await runOnly(
      chatCollection([
        {
          name: 'chat',
          steps: [
            ...start,
            { send: 'join', on: 'alice' },
            { expect: { jsonPath: '$.type', equals: 'joined' }, on: 'alice', within: 2000 },
            { capture: { var: 'roomId', jsonPath: '$.room' }, on: 'alice' },
            { send: 'say', on: 'alice' },
            {
              unordered: true,
              steps: [
                { expect: { jsonPath: '$.text', equals: 'hi lobby' }, on: 'bob', within: 2000 },
                { expect: { regex: '"from":"alice"' }, on: 'alice', within: 2000 },
              ],
            },
            { expectNone: { jsonPath: '$.type', equals: 'joined' }, on: 'bob', for: 100 },
            { send: { kind: 'text', data: 'not json' }, on: 'bob' },
            { wait: 20 },
            { close: { code: 1000 }, on: 'alice' },
            { stopMock: 'chat' },
          ],
        },
      ]),
      'chat',
    );
    assert.equal(r.ok, true, JSON.stringify(r.failure));
    assert.equal(r.steps.length, 13);
    assert.equal(r.skipped, 0);
  });

  it('fails an expectation with expected, actual, the step path, and skips the rest', async () => {
    const { r } = await runOnly(
      chatCollection([{ name: 'bad', steps: [...start, { send: 'join', on: 'alice' }, { expect: { jsonPath: '$.type', equals: 'nope' }, on: 'alice', within: 150 }, { wait: 1 }] }]),
      'bad',
    );
    assert.equal(r.ok, false);
    assert.deepEqual(r.failure!.path, ['scenarios', 0, 'steps', 4]);
    assert.equal(r.failure!.expected, '$.type == "nope"');
    assert.match(r.failure!.actual!, /"type":"joined"/);
    assert.match(r.failure!.message!, /within 150 ms/);
    assert.equal(r.skipped, 1);
    assert.ok(r.failure!.elapsedMs >= 140 && r.failure!.elapsedMs < 1000, String(r.failure!.elapsedMs));
  });

  it('expectations are in order: a message already matched does not match again', async () => {
    const { r } = await runOnly(
      chatCollection([
        {
          name: 'order',
          steps: [...start, { send: 'join', on: 'alice' }, { expect: { jsonPath: '$.type', equals: 'joined' }, on: 'alice' }, { expect: { jsonPath: '$.type', equals: 'joined' }, on: 'alice', within: 100 }],
        },
      ]),
      'order',
    );
    assert.equal(r.ok, false);
    assert.deepEqual(r.failure!.path, ['scenarios', 0, 'steps', 5]);
  });

  it('expectNone fails on a matching message, and a group failure points at its expectation', async () => {
    const none = await runOnly(
      chatCollection([{ name: 'n', steps: [...start, { send: { kind: 'json', data: { type: 'say', text: 'x' } }, on: 'alice' }, { expectNone: { jsonPath: '$.type', equals: 'message' }, on: 'bob', for: 1000 }] }]),
      'n',
    );
    assert.equal(none.r.ok, false);
    assert.equal(none.r.failure!.code, 'WSWB_EXPECT_NONE_FAILED');
    assert.ok(none.r.failure!.elapsedMs < 900, 'fails as soon as the message arrives');
    const group = await runOnly(
      chatCollection([
        {
          name: 'g',
          steps: [
            ...start,
            { send: { kind: 'json', data: { type: 'say', text: 'x' } }, on: 'alice' },
            { unordered: true, steps: [{ expect: { jsonPath: '$.type', equals: 'message' }, on: 'bob' }, { expect: { jsonPath: '$.type', equals: 'message' }, on: 'bob', within: 100 }] },
          ],
        },
      ]),
      'g',
    );
    assert.equal(group.r.ok, false);
    assert.deepEqual(group.r.failure!.path, ['scenarios', 0, 'steps', 4, 'steps', 1]);
  });

  it('the scenario deadline is total', async () => {
    const { r } = await runOnly(chatCollection([{ name: 'slow', timeoutMs: 200, steps: [...start, { wait: 100 }, { wait: 100 }, { wait: 100 }] }]), 'slow');
    assert.equal(r.ok, false);
    assert.equal(r.failure!.code, 'WSWB_SCENARIO_TIMEOUT');
    assert.ok(r.durationMs < 1500);
    // An expectNone window the deadline cuts short does not pass.
    const none = await runOnly(chatCollection([{ name: 'n', timeoutMs: 300, steps: [...start, { expectNone: { regex: 'x' }, on: 'bob', for: 5000 }] }]), 'n');
    assert.equal(none.r.failure?.code, 'WSWB_SCENARIO_TIMEOUT');
    assert.ok(none.r.durationMs < 1500);
  });

  it('a connect that fails is a failed step; secrets in messages are masked', async () => {
    const doc = chatCollection([{ name: 's', steps: [...start, { send: { kind: 'text', data: 'token {{secret:tok}}' }, on: 'alice' }, { expect: { regex: 'never' }, on: 'alice', within: 100 }] }]);
    (doc.mocks as Array<Record<string, unknown>>)[0]!.echo = true;
    const { r } = await runOnly(doc, 's', { secrets: { tok: 's3cr3t-value' } });
    assert.equal(r.ok, false);
    assert.doesNotMatch(JSON.stringify(r), /s3cr3t-value/);
    assert.match(r.failure!.actual!, /token ••••/);
    const bad = await runOnly(chatCollection([{ name: 'c', steps: [{ connect: 'chat' }] }], { variables: { 'mock.chat.port': '1' } }), 'c');
    assert.equal(bad.r.ok, false);
    assert.equal(bad.r.failure!.action, 'connect');
  });

  it('an alias can connect again after its close; connecting an open alias again fails', async () => {
    const again = await runOnly(
      chatCollection([{ name: 'again', steps: [...start, { close: true, on: 'alice' }, { connect: 'chat', as: 'alice', env: 'alice' }, { send: 'join', on: 'alice' }, { expect: { jsonPath: '$.user', equals: 'alice' }, on: 'alice', within: 2000 }] }]),
      'again',
    );
    assert.equal(again.r.ok, true, JSON.stringify(again.r.failure));
    const twice = await runOnly(chatCollection([{ name: 'twice', steps: [...start, { connect: 'chat', as: 'alice' }] }]), 'twice');
    assert.equal(twice.r.failure?.code, 'WSWB_ALIAS_IN_USE');
  });

  it('prepareMock decides what a startMock step starts (the editor narrows exposure in Restricted Mode) and its notes are events', async () => {
    const doc = chatCollection([{ name: 'm', steps: [{ startMock: 'chat' }] }]);
    (doc.mocks as Array<Record<string, unknown>>)[0]!.allowedOrigins = ['*'];
    const c = load(doc);
    const seen: unknown[] = [];
    const infos: string[] = [];
    const r = await runTest(planTests(c)[0]!, {
      collection: c,
      prepareMock: (def) => {
        seen.push(def.allowedOrigins);
        const { allowedOrigins: _drop, ...rest } = def;
        return { definition: { ...rest, host: '127.0.0.1' }, notes: ['allowedOrigins ignored'] };
      },
      onEvent: (e, source) => e.kind === 'info' && source === 'mock:chat' && infos.push(e.message),
    });
    assert.equal(r.ok, true);
    assert.deepEqual(seen, [['*']]);
    assert.ok(infos.includes('allowedOrigins ignored'), infos.join('; '));
  });

  it('runs a saved request with expectations as a test (several rules may match one reply)', async () => {
    const doc = chatCollection([]);
    const req = (doc.requests as Array<Record<string, unknown>>)[0]!;
    req.messages = [{ name: 'join', kind: 'json', data: { type: 'join', room: 'r1' }, expect: [{ jsonPath: '$.type', equals: 'joined' }, { jsonPath: '$.room', equals: 'r1' }] }];
    doc.variables = { user: 'x' };
    doc.scenarios = [{ name: 'mock up', steps: [{ startMock: 'chat' }] }];
    const c = load(doc);
    const tests = planTests(c);
    assert.deepEqual(tests.map((t) => t.id), ['scenario:mock up', 'request:chat']);
  });
});
