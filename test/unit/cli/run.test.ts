import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { run, parseRunArgs, envSecretResolver } from '../../../src/cli/run';
import { readTranscript } from '../../../src/core/collections/transcript';
import { MockServer } from '../../../src/core/engine/mock/mockServer';
import { parseCollection } from '../../../src/core/collections/parse';
import { captureIO } from '../collections/fixtures/captureIO';

interface TestServer {
  port: number;
  auth: string[];
  close(): Promise<void>;
}

/** A small real server: echoes, answers {"type":"ping"} with a pong, closes on "bye". */
async function startServer(): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const auth: string[] = [];
  wss.on('error', () => undefined);
  wss.on('connection', (ws: WebSocket, req) => {
    ws.on('error', () => undefined);
    auth.push(String(req.headers.authorization ?? ''));
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      if (!isBinary && text === 'bye') return ws.close(1000, 'bye');
      if (!isBinary && text.startsWith('{')) {
        const m = JSON.parse(text) as { type?: string; id?: number };
        if (m.type === 'ping') return ws.send(JSON.stringify({ type: 'pong', id: m.id }));
      }
      ws.send(data, { binary: isBinary });
    });
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  return {
    port: (wss.address() as AddressInfo).port,
    auth,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-run-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeCollection(requests: unknown[], extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.websocket.json`);
  fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'run test', variables: { host: '127.0.0.1' }, ...extra, requests }, null, 2));
  return file;
}

const lines = (s: string) =>
  s
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('cli: run', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(() => server.close());

  const request = (messages: unknown[], more: Record<string, unknown> = {}) => ({
    name: 'main',
    url: 'ws://{{host}}:{{port}}/echo',
    auth: { type: 'bearer', token: '{{secret:token}}' },
    messages,
    ...more,
  });

  it('sends messages in order, checks regex and JSON-path expectations, exits 0, never prints the secret', async () => {
    const file = writeCollection([
      request([
        { name: 'hello', kind: 'text', data: 'hello {{host}}', expect: [{ regex: '^hello 127\\.0\\.0\\.1$', timeoutMs: 2000 }] },
        { name: 'ping', kind: 'json', data: { type: 'ping', id: 7 }, expect: [{ jsonPath: '$.type', equals: 'pong' }, { jsonPath: '$.id', equals: 7 }, { jsonPath: '$.missing', exists: false }] },
        { name: 'bin', kind: 'binary', hex: '00ff', expect: [{ regex: '^00ff$' }] },
      ]),
    ]);
    const io = captureIO(dir, { WSWB_SECRET_TOKEN: 'very-secret-token' });
    const code = await run([file, '--var', `port=${server.port}`, '--output', 'ndjson'], io);
    assert.equal(code, 0, io.err() + io.out());
    const out = lines(io.out());
    const expects = out.filter((o) => o.type === 'expect');
    assert.deepEqual(expects.map((e) => [e.message, e.ok]), [
      ['hello', true],
      ['ping', true],
      ['ping', true],
      ['ping', true],
      ['bin', true],
    ]);
    assert.deepEqual(out[out.length - 1], { type: 'summary', ok: true, connected: true, passed: 5, failed: 0 });
    const sent = out.filter((o) => o.type === 'message' && o.dir === 'out').map((o) => o.text ?? o.dataHex);
    assert.deepEqual(sent, ['hello 127.0.0.1', '{"type":"ping","id":7}', '00ff']);
    assert.deepEqual(server.auth, ['Bearer very-secret-token'], 'the server got the real token');
    assert.equal(io.out().includes('very-secret-token'), false, 'output masks it');
    const hs = out.find((o) => o.type === 'handshake') as { request: { headers: Record<string, string> } };
    assert.equal(hs.request.headers.Authorization, 'Bearer ••••');
  });

  it('masks a secret sent inside a message in the output, while the server gets it and expectations see it', async () => {
    const file = writeCollection([request([{ name: 'login', kind: 'json', data: { token: '{{secret:token}}' }, expect: [{ jsonPath: '$.token', equals: 'sekrit-42' }] }])]);
    const io = captureIO(dir, { WSWB_SECRET_TOKEN: 'sekrit-42' });
    assert.equal(await run([file, '--var', `port=${server.port}`, '--output', 'ndjson'], io), 0, io.out());
    assert.equal(io.out().includes('sekrit-42'), false);
    const texts = lines(io.out()).filter((o) => o.type === 'message').map((o) => o.text);
    assert.deepEqual(texts, ['{"token":"••••"}', '{"token":"••••"}']);
  });

  it('exits 1 and says why when an expectation is not met in time', async () => {
    const file = writeCollection([request([{ name: 'hello', kind: 'text', data: 'hi', expect: [{ regex: '^nope$', timeoutMs: 150 }, { regex: '^hi$' }] }])]);
    const io = captureIO(dir, { WSWB_SECRET_TOKEN: 'test-token-1' });
    assert.equal(await run([file, '--var', `port=${server.port}`, '--output', 'ndjson', '--no-frames'], io), 1);
    const out = lines(io.out());
    assert.equal(out.some((o) => o.type === 'frame'), false, '--no-frames');
    const expects = out.filter((o) => o.type === 'expect');
    assert.equal(expects[0]!.ok, false);
    assert.equal(expects[0]!.reason, 'no matching reply within 150 ms');
    assert.equal(expects[1]!.ok, true);
    assert.deepEqual(out[out.length - 1], { type: 'summary', ok: false, connected: true, passed: 1, failed: 1 });
  });

  it('fails the remaining expectations when the server closes', async () => {
    const file = writeCollection([
      request([
        { name: 'bye', kind: 'text', data: 'bye', expect: [{ regex: 'never', timeoutMs: 5000 }] },
        { name: 'after', kind: 'text', data: 'x', expect: [{ regex: 'x' }] },
      ]),
    ]);
    const io = captureIO(dir, { WSWB_SECRET_TOKEN: 'test-token-1' });
    assert.equal(await run([file, '--var', `port=${server.port}`, '--output', 'ndjson'], io), 1);
    const out = lines(io.out());
    assert.match(String(out.find((o) => o.type === 'expect')!.reason), /connection closed \(1000 bye\)/);
    assert.deepEqual(out[out.length - 1], { type: 'summary', ok: false, connected: true, passed: 0, failed: 2, skipped: 1 });
  });

  it('reports unresolved variables and missing secrets before connecting (exit 2)', async () => {
    const file = writeCollection([request([{ name: 'm', kind: 'text', data: '{{nowhere}}' }])]);
    const io = captureIO(dir, {});
    assert.equal(await run([file, '--var', `port=${server.port}`], io), 2);
    assert.match(io.err(), /secret "token" is not set \[WSWB_UNRESOLVED_VARIABLE\]/);
    assert.match(io.err(), /variable "nowhere" is not defined/);
    assert.match(io.err(), /set WSWB_SECRET_TOKEN in the environment/);
    assert.deepEqual(server.auth, [], 'never connected');
  });

  it('picks requests and environments by name, and refuses unknown ones', async () => {
    const file = writeCollection(
      [
        { name: 'a', url: 'ws://{{host}}:{{port}}/a', messages: [{ name: 'm', kind: 'text', data: '{{greeting}}', expect: [{ regex: '^hey$' }] }] },
        { name: 'b', url: 'ws://{{host}}:{{port}}/b' },
      ],
      { environments: { dev: { greeting: 'hey' } } },
    );
    const several = captureIO(dir);
    assert.equal(await run([file], several), 2);
    assert.match(several.err(), /several requests \("a", "b"\); choose one with --request \[WSWB_REQUEST_NOT_FOUND\]/);
    const unknown = captureIO(dir);
    assert.equal(await run([file, '--request', 'zzz'], unknown), 2);
    const badEnv = captureIO(dir);
    assert.equal(await run([file, '--request', 'a', '--env', 'prod', '--var', 'port=1'], badEnv), 2);
    assert.match(badEnv.err(), /WSWB_ENV_NOT_FOUND/);
    const ok = captureIO(dir);
    assert.equal(await run([file, '--request=a', '--env=dev', `--var=port=${server.port}`, '--output=pretty'], ok), 0, ok.err() + ok.out());
    assert.match(ok.out(), /→ text .* hey/);
    assert.match(ok.out(), /^✔ m: regex \/\^hey\$\/ \(\d+ ms\)$/m);
    assert.match(ok.out(), /^PASS 1 passed, 0 failed$/m);
  });

  it('exits 1 with a coded summary when the connection fails', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const freePort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const file = writeCollection([{ name: 'x', url: `ws://127.0.0.1:${freePort}/`, handshakeTimeoutMs: 2000 }]);
    const io = captureIO(dir);
    assert.equal(await run([file, '--output', 'ndjson'], io), 1);
    const summary = lines(io.out()).find((o) => o.type === 'summary')!;
    assert.equal(summary.connected, false);
    assert.equal(summary.code, 'ECONNREFUSED');
  });

  it('invalid files print diagnostics and exit 2', async () => {
    const file = path.join(dir, 'broken.websocket.json');
    fs.writeFileSync(file, '{"version": 1, "name": "x", "requests": [{"name": "r"}]}');
    const io = captureIO(dir);
    assert.equal(await run(['broken.websocket.json'], io), 2);
    assert.match(io.err(), /^broken\.websocket\.json:1:42 requests\[0\]: missing required property "url" \[WSWB_COLLECTION_SCHEMA\]/);
  });

  it('records a transcript with the secret masked', async () => {
    const file = writeCollection([request([{ name: 'hello', kind: 'text', data: 'hi', expect: [{ regex: 'hi' }] }])]);
    const io = captureIO(dir, { WSWB_SECRET_TOKEN: 'tok-xyz' });
    const tr = path.join(dir, 'session.ndjson');
    assert.equal(await run([file, '--var', `port=${server.port}`, '--output', 'none', '--transcript', tr], io), 0, io.err());
    assert.equal(io.out(), '');
    const raw = fs.readFileSync(tr, 'utf8');
    assert.equal(raw.includes('tok-xyz'), false);
    const t = await readTranscript(tr);
    assert.deepEqual(t.errors, []);
    assert.equal((t.header?.request as { auth: { token: string } }).auth.token, '••••');
    assert.ok(t.events.some((e) => e.kind === 'message' && e.dir === 'in'));
  });

  it('stops on SIGINT/SIGTERM (io.onStop) and exits non-zero', async () => {
    const file = writeCollection([request([{ name: 'wait', kind: 'text', data: 'x', expect: [{ regex: 'never', timeoutMs: 10000 }] }])]);
    const io = captureIO(dir, { WSWB_SECRET_TOKEN: 'test-token-1' });
    const p = run([file, '--var', `port=${server.port}`, '--output', 'ndjson'], io);
    while (!io.out().includes('"dir":"in"')) await new Promise((r) => setTimeout(r, 10));
    io.stop();
    assert.equal(await p, 1);
    const summary = lines(io.out()).find((o) => o.type === 'summary')!;
    assert.equal(summary.interrupted, true);
  });
});

describe('cli: run with the example collection against its own mock', () => {
  it('examples/echo.websocket.json passes every expectation', async () => {
    const file = path.resolve(__dirname, '../../../examples/echo.websocket.json');
    const c = parseCollection(fs.readFileSync(file, 'utf8')).collection!;
    const server = new MockServer({ ...c.mocks![0]!, port: 0 }, { baseDir: path.dirname(file), log: () => undefined });
    const { port } = await server.start();
    try {
      const io = captureIO(path.dirname(file));
      const code = await run(['echo.websocket.json', '--request', 'echo', '--env', 'local', '--var', `host=127.0.0.1:${port}`, '--output', 'ndjson'], io);
      const out = lines(io.out());
      assert.equal(code, 0, io.err() + io.out());
      assert.deepEqual(out[out.length - 1], { type: 'summary', ok: true, connected: true, passed: 4, failed: 0 });
    } finally {
      await server.stop();
    }
  });
});

describe('cli: run arguments and secrets', () => {
  it('parses flags and rejects bad ones', () => {
    assert.deepEqual(parseRunArgs(['f.json', '--request', 'r', '--env=e', '--var', 'a=b=c', '--output', 'pretty', '--no-frames']), {
      vars: { a: 'b=c' },
      frames: false,
      file: 'f.json',
      request: 'r',
      env: 'e',
      output: 'pretty',
    });
    assert.throws(() => parseRunArgs([]), /missing <file>/);
    assert.throws(() => parseRunArgs(['f', '--output', 'xml']), /ndjson, pretty or none/);
    assert.throws(() => parseRunArgs(['f', '--var', 'nope']), /NAME=VALUE/);
    assert.equal(parseRunArgs(['-h']), 'help');
  });

  it('reads secrets from WSWB_SECRET_<name> then WSWB_SECRET_<NAME>', async () => {
    const r = envSecretResolver({ WSWB_SECRET_apiToken: 'exact', WSWB_SECRET_DB_PASS: 'upper' });
    assert.equal(await r.get('apiToken'), 'exact');
    assert.equal(await r.get('db.pass'), 'upper');
    assert.equal(await r.get('other'), undefined);
  });
});
