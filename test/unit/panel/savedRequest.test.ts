import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { parseCollection } from '../../../src/core/collections/parse';
import { panelRig } from './helpers';
import { messageDefOf, readSavedRequest, savedMessageOf } from '../../../src/extension/panel/savedRequest';
import { draftOf, toRequestDef, withoutSecrets } from '../../../src/core/collections/request';

const COLLECTION = `{
  "version": 1,
  "description": "hand-written: formatting survives edits",
  "name": "api",
  "requests": [
    {
      "name": "echo",
      "url": "ws://127.0.0.1:1/echo",
      "headers": { "Authorization": "Bearer {{secret:tok}}" },
      "messages": [
        { "name": "hello", "kind": "text", "data": "hi {{who}}" },
        { "name": "sub", "kind": "json", "data": { "op": "sub" }, "expect": [{ "regex": "ok" }] },
        { "name": "raw", "kind": "binary", "hex": "de ad" }
      ]
    }
  ]
}
`;

async function tempCollection(text = COLLECTION): Promise<{ file: string; dir: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wswb-panel-'));
  const file = path.join(dir, 'api.websocket.json');
  await fs.writeFile(file, text);
  return { file, dir };
}

describe('panel saved requests (collections core, real files)', () => {
  it('the panel edits the saved request itself: every field but name and messages, secrets kept out of the file', () => {
    const def = { name: 'r', url: 'wss://h/x', query: { a: 'b c' }, headers: { 'X-A': '1' }, keepAlive: { pingIntervalMs: 500, autoPong: false }, reconnect: { enabled: true, maxAttempts: 2, queue: true, jitter: 0.1 }, tls: { caFile: 'ca.pem', rejectUnauthorized: false }, maxRedirects: 3, messages: [{ name: 'm', kind: 'text' as const, data: 'x' }] };
    const draft = draftOf(def);
    assert.equal('name' in draft || 'messages' in draft, false);
    assert.deepEqual(toRequestDef('r', draft, def), def, 'load then save changes nothing');
    assert.deepEqual(toRequestDef('r', { ...draft, subprotocols: ['v2'] }, def).messages, def.messages, 'the messages stay the file\'s');
    assert.throws(() => toRequestDef('r', { url: 'ws://h', auth: { type: 'bearer', token: 'literal' } }), (e: { code: string }) => e.code === 'WSWB_PANEL_SECRET_IN_FILE');
    assert.throws(() => toRequestDef('r', { url: 'ws://h', tls: { passphrase: 'p' } }), (e: { code: string }) => e.code === 'WSWB_PANEL_SECRET_IN_FILE');
    assert.deepEqual(toRequestDef('r', { url: 'ws://h', auth: { type: 'bearer', token: '{{secret:t}}' } }).auth, { type: 'bearer', token: '{{secret:t}}' });
    assert.deepEqual(withoutSecrets({ url: 'ws://h', auth: { type: 'basic', username: 'u', password: 'pw' }, tls: { key: 'PEM', passphrase: '{{secret:p}}', caFile: 'ca' } }), { url: 'ws://h', auth: { type: 'basic', username: 'u', password: '' }, tls: { passphrase: '{{secret:p}}', caFile: 'ca' } });
    // The protocols' own credentials: MQTT's password, STOMP's passcode.
    assert.throws(() => toRequestDef('r', { url: 'ws://h', protocol: 'mqtt', protocolOptions: { username: 'u', password: 'pw' } }), (e: { code: string; message: string }) => e.code === 'WSWB_PANEL_SECRET_IN_FILE' && /MQTT password/.test(e.message));
    assert.throws(() => toRequestDef('r', { url: 'ws://h', protocol: 'stomp', protocolOptions: { passcode: 'pc' } }), (e: { code: string; message: string }) => e.code === 'WSWB_PANEL_SECRET_IN_FILE' && /STOMP passcode/.test(e.message));
    assert.deepEqual(toRequestDef('r', { url: 'ws://h', protocol: 'mqtt', protocolOptions: { password: '{{secret:mq}}' } }).protocolOptions, { password: '{{secret:mq}}' });
    assert.deepEqual(withoutSecrets({ url: 'ws://h', protocol: 'stomp', protocolOptions: { login: 'u', passcode: 'pc' } }), { url: 'ws://h', protocol: 'stomp', protocolOptions: { login: 'u' } });
  });

  it('maps named messages both ways and refuses JSON that does not parse', () => {
    assert.deepEqual(savedMessageOf({ name: 'j', kind: 'json', data: { a: 1 } }), { name: 'j', kind: 'json', text: '{\n  "a": 1\n}' });
    assert.deepEqual(messageDefOf({ name: 'j', kind: 'json', text: '{"a":2}' }, { name: 'old', kind: 'json', data: 1, expect: [{ regex: 'x' }] }), { name: 'j', kind: 'json', data: { a: 2 }, expect: [{ regex: 'x' }] });
    assert.deepEqual(messageDefOf({ name: 'b', kind: 'binary', base64: 'AQI=' }), { name: 'b', kind: 'binary', base64: 'AQI=' });
    assert.throws(() => messageDefOf({ name: 'j', kind: 'json', text: '{"a":{{n}}}' }), (e: { code: string }) => e.code === 'WSWB_PANEL_BAD_JSON');
    assert.throws(() => messageDefOf({ name: ' ', kind: 'text', text: '' }), (e: { code: string }) => e.code === 'WSWB_PANEL_BAD_MESSAGE');
  });

  it('reports an invalid or missing request instead of throwing', async () => {
    const { file, dir } = await tempCollection('{ "version": 1, "name": ');
    try {
      const bad = await readSavedRequest({ file, request: 'echo' }, 'x');
      assert.ok(bad.error);
      await fs.writeFile(file, COLLECTION);
      const gone = await readSavedRequest({ file, request: 'nope' }, 'x');
      assert.equal(gone.error?.code, 'WSWB_REQUEST_NOT_FOUND');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('through the binding: lists messages, sends one with variables, saves messages and the request atomically, refuses invalid files', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('error', () => undefined);
    const received: string[] = [];
    wss.on('connection', (s) => {
      s.on('error', () => undefined);
      s.on('message', (d, binary) => received.push(binary ? `bin:${Buffer.from(d as Buffer).toString('hex')}` : String(d)));
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/echo`;
    const { file, dir } = await tempCollection(COLLECTION.replace('ws://127.0.0.1:1/echo', url));
    let pick: { file: string; request: string } | undefined = { file, request: 'echo' };
    const { client, binding, dispose } = await panelRig({
      variables: () => ({ who: 'world', 'secret:tok': 'T0K' }),
      pickRequest: async () => pick,
      pickSaveTarget: async () => ({ file, request: 'copy' }),
      labelFor: (f) => path.basename(f),
    });
    const sourceEvents: number[] = [];
    client.onEvent('source', (s) => sourceEvents.push(s.messages.length));
    try {
      await assert.rejects(client.call('sendSaved', { name: 'hello' }), (e: { code: string }) => e.code === 'WSWB_PANEL_NO_SOURCE');
      const loaded = await client.call('loadRequest', {});
      assert.equal(loaded.request?.url, url);
      assert.deepEqual(loaded.request?.headers, { Authorization: 'Bearer {{secret:tok}}' });
      assert.equal(loaded.source?.label, 'api.websocket.json › echo');
      assert.deepEqual(loaded.source?.messages.map((m) => m.name), ['hello', 'sub', 'raw']);
      assert.equal(binding.snapshot().source?.request, 'echo');
      await client.call('connect', { request: loaded.request! });
      const t0 = Date.now();
      while (binding.connection?.state !== 'open' && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
      await client.call('sendSaved', { name: 'hello' });
      await client.call('sendSaved', { name: 'sub' });
      await client.call('sendSaved', { name: 'raw' });
      await assert.rejects(client.call('sendSaved', { name: 'nope' }), (e: { code: string }) => e.code === 'WSWB_MESSAGE_NOT_FOUND');
      while (received.length < 3 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(received, ['hi world', '{"op":"sub"}', 'bin:dead']);
      // Edit "sub" under a new name: its expectations survive, comments and the other messages too.
      const info = await client.call('saveMessage', { message: { name: 'subscribe', kind: 'json', text: '{"op":"subscribe"}' }, previousName: 'sub' });
      assert.deepEqual(info.messages.map((m) => m.name), ['hello', 'subscribe', 'raw']);
      await client.call('saveMessage', { message: { name: 'bye', kind: 'text', text: 'bye {{who}}' } });
      let text = await fs.readFile(file, 'utf8');
      assert.match(text, /"description": "hand-written: formatting survives edits",\n  "name": "api",/);
      const parsed = parseCollection(text, file);
      assert.ok(parsed.ok);
      const req = parsed.collection!.requests![0]!;
      assert.deepEqual(req.messages!.map((m) => m.name), ['hello', 'subscribe', 'raw', 'bye']);
      assert.deepEqual(req.messages![1], { name: 'subscribe', kind: 'json', data: { op: 'subscribe' }, expect: [{ regex: 'ok' }] });
      // Save the request; a literal secret is refused and leaves the file alone.
      await client.call('saveRequest', { request: { ...loaded.request!, subprotocols: ['v2'] } });
      assert.deepEqual(parseCollection(await fs.readFile(file, 'utf8'), file).collection!.requests![0]!.subprotocols, ['v2']);
      const before = await fs.readFile(file, 'utf8');
      await assert.rejects(client.call('saveRequest', { request: { url, auth: { type: 'bearer', token: 'T0K' } } }), (e: { code: string }) => e.code === 'WSWB_PANEL_SECRET_IN_FILE');
      assert.equal(await fs.readFile(file, 'utf8'), before);
      // Save as a new request in the collection the user picks.
      const asNew = await client.call('saveRequest', { request: { url: 'ws://127.0.0.1:2/' }, asNew: true });
      assert.equal(asNew.source?.request, 'copy');
      text = await fs.readFile(file, 'utf8');
      assert.deepEqual(parseCollection(text, file).collection!.requests!.map((r) => r.name), ['echo', 'copy']);
      // A file that no longer validates is never overwritten.
      await fs.writeFile(file, text.replace('"version": 1', '"version": 7'));
      await assert.rejects(client.call('saveMessage', { message: { name: 'x', kind: 'text', text: '' } }), (e: { code: string }) => e.code === 'WSWB_REFUSE_WRITE_INVALID');
      pick = undefined;
      assert.deepEqual(await client.call('loadRequest', {}), {});
      await new Promise((r) => setTimeout(r, 40));
      assert.ok(sourceEvents.length > 0, 'source changes are posted to the webview');
    } finally {
      await dispose();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
