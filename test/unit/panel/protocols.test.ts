/**
 * The panel's protocol glue (issue 13), host side: a PanelBinding on an in-memory RPC pair, a real
 * socket.io 4 server and a real JSON-RPC peer on 127.0.0.1. What the webview asks for (rows with
 * `proto`, protocolDetail, protocolStats, setView with protocol criteria, sendProtocol, sendSaved of a
 * protocol message) is asked through the contract, as the webview does.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';
import { JSONRPCServer } from 'json-rpc-2.0';
import type { RowProtocol } from '../../../src/shared/protocolContract';
import type { TimelineEvent } from '../../../src/shared/contract';
import { httpServer } from '../protocols/helpers';
import { panelRig, until, type PanelRig } from './helpers';
import { sessionFor } from '../../../src/extension/panel/protocolSession';

const protoOf = (e: TimelineEvent) => (e as TimelineEvent & { proto?: RowProtocol }).proto;
type Req = Parameters<PanelRig['client']['call']>[1] & Record<string, unknown>;

describe('panel: protocols (host glue, real peers on loopback)', function () {
  this.timeout(15_000);

  describe('Socket.IO against a real socket.io 4 server', () => {
    let io: Server;
    let http: Awaited<ReturnType<typeof httpServer>>;
    let rig: PanelRig;
    const auths: unknown[] = [];

    beforeEach(async () => {
      auths.length = 0;
      http = await httpServer();
      io = new Server(http.server, { transports: ['websocket'], pingInterval: 150, pingTimeout: 150 });
      io.on('connection', (s) => {
        auths.push(s.handshake.auth);
        s.on('sum', (a: number, b: number, ack: (n: number) => void) => setTimeout(() => ack(a + b), 5));
        s.on('ignored', () => undefined);
      });
      rig = await panelRig({ variables: () => ({ 'secret:tok': 'T0K3N', room: 'lobby' }) });
    });

    afterEach(async () => {
      await rig.dispose();
      await new Promise<void>((r) => io.close(() => r()));
      await http.close();
    });

    it('speaks Socket.IO: answers pings, connects with auth from a secret, pairs an ack with its latency', async () => {
      const patched: Array<{ id: number; proto: RowProtocol }> = [];
      rig.client.onEvent('protocolRows', (e) => patched.push(...e.rows));
      const request = { url: `ws://127.0.0.1:${http.port}`, protocol: 'socket.io', protocolOptions: { auth: { token: '{{secret:tok}}' } } } as Req;
      await rig.client.call('connect', { request } as never);
      await until(() => auths.length === 1, 'the server accepted the namespace');
      assert.deepEqual(auths[0], { token: 'T0K3N' });
      assert.match(rig.binding.connection!.options.url, /\/socket\.io\/\?EIO=4&transport=websocket$/);
      // Past the server's ping interval + timeout, still open: the session answers pings.
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(rig.binding.connection!.state, 'open');
      await rig.client.call('sendProtocol', { message: { kind: 'socket.io', event: 'sum', args: [2, 3], ack: true } });
      await until(() => rig.binding.protocols.latency().some((r) => r.name === 'sum'), 'the ack');
      const rows = (await rig.client.call('getRows', { from: 0, to: 2000 })).events.filter((e) => e.kind === 'message');
      const sent = rows.find((e) => protoOf(e)?.type === 'EVENT' && protoOf(e)?.name === 'sum')!;
      const ack = rows.find((e) => protoOf(e)?.type === 'ACK')!;
      assert.ok(sent && ack, `the EVENT and its ACK are decoded rows: ${JSON.stringify(rows.map(protoOf))}`);
      assert.equal(protoOf(sent)!.protocol, 'socket.io');
      assert.match(protoOf(sent)!.summary, /sum\(2, ?3\).*ack 1/);
      assert.deepEqual({ peer: protoOf(sent)!.pair!.peer, request: protoOf(sent)!.pair!.request }, { peer: ack.id, request: true });
      assert.deepEqual({ peer: protoOf(ack)!.pair!.peer, request: protoOf(ack)!.pair!.request }, { peer: sent.id, request: false });
      assert.ok(protoOf(sent)!.pair!.latencyMs >= 4, `latency ${protoOf(sent)!.pair!.latencyMs} ms covers the server's 5 ms delay`);
      // The EVENT's row was posted before its ACK came: the webview is told to patch it.
      await until(() => patched.some((p) => p.id === sent.id), 'the EVENT row re-posted with its pair');
      assert.deepEqual(patched.find((p) => p.id === sent.id)!.proto.pair, protoOf(sent)!.pair);
      const detail = (await rig.client.call('protocolDetail', { id: ack.id }))!;
      assert.deepEqual(detail.decoded.args, [5]);
      const all = (await rig.client.call('getRows', { from: 0, to: 2000 })).events;
      assert.equal(detail.peerRow, all.findIndex((e) => e.id === sent.id), 'the detail names the view row of the EVENT');
      assert.equal((await rig.client.call('rowOfEvent', { id: sent.id })).row, detail.peerRow);
      // One table line per operation: the namespace CONNECT (named by its type) and the "sum" event.
      const stats = await rig.client.call('protocolStats', {});
      assert.deepEqual(stats.rows.map((r) => r.name).sort(), ['CONNECT', 'sum']);
      const sum = stats.rows.find((r) => r.name === 'sum')!;
      assert.deepEqual({ protocol: sum.protocol, count: sum.count, unanswered: sum.unanswered }, { protocol: 'socket.io', count: 1, unanswered: 0 });
      assert.equal(sum.p50, protoOf(sent)!.pair!.latencyMs);
      assert.equal(sum.max, protoOf(sent)!.pair!.latencyMs);
    });

    it('a connection opened from a saved request (the tree, the palette) gets its session before connecting', async () => {
      // What PanelManager.openForUrl does with a collection request: the session prepares the options, then attach, then connect.
      const request = { url: `ws://127.0.0.1:${http.port}`, protocol: 'socket.io', protocolOptions: { auth: { token: '{{secret:tok}}' } } } as Req as never;
      const { session, options } = await sessionFor(rig.binding, request, { url: `ws://127.0.0.1:${http.port}` });
      assert.ok(session);
      assert.match(options.url, /\/socket\.io\/\?EIO=4&transport=websocket$/);
      const conn = rig.manager.create(options);
      rig.binding.attach(conn, session);
      rig.binding.adopt(conn);
      await conn.connect();
      await until(() => auths.length === 1, 'namespace connected with auth');
      assert.deepEqual(auths[0], { token: 'T0K3N' });
      await rig.client.call('sendProtocol', { message: { kind: 'socket.io', event: 'sum', args: [1, 2], ack: true } });
      await until(() => rig.binding.protocols.latency().some((r) => r.name === 'sum'), 'paired');
      // A raw request gets no session and keeps its URL.
      const raw = await sessionFor(rig.binding, { url: 'ws://h/x', protocol: 'raw' } as never, { url: 'ws://h/x' });
      assert.deepEqual(raw, { options: { url: 'ws://h/x' } });
    });

    it('with auto-answer off (protocolOptions.autoAnswer: false) answers no ping: the server drops the silent client', async () => {
      await rig.client.call('connect', { request: { url: `ws://127.0.0.1:${http.port}`, protocol: 'socket.io', protocolOptions: { autoAnswer: false } } as Req } as never);
      await until(() => auths.length === 1, 'namespace');
      await until(() => rig.binding.connection?.state === 'closed', 'closed by the server after its ping timeout', 5000);
      const rows = (await rig.client.call('getRows', { from: 0, to: 200 })).events;
      assert.ok(rows.some((e) => protoOf(e)?.type === 'PING'), 'the server pinged');
      assert.ok(!rows.some((e) => protoOf(e)?.type === 'PONG'), 'nobody answered');
    });

    it('marks a request without a reply as unanswered when the connection ends, and filters by protocol and event', async () => {
      await rig.client.call('connect', { request: { url: `ws://127.0.0.1:${http.port}`, protocol: 'socket.io' } as Req } as never);
      await until(() => auths.length === 1, 'namespace');
      await rig.client.call('sendProtocol', { message: { kind: 'socket.io', event: 'ignored', args: ['{{room}}'], ack: true } });
      await rig.client.call('sendProtocol', { message: { kind: 'socket.io', event: 'sum', args: [1, 1], ack: true } });
      await until(() => rig.binding.protocols.latency().some((r) => r.name === 'sum'), 'sum answered');
      await rig.client.call('disconnect', {});
      await until(() => rig.binding.protocols.unansweredCount === 1, 'unanswered at close');
      const v = await rig.client.call('setView', { filter: { mode: 'messages', protocol: 'socket.io', operation: 'IGNORED' } });
      assert.equal(v.total, 1, 'only the "ignored" event matches (case-insensitive)');
      const [row] = (await rig.client.call('getRows', { from: 0, to: 10 })).events;
      assert.equal(protoOf(row!)!.name, 'ignored');
      assert.match(protoOf(row!)!.summary, /"lobby"/, '{{room}} was replaced from the variables');
      assert.equal(protoOf(row!)!.unanswered!.closed, true);
      const stats = await rig.client.call('protocolStats', {});
      assert.equal(stats.unanswered, 1);
      assert.equal(stats.rows.find((r) => r.name === 'ignored')!.unanswered, 1);
      assert.equal((await rig.client.call('setView', { filter: { mode: 'messages', protocol: 'json-rpc' } })).total, 0);
      // Packet types match too; a frames view shows no decoded message.
      assert.ok((await rig.client.call('setView', { filter: { mode: 'messages', operation: 'ack' } })).total >= 1);
      assert.equal((await rig.client.call('setView', { filter: { mode: 'frames', protocol: 'any' } })).total, 0);
    });

    it('keeps filtering live rows: a message arriving under a protocol filter is offered once decoded', async () => {
      await rig.client.call('setView', { filter: { mode: 'messages', operation: 'sum' } });
      await rig.client.call('connect', { request: { url: `ws://127.0.0.1:${http.port}`, protocol: 'socket.io' } as Req } as never);
      await until(() => auths.length === 1, 'namespace');
      await rig.client.call('sendProtocol', { message: { kind: 'socket.io', event: 'sum', args: [4, 4], ack: true } });
      await until(() => rig.binding.viewTotal === 1, 'the sum event in the filtered view');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(rig.binding.viewTotal, 1, 'neither pings nor the ACK (no event name) pass "sum"');
    });

    it('auto decodes a Socket.IO session it did not open, but speaks nothing (refuses to send)', async () => {
      await rig.client.call('connect', { request: { url: `ws://127.0.0.1:${http.port}/socket.io/?EIO=4&transport=websocket` } });
      await until(() => rig.binding.protocols.decodedCount >= 1, 'the open packet decoded');
      const [open] = (await rig.client.call('setView', { filter: { mode: 'messages', protocol: 'socket.io' } })).total ? (await rig.client.call('getRows', { from: 0, to: 1 })).events : [];
      assert.equal(protoOf(open!)!.type, 'OPEN');
      await assert.rejects(rig.client.call('sendProtocol', { message: { kind: 'socket.io', event: 'x' } }), (e: { code?: string }) => e.code === 'WSWB_PROTO_UNSUPPORTED');
      await assert.rejects(rig.client.call('sendProtocol', { message: { kind: 'socket.io' } as never }), (e: { code?: string; message?: string }) => e.code === 'WSWB_RPC_INVALID_PARAMS' && /event/.test(e.message ?? ''));
    });
  });

  describe('JSON-RPC and saved protocol messages', () => {
    let wss: WebSocketServer;
    let rig: PanelRig;
    let dir: string;

    beforeEach(async () => {
      const rpc = new JSONRPCServer();
      rpc.addMethod('sum', (p: number[]) => p.reduce((a, b) => a + b, 0));
      wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      await new Promise<void>((r) => wss.once('listening', () => r()));
      wss.on('connection', (s) => s.on('message', async (d) => {
        const reply = await rpc.receiveJSON(String(d));
        if (reply) s.send(JSON.stringify(reply));
      }));
      dir = await mkdtemp(path.join(tmpdir(), 'wswb-proto-panel-'));
      rig = await panelRig({ variables: () => ({ a: '20' }) });
    });

    afterEach(async () => {
      await rig.dispose();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    });

    it('sends a saved json-rpc message with its kind (id assigned, variables resolved) and pairs the response', async () => {
      const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
      const file = path.join(dir, 'rpc.websocket.json');
      // A json-rpc message needs its request to speak json-rpc (the file validates it).
      await writeFile(file, JSON.stringify({ version: 1, name: 'rpc', requests: [{ name: 'calc', url, protocol: 'json-rpc', messages: [{ name: 'add', kind: 'json-rpc', method: 'sum', params: ['{{a}}', 22] }] }] }, null, 2));
      const info = await rig.binding.setSource({ file, request: 'calc' });
      // The panel lists it with its kind and fields (the protocol composer edits it).
      assert.deepEqual(info!.messages, [{ name: 'add', kind: 'json-rpc', fields: { method: 'sum', params: ['{{a}}', 22] }, text: '{"method":"sum","params":["{{a}}",22]}' }]);
      await rig.client.call('connect', { request: { url, protocol: 'json-rpc' } as Req } as never);
      await until(() => rig.binding.connection?.state === 'open', 'open');
      await rig.client.call('sendSaved', { name: 'add' });
      await until(() => rig.binding.protocols.latency().length === 1, 'pair');
      const rows = (await rig.client.call('getRows', { from: 0, to: 100 })).events.filter((e) => e.kind === 'message');
      const sent = new TextDecoder().decode((rows[0] as { data: Uint8Array }).data);
      assert.deepEqual(JSON.parse(sent), { jsonrpc: '2.0', method: 'sum', params: ['20', 22], id: 1 });
      assert.equal(protoOf(rows[1]!)!.pair!.peer, rows[0]!.id);
      assert.equal(rig.binding.protocols.latency()[0]!.name, 'sum');
    });

    it('auto: a connection whose first message is no known protocol stops being watched (nothing decoded, rows intact)', async () => {
      const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
      await rig.client.call('connect', { request: { url } });
      await until(() => rig.binding.connection?.state === 'open', 'open');
      assert.equal(rig.binding.protocolSession?.listening, true, 'auto listens until the first message');
      await rig.client.call('send', { text: 'plain text, not a protocol' });
      await rig.client.call('send', { text: '{"jsonrpc":"2.0","method":"sum","params":[1],"id":9}' });
      // The JSON-RPC peer answers both (a parse error for the plain text).
      await until(() => rig.binding.summary()!.counters.messagesIn === 2, 'both replies');
      assert.equal(rig.binding.protocolSession?.listening, false);
      assert.equal(rig.binding.protocols.decodedCount, 0, 'auto decided on the first message: nothing is decoded after it');
      const rows = (await rig.client.call('getRows', { from: 0, to: 100 })).events.filter((e) => e.kind === 'message');
      assert.equal(rows.length, 4);
      assert.ok(rows.every((e) => protoOf(e) === undefined));
      // A raw request gets no session at all.
      await rig.client.call('connect', { request: { url, protocol: 'raw' } });
      assert.equal(rig.binding.protocolSession, undefined);
    });

    it('saves a protocol message from the composer with its kind (a graphql operation id is the message name)', async () => {
      const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
      const file = path.join(dir, 'gql.websocket.json');
      await writeFile(file, JSON.stringify({ version: 1, name: 'g', requests: [{ name: 'r', url, protocol: 'graphql-ws', messages: [{ name: 'news', kind: 'graphql', query: 'subscription { a }', expect: [{ type: 'next' }] }] }] }, null, 2));
      await rig.binding.setSource({ file, request: 'r' });
      await rig.client.call('saveMessage', { message: { name: 'news', kind: 'graphql', fields: { query: 'subscription { news { id } }', variables: { n: 1 }, name: 'op-1' } }, previousName: 'news' });
      const saved = JSON.parse(await readFile(file, 'utf8')).requests[0].messages;
      assert.deepEqual(saved, [{ name: 'news', expect: [{ type: 'next' }], kind: 'graphql', query: 'subscription { news { id } }', variables: { n: 1 } }]);
      await assert.rejects(rig.client.call('saveMessage', { message: { name: 'bad', kind: 'graphql', fields: { variables: {} } } }), (e: { code?: string }) => e.code === 'WSWB_PANEL_BAD_MESSAGE');
    });
  });
});
