/**
 * Codec-decoded payloads in the panel, host side (a PanelBinding on an in-memory RPC pair, as the
 * webview asks): a request's `codecs` rules make the panel's rows, the detail pane's tree and the
 * protocol filter read protobufjs- and msgpack-encoded messages from a real ws server on loopback.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as msgpack from '@msgpack/msgpack';
import * as protobuf from 'protobufjs';
import { WebSocketServer } from 'ws';
import type { RowProtocol } from '../../../src/shared/protocolContract';
import type { TimelineEvent } from '../../../src/shared/contract';
import { httpServer } from '../protocols/helpers';
import { panelRig, type PanelRig } from '../panel/helpers';

const FEED = path.resolve(__dirname, '../../../examples/protos/feed.proto');
const protoOf = (e: TimelineEvent) => (e as TimelineEvent & { proto?: RowProtocol }).proto;
type Req = Parameters<PanelRig['client']['call']>[1] & Record<string, unknown>;

describe('codecs: the panel shows codec-decoded rows, trees and filters', function () {
  this.timeout(15_000);
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let rig: PanelRig;

  beforeEach(async () => {
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server });
    const Envelope = new protobuf.Root().loadSync(FEED, { keepCase: true }).lookupType('feed.Envelope');
    wss.on('connection', (ws) => {
      ws.send(Envelope.encode(Envelope.fromObject({ id: 'p1', tags: ['x', 'y'], chat: { from: 'ann', text: 'hi', mentions: [{ user: 'bo', offset: 3 }] } })).finish());
      ws.send(msgpack.encode({ kind: 'tick', n: 1 }));
      ws.send('not binary');
    });
    rig = await panelRig();
  });

  afterEach(async () => {
    await rig.dispose();
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await http.close();
  });

  it('rows carry the codec and type, the detail holds the tree, the protocol filter selects them', async () => {
    const request = {
      url: `ws://127.0.0.1:${http.port}/feed`,
      codecs: [
        { match: { prefixHex: '0a' }, codec: 'protobuf', proto: FEED, type: 'feed.Envelope' },
        { codec: 'msgpack' },
      ],
    } as Req;
    await rig.client.call('connect', { request } as never);
    let rows: TimelineEvent[] = [];
    for (const t0 = Date.now(); rows.length < 3 && Date.now() - t0 < 5000; await new Promise((r) => setTimeout(r, 10))) {
      rows = (await rig.client.call('getRows', { from: 0, to: 2000 })).events.filter((e) => e.kind === 'message');
    }
    assert.equal(rows.length, 3, 'three messages');
    assert.deepEqual(rows.map((e) => (protoOf(e) ? [protoOf(e)!.protocol, protoOf(e)!.type] : undefined)), [['protobuf', 'feed.Envelope'], ['msgpack', 'msgpack'], undefined]);
    assert.match(protoOf(rows[0]!)!.summary, /^\{"id":"p1","tags":\["x","y"\]/);
    const detail = (await rig.client.call('protocolDetail', { id: rows[0]!.id }))!;
    assert.deepEqual(detail.decoded.data, { id: 'p1', tags: ['x', 'y'], chat: { from: 'ann', text: 'hi', mentions: [{ user: 'bo', offset: 3 }] }, payload: 'chat' });
    assert.deepEqual((await rig.client.call('protocolDetail', { id: rows[1]!.id }))!.decoded.data, { kind: 'tick', n: 1 });
    assert.equal((await rig.client.call('setView', { filter: { mode: 'messages', protocol: 'protobuf' } })).total, 1);
    assert.equal((await rig.client.call('setView', { filter: { mode: 'messages', protocol: 'msgpack' } })).total, 1);
    assert.equal((await rig.client.call('setView', { filter: { mode: 'messages', protocol: 'any', operation: 'feed.envelope' } })).total, 1);
  });
});
