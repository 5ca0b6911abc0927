/**
 * A recorded session becomes a scenario (exact or by shape) that runs against the same server: the
 * session is recorded for real (Connection against a MockServer), exported with the CLI, and run.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '../../../src/core/engine/connection';
import type { TimelineEvent } from '../../../src/core/engine/events';
import { MockServer } from '../../../src/core/engine/mock/mockServer';
import { makeHeader, serializeTranscript } from '../../../src/core/collections/transcript';
import { exportHar } from '../../../src/core/collections/har';
import { compileExpect } from '../../../src/core/collections/expect';
import { parseCollection } from '../../../src/core/collections/parse';
import { shapeOf, sessionToScenario } from '../../../src/core/scenario/fromSession';
import { planTests } from '../../../src/core/scenario/plan';
import { runTest } from '../../../src/core/scenario/runner';
import { exportCommand } from '../../../src/cli/export';
import { captureIO } from '../collections/fixtures/captureIO';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-session-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const mockDef = {
  name: 'srv',
  echo: true,
  rules: [{ match: { json: { path: 'type', equals: 'hello' } }, respond: [{ json: { type: 'welcome', session: '{{uuid}}', n: 1, tags: ['a'] } }] }],
};

async function record(port: number): Promise<TimelineEvent[]> {
  const events: TimelineEvent[] = [];
  const c = new Connection({ url: `ws://127.0.0.1:${port}/x` });
  c.onEvent((e) => events.push(e));
  await c.connect();
  const got = (n: number) => new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (events.filter((e) => e.kind === 'message' && e.dir === 'in').length >= n) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });
  c.sendText(JSON.stringify({ type: 'hello' }));
  await got(1);
  c.sendText('plain (text) with $pecial chars');
  await got(2);
  c.sendBinary(new Uint8Array([1, 2, 255]));
  await got(3);
  await c.close(1000, 'done');
  c.dispose();
  return events;
}

describe('recorded session → scenario', function () {
  this.timeout(20000);
  let mock: MockServer;
  let events: TimelineEvent[];
  before(async () => {
    mock = new MockServer(mockDef);
    const { port } = await mock.start();
    events = await record(port);
  });
  after(() => mock.stop());

  it('sends become named messages and steps, replies expectations, the client close a close step', () => {
    const { request, scenario } = sessionToScenario(events, { mode: 'exact' });
    assert.match(request.url, /^ws:\/\/127\.0\.0\.1:\d+\/x$/);
    assert.deepEqual(request.messages!.map((m) => [m.name, m.kind]), [['sent 1', 'json'], ['sent 2', 'text'], ['sent 3', 'binary']]);
    assert.deepEqual(scenario.steps.map((s) => Object.keys(s).find((k) => !['on', 'as', 'within'].includes(k))), ['connect', 'send', 'expect', 'send', 'expect', 'send', 'expect', 'close']);
    assert.deepEqual(scenario.steps[7]!.close, { code: 1000, reason: 'done' });
    const text = compileExpect(scenario.steps[4]!.expect!);
    const enc = (s: string) => ({ binary: false, data: new TextEncoder().encode(s) });
    assert.equal(text.test(enc('plain (text) with $pecial chars')), true);
    assert.equal(text.test(enc('plain (text) with $pecial chars!')), false);
    assert.deepEqual(scenario.steps[6]!.expect, { regex: '^0102ff$' });
  });

  it('by shape: JSON paths and value types, so a reply whose values change still matches', () => {
    assert.deepEqual(shapeOf({ type: 'welcome', session: 'x', n: 1, tags: ['a'], 'odd key': null }), {
      $: 'object', '$.type': 'string', '$.session': 'string', '$.n': 'number', '$.tags': 'array', '$.tags[0]': 'string', "$['odd key']": 'null',
    });
    const { scenario } = sessionToScenario(events, { mode: 'shape' });
    const rule = compileExpect(scenario.steps[2]!.expect!);
    const enc = (o: unknown) => ({ binary: false, data: new TextEncoder().encode(JSON.stringify(o)) });
    assert.equal(rule.test(enc({ type: 'welcome', session: 'other', n: 7, tags: ['z'] })), true);
    assert.equal(rule.test(enc({ type: 'welcome', session: 5, n: 7, tags: ['z'] })), false);
  });

  it('the CLI exports a transcript or a HAR to a valid collection; the shape scenario passes against the server, the exact one fails on the changing value', async () => {
    const transcript = path.join(dir, 'session.ndjson');
    fs.writeFileSync(transcript, serializeTranscript({ header: makeHeader({ source: 'test' }), events }));
    const results: Record<string, boolean> = {};
    for (const mode of ['exact', 'shape'] as const) {
      const out = path.join(dir, `${mode}.websocket.json`);
      const io = captureIO(dir);
      assert.equal(await exportCommand(['scenario', transcript, '--mode', mode, '--output', out], io), 0, io.err());
      const parsed = parseCollection(fs.readFileSync(out, 'utf8'), out);
      assert.deepEqual(parsed.errors, []);
      const [test] = planTests(parsed.collection!);
      const r = await runTest(test!, { collection: parsed.collection! });
      results[mode] = r.ok;
      if (mode === 'exact') assert.equal(r.failure?.code, 'WSWB_EXPECT_FAILED');
    }
    assert.deepEqual(results, { exact: false, shape: true });
    // A HAR with _webSocketMessages converts the same way.
    const har = path.join(dir, 'session.har');
    fs.writeFileSync(har, JSON.stringify(exportHar(events)));
    const io = captureIO(dir);
    assert.equal(await exportCommand(['scenario', har, '--mode', 'shape'], io), 0, io.err());
    assert.ok(parseCollection(io.out(), 'har.websocket.json').ok);
    // Never over an existing file; bad usage is 2.
    assert.equal(await exportCommand(['scenario', transcript, '--output', path.join(dir, 'exact.websocket.json')], captureIO(dir)), 2);
    assert.equal(await exportCommand(['scenario', transcript, '--mode', 'fuzzy'], captureIO(dir)), 2);
    assert.equal(await exportCommand(['artillery', transcript], captureIO(dir)), 2);
  });
});
