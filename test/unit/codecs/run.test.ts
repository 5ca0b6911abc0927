/**
 * examples/codecs.websocket.json end to end through the bundled CLI (dist/cli.js, `node scripts/build.mjs`):
 * `websocket-workbench mock` serves its feed-mock (protobuf and msgpack answers encoded from the
 * collection's codecs rules), `websocket-workbench run` sends its protobuf and msgpack messages,
 * prints NDJSON `decoded` for both directions, and its jsonPath/type expectations read the trees.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const example = path.join(root, 'examples/codecs.websocket.json');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- NDJSON lines are read field by field
type Line = Record<string, any>;

describe('codecs: examples/codecs.websocket.json with the CLI (mock + run)', function () {
  this.timeout(30_000);
  let mock: ChildProcess | undefined;
  afterEach(() => {
    mock?.kill('SIGTERM');
    mock = undefined;
  });

  it('run sends protobuf and msgpack, decodes the mock\'s answers, and its expectations pass', async () => {
    mock = spawn(process.execPath, [cli, 'mock', example, '--port', '0', '--output', 'ndjson'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const first = await new Promise<Line>((resolve, reject) => {
      readline.createInterface({ input: mock!.stdout! }).once('line', (l) => resolve(JSON.parse(l) as Line));
      mock!.once('exit', (code) => reject(new Error(`mock exited ${code}`)));
    });
    assert.equal(first.type, 'listening');
    const r = await new Promise<{ code: number; lines: Line[]; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, 'run', example, '--var', `host=127.0.0.1:${first.port}`, '--output', 'ndjson', '--no-frames'], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, lines: stdout.trim().split('\n').map((l) => JSON.parse(l) as Line), stderr });
      });
    });
    assert.equal(r.code, 0, r.stderr + JSON.stringify(r.lines.filter((l) => l.type === 'expect')));
    const msgs = r.lines.filter((l) => l.type === 'message');
    assert.deepEqual(msgs.map((l) => [l.dir, l.decoded.protocol, l.decoded.type]), [
      ['out', 'protobuf', 'feed.Subscribe'],
      ['in', 'protobuf', 'feed.Envelope'],
      ['out', 'msgpack', 'msgpack'],
      ['in', 'msgpack', 'msgpack'],
    ]);
    assert.deepEqual(msgs[0]!.decoded.data, { symbols: ['ACME', 'INITECH'], min_priority: 'HIGH' });
    assert.deepEqual(msgs[1]!.decoded.data, { id: 'q-1', seq: '1', priority: 'HIGH', labels: { venue: 'mock' }, quote: { symbol: 'ACME', price: 12.5, volume: '-3', history: [12, 12.25] }, payload: 'quote' });
    assert.deepEqual(msgs[2]!.decoded.data, { hello: 'feed', version: 1, token: { $binary: '3q2+7w==' } });
    assert.equal(msgs[3]!.decoded.data.pong, true);
    assert.deepEqual(r.lines.filter((l) => l.type === 'expect').map((l) => [l.message, l.ok, l.matched]), [
      ['subscribe', true, msgs[1]!.id],
      ['hello', true, msgs[3]!.id],
    ]);
  });
});
