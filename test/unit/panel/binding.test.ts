import assert from 'node:assert/strict';
import type { ConnectionManager } from '../../../src/core/engine/connectionManager';
import type { RpcClient } from '../../../src/shared/rpc';
import type { HostContract, WebviewEvents } from '../../../src/shared/contract';
import type { PanelBinding } from '../../../src/extension/panel/binding';
import { compileFilter } from '../../../src/extension/panel/rows';
import { resolveDraft } from '../../../src/extension/panel/savedRequest';
import { echoServer, panelRig, until } from './helpers';
import { parseTranscript } from '../../../src/core/collections/transcript';

interface Rig {
  client: RpcClient<HostContract, WebviewEvents>;
  binding: PanelBinding;
  manager: ConnectionManager;
  url: string;
  posts: Array<{ at: number; total: number; tail: number }>;
  /** When the host emitted each 'events' post (the throttle under test, not the in-memory delivery's delay). */
  emittedAt: number[];
  saved: Array<{ name: string; data: Uint8Array }>;
  clip: string[];
  close(): Promise<void>;
}

/** A binding on an in-memory RPC pair, and a real ws echo server on 127.0.0.1:0. */
async function rig(): Promise<Rig> {
  const srv = await echoServer();
  const url = srv.url;
  const saved: Rig['saved'] = [];
  const clip: string[] = [];
  const { client, server, binding, manager, dispose } = await panelRig({
    variables: () => ({ who: 'world', 'secret:token': 's3cr3t-tok' }),
    saveFile: async (name, data) => {
      saved.push({ name, data });
      return `/tmp/${name}`;
    },
    clipboard: async (t) => {
      clip.push(t);
    },
  });
  const posts: Rig['posts'] = [];
  client.onEvent('events', (e) => posts.push({ at: performance.now(), total: e.total, tail: e.tail.length }));
  const emittedAt: number[] = [];
  const emit = server.emit.bind(server);
  server.emit = ((name: string, payload: never) => {
    if (name === 'events') emittedAt.push(performance.now());
    emit(name as never, payload);
  }) as typeof server.emit;
  return {
    client, binding, manager, url, posts, emittedAt, saved, clip,
    async close() {
      await dispose();
      await srv.close();
    },
  };
}


describe('panel binding (host side, real sockets on loopback)', () => {
  it('connects, sends with {{variables}}, and batches echo events to the webview at most every 16 ms', async () => {
    const r = await rig();
    try {
      await r.client.call('connect', { request: { url: r.url } });
      await until(() => r.binding.connection?.state === 'open', 'open');
      assert.deepEqual(await r.client.call('send', { text: 'hello {{who}}' }), { sent: 11 });
      const status = await r.client.call('sendRepeat', { message: { text: 'x' }, count: 500 });
      assert.equal(status.sent, 500);
      await until(() => r.binding.summary()!.counters.messagesIn === 501, 'all echoes');
      await until(() => r.posts.at(-1)?.total === r.binding.viewTotal, 'last batch');
      const rows = await r.client.call('getRows', { from: 0, to: 2000 });
      const msgs = rows.events.filter((e) => e.kind === 'message');
      assert.equal(msgs.length, 1002);
      assert.equal(new TextDecoder().decode((msgs[0] as { data: Uint8Array }).data), 'hello world');
      assert.ok(rows.events.some((e) => e.kind === 'handshake'));
      assert.ok(!rows.events.some((e) => e.kind === 'frame'), 'the messages view hides frames');
      // Timed where the host emits: a busy event loop can deliver two posts back to back however far
      // apart they were sent (the in-memory transport, like the webview's, is asynchronous).
      assert.equal(r.emittedAt.length, r.posts.length, 'every emitted post arrived');
      for (let i = 1; i < r.emittedAt.length; i++) assert.ok(r.emittedAt[i]! - r.emittedAt[i - 1]! >= 14, `posts ${i - 1}→${i} emitted at least ~16 ms apart (${(r.emittedAt[i]! - r.emittedAt[i - 1]!).toFixed(1)} ms)`);
      assert.ok(r.posts.every((p) => p.tail <= 80), 'each post carries a bounded tail');
      assert.equal(r.binding.posts, r.posts.length);
    } finally {
      await r.close();
    }
  });

  it('filters views host-side over full payloads (regex, direction, frames), and reads full payloads', async () => {
    const r = await rig();
    try {
      await r.client.call('connect', { request: { url: r.url } });
      await until(() => r.binding.connection?.state === 'open', 'open');
      const big = 'A'.repeat(5000) + 'NEEDLE';
      await r.client.call('send', { text: big });
      await r.client.call('send', { text: 'plain' });
      await r.client.call('send', { data: new Uint8Array([1, 2, 3]) });
      await until(() => r.binding.summary()!.counters.messagesIn === 3, 'echoes');
      const needle = await r.client.call('setView', { filter: { mode: 'messages', regex: 'needle', regexFlags: 'i' } });
      assert.equal(needle.total, 2, 'sent and echoed, matched beyond the 256-byte preview');
      const rows = await r.client.call('getRows', { from: 0, to: 10 });
      const first = rows.events[0] as { id: number; data: Uint8Array; size: number };
      assert.equal(first.data.length, 256, 'rows carry a trimmed preview');
      assert.equal(first.size, 5006);
      const full = await r.client.call('readPayload', { id: first.id });
      assert.equal(full.data.length, 5006);
      assert.equal((await r.client.call('setView', { filter: { mode: 'messages', dirs: ['in'], kinds: ['message'] } })).total, 3);
      const frames = await r.client.call('setView', { filter: { mode: 'frames', kinds: ['frame'] } });
      assert.equal(frames.total, 6);
      // New events are tested against the current filter as they arrive.
      await r.client.call('send', { text: 'after' });
      await until(() => r.binding.viewTotal === 8, 'new frames in the frames view');
      await assert.rejects(r.client.call('setView', { filter: { mode: 'all', regex: '(' } }), /WSWB_PANEL_BAD_REGEX|Invalid regular expression/);
    } finally {
      await r.close();
    }
  });

  it('repeats every T ms until stopped, pings, closes with a code, exports and clears', async () => {
    const r = await rig();
    try {
      await r.client.call('connect', { request: { url: r.url } });
      await until(() => r.binding.connection?.state === 'open', 'open');
      const started = await r.client.call('sendRepeat', { message: { text: 'tick' }, everyMs: 5 });
      assert.equal(started.active, true);
      await until(() => r.binding.summary()!.counters.messagesOut >= 3, 'three ticks');
      const stopped = await r.client.call('stopRepeat', {});
      assert.equal(stopped.active, false);
      const n = r.binding.summary()!.counters.messagesOut;
      await new Promise((res) => setTimeout(res, 30));
      assert.equal(r.binding.summary()!.counters.messagesOut, n, 'no sends after stop');
      await r.client.call('control', { type: 'ping', payload: new TextEncoder().encode('hb') });
      await until(() => r.binding.summary()!.rttMs !== undefined, 'rtt');
      await r.client.call('export', { format: 'har' });
      const har = JSON.parse(new TextDecoder().decode(r.saved[0]!.data));
      assert.ok(har.log.entries[0]._webSocketMessages.some((m: { type: string; data: string }) => m.type === 'receive' && m.data === 'tick'));
      const closed = await r.client.call('disconnect', { code: 4001, reason: 'done' });
      assert.equal(closed.code, 4001);
      await until(() => r.binding.summary()!.state === 'closed', 'closed');
      assert.equal(r.binding.summary()!.closeCode, 4001);
      await assert.rejects(r.client.call('send', { text: 'late' }), /WSWB_PANEL_NOT_OPEN|closed/);
      await r.client.call('clear', {});
      assert.equal(r.binding.viewTotal, 0);
    } finally {
      await r.close();
    }
  });

  it('shows a close as one row with its initiator, and counts the mode\'s rows a filter narrows (N of M)', async () => {
    const r = await rig();
    try {
      await r.client.call('connect', { request: { url: r.url } });
      await until(() => r.binding.connection?.state === 'open', 'open');
      await r.client.call('send', { text: 'one' });
      await r.client.call('send', { text: 'two' });
      await until(() => r.binding.summary()!.counters.messagesIn === 2, 'echoes');
      await r.client.call('disconnect', { code: 1000, reason: 'bye' });
      await until(() => r.binding.summary()!.state === 'closed', 'closed');
      const s = r.binding.summary()!;
      assert.deepEqual([s.closeCode, s.closeReason, s.closeInitiator, s.closeClean], [1000, 'bye', 'client', true]);
      const all = await r.client.call('setView', { filter: { mode: 'messages' } });
      const rows = (await r.client.call('getRows', { from: 0, to: all.total })).events;
      // The store keeps the `closed` state change; the view shows the close once, as the close event.
      assert.equal(rows.filter((e) => e.kind === 'close').length, 1);
      assert.equal(rows.filter((e) => e.kind === 'state' && e.state === 'closed').length, 0);
      assert.ok(r.binding.connection!.store.slice(0, r.binding.connection!.store.length).some((e) => e.kind === 'state' && e.state === 'closed'));
      assert.equal(all.unfiltered, all.total);
      const sent = await r.client.call('setView', { filter: { mode: 'messages', dirs: ['out'], kinds: ['message'] } });
      assert.deepEqual([sent.total, sent.unfiltered], [2, all.total]);
      const frames = await r.client.call('setView', { filter: { mode: 'frames', regex: 'two' } });
      const framesAll = rows.length - 4 + 6; // 4 messages out of the messages view, 6 frames (2 out, 2 in, 2 close) into the frames view
      assert.deepEqual([frames.total, frames.unfiltered], [2, framesAll]);
    } finally {
      await r.close();
    }
  });

  it('exports the core transcript format (reopens with readTranscript) and HAR, secrets masked', async () => {
    const r = await rig();
    try {
      await r.client.call('connect', { request: { url: r.url, headers: { Authorization: 'Bearer {{secret:token}}' } } });
      await until(() => r.binding.connection?.state === 'open', 'open');
      await r.client.call('send', { text: 'auth {{secret:token}} please' });
      await r.client.call('send', { data: new Uint8Array([0, 1, 255]) });
      await until(() => r.binding.summary()!.counters.messagesIn === 2, 'two echoes');
      await r.client.call('export', { format: 'ndjson' });
      const saved = r.saved[0]!;
      assert.match(saved.name, /\.ndjson$/);
      const text = new TextDecoder().decode(saved.data);
      assert.ok(!text.includes('s3cr3t-tok'), 'the secret never reaches the file');
      const t = parseTranscript(text);
      assert.deepEqual(t.errors, []);
      assert.equal(t.header?.type, 'websocket-workbench-transcript');
      assert.equal((t.header?.request as { url?: string }).url, r.url);
      const msgs = t.events.filter((e) => e.kind === 'message');
      assert.equal(msgs.length, 4);
      const firstText = msgs[0]!.kind === 'message' ? new TextDecoder().decode(msgs[0]!.data) : '';
      assert.equal(firstText, 'auth •••• please');
      const bin = msgs.find((e) => e.kind === 'message' && e.binary && e.dir === 'in');
      assert.deepEqual(bin?.kind === 'message' ? [...bin.data] : [], [0, 1, 255]);
      assert.ok(t.events.some((e) => e.kind === 'handshake'), 'handshake included');
      await r.client.call('export', { format: 'har' });
      const harText = new TextDecoder().decode(r.saved[1]!.data);
      assert.ok(!harText.includes('s3cr3t-tok'));
      const har = JSON.parse(harText);
      assert.equal(har.log.entries[0].request.url, r.url);
      assert.deepEqual(har.log.entries[0]._webSocketMessages.map((m: { type: string; opcode: number }) => `${m.type}:${m.opcode}`).sort(), ['receive:1', 'receive:2', 'send:1', 'send:2']);
      const ids = t.events.filter((e) => e.kind === 'message').map((e) => e.id).slice(0, 1);
      await r.client.call('export', { format: 'clipboard', ids });
      const clip = parseTranscript(r.clip[0]!);
      assert.equal(clip.events.length, 1, 'the selection as transcript lines');
    } finally {
      await r.close();
    }
  });

  it('rejects hostile or invalid requests with coded errors', async () => {
    const r = await rig();
    try {
      await assert.rejects(r.client.call('send', { text: 'x' }), (e: { code: string }) => e.code === 'WSWB_PANEL_NO_CONNECTION');
      await assert.rejects(r.client.call('connect', { request: { url: 'http://127.0.0.1:1/' } }), (e: { code: string }) => e.code === 'WSWB_PANEL_BAD_URL');
      await assert.rejects(r.client.call('readPayload', { id: 12345 }), (e: { code: string }) => e.code === 'WSWB_PANEL_NO_EVENT');
      await assert.rejects(r.client.call('control', { type: 'ping', payload: new Uint8Array(126) }), (e: { code: string }) => e.code === 'WSWB_RPC_INVALID_PARAMS');
      await assert.rejects(r.client.call('setView', { filter: { mode: 'x' } } as never), (e: { code: string }) => e.code === 'WSWB_RPC_INVALID_PARAMS');
      await assert.rejects(r.client.call('setView', { filter: { mode: 'all', regex: 'a', regexFlags: 'g' } }), (e: { code: string }) => e.code === 'WSWB_RPC_INVALID_PARAMS');
      // A refused connection is an event on the timeline, not a crash.
      await r.client.call('connect', { request: { url: 'ws://127.0.0.1:1/' } });
      await until(() => r.binding.summary()!.error !== undefined, 'error');
      assert.equal(r.binding.summary()!.state, 'closed');
    } finally {
      await r.close();
    }
  });
});

describe('panel helpers', () => {
  it('resolves the panel request like a saved one: variables, secrets, request variables first; refuses what is unresolved', async () => {
    const { options, secretValues } = await resolveDraft({ url: 'ws://{{h}}/x', headers: { 'X-A': '{{t}}' }, auth: { type: 'bearer', token: '{{secret:tok}}' }, reconnect: { enabled: true, maxAttempts: 3, queue: true }, variables: { t: 'mine' } }, { h: 'host:1', t: 'env', 'secret:tok': 'S3' });
    assert.deepEqual(options, { url: 'ws://host:1/x', headers: { 'X-A': 'mine' }, auth: { type: 'bearer', token: 'S3' }, reconnect: { enabled: true, maxAttempts: 3 }, queueWhileReconnecting: true });
    assert.deepEqual(secretValues, ['S3']);
    await assert.rejects(resolveDraft({ url: 'ws://h/{{nope}}' }, {}), (e: { code: string }) => e.code === 'WSWB_UNRESOLVED_VARIABLE');
    const hostile = JSON.parse('{"__proto__": "p", "constructor": "c"}') as Record<string, string>;
    assert.equal((await resolveDraft({ url: 'ws://h/{{__proto__}}/{{constructor}}' }, hostile)).options.url, 'ws://h/p/c', 'environment names are names, not prototype members');
  });

  it('compiles filters for arriving events', () => {
    const t = compileFilter({ mode: 'messages', dirs: ['in'], text: 'ok' }).test;
    const msg = (dir: 'in' | 'out', s: string) => ({ kind: 'message' as const, id: 1, time: 0, connection: 'c', dir, binary: false, data: new TextEncoder().encode(s), size: s.length });
    assert.equal(t(msg('in', 'is ok')), true);
    assert.equal(t(msg('out', 'is ok')), false);
    assert.equal(t(msg('in', 'no')), false);
  });

});
