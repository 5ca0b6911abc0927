/**
 * A signal ends the CLI at once, even in the middle of an opening handshake (issue 10 §3): the
 * bundled dist/cli.js as a real process, against servers and proxies that accept and never answer.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cleanup, tcpServer } from '../engine/helpers';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');

/** Spawns the CLI, sends `signal` `afterMs` after the server accepted, and times the exit. */
async function interrupt(args: string[], accepted: Promise<void>, signal: NodeJS.Signals, afterMs = 300, cwd = root, onLine?: (l: Record<string, unknown>) => void) {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' }, // no proxy variables from the machine
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const done = stdout.split('\n').length - 1;
    stdout += d;
    for (const l of stdout.split('\n').slice(done, -1)) onLine?.(JSON.parse(l) as Record<string, unknown>);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, sig) => r({ code, signal: sig })));
  await accepted;
  await new Promise((r) => setTimeout(r, afterMs));
  const t0 = Date.now();
  child.kill(signal);
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const result = await exited;
  clearTimeout(killer);
  const lines = stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...result, ms: Date.now() - t0, lines, stderr };
}

describe('the CLI exits at once on SIGINT/SIGTERM while connecting (dist/cli.js)', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  before(function () {
    this.timeout(120000);
    if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
  });

  it('connect: SIGINT during the handshake aborts it, exit 1 with an ABORTED error line', async () => {
    const srv = await tcpServer(cleanup);
    const r = await interrupt(['connect', `ws://127.0.0.1:${srv.port}/`, '--handshake-timeout', '30000', '--output', 'ndjson'], srv.accepted, 'SIGINT');
    assert.ok(r.ms < 1000, `exited ${r.ms} ms after SIGINT`);
    assert.deepEqual([r.code, r.signal], [1, null], r.stderr);
    const errors = r.lines.filter((l) => l.type === 'error').map((l) => l.code);
    assert.deepEqual(errors, ['ABORTED']);
    assert.ok(r.lines.some((l) => l.type === 'close' && l.code === 1006 && l.initiator === 'client'));
  });

  it('connect: SIGTERM while a proxy has not answered CONNECT: the tunnel is abandoned, exit 1', async () => {
    const proxy = await tcpServer(cleanup);
    const r = await interrupt(['connect', 'ws://127.0.0.1:9/', '--proxy', `http://127.0.0.1:${proxy.port}`, '--handshake-timeout', '30000', '--output', 'ndjson'], proxy.accepted, 'SIGTERM');
    assert.ok(r.ms < 1000, `exited ${r.ms} ms after SIGTERM`);
    assert.deepEqual([r.code, r.signal], [1, null], r.stderr);
    assert.deepEqual(r.lines.filter((l) => l.type === 'error').map((l) => l.code), ['ABORTED']);
  });

  it('run: SIGINT while a proxy has not answered CONNECT: exit 1, summary not connected with ABORTED', async () => {
    const proxy = await tcpServer(cleanup);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-signals-'));
    cleanup.add(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'slow.websocket.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'signals', requests: [{ name: 'slow', url: 'ws://127.0.0.1:9/', proxy: `http://127.0.0.1:${proxy.port}`, handshakeTimeoutMs: 30000 }] }));
    const r = await interrupt(['run', file, '--output', 'ndjson'], proxy.accepted, 'SIGINT', 300, dir);
    assert.ok(r.ms < 1000, `exited ${r.ms} ms after SIGINT`);
    assert.deepEqual([r.code, r.signal], [1, null], r.stderr);
    const summary = r.lines.find((l) => l.type === 'summary')!;
    assert.deepEqual([summary.ok, summary.connected, summary.code], [false, false, 'ABORTED']);
  });

  it('mock: SIGINT with a client that ignores the close and one that never upgrades: exit 0 within the 1 s grace', async function () {
    this.timeout(15000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-signals-'));
    cleanup.add(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'm.websocket.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'signals', mocks: [{ name: 'sig', port: 0 }] }));
    let onListening: (port: number) => void = () => undefined;
    const listening = new Promise<number>((r) => (onListening = r));
    // Rude clients, connected once the mock listens: both stay open until the mock drops them.
    const accepted = listening.then(async (port) => {
      const rude = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      const idle = net.connect({ port, host: '127.0.0.1' });
      for (const s of [rude, idle]) {
        s.on('error', () => undefined);
        cleanup.add(() => s.destroy());
      }
      rude.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      await new Promise<void>((r) => rude.once('data', () => r())); // the 101; the close frame later is ignored
    });
    const r = await interrupt(['mock', file, '--output', 'ndjson'], accepted, 'SIGINT', 100, dir, (line) => {
      if (line.type === 'listening') onListening(line.port as number);
    });
    assert.ok(r.ms < 2000, `exited ${r.ms} ms after SIGINT`);
    assert.deepEqual([r.code, r.signal], [0, null], r.stderr);
    assert.ok(r.lines.some((l) => l.type === 'stopped'));
  });
});
