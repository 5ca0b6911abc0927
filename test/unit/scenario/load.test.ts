/**
 * `websocket-workbench load`, kept on loopback and bounded: a handful of users for about a second
 * against a mock the scenario starts (port 0) or one started by the test.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load } from '../../../src/cli/load';
import { MockServer } from '../../../src/core/engine/mock/mockServer';
import { latencyStats, percentile } from '../../../src/core/scenario/load';
import { captureIO } from '../collections/fixtures/captureIO';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-load-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const file = path.join(dir, 'load.websocket.json');
fs.writeFileSync(
  file,
  JSON.stringify({
    version: 1,
    name: 'load',
    requests: [
      {
        name: 'ping',
        url: 'ws://127.0.0.1:{{port}}/',
        messages: [
          { name: 'a', kind: 'json', data: { type: 'ping', id: 1 }, expect: [{ jsonPath: '$.type', equals: 'pong' }] },
          { name: 'b', kind: 'text', data: 'hello', expect: [{ regex: '^hello$' }] },
        ],
      },
      { name: 'own', url: 'ws://127.0.0.1:{{mock.m.port}}/', messages: [{ name: 'b', kind: 'text', data: 'hello' }] },
    ],
    mocks: [{ name: 'm', echo: true, rules: [{ match: { json: { path: 'type', equals: 'ping' } }, respond: [{ json: { type: 'pong' } }] }] }],
    scenarios: [{ name: 'own mock', steps: [{ startMock: 'm' }, { connect: 'own' }, { send: 'b' }, { expect: { regex: '^hello$' }, within: 2000 }] }],
  }),
);

const summaryOf = (out: string) => JSON.parse(out.trim().split('\n').pop()!) as Record<string, any>;

describe('load', function () {
  this.timeout(20000);

  it('percentiles are nearest-rank', () => {
    assert.equal(percentile([], 50), undefined);
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual([percentile(s, 50), percentile(s, 95), percentile(s, 99), percentile(s, 100)], [50, 95, 99, 100]);
    assert.deepEqual(latencyStats([3, 1, 2]), { count: 3, min: 1, p50: 2, p95: 3, p99: 3, max: 3, mean: 2 });
  });

  it('a request: N users against a mock on loopback for a bounded time; summary with counts, rates and latency', async () => {
    const mock = new MockServer({ name: 'srv', echo: true, rules: [{ match: { json: { path: 'type', equals: 'ping' } }, respond: [{ json: { type: 'pong' } }] }] });
    const { port } = await mock.start();
    try {
      const io = captureIO(dir);
      const started = Date.now();
      const code = await load([file, '--request', 'ping', '--clients', '4', '--ramp', '0.2', '--duration', '0.8', '--var', `port=${port}`], io);
      assert.equal(code, 0, io.err());
      assert.ok(Date.now() - started < 5000, 'bounded in time');
      const s = summaryOf(io.out());
      assert.equal(s.type, 'summary');
      assert.equal(s.ok, true);
      assert.equal(s.clients, 4);
      assert.ok(s.iterations.total >= 4, JSON.stringify(s));
      assert.equal(s.connections.failed, 0);
      assert.ok(s.connections.opened >= s.iterations.total);
      assert.ok(s.messages.sent >= 2 * s.iterations.total);
      assert.ok(s.messages.received >= s.messages.sent - 8);
      assert.ok(s.messages.sentPerSec > 0);
      assert.ok(s.latencyMs.count >= 2 * s.iterations.total);
      assert.ok(s.latencyMs.p50 <= s.latencyMs.p95 && s.latencyMs.p95 <= s.latencyMs.p99 && s.latencyMs.p99 <= s.latencyMs.max);
      assert.deepEqual(s.errors, {});
      assert.match(io.err(), /^load: \d+\.\d s, \d+\/4 users/m);
    } finally {
      await mock.stop();
    }
  });

  it('failures are counted by code and exit 1; a scenario starting its own mock works as a user', async () => {
    const io = captureIO(dir);
    const code = await load([file, '--request', 'ping', '--clients', '2', '--duration', '0.3', '--var', 'port=1'], io);
    assert.equal(code, 1);
    const s = summaryOf(io.out());
    assert.ok(s.connections.failed >= 2);
    assert.ok(Object.keys(s.errors).length >= 1, JSON.stringify(s.errors));
    const io2 = captureIO(dir);
    assert.equal(await load([file, '--scenario', 'own mock', '--clients', '2', '--duration', '0.5'], io2), 0, io2.err());
    assert.ok(summaryOf(io2.out()).iterations.passed >= 2);
  });

  it('exit 2 on bad usage', async () => {
    for (const args of [[file], [file, '--request', 'ping', '--scenario', 'x'], [file, '--request', 'ping', '--clients', '0'], [file, '--request', 'ping', '--duration', 'x'], [file, '--request', 'nope']]) {
      const io = captureIO(dir);
      assert.equal(await load(args, io), 2, args.join(' '));
    }
  });
});
