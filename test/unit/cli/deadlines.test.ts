/**
 * The CLI's handshake timeout is a total deadline (issue 10 §3): `connect --handshake-timeout` and a
 * collection request's `handshakeTimeoutMs` (through `run`), against a server trickling its 101.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from '../../../src/cli/connect';
import { run } from '../../../src/cli/run';
import { Cleanup, SLOW_101, afterHead, drip, tcpServer } from '../engine/helpers';
import { captureIO } from '../collections/fixtures/captureIO';

const ndjson = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('CLI handshake deadlines against a server that trickles its 101', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const trickling = async () => {
    const srv = await tcpServer(cleanup, (s) => afterHead(s, () => drip(s, SLOW_101)));
    return { ...srv, acceptedAt: srv.accepted.then(() => Date.now()) };
  };

  it('connect --handshake-timeout 1000: HANDSHAKE_TIMEOUT after ~1 s, exit 1', async () => {
    const srv = await trickling();
    const io = captureIO(os.tmpdir());
    const code = await connect([`ws://127.0.0.1:${srv.port}/`, '--handshake-timeout', '1000', '--output', 'ndjson'], io);
    const ms = Date.now() - (await srv.acceptedAt);
    assert.equal(code, 1);
    assert.ok(ms >= 900 && ms < 1500, `exited after ${ms} ms`);
    assert.deepEqual(ndjson(io.out()).filter((l) => l.type === 'error').map((l) => l.code), ['HANDSHAKE_TIMEOUT']);
  });

  it('run with "handshakeTimeoutMs": 1000 in the request: summary HANDSHAKE_TIMEOUT after ~1 s, exit 1', async () => {
    const srv = await trickling();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-deadline-'));
    cleanup.add(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'slow.websocket.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'deadline', requests: [{ name: 'slow', url: `ws://127.0.0.1:${srv.port}/`, handshakeTimeoutMs: 1000 }] }));
    const io = captureIO(dir);
    const code = await run([file, '--output', 'ndjson'], io);
    // From the TCP accept: reading and validating the file before connecting is not the handshake.
    const ms = Date.now() - (await srv.acceptedAt);
    assert.equal(code, 1, io.err());
    assert.ok(ms >= 900 && ms < 1500, `exited after ${ms} ms`);
    const summary = ndjson(io.out()).find((l) => l.type === 'summary')!;
    assert.deepEqual([summary.ok, summary.connected, summary.code], [false, false, 'HANDSHAKE_TIMEOUT']);
  });
});
