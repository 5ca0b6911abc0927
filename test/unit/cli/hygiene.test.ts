/**
 * Issue 10 §5 (CLI): a hostile server cannot drive the terminal through pretty output, a reader
 * that goes away (`| head`) ends the command quietly, and an invalid URL is bad usage (exit 2).
 * Each case runs the shipped bundle (dist/cli.js) against real sockets on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cleanup, rawPeer, wsServer } from '../engine/helpers';
import { encodeFrame } from '../../../src/core/protocol/frameEncoder';
import { toPretty, visible, createPrinter } from '../../../src/cli/output';
import type { TimelineEvent } from '../../../src/core/engine/events';
import { captureIO } from '../collections/fixtures/captureIO';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const ESC = '\x1b';
const TITLE = `${ESC}]0;pwned${String.fromCharCode(7)}`;
const CLEAR = `${ESC}[2J${ESC}[H`;
const noProxy = { ...process.env, HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', NO_COLOR: '1' };

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 15000, env: noProxy }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** `node dist/cli.js ARGS | head -n 1` in a real shell pipeline: the command's own exit status, its stderr, head's line. */
function intoHead(args: string[]): Promise<{ code: number; stderr: string; first: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-head-'));
  const errFile = path.join(dir, 'stderr');
  const script = 'node "$0" "$@" 2>"$ERR_FILE" | head -n 1; exit "${PIPESTATUS[0]}"';
  return new Promise((resolve) => {
    execFile('bash', ['-c', script, cli, ...args], { timeout: 20000, env: { ...noProxy, ERR_FILE: errFile } }, (err, stdout) => {
      const stderr = fs.readFileSync(errFile, 'utf8');
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr, first: stdout });
    });
  });
}

describe('cli: output and input hygiene (issue 10 §5)', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  before(function () {
    this.timeout(120000);
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
  });

  describe('pretty output renders control characters visibly', () => {
    it('visible() escapes C0, DEL, C1 and bidi controls, and nothing else', () => {
      assert.equal(visible(`a${ESC}[31mb\x07\x7f\u009b\u202ec é ✓`), 'a\\x1b[31mb\\x07\\x7f\\x9b\\u202ec é ✓');
      assert.equal(visible('line1\nline2\r'), 'line1\\x0aline2\\x0d');
    });

    it('every pretty field of every event kind: no raw escape reaches the terminal', () => {
      const evil = `x${TITLE}${CLEAR}\u202e`;
      const base = { id: 1, time: 0, connection: 'c1' };
      const events: TimelineEvent[] = [
        { ...base, kind: 'handshake', request: { method: 'GET', path: '/', url: `ws://h/${evil}`, headers: [] }, response: { status: 403, statusText: evil, headers: [[evil, evil]], body: evil }, subprotocol: evil, extensions: evil } as TimelineEvent,
        { ...base, kind: 'close', code: 1000, reason: evil, initiator: 'server', wasClean: true } as TimelineEvent,
        { ...base, kind: 'error', code: evil, message: evil } as TimelineEvent,
        { ...base, kind: 'state', state: 'closed', detail: evil } as TimelineEvent,
        { ...base, kind: 'info', message: evil } as TimelineEvent,
        { ...base, kind: 'message', dir: 'in', binary: false, data: new TextEncoder().encode(evil), size: evil.length } as TimelineEvent,
      ];
      for (const e of events) {
        const s = toPretty(e)!;
        assert.doesNotMatch(s, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/, `${e.kind}: ${JSON.stringify(s)}`);
      }
      const io = captureIO(os.tmpdir());
      createPrinter('pretty', io, { color: false }).line({ type: 'x', [evil]: evil });
      createPrinter('pretty', io, { color: false }).event(events[1]!, { mock: evil });
      assert.doesNotMatch(io.out().replace(/\n/g, ''), /[\x00-\x1f\x7f-\x9f]/);
    });

    it('a refused upgrade body, through the real CLI', async () => {
      const body = `denied${TITLE}${CLEAR}`;
      const { url } = await rawPeer(
        cleanup,
        () => undefined,
        () => `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      const { code, stdout } = await run([cli, 'connect', url, '--output', 'pretty']);
      assert.equal(code, 1);
      assert.ok(!stdout.includes(ESC), JSON.stringify(stdout));
      assert.ok(!stdout.includes('\x07'));
      assert.match(stdout, /body: denied\\x1b\]0;pwned\\x07\\x1b\[2J\\x1b\[H/);
    });

    it('a status text and header with escapes (HTTP parse error), through the real CLI', async () => {
      const { url } = await rawPeer(cleanup, () => undefined, () => `HTTP/1.1 403 Forbidden${ESC}[5m\r\nX-Evil: ${TITLE}\r\nConnection: close\r\n\r\n`);
      const { code, stdout } = await run([cli, 'connect', url, '--output', 'pretty']);
      assert.equal(code, 1);
      assert.ok(!stdout.includes(ESC), JSON.stringify(stdout));
      assert.match(stdout, /403 Forbidden\\x1b\[5m/);
      assert.match(stdout, /X-Evil: \\x1b\]0;pwned\\x07/);
    });

    it('a close reason, through the real CLI', async () => {
      const reason = `bye${CLEAR}`;
      const { url } = await rawPeer(cleanup, (sock) => {
        const payload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from(reason)]);
        sock.write(encodeFrame({ opcode: 0x8, payload }));
      });
      const { stdout } = await run([cli, 'connect', url, '--output', 'pretty', '--wait', '2000']);
      assert.ok(!stdout.includes(ESC), JSON.stringify(stdout));
      assert.match(stdout, /close 1000 "bye\\x1b\[2J\\x1b\[H"/);
    });
  });

  describe('a reader that goes away (| head) ends the command quietly', () => {
    it('connect --output ndjson | head -n 1: no EPIPE stack trace, status 0', async () => {
      const { wss, url } = await wsServer(cleanup);
      wss.on('connection', (ws) => {
        ws.on('error', () => undefined);
        const line = 'x'.repeat(1000);
        let n = 0;
        const pump = () => {
          for (let i = 0; i < 200 && n < 20000; i++, n++) ws.send(line);
          if (n < 20000 && ws.readyState === ws.OPEN) setImmediate(pump);
        };
        pump();
      });
      const r = await intoHead(['connect', url, '--output', 'ndjson', '--wait', '10000']);
      assert.equal(r.stderr, '', 'nothing on stderr');
      assert.equal(r.code, 0);
      assert.equal(JSON.parse(r.first).type, 'state');
    });

    it('validate --output ndjson | head -n 1: no EPIPE stack trace, status 0', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-epipe-'));
      cleanup.add(() => fs.rmSync(dir, { recursive: true, force: true }));
      // 4,000 invalid requests: far more problem lines than a pipe buffer holds.
      const requests = Array.from({ length: 4000 }, (_, i) => ({ name: `r${i}`, url: 'ftp://nope' }));
      fs.writeFileSync(path.join(dir, 'many.websocket.json'), JSON.stringify({ version: 1, name: 'x', requests }, null, 1));
      const r = await intoHead(['validate', path.join(dir, 'many.websocket.json'), '--output', 'ndjson']);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0);
      assert.equal(JSON.parse(r.first).type, 'problem');
    });
  });

  describe('an invalid URL is bad usage', () => {
    for (const url of ['ws://127.0.0.1:99999/', 'ws://127.0.0.1:0/', 'ws://exa mple.com/', 'ws://[::1/']) {
      it(`connect ${url} exits 2 with a usage message`, async () => {
        const { code, stderr, stdout } = await run([cli, 'connect', url, '--output', 'ndjson']);
        assert.equal(code, 2, stdout + stderr);
        assert.match(stderr, /websocket-workbench connect: the URL (is not a valid URL|has port 0)/);
        assert.equal(stdout, '');
      });
    }

    it('an invalid --proxy URL exits 2', async () => {
      const { code, stderr } = await run([cli, 'connect', 'ws://127.0.0.1:1/', '--proxy', 'http://proxy:70000']);
      assert.equal(code, 2);
      assert.match(stderr, /--proxy is not a valid URL/);
    });
  });
});
