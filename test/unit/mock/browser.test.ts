/**
 * The mock against a real browser: headless Chromium's native WebSocket, from a page served on
 * loopback (an allowed origin) and from 127.0.0.2 (not allowed → 403).
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Resources, until } from './helpers';

type Browser = { newPage(): Promise<Page>; close(): Promise<void> };
type Page = { goto(url: string): Promise<unknown>; evaluate<T, A>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T>; close(): Promise<void> };

const PAGE = '<!doctype html><meta charset="utf-8"><title>mock test</title><p>mock test page</p>';

function servePage(host: string): Promise<{ server: http.Server; origin: string }> {
  return new Promise((resolve, reject) => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    server.on('error', reject);
    server.listen(0, host, () => resolve({ server, origin: `http://${host}:${(server.address() as AddressInfo).port}` }));
  });
}

/** Runs in the page: opens a WebSocket, sends, collects messages until `want` arrived or it closes. */
interface Script {
  url: string;
  protocols?: string[];
  send?: Array<string | number[]>;
  want: number;
  closeWith?: [number, string];
}
interface Outcome {
  opened: boolean;
  protocol: string;
  messages: Array<string | number[]>;
  close?: { code: number; reason: string; wasClean: boolean };
  error: boolean;
}
function inPage(s: Script): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { opened: false, protocol: '', messages: [], error: false };
    const ws = new WebSocket(s.url, s.protocols);
    ws.binaryType = 'arraybuffer';
    const timer = setTimeout(() => resolve(out), 5000);
    ws.onopen = () => {
      out.opened = true;
      out.protocol = ws.protocol;
      for (const m of s.send ?? []) ws.send(typeof m === 'string' ? m : new Uint8Array(m));
      if (s.want === 0 && s.closeWith) ws.close(s.closeWith[0], s.closeWith[1]);
    };
    ws.onmessage = (e) => {
      out.messages.push(typeof e.data === 'string' ? e.data : Array.from(new Uint8Array(e.data as ArrayBuffer)));
      if (out.messages.length === s.want) {
        if (s.closeWith) ws.close(s.closeWith[0], s.closeWith[1]);
        else if (!s.send?.includes('bye')) {
          clearTimeout(timer);
          ws.close();
          resolve(out);
        }
      }
    };
    ws.onerror = () => (out.error = true);
    ws.onclose = (e) => {
      out.close = { code: e.code, reason: e.reason, wasClean: e.wasClean };
      clearTimeout(timer);
      resolve(out);
    };
  });
}

describe('mock server with headless Chromium', function () {
  this.timeout(60000);
  const r = new Resources();
  let browser: Browser;
  let page: Page;
  let good: { server: http.Server; origin: string };

  before(async () => {
    const { chromium } = require('playwright-core') as { chromium: { launch(o: unknown): Promise<Browser> } };
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    good = await servePage('127.0.0.1');
    page = await browser.newPage();
    await page.goto(good.origin + '/');
  });
  after(async () => {
    await page?.close();
    await browser?.close();
    await new Promise((resolve) => (good ? good.server.close(resolve) : resolve(undefined)));
  });
  afterEach(() => r.dispose());

  it('echo, rules and binary through the native WebSocket', async () => {
    const { url, events } = await r.mock({ rules: [{ match: { regex: '^hello (\\w+)$' }, respond: ['hi {{1}}', { json: { n: '{{count}}' } }] }] });
    const out = await page.evaluate(inPage, { url, send: ['plain', 'hello chromium', [0, 1, 254, 255]], want: 4 });
    assert.equal(out.opened, true);
    assert.deepEqual(out.messages, ['plain', 'hi chromium', '{"n":"2"}', [0, 1, 254, 255]]);
    const hs = events.find((e) => e.kind === 'handshake');
    assert.ok(hs && hs.kind === 'handshake' && hs.request.headers.some(([k, v]) => k.toLowerCase() === 'origin' && v === good.origin));
  });

  it('negotiates a subprotocol from the mock list', async () => {
    const { url } = await r.mock({ subprotocols: ['chat.v2', 'chat.v1'] });
    const out = await page.evaluate(inPage, { url, protocols: ['chat.v1', 'chat.v2'], send: ['x'], want: 1 });
    assert.equal(out.protocol, 'chat.v2');
    const refused = await r.mock({ subprotocols: ['mqtt'], requireSubprotocol: true });
    const bad = await page.evaluate(inPage, { url: refused.url, protocols: ['chat.v1'], want: 1 });
    assert.equal(bad.opened, false);
    assert.equal(bad.close?.code, 1006);
  });

  it('close codes both ways: the mock closes with 4001, the page closes with 4002', async () => {
    const { url, events } = await r.mock({ rules: [{ match: { text: 'bye' }, respond: ['ciao'], close: { code: 4001, reason: 'see you' } }] });
    const out = await page.evaluate(inPage, { url, send: ['bye'], want: 1 });
    assert.deepEqual(out.messages, ['ciao']);
    assert.deepEqual(out.close, { code: 4001, reason: 'see you', wasClean: true });
    const mine = await page.evaluate(inPage, { url, send: [], want: 0, closeWith: [4002, 'page leaves'] });
    assert.equal(mine.close?.code, 4002);
    await until(() => events.some((e) => e.kind === 'close' && e.code === 4002 && e.reason === 'page leaves' && e.initiator === 'client'));
  });

  it('a page from a non-allowed origin (127.0.0.2) is refused with 403', async () => {
    const evil = await servePage('127.0.0.2');
    r.defer(() => new Promise((resolve) => evil.server.close(resolve)));
    const { url, events } = await r.mock({});
    const other = await browser.newPage();
    r.defer(() => other.close());
    await other.goto(evil.origin + '/');
    const out = await other.evaluate(inPage, { url, send: ['x'], want: 1 });
    assert.equal(out.opened, false);
    assert.equal(out.error, true);
    assert.equal(out.close?.code, 1006);
    await until(() => events.some((e) => e.kind === 'error' && e.code === 'WSWB_MOCK_ORIGIN_REJECTED' && e.message.includes(evil.origin)));
    const hs = events.find((e) => e.kind === 'handshake');
    assert.equal(hs && hs.kind === 'handshake' ? hs.response?.status : 0, 403);
    // The same page is fine once its origin is listed.
    const listed = await r.mock({ allowedOrigins: [evil.origin] });
    const ok = await other.evaluate(inPage, { url: listed.url, send: ['x'], want: 1 });
    assert.deepEqual(ok.messages, ['x']);
  });
});
