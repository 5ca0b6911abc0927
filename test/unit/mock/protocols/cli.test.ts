/**
 * `websocket-workbench mock` runs the example protocol mocks headless (the CLI bundled fresh):
 * the first line is `{"type":"listening",…}`, then a real client of each protocol gets its answer
 * from examples/protocol-mocks.websocket.json.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { io as ioc } from 'socket.io-client';
import mqtt from 'mqtt';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { bundleCli } from '../../cli/bundle';

const examples = path.resolve(__dirname, '../../../../examples/protocol-mocks.websocket.json');

describe('mock protocols: websocket-workbench mock runs the example protocol mocks headless', function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-proto-cli-'));
  let cli: string;
  const children: ChildProcess[] = [];
  before(async () => {
    cli = await bundleCli(dir);
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function start(name: string): Promise<{ url: string; port: number; first: Record<string, unknown> }> {
    const child = spawn(process.execPath, [cli, 'mock', examples, '--name', name, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.setEncoding('utf8');
    const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
      child.stdout!.on('data', (d: string) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as Record<string, unknown>);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    return { url: String(first.url), port: Number(first.port), first };
  }

  it('socket.io-mock: listening first, then an ack from a rule to socket.io-client', async () => {
    const { port, first } = await start('socketio-mock');
    assert.equal(first.type, 'listening');
    assert.equal(first.host, '127.0.0.1');
    const s = ioc(`http://127.0.0.1:${port}`, { transports: ['websocket'], auth: { token: 'dev' }, reconnection: false });
    try {
      assert.equal(await s.timeout(5000).emitWithAck('hello', 'Ada'), 'hi Ada');
    } finally {
      s.disconnect();
    }
  });

  it('mqtt-mock and graphql-mock answer MQTT.js and the graphql-ws client', async () => {
    const m = await start('mqtt-mock');
    const c = await mqtt.connectAsync(m.url, { reconnectPeriod: 0 });
    try {
      await c.subscribeAsync('sensors/reply');
      const got = new Promise<unknown>((res) => c.once('message', (_t, p) => res(JSON.parse(p.toString()))));
      await c.publishAsync('sensors/hall/get', JSON.stringify({ id: 'h' }));
      assert.deepEqual(await got, { asked: 'h', t: 21.5 });
    } finally {
      await c.endAsync(true);
    }
    const g = await start('graphql-mock');
    const client = createClient({ url: g.url, webSocketImpl: WebSocket, connectionParams: { token: 'dev' }, retryAttempts: 0 });
    try {
      const results: unknown[] = [];
      await new Promise<void>((res, rej) => client.subscribe({ query: '{ me { id name } }' }, { next: (r) => results.push(r), error: rej, complete: res }));
      assert.deepEqual(results, [{ data: { me: { id: '1', name: 'Ada' } } }]);
    } finally {
      await client.dispose();
    }
  });
});
