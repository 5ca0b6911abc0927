/**
 * Regression tests for issue 10 §1: each leak reproduced on the original code, through `run`
 * (stdout, stderr, transcript) and through the core's HAR export, with a real server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Cleanup, connectProxy, echoServer } from '../engine/helpers';
import { assertHidden, recordWithCore, runRequest } from './secretHarness';
import type { RequestDef } from '../../../src/core/collections/types';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-secrets-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('secrets never reach an output (issue 10 §1 regressions)', () => {
  const cleanup = new Cleanup();
  let port = 0;
  let seen: IncomingMessage[] = [];
  beforeEach(async () => {
    const s = await echoServer(cleanup);
    port = s.port;
    seen = [];
    s.wss.on('connection', (_c, req) => seen.push(req));
  });
  afterEach(() => cleanup.run());

  const check = async (request: RequestDef, secret: string, expectCode = 0) => {
    const r = await runRequest(dir, request, { s: secret });
    assert.equal(r.code, expectCode, r.stderr + r.stdout);
    assertHidden(secret, r, await recordWithCore(dir, request, { s: secret }));
    return r;
  };

  it('URL userinfo: the Authorization: Basic header ws derives from it is masked', async () => {
    const r = await check({ name: 'r', url: `ws://ada:{{secret:s}}@127.0.0.1:${port}/`, messages: [{ name: 'm', kind: 'text', data: 'hi' }] }, 'hunter2-horse-battery');
    assert.equal(seen[0]!.headers.authorization, `Basic ${Buffer.from('ada:hunter2-horse-battery').toString('base64')}`, 'the server got the credentials');
    assert.ok(r.stdout.includes('"Authorization":"Basic ••••"'), r.stdout);
  });

  it('query object: a secret with spaces is not recorded as open+sesame+now', async () => {
    await check({ name: 'r', url: `ws://127.0.0.1:${port}/`, query: { token: '{{secret:s}}' } }, 'open sesame now');
    assert.equal(new URL(seen[0]!.url!, 'ws://x').searchParams.get('token'), 'open sesame now');
  });

  it("URL query: a secret with ' is not recorded as it%27s… (the URL class's encoding)", async () => {
    await check({ name: 'r', url: `ws://127.0.0.1:${port}/?q={{secret:s}}` }, "it's-a-secret");
    assert.ok(seen[0]!.url!.includes('it%27s-a-secret'));
  });

  it('JSON message: a value with " and \\ is masked JSON-escaped, in text and in the transcript\'s base64', async () => {
    const secret = 'pa"ss\\word-42';
    const r = await check({ name: 'r', url: `ws://127.0.0.1:${port}/`, messages: [{ name: 'login', kind: 'json', data: { password: '{{secret:s}}', n: 1 } }] }, secret);
    assert.ok(r.transcript.includes('payloadBase64'));
    assert.ok(r.stdout.includes('{\\"password\\":\\"••••\\",\\"n\\":1}'), r.stdout);
  });

  it('bearer, basic, header, path and proxy places are masked too', async () => {
    const proxy = await connectProxy(cleanup);
    const secret = "px_Secret-9~!$'()*";
    await check({ name: 'r', url: `ws://127.0.0.1:${port}/`, proxy: `http://u:{{secret:s}}@127.0.0.1:${proxy.port}` }, secret);
    assert.equal(proxy.authSeen[0], `Basic ${Buffer.from(`u:${secret}`).toString('base64')}`, 'the proxy got the credentials');
    await check({ name: 'r', url: `ws://127.0.0.1:${port}/p/{{secret:s}}`, auth: { type: 'basic', username: 'u', password: '{{secret:s}}' }, headers: { 'X-Key': 'k={{secret:s}};' } }, 'Zm9vYmFy+/=:x y');
    await check({ name: 'r', url: `ws://127.0.0.1:${port}/`, auth: { type: 'bearer', token: '{{secret:s}}' } }, 'tok/with+plus=');
  });

  it('a proxy password with a stray % neither crashes the process nor leaks (found by the property test)', async () => {
    const proxy = await connectProxy(cleanup);
    const secret = 'pw%zz-100%-sure';
    await check({ name: 'r', url: `ws://127.0.0.1:${port}/`, proxy: `http://u:{{secret:s}}@127.0.0.1:${proxy.port}` }, secret);
    assert.equal(proxy.authSeen[0], `Basic ${Buffer.from(`u:${secret}`).toString('base64')}`);
  });

  it('stderr: a secret used as a TLS file path is not printed', async () => {
    const r = await check({ name: 'r', url: `wss://127.0.0.1:${port}/`, tls: { caFile: '{{secret:s}}/../ca.pem' } }, 'my-vault-path-771', 2);
    assert.match(r.stderr, /cannot read TLS file caFile \(a path from a secret\): ENOENT \[WSWB_TLS_FILE\]/);
  });

  it('stderr: a secret used as malformed hex data is not printed', async () => {
    const r = await check({ name: 'r', url: `ws://127.0.0.1:${port}/`, messages: [{ name: 'bin', kind: 'binary', hex: '{{secret:s}}' }] }, 'zz-not-hex-secret', 2);
    assert.match(r.stderr, /message "bin": hex from a secret is malformed \[WSWB_BAD_BINARY\]/);
  });

  it('binary data from a hex secret is masked in dataHex, payloadHex and base64', async () => {
    await check({ name: 'r', url: `ws://127.0.0.1:${port}/`, messages: [{ name: 'bin', kind: 'binary', hex: '00{{secret:s}}ff' }] }, 'deadbeefcafe0123');
  });
});
