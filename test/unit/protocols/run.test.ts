/**
 * `websocket-workbench run` (dist/cli.js, built by `node scripts/build.mjs`) on
 * fixtures/real-servers.websocket.json, one request per protocol, against real servers (servers.ts):
 * protocol messages sent through the session, expectations with event/ack/type/count and jsonPath
 * on the decoded payload, NDJSON `decoded`/`exchange` lines as `connect` prints them; failing
 * expectations say what was expected and what arrived; scenarios speak protocols too, and the
 * JUnit and TAP reporters show a failing protocol expectation.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SIO_TOKEN, startProtocolServers, type ProtocolServers } from './servers';
import { parseCollection } from '../../../src/core/collections/parse';
import { MockServer } from '../../../src/core/engine/mock/mockServer';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const fixture = path.join(__dirname, 'fixtures/real-servers.websocket.json');
const example = JSON.parse(fs.readFileSync(fixture, 'utf8')) as { requests: Array<{ name: string; messages: Array<Record<string, unknown> & { expect?: Array<Record<string, unknown>> }> }> } & Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- NDJSON lines are read field by field
type Line = Record<string, any>;

const STOMP_PASSCODE = 'pw';
const secretsEnv = { WSWB_SECRET_SIOTOKEN: SIO_TOKEN, WSWB_SECRET_STOMPPASSCODE: STOMP_PASSCODE };

function cliRun(args: string[], env: Record<string, string> = secretsEnv): Promise<{ code: number; stdout: string; lines: Line[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'run', ...args], { timeout: 30_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
      resolve({ code: typeof code === 'number' ? code : 1, stdout, lines, stderr });
    });
  });
}

describe('protocols: run a collection file with one request per protocol (CLI, real servers)', function () {
  this.timeout(120_000);
  let servers: ProtocolServers;
  let dir: string;
  let vars: string[];

  before(async () => {
    servers = await startProtocolServers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-proto-run-'));
    const p = servers.ports;
    vars = ['--var', `sioPort=${p.sio}`, '--var', `graphqlPort=${p.gql}`, '--var', `signalrPort=${p.hub}`, '--var', `stompPort=${p.broker}`, '--var', `mqttPort=${p.mqtt}`, '--var', `rpcPort=${p.rpc}`];
  });
  after(async () => {
    await servers?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a copy of the example changed by `edit`. */
  function variant(name: string, edit: (c: typeof example) => void): string {
    const c = structuredClone(example);
    edit(c);
    const file = path.join(dir, `${name}.websocket.json`);
    fs.writeFileSync(file, JSON.stringify(c, null, 2));
    return file;
  }

  const requests = ['socket.io', 'graphql', 'signalr', 'stomp', 'mqtt', 'json-rpc'];
  for (const request of requests) {
    it(`${request}: every expectation of the example holds; message lines carry decoded, pairs print exchange lines`, async () => {
      const r = await cliRun([fixture, '--request', request, '--output', 'ndjson', ...vars]);
      const expects = r.lines.filter((l) => l.type === 'expect');
      const def = example.requests.find((q) => q.name === request)!;
      const wanted = def.messages.reduce((n, m) => n + (m.expect?.length ?? 0), 0);
      assert.equal(r.code, 0, `${r.stderr}\n${expects.filter((l) => !l.ok).map((l) => JSON.stringify(l)).join('\n')}`);
      assert.equal(expects.length, wanted);
      assert.ok(expects.every((l) => l.ok === true));
      assert.deepEqual(r.lines.at(-1), { type: 'summary', ok: true, connected: true, passed: wanted, failed: 0 });
      const decoded = r.lines.filter((l) => l.type === 'message' && l.decoded);
      assert.ok(decoded.some((l) => l.dir === 'out') && decoded.some((l) => l.dir === 'in'), 'both directions decoded');
      for (const l of decoded) assert.deepEqual(Object.keys(l.decoded).slice(0, 3), ['protocol', 'type', 'summary']);
      // Each ack expectation matched a reply under the key of a pair the pairing table completed.
      const exchanges = r.lines.filter((l) => l.type === 'exchange');
      const rules = def.messages.flatMap((m) => m.expect ?? []);
      rules.forEach((rule, i) => {
        if (!rule.ack) return;
        const matched = r.lines.find((l) => l.type === 'message' && l.id === expects[i]!.matched)!;
        const keys = [matched.decoded.key, ...(matched.decoded.items ?? []).map((d: Line) => d.key)];
        assert.ok(exchanges.some((e) => keys.includes(e.key)), `${expects[i]!.rule} matched #${matched.id} (keys ${keys.join(', ')}), a paired reply`);
      });
      assert.ok(rules.some((x) => x.ack), 'the example checks an ack');
    });
  }

  it('socket.io: the namespace gets the auth payload from a secret, which the output never shows', async () => {
    servers.sioAuth.length = 0;
    const r = await cliRun([fixture, '--request', 'socket.io', '--output', 'ndjson', ...vars]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(servers.sioAuth, [{ token: SIO_TOKEN }]);
    assert.equal(r.stdout.includes(SIO_TOKEN), false, 'the token is masked');
    const connect = r.lines.find((l) => l.dir === 'out' && l.decoded?.type === 'CONNECT')!;
    assert.deepEqual(connect.decoded.data, { token: '••••' });
    // A wrong token: the namespace refuses, nothing is sent, exit 1 with the session's code.
    const wrong = await cliRun([fixture, '--request', 'socket.io', '--output', 'ndjson', ...vars], { WSWB_SECRET_SIOTOKEN: 'wrong' });
    assert.equal(wrong.code, 1);
    assert.deepEqual(wrong.lines.at(-1), { type: 'summary', ok: false, connected: false, code: 'WSWB_PROTO_SOCKETIO_CONNECT_ERROR', message: 'socket.io namespace /chat refused: bad token', passed: 0, failed: 0 });
    assert.ok(!wrong.lines.some((l) => l.dir === 'out' && l.decoded?.type === 'EVENT'));
    // Without the secret nothing connects: exit 2, the variable named.
    const missing = await cliRun([fixture, '--request', 'socket.io', ...vars], {});
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /secret "sioToken" is not set/);
  });

  it('failing protocol expectations: exit 1, each says what it expected and what arrived, decoded', async () => {
    const file = variant('failing', (c) => {
      const m = (req: string, msg: string) => c.requests.find((q) => q.name === req)!.messages.find((x) => x.name === msg)!;
      m('socket.io', 'join').expect = [{ ack: true, jsonPath: '$[0].room', equals: 'kitchen', timeoutMs: 1500 }];
      m('socket.io', 'chat').expect = [{ event: 'chat', count: 3, timeoutMs: 1500 }];
      m('json-rpc', 'sum').expect = [{ ack: true, jsonPath: '$', equals: 4, timeoutMs: 1500 }];
    });
    const sio = await cliRun([file, '--request', 'socket.io', '--output', 'ndjson', ...vars]);
    assert.equal(sio.code, 1);
    const [join, chat] = sio.lines.filter((l) => l.type === 'expect') as [Line, Line];
    assert.equal(join.ok, false);
    assert.equal(join.expected, 'ack $[0].room == "kitchen" (the reply to socket.io key /chat#1)');
    assert.match(join.actual, /socket\.io ACK key \/chat#1: \/chat ack 1 \{"room":"lobby","ok":true\}/);
    assert.equal(chat.ok, false);
    assert.match(chat.reason, /^2 of 3 matching replies within 1500 ms$/);
    assert.match(chat.actual, /socket\.io EVENT: \/chat chat\(\{"from":"server","text":"hi"\}\)/);
    assert.deepEqual(sio.lines.at(-1), { type: 'summary', ok: false, connected: true, passed: 0, failed: 2 });

    const rpc = await cliRun([file, '--request', 'json-rpc', '--output', 'pretty', ...vars]);
    assert.equal(rpc.code, 1);
    assert.match(rpc.stdout, /✖ sum: ack \$ == 4 — no matching reply within 1500 ms\n {4}expected: ack \$ == 4 \(the reply to json-rpc key 1\)\n {4}actual:\n {6}#\d+ json-rpc result key 1: result 1: 3\n/);
    assert.match(rpc.stdout, /✔ boom: type error ack \$\.message exists/);
  });

  it('a request left without a reply prints an unanswered line after --reply-timeout; its ack rule fails', async () => {
    const file = variant('never', (c) => {
      c.requests.find((q) => q.name === 'json-rpc')!.messages = [{ name: 'never', kind: 'json-rpc', method: 'never', expect: [{ ack: true, timeoutMs: 400 }] }];
    });
    const r = await cliRun([file, '--request', 'json-rpc', '--output', 'ndjson', '--reply-timeout', '150', ...vars]);
    assert.equal(r.code, 1);
    const sent = r.lines.find((l) => l.dir === 'out' && l.decoded?.method === 'never')!;
    const unanswered = r.lines.find((l) => l.type === 'unanswered')!;
    assert.deepEqual(unanswered, { type: 'unanswered', protocol: 'json-rpc', key: '1', request: sent.id, afterMs: 150 });
    const x = r.lines.find((l) => l.type === 'expect')!;
    assert.deepEqual([x.ok, x.reason, x.actual], [false, 'no matching reply within 400 ms', 'nothing received']);
    assert.ok(r.lines.indexOf(unanswered) < r.lines.indexOf(x), 'reported while the rule still waited');
  });

  it('ack on a message that opens no request fails at once; a protocol kind on a request of another protocol is a file error', async () => {
    const noKey = variant('no-key', (c) => {
      c.requests.find((q) => q.name === 'socket.io')!.messages.find((x) => x.name === 'chat')!.expect = [{ ack: true }];
    });
    const r = await cliRun([noKey, '--request', 'socket.io', '--output', 'ndjson', ...vars]);
    assert.equal(r.code, 1);
    const x = r.lines.filter((l) => l.type === 'expect')[1]!;
    assert.deepEqual([x.ok, x.reason], [false, 'the message opened no request to answer (an ack, id or receipt)']);

    const mismatch = variant('mismatch', (c) => {
      c.requests.find((q) => q.name === 'json-rpc')!.messages.push({ name: 'wrong', kind: 'socket.io', event: 'x' });
    });
    const bad = await cliRun([mismatch, '--request', 'json-rpc', ...vars]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /mismatch\.websocket\.json:\d+:\d+ requests\[5\]\.messages\[3\]\.kind: a "socket\.io" message needs "protocol": "socket\.io" on its request \(it has "json-rpc"\) \[WSWB_PROTOCOL_MISMATCH\]/);
  });

  describe('scenarios and reporters', () => {
    let scenarioFile: string;
    before(() => {
      scenarioFile = variant('scenarios', (c) => {
        c.scenarios = [
          {
            name: 'socket.io room flow',
            steps: [
              { connect: 'socket.io', as: 'ann' },
              { send: 'join', on: 'ann' },
              { expect: { ack: true, jsonPath: '$[0].ok', equals: true }, on: 'ann' },
              { capture: { var: 'room', jsonPath: '$[0].room' }, on: 'ann' },
              { send: { kind: 'socket.io', event: 'chat', args: ['in {{room}}'], ack: true }, on: 'ann' },
              { expect: { event: 'chat', jsonPath: '$[0].text', equals: 'in lobby' }, on: 'ann' },
              { expect: { ack: true, jsonPath: '$[0]', equals: 'delivered' }, on: 'ann' },
              { expectNone: { event: 'error' }, for: 200, on: 'ann' },
            ],
          },
          {
            name: 'json-rpc with a wrong sum',
            steps: [
              { connect: 'json-rpc', as: 'rpc' },
              { send: { kind: 'json-rpc', method: 'sum', params: [20, 22] } },
              { expect: { ack: true, jsonPath: '$', equals: 41 }, within: 1000 },
            ],
          },
          {
            name: 'mqtt retained flow',
            steps: [
              { connect: 'mqtt', as: 'm' },
              { send: 'subscribe' },
              { expect: { ack: true, type: 'SUBACK' } },
              { send: { kind: 'mqtt', packet: 'publish', topic: 'sensors/hall', payload: 'on', qos: 0 } },
              { expect: { type: 'PUBLISH', jsonPath: '$', equals: 'on' } },
              { capture: { var: 'state', jsonPath: '$' } },
              { send: { kind: 'mqtt', packet: 'publish', topic: 'sensors/{{state}}', payload: 'x', qos: 1 } },
              { expect: { ack: true, type: 'PUBACK' } },
            ],
          },
          {
            name: 'json-rpc never answered',
            steps: [
              { connect: 'json-rpc', as: 'rpc' },
              { send: { kind: 'json-rpc', method: 'never' } },
              { expect: { ack: true }, within: 600 },
            ],
          },
        ];
      });
    });

    it('ndjson: protocol steps pass, a wrong JSON-RPC result fails with expected and actual at its step', async () => {
      const r = await cliRun([scenarioFile, '--scenario', 'socket.io room flow', '--scenario', 'json-rpc with a wrong sum', '--scenario', 'mqtt retained flow', ...vars]);
      assert.equal(r.code, 1, r.stderr);
      const tests = r.lines.filter((l) => l.type === 'test');
      assert.deepEqual(tests.map((t) => [t.test, t.ok]), [['socket.io room flow', true], ['json-rpc with a wrong sum', false], ['mqtt retained flow', true]]);
      const f = tests[1]!.failure;
      assert.equal(f.code, 'WSWB_EXPECT_FAILED');
      assert.equal(f.expected, 'ack $ == 41 (the reply to json-rpc key 1)');
      assert.match(f.actual, /\{"jsonrpc":"2\.0","id":1,"result":42\} {2}⤷ json-rpc result key 1: result 1: 42/);
      assert.equal(f.label, 'expect on rpc: ack $ == 41');
      const text = fs.readFileSync(scenarioFile, 'utf8').split('\n');
      assert.match(text[f.line - 1]!.slice(f.column - 1), /^\{/, 'the failure points at the step');
      assert.match(text.slice(f.line - 1, f.line + 8).join('\n'), /"equals": 41/, 'the step with the failing rule');
    });

    it('ndjson: decoded and exchange lines of each connection, named by file, test and connection', async () => {
      const r = await cliRun([scenarioFile, '--scenario', 'socket.io room flow', '--scenario', 'json-rpc with a wrong sum', ...vars]);
      assert.equal(r.code, 1, r.stderr);
      const decoded = r.lines.filter((l) => l.type === 'decoded');
      const sio = decoded.filter((l) => l.test === 'socket.io room flow');
      assert.ok(sio.length > 0 && sio.every((l) => l.connection === 'ann' && l.decoded.protocol === 'socket.io' && typeof l.message === 'number'), JSON.stringify(sio));
      assert.ok(sio.every((l) => l.file === r.lines.find((x) => x.type === 'test')!.file), 'the file as the test lines name it');
      assert.ok(sio.some((l) => l.dir === 'out' && l.decoded.type === 'EVENT' && l.decoded.event === 'join') && sio.some((l) => l.dir === 'in' && l.decoded.type === 'ACK'));
      assert.deepEqual(Object.keys(sio[0]!.decoded).slice(0, 3), ['protocol', 'type', 'summary']);
      // The room flow: the /chat namespace's CONNECT and two acks (join, chat); one JSON-RPC result. Each
      // is an exchange of messages the decoded lines name.
      const exchanges = r.lines.filter((l) => l.type === 'exchange');
      assert.deepEqual(exchanges.map((x) => [x.test, x.connection, x.protocol, x.key]), [
        ['socket.io room flow', 'ann', 'socket.io', 'connect /chat'],
        ['socket.io room flow', 'ann', 'socket.io', '/chat#1'],
        ['socket.io room flow', 'ann', 'socket.io', '/chat#2'],
        ['json-rpc with a wrong sum', 'rpc', 'json-rpc', '1'],
      ]);
      for (const x of exchanges) {
        const mine = decoded.filter((l) => l.test === x.test);
        assert.equal(mine.find((l) => l.message === x.request)?.dir, 'out', `request ${x.request} is a decoded outgoing message`);
        assert.equal(mine.find((l) => l.message === x.response)?.dir, 'in', `response ${x.response} is a decoded incoming message`);
        assert.ok(typeof x.latencyMs === 'number' && x.latencyMs >= 0);
      }
      const rpc = decoded.find((l) => l.test === 'json-rpc with a wrong sum' && l.dir === 'in')!;
      assert.deepEqual([rpc.decoded.type, rpc.decoded.result], ['result', 42]);
      // Protocol lines come while the test runs: before its test line.
      const sioTest = r.lines.findIndex((l) => l.type === 'test' && l.test === 'socket.io room flow');
      assert.ok(r.lines.indexOf(exchanges[2]!) < sioTest);
    });

    it('--reply-timeout works in suite mode: an unanswered line for the connection, while the rule still waits', async () => {
      const r = await cliRun([scenarioFile, '--scenario', 'json-rpc never answered', '--reply-timeout', '150', ...vars]);
      assert.equal(r.code, 1, r.stderr);
      const sent = r.lines.find((l) => l.type === 'decoded' && l.dir === 'out' && l.decoded.method === 'never')!;
      const unanswered = r.lines.find((l) => l.type === 'unanswered')!;
      assert.deepEqual({ ...unanswered, file: undefined }, { type: 'unanswered', protocol: 'json-rpc', key: '1', request: sent.message, afterMs: 150, file: undefined, test: 'json-rpc never answered', connection: 'rpc' });
      const step = r.lines.find((l) => l.type === 'step' && l.action === 'expect')!;
      assert.equal(step.ok, false);
      assert.ok(r.lines.indexOf(unanswered) < r.lines.indexOf(step), 'reported at 150 ms, before the 600 ms rule failed');
      // Without the flag the default (10 s) holds: nothing is unanswered within the rule's 600 ms; the connection's close reports it.
      const d = await cliRun([scenarioFile, '--scenario', 'json-rpc never answered', ...vars]);
      const late = d.lines.filter((l) => l.type === 'unanswered');
      assert.equal(late.length, 1);
      assert.equal(late[0]!.closed, true);
      assert.ok(d.lines.indexOf(late[0]!) > d.lines.findIndex((l) => l.type === 'step' && l.action === 'expect'));
      const bad = await cliRun([scenarioFile, '--scenario', 'json-rpc never answered', '--reply-timeout', '0', ...vars]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--reply-timeout/);
    });

    it('junit and tap show the failing protocol expectation with expected and actual', async () => {
      const xml = path.join(dir, 'report.xml');
      const j = await cliRun([scenarioFile, '--scenario', 'json-rpc with a wrong sum', '--reporter', 'junit', '--reporter-output', xml, ...vars]);
      assert.equal(j.code, 1, j.stderr);
      const report = fs.readFileSync(xml, 'utf8');
      assert.match(report, /<failure message="[^"]*no message matching ack \$ == 41 arrived on &quot;rpc&quot; within 1000 ms"/);
      assert.match(report, /expected: ack \$ == 41 \(the reply to json-rpc key 1\)/);
      assert.match(report, /json-rpc result key 1: result 1: 42/);
      const tap = await cliRun([scenarioFile, '--scenario', 'json-rpc with a wrong sum', '--reporter', 'tap', ...vars]);
      assert.equal(tap.code, 1);
      assert.match(tap.stdout, /not ok 1 - .*json-rpc with a wrong sum/);
      assert.match(tap.stdout, /expected: .*ack \$ == 41 \(the reply to json-rpc key 1\)/);
      assert.match(tap.stdout, /json-rpc result key 1: result 1: 42/);
      assert.doesNotMatch(tap.stdout + report, /"type":"(decoded|exchange)"/, 'protocol lines are ndjson only');
    });
  });
});

describe('protocols: examples/protocols.websocket.json passes against the example protocol mocks', function () {
  this.timeout(120_000);
  const mocks: MockServer[] = [];
  const vars: string[] = [];
  const portVar: Record<string, string> = { 'socketio-mock': 'sioPort', 'graphql-mock': 'graphqlPort', 'signalr-mock': 'signalrPort', 'stomp-mock': 'stompPort', 'mqtt-mock': 'mqttPort', 'jsonrpc-mock': 'rpcPort' };

  before(async () => {
    const parsed = parseCollection(fs.readFileSync(path.join(root, 'examples/protocol-mocks.websocket.json'), 'utf8'));
    assert.deepEqual(parsed.errors, []);
    for (const def of parsed.collection!.mocks!) {
      const mock = new MockServer({ ...def, port: 0 }, { baseDir: path.join(root, 'examples') });
      mocks.push(mock);
      const { port } = await mock.start();
      vars.push('--var', `${portVar[def.name]!}=${port}`);
    }
    assert.equal(vars.length, 12, 'a mock for each request');
  });
  after(async () => {
    await Promise.all(mocks.map((m) => m.stop()));
  });

  const example = JSON.parse(fs.readFileSync(path.join(root, 'examples/protocols.websocket.json'), 'utf8')) as { requests: Array<{ name: string; messages: Array<{ expect?: unknown[] }> }> };
  for (const request of example.requests) {
    it(`${request.name}: every expectation holds`, async () => {
      const r = await cliRun([path.join(root, 'examples/protocols.websocket.json'), '--request', request.name, '--output', 'ndjson', ...vars], {});
      const wanted = request.messages.reduce((n, m) => n + (m.expect?.length ?? 0), 0);
      assert.ok(wanted > 0);
      assert.deepEqual(r.lines.at(-1), { type: 'summary', ok: true, connected: true, passed: wanted, failed: 0 }, `${r.stderr}\n${r.lines.filter((l) => l.type === 'expect' && !l.ok).map((l) => JSON.stringify(l)).join('\n')}`);
      assert.equal(r.code, 0);
    });
  }
});
