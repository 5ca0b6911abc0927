/**
 * Autobahn|Testsuite groups 12 and 13 (permessage-deflate), reproduced as our own cases.
 *
 * Group 12: messages of 16 B … 128 KiB cut from five corpora (JSON, a bitmap, prose, HTML, a binary
 * document) echoed compressed with the default parameters. Autobahn's corpus files are not
 * vendored here; each is synthesized in the same kind, deterministically (a seeded generator).
 * Group 13: the same echo, text, under each parameter offer of 13.1–13.7 (context takeover and
 * window bits 8/15, as requested by the client and accepted by the server).
 *
 * Each case runs in both roles: our stack as the server (the mock's role, Autobahn's fuzzingclient
 * being ws), and our Connection as the client (Autobahn's fuzzingserver being ws). A case passes
 * when every echo equals what was sent, and every message crossed the wire compressed.
 */
import assert from 'node:assert/strict';
import type { PerMessageDeflateOptions } from 'ws';
import type { MessageEvent } from '../../../src/core/engine/events';
import { Cleanup, echoServer, events, newConnection } from './helpers';
import { echoThroughWsClient, wireEchoServer } from './wireHelpers';

const SIZES = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072];
/** Messages per case (Autobahn sends 1000; fewer keep the unit suite quick, the slices still cycle through the corpus). */
const PER_CASE = 12;

/** A small seeded generator (mulberry32), so every corpus is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'Habe nun ach Philosophie Juristerei und Medizin und leider auch Theologie durchaus studiert mit heißem Bemühn da steh ich nun ich armer Tor und bin so klug als wie zuvor'.split(' ');

function corpus(kind: string, size: number): { data: Buffer; binary: boolean } {
  const r = rng(kind.length * 7919 + 17);
  const parts: string[] = [];
  let n = 0;
  const push = (s: string) => {
    parts.push(s);
    n += Buffer.byteLength(s);
  };
  switch (kind) {
    case 'json':
      push('[');
      while (n < size) push(JSON.stringify({ id: Math.floor(r() * 1e6), name: WORDS[Math.floor(r() * WORDS.length)], tags: [WORDS[Math.floor(r() * WORDS.length)], r() > 0.5], score: r() }) + ',');
      return { data: Buffer.from(parts.join('') + '{}]'), binary: false };
    case 'prose':
      while (n < size) push(WORDS[Math.floor(r() * WORDS.length)] + (r() > 0.9 ? '.\n' : ' '));
      return { data: Buffer.from(parts.join('')), binary: false };
    case 'html':
      while (n < size) push(`<div class="row r${Math.floor(r() * 20)}"><a href="/p/${Math.floor(r() * 5000)}">${WORDS[Math.floor(r() * WORDS.length)]}</a></div>\n`);
      return { data: Buffer.from(parts.join('')), binary: false };
    case 'bitmap': {
      // 1-bit image rows: long runs with noise, like a scanned picture.
      const b = Buffer.alloc(size);
      let v = 0;
      for (let i = 0; i < size; i++) {
        if (r() < 0.05) v = r() < 0.5 ? 0x00 : 0xff;
        b[i] = r() < 0.02 ? Math.floor(r() * 256) : v;
      }
      return { data: b, binary: true };
    }
    default: {
      // A binary document: compressible text streams between incompressible blobs.
      const b = Buffer.alloc(size);
      for (let i = 0; i < size; i++) b[i] = Math.floor(i / 512) % 3 === 0 ? Math.floor(r() * 256) : 0x20 + ((i * 7) % 60);
      return { data: b, binary: true };
    }
  }
}

/** PER_CASE consecutive slices of `size` bytes from the corpus (cycling), as Autobahn cuts its files. */
function slices(kind: string, size: number): Array<{ data: Buffer; binary: boolean }> {
  const c = corpus(kind, Math.max(size * 4, 256 * 1024));
  const out: Array<{ data: Buffer; binary: boolean }> = [];
  let at = 0;
  for (let i = 0; i < PER_CASE; i++) {
    if (at + size > c.data.length) at = 0;
    let data = c.data.subarray(at, at + size);
    if (!c.binary) {
      // Text slices must stay valid UTF-8: trim a cut multi-byte sequence at either end.
      data = Buffer.from(data.toString('utf8').replace(/\uFFFD/g, ''));
    }
    out.push({ data, binary: c.binary });
    at += size;
  }
  return out;
}

/** The offer of each 13.x group, as ws client options, and what the server imposes in the client role. */
const GROUP_13: Array<{ id: string; offer: string; client: PerMessageDeflateOptions; server: PerMessageDeflateOptions }> = [
  { id: '13.1', offer: 'default', client: { threshold: 0 }, server: { threshold: 0 } },
  { id: '13.2', offer: 'client_no_context_takeover', client: { threshold: 0, clientNoContextTakeover: true }, server: { threshold: 0, clientNoContextTakeover: true } },
  { id: '13.3', offer: 'client_max_window_bits=8', client: { threshold: 0, clientMaxWindowBits: 8 }, server: { threshold: 0, clientMaxWindowBits: 8 } },
  { id: '13.4', offer: 'client_max_window_bits=15', client: { threshold: 0, clientMaxWindowBits: 15 }, server: { threshold: 0, clientMaxWindowBits: 15 } },
  { id: '13.5', offer: 'client_no_context_takeover, client_max_window_bits=8', client: { threshold: 0, clientNoContextTakeover: true, clientMaxWindowBits: 8 }, server: { threshold: 0, clientNoContextTakeover: true, clientMaxWindowBits: 8 } },
  { id: '13.6', offer: 'client_no_context_takeover, client_max_window_bits=15', client: { threshold: 0, clientNoContextTakeover: true, clientMaxWindowBits: 15 }, server: { threshold: 0, clientNoContextTakeover: true, clientMaxWindowBits: 15 } },
  { id: '13.7', offer: 'server_no_context_takeover, server_max_window_bits=8', client: { threshold: 0, serverNoContextTakeover: true, serverMaxWindowBits: 8 }, server: { threshold: 0, serverNoContextTakeover: true, serverMaxWindowBits: 8 } },
];

describe('Autobahn 12 and 13: permessage-deflate (our wire stack against ws)', function () {
  this.timeout(60_000);
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  async function serverRole(messages: Array<{ data: Buffer; binary: boolean }>, server: PerMessageDeflateOptions, client: PerMessageDeflateOptions): Promise<void> {
    const { url, seen } = await wireEchoServer(cleanup, server);
    const echoes = await echoThroughWsClient(url, client, messages);
    assert.equal(echoes.length, messages.length);
    messages.forEach((m, i) => assert.ok(echoes[i]!.data.equals(m.data), `echo ${i} intact`));
    assert.ok(seen[0]!.messagesIn.every((m) => m.compressed), 'the client compressed every message');
    assert.ok(seen[0]!.messagesOut.every((m) => m.compressed), 'we compressed every echo');
  }

  async function clientRole(messages: Array<{ data: Buffer; binary: boolean }>, server: PerMessageDeflateOptions): Promise<void> {
    const { url } = await echoServer(cleanup, { perMessageDeflate: server });
    const c = newConnection(cleanup, { url, deflate: true });
    await c.connect();
    for (const m of messages) {
      if (m.binary) c.sendBinary(m.data);
      else c.sendText(m.data.toString('utf8'));
    }
    const ins = () => events(c).filter((e): e is MessageEvent => e.kind === 'message' && e.dir === 'in');
    const deadline = Date.now() + 30_000;
    while (ins().length < messages.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await c.close();
    const got = ins();
    assert.equal(got.length, messages.length);
    got.forEach((e, i) => assert.ok(Buffer.from(e.data).equals(messages[i]!.data), `echo ${i} intact`));
    assert.ok(got.every((e) => e.compressed), 'the server compressed every echo');
  }

  const group12 = [
    ['12.1', 'json'],
    ['12.2', 'bitmap'],
    ['12.3', 'prose'],
    ['12.4', 'html'],
    ['12.5', 'document'],
  ] as const;
  for (const [id, kind] of group12) {
    SIZES.forEach((size, k) => {
      it(`${id}.${k + 1}: ${PER_CASE} ${kind} messages of ${size} B, server and client role`, async () => {
        const messages = slices(kind, size);
        await serverRole(messages, { threshold: 0 }, { threshold: 0 });
        await clientRole(messages, { threshold: 0 });
      });
    });
  }

  for (const g of GROUP_13) {
    SIZES.forEach((size, k) => {
      it(`${g.id}.${k + 1}: ${g.offer}, ${PER_CASE} text messages of ${size} B, server and client role`, async () => {
        const messages = slices('prose', size);
        await serverRole(messages, g.server, g.client);
        await clientRole(messages, g.server);
      });
    });
  }
});
