import assert from 'node:assert/strict';
import { bundleCli } from './bundle';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { connect, parseConnectArgs } from '../../../src/cli/connect';
import { createPrinter, toNdjson, toPretty } from '../../../src/cli/output';
import type { CliIO } from '../../../src/cli/io';
import { Cleanup, echoServer, rawPeer, wsServer } from '../engine/helpers';
import { encodeFrame } from '../../../src/core/protocol/frameEncoder';


function fakeIO(opts: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const stops = new Set<() => void>();
  const io: CliIO = {
    stdout: Object.assign(out, { isTTY: opts.tty }),
    stderr: err,
    env: opts.env ?? {},
    cwd: os.tmpdir(),
    onStop(l) {
      stops.add(l);
      return () => stops.delete(l);
    },
  };
  return { io, out: () => stdout, err: () => stderr, lines: () => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>), stop: () => stops.forEach((l) => l()) };
}

describe('websocket-workbench connect', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('sends in order, prints the NDJSON contract and exits 0 on a clean close', async () => {
    const { wss, url } = await echoServer(cleanup);
    const headersSeen: Array<Record<string, unknown>> = [];
    wss.on('connection', (_s, req) => headersSeen.push(req.headers));
    const f = fakeIO();
    const file = path.join(os.tmpdir(), `wwb-send-${process.pid}.bin`);
    fs.writeFileSync(file, Buffer.from([9, 8, 7]));
    cleanup.add(() => fs.rmSync(file, { force: true }));
    const code = await connect([url + '/chat', '--header', 'X-Api-Key: k1', '--origin', 'https://o.example', '--send', 'hello', '--send-hex', '0a0b', '--send-file', file, '--ping', 'pp', '--wait', '100', '--close', '4000:done'], f.io);
    assert.equal(code, 0, f.err());
    const lines = f.lines();
    const hs = lines.find((l) => l.type === 'handshake')!;
    assert.equal(hs.request.method, 'GET');
    assert.equal(hs.request.path, '/chat');
    assert.equal(hs.request.headers['X-Api-Key'], 'k1');
    assert.equal(hs.response.status, 101);
    assert.equal(typeof hs.response.headers, 'object');
    assert.equal(headersSeen[0]!.origin, 'https://o.example');
    const outMsgs = lines.filter((l) => l.type === 'message' && l.dir === 'out');
    assert.deepEqual(outMsgs.map((m) => [m.binary, m.text ?? m.dataHex, m.length]), [[false, 'hello', 5], [true, '0a0b', 2], [true, '090807', 3]]);
    const inMsgs = lines.filter((l) => l.type === 'message' && l.dir === 'in');
    assert.deepEqual(inMsgs.map((m) => m.text ?? m.dataHex), ['hello', '0a0b', '090807']);
    const frame = lines.find((l) => l.type === 'frame' && l.dir === 'out' && l.opcode === 1)!;
    for (const k of ['fin', 'rsv1', 'rsv2', 'rsv3', 'masked']) assert.equal(typeof frame[k], 'boolean', k);
    assert.equal(frame.length, 5);
    assert.equal(frame.payloadHex, Buffer.from('hello').toString('hex'));
    const ping = lines.find((l) => l.type === 'frame' && l.opcode === 9)!;
    assert.equal(ping.payloadHex, Buffer.from('pp').toString('hex'));
    assert.ok(lines.some((l) => l.type === 'rtt' && typeof l.ms === 'number'));
    const close = lines.find((l) => l.type === 'close')!;
    assert.deepEqual([close.code, close.reason, close.initiator], [4000, 'done', 'client']);
    // order: sends before the close
    assert.ok(lines.indexOf(outMsgs[2]!) < lines.indexOf(close));
  });

  it('exits 1 on a refused connection with an error line', async () => {
    const f = fakeIO();
    const code = await connect(['ws://127.0.0.1:1/', '--wait', '10'], f.io);
    assert.equal(code, 1);
    const err = f.lines().find((l) => l.type === 'error')!;
    assert.equal(err.code, 'ECONNREFUSED');
    assert.equal(typeof err.message, 'string');
  });

  it('exits 1 on a protocol error from the server', async () => {
    const { url } = await rawPeer(cleanup, (sock) => sock.write(encodeFrame({ opcode: 0x3 })));
    const f = fakeIO();
    const code = await connect([url, '--wait', '2000'], f.io);
    assert.equal(code, 1);
    assert.ok(f.lines().some((l) => l.type === 'error' && l.code === 'WS_ERR_INVALID_OPCODE'));
  });

  it('stops waiting when the server closes, and exits 0 when that close is clean', async () => {
    const { wss, url } = await wsServer(cleanup);
    wss.on('connection', (s) => s.on('message', () => s.close(1000, 'thanks')));
    const f = fakeIO();
    const t0 = Date.now();
    const code = await connect([url, '--send', 'x', '--wait', '10000'], f.io);
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 5000, 'did not wait the full 10 s');
    const close = f.lines().find((l) => l.type === 'close')!;
    assert.deepEqual([close.code, close.reason, close.initiator], [1000, 'thanks', 'server']);
  });

  it('stops on SIGINT/SIGTERM (io.onStop) and closes cleanly', async () => {
    const { url } = await echoServer(cleanup);
    const f = fakeIO();
    const p = connect([url, '--wait', '60000'], f.io);
    setTimeout(() => f.stop(), 100);
    assert.equal(await p, 0);
    assert.ok(f.lines().some((l) => l.type === 'close' && l.code === 1000));
  });

  it('rejects bad usage with exit 2', async () => {
    for (const argv of [[], ['ws://x', '--close', 'abc'], ['ws://x', '--output', 'xml'], ['ws://x', '--bogus'], ['ftp://x'], ['ws://x', '--send-hex', 'zz'], ['ws://x', '--cert', '/nonexistent']]) {
      const f = fakeIO();
      assert.equal(await connect(argv, f.io), 2, argv.join(' '));
      assert.match(f.err(), /websocket-workbench connect: /);
    }
    const h = fakeIO();
    assert.equal(await connect(['--help'], h.io), 0);
    assert.match(h.out(), /--send-hex/);
  });

  it('parses --ping with and without a payload and defaults output by TTY', () => {
    const tty = fakeIO({ tty: true }).io;
    const a = parseConnectArgs(['--ping', 'ws://h/', '--ping', 'abc', '--insecure', '--proxy', 'none', '--subprotocol', 'a', '--subprotocol', 'b', '--deflate'], tty);
    assert.equal(a.url, 'ws://h/');
    assert.deepEqual(a.steps.map((s) => (s.kind === 'ping' ? Buffer.from(s.payload).toString() : s.kind)), ['', 'abc']);
    assert.equal(a.output, 'pretty');
    assert.equal(a.options.tls?.rejectUnauthorized, false);
    assert.equal(a.options.proxy, 'none');
    assert.deepEqual(a.options.subprotocols, ['a', 'b']);
    assert.equal(a.options.deflate, true);
    assert.equal(parseConnectArgs(['ws://h/'], fakeIO().io).output, 'ndjson');
    assert.deepEqual(parseConnectArgs(['ws://h/', '--close', '4001:a:b'], fakeIO().io).close, { code: 4001, reason: 'a:b' });
  });

  it('prints pretty lines, colored only when asked, and nothing with none', () => {
    const e = { id: 1, time: 0, connection: 'c', kind: 'message', dir: 'in', binary: false, data: Buffer.from('hi\nthere'), size: 8 } as const;
    assert.match(toPretty(e)!, /^← text .*hi⏎there$/);
    const plain = fakeIO({ tty: false });
    createPrinter('pretty', plain.io).event(e);
    assert.doesNotMatch(plain.out(), /\x1b\[/);
    const colored = fakeIO({ tty: true });
    createPrinter('pretty', colored.io).event(e);
    assert.match(colored.out(), /\x1b\[/);
    const noColor = fakeIO({ tty: true, env: { NO_COLOR: '1' } });
    createPrinter('pretty', noColor.io).event(e);
    assert.doesNotMatch(noColor.out(), /\x1b\[/);
    const none = fakeIO();
    createPrinter('none', none.io).event(e);
    assert.equal(none.out(), '');
    const nd = fakeIO();
    createPrinter('ndjson', nd.io).event(e, { server: 'm1' });
    assert.deepEqual(nd.lines()[0], { type: 'message', id: 1, time: 0, connection: 'c', dir: 'in', binary: false, text: 'hi\nthere', length: 8, server: 'm1' });
  });

  it('truncates long frame payloads in NDJSON and marks them', () => {
    const payload = new Uint8Array(10);
    const o = toNdjson({ id: 1, time: 0, connection: 'c', kind: 'frame', dir: 'in', fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 2, masked: false, length: 5000, wireSize: 5004, payload, truncated: true }, { payloadHexLimit: 4 });
    assert.equal(o.payloadHex, '00000000');
    assert.equal(o.truncated, true);
    assert.equal(o.length, 5000);
  });

  describe('as a process (the CLI bundled fresh from src/)', () => {
    let tmp = '';
    let cli = '';
    before(async function () {
      this.timeout(60000);
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-cli-connect-'));
      cli = await bundleCli(tmp);
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('prints NDJSON to a pipe and exits 0 after a clean close', async () => {
      const { url } = await echoServer(cleanup);
      const { code, stdout } = await run([cli, 'connect', url, '--send', 'from process', '--wait', '50']);
      assert.equal(code, 0);
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(lines.some((l) => l.type === 'message' && l.dir === 'in' && l.text === 'from process'));
      assert.ok(lines.some((l) => l.type === 'close' && l.code === 1000 && l.initiator === 'client'));
    });

    it('exits non-zero with an error line for a DNS failure', async () => {
      const { code, stdout } = await run([cli, 'connect', 'ws://no-such-host.invalid/', '--output', 'ndjson']);
      assert.equal(code, 1);
      const err = stdout.trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.type === 'error');
      assert.match(err.code, /ENOTFOUND|EAI_AGAIN/);
    });
  });
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 15000, env: { ...process.env, HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
