import assert from 'node:assert/strict';
import { bundleCli } from './bundle';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import { mock, parseMockArgs } from '../../../src/cli/mock';
import type { CliIO } from '../../../src/cli/io';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-mock-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function collection(mocks: unknown[], file = `c${Math.random().toString(36).slice(2)}.websocket.json`): string {
  const p = path.join(dir, file);
  fs.writeFileSync(p, JSON.stringify({ version: 1, name: 'cli test', mocks }, null, 2));
  return p;
}

/** A fake CliIO that collects lines and lets the test request a stop. */
function fakeIO(): CliIO & { lines: string[]; err: () => string; stop: () => void; nextLine: (pred?: (l: string) => boolean) => Promise<string> } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const lines: string[] = [];
  let errText = '';
  let buf = '';
  const waiters: Array<() => void> = [];
  stdout.setEncoding('utf8');
  stdout.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  stderr.setEncoding('utf8');
  stderr.on('data', (d: string) => (errText += d));
  const stopListeners = new Set<() => void>();
  let seen = 0;
  return {
    stdout,
    stderr,
    env: {},
    cwd: dir,
    lines,
    err: () => errText,
    onStop(l) {
      stopListeners.add(l);
      return () => stopListeners.delete(l);
    },
    stop: () => stopListeners.forEach((l) => l()),
    async nextLine(pred = () => true) {
      for (;;) {
        while (seen < lines.length) {
          const l = lines[seen++]!;
          if (pred(l)) return l;
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

describe('cli: websocket-workbench mock', () => {
  it('parses its arguments', () => {
    assert.deepEqual(parseMockArgs(['f.json', '--name', 'a', '--port=0', '--output', 'pretty', '--no-frames']), { file: 'f.json', name: 'a', port: 0, output: 'pretty', frames: false });
    assert.ok('error' in parseMockArgs([]));
    assert.ok('error' in parseMockArgs(['f', '--port', 'x']));
    assert.ok('error' in parseMockArgs(['f', '--output', 'xml']));
    assert.ok('help' in parseMockArgs(['--help']));
  });

  it('prints listening, one NDJSON line per event with connection ids, and exits 0 with 1001 on stop', async () => {
    const file = collection([{ name: 'echo' }, { name: 'greeter', greeting: ['hi'], rules: [{ match: { text: 'x' }, respond: ['y'] }] }]);
    const io = fakeIO();
    const done = mock([path.basename(file), '--name', 'greeter', '--port', '0'], io);
    const listening = JSON.parse(await io.nextLine());
    assert.equal(listening.type, 'listening');
    assert.equal(listening.name, 'greeter');
    assert.match(listening.url, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
    const ws = new WebSocket(listening.url);
    ws.on('error', () => undefined);
    const got: string[] = [];
    ws.on('message', (d) => {
      got.push(String(d));
      if (got.length === 1) ws.send('x');
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const reply = JSON.parse(await io.nextLine((l) => l.includes('"type":"message"') && l.includes('"dir":"out"') && l.includes('"text":"y"')));
    assert.equal(reply.connection, 'greeter#1');
    io.stop();
    assert.equal(await done, 0);
    assert.equal(await closed, 1001);
    assert.deepEqual(got, ['hi', 'y']);
    const types = io.lines.map((l) => JSON.parse(l).type);
    assert.ok(types.includes('handshake') && types.includes('frame') && types.includes('close'));
    assert.equal(types[types.length - 1], 'stopped');
  });

  it('fails with exit 2 and file:line:column for an invalid file, and lists mock names when ambiguous', async () => {
    const bad = path.join(dir, 'bad.websocket.json');
    fs.writeFileSync(bad, '{\n  "version": 1,\n  "name": "x",\n  "mocks": [{ "name": "m", "port": "eighty" }]\n}\n');
    const io = fakeIO();
    assert.equal(await mock([bad], io), 2);
    assert.match(io.err(), /bad\.websocket\.json:4:\d+ /);
    const two = collection([{ name: 'a' }, { name: 'b' }]);
    const io2 = fakeIO();
    assert.equal(await mock([two], io2), 2);
    assert.match(io2.err(), /several mocks \(a, b\).*--name/);
    const io3 = fakeIO();
    assert.equal(await mock([two, '--name', 'zz'], io3), 2);
    assert.match(io3.err(), /MOCK_NOT_FOUND/);
  });

  it('exits 1 when the port is taken', async () => {
    const first = collection([{ name: 'a' }]);
    const io = fakeIO();
    const running = mock([first], io);
    const { port } = JSON.parse(await io.nextLine());
    const io2 = fakeIO();
    assert.equal(await mock([first, '--port', String(port)], io2), 1);
    assert.match(io2.err(), /MOCK_LISTEN_FAILED/);
    io.stop();
    assert.equal(await running, 0);
  });

  it('pretty output is one readable line per event', async () => {
    const file = collection([{ name: 'p' }]);
    const io = fakeIO();
    const done = mock([file, '--output', 'pretty', '--no-frames'], io);
    const first = await io.nextLine();
    const url = /listening on (\S+)/.exec(first)?.[1];
    assert.ok(url);
    const ws = new WebSocket(url);
    ws.on('error', () => undefined);
    ws.on('open', () => ws.send('hello'));
    const line = await io.nextLine((l) => l.includes('hello') && l.includes('←'));
    assert.match(line, /^\[p#1\] /);
    ws.close();
    await io.nextLine((l) => /close 100[05]/.test(l));
    io.stop();
    assert.equal(await done, 0);
    assert.ok(!io.lines.some((l) => l.includes(' frame ')));
  });

  it('--transcript: prints the mock a recorded session becomes, and serves it', async () => {
    const { serializeTranscript, makeHeader } = await import('../../../src/core/collections/transcript');
    const msg = (id: number, time: number, dir: 'in' | 'out', text: string) => ({ id, time, connection: 'c1', kind: 'message' as const, dir, binary: false, data: Buffer.from(text), size: text.length });
    const file = path.join(dir, 'session.ndjson');
    fs.writeFileSync(file, serializeTranscript({ header: makeHeader({}), events: [msg(1, 0, 'in', 'welcome'), msg(2, 10, 'out', 'get'), msg(3, 11, 'in', '{"items":[1,2]}')] }));
    const io = fakeIO();
    assert.equal(await mock(['--transcript', file, '--print'], io), 0);
    const def = JSON.parse(io.lines.join('\n'));
    assert.equal(def.name, 'session');
    assert.deepEqual(def.greeting, ['welcome']);
    assert.deepEqual(def.rules.map((r: { match: unknown; respond: unknown }) => [r.match, r.respond]), [[{ text: 'get' }, ['{"items":[1,2]}']]]);

    const run = fakeIO();
    const done = mock(['--transcript', file, '--name', 'replay'], run);
    const listening = JSON.parse(await run.nextLine());
    assert.equal(listening.name, 'replay');
    const ws = new WebSocket(listening.url);
    ws.on('error', () => undefined);
    const got: string[] = [];
    await new Promise<void>((resolve) => ws.on('message', (d) => {
      got.push(String(d));
      if (got.length === 1) ws.send('get');
      else resolve();
    }));
    assert.deepEqual(got, ['welcome', '{"items":[1,2]}']);
    ws.close();
    run.stop();
    assert.equal(await done, 0);

    const bad = fakeIO();
    assert.equal(await mock(['--transcript', file, '--connection', 'nope', '--print'], bad), 2);
    assert.match(bad.err(), /no connection "nope".*c1/);
    assert.ok('error' in parseMockArgs([file, '--print']));
  });

  it('the bundled CLI stops on SIGTERM: clients get 1001, exit code 0', async function () {
    this.timeout(30000);
    const cli = await bundleCli(dir);
    const file = collection([{ name: 'sig' }]);
    const child = spawn(process.execPath, [cli, 'mock', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    const listening = await new Promise<{ url: string }>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const ws = new WebSocket(listening.url);
    ws.on('error', () => undefined);
    await new Promise((resolve) => ws.on('open', resolve));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await closed, 1001);
    assert.equal(await exited, 0);
    assert.match(out, /"type":"stopped"/);
  });
});
