/**
 * The host side of the codec composer (protocolHandlers.ts sendCodec/codecTypes, savedRequest.ts):
 * through the real RPC pair and PanelBinding against a real ws echo server, a MessagePack message
 * goes out as the bytes @msgpack/msgpack encodes, a Protobuf one with its type from the collection's
 * `.proto` (types listed for the composer), variables replaced; saved codec messages keep their kind
 * in the file and come back in the panel's list; sendSaved encodes them with the codecs rules.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode as msgpackDecode } from '@msgpack/msgpack';
import * as protobuf from 'protobufjs';
import { echoServer, panelRig, until, type PanelRig } from './helpers';

const PROTO = 'syntax = "proto3";\npackage t;\nmessage Ping { string id = 1; repeated int32 n = 2; }\nmessage Pong { bool ok = 1; }\n';

describe('panel: codec messages from the composer and the saved list', () => {
  let rig: PanelRig;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let dir: string;
  let file: string;

  beforeEach(async () => {
    echo = await echoServer();
    dir = await mkdtemp(path.join(tmpdir(), 'wswb-codec-panel-'));
    await mkdir(path.join(dir, 'protos'));
    await writeFile(path.join(dir, 'protos', 't.proto'), PROTO);
    file = path.join(dir, 'c.websocket.json');
    await writeFile(file, JSON.stringify({
      version: 1, name: 'c',
      codecs: [{ match: { path: '/echo' }, codec: 'protobuf', proto: 'protos/t.proto', type: 't.Ping' }],
      requests: [{ name: 'r', url: echo.url, messages: [{ name: 'old', kind: 'cbor', data: [1], expect: [{ jsonPath: '$[0]', equals: 1 }] }] }],
    }, null, 2));
    rig = await panelRig({ variables: () => ({ who: 'ada' }) });
    await rig.binding.setSource({ file, request: 'r' });
    await rig.client.call('connect', { request: { url: echo.url } });
    await until(() => rig.binding.connection?.state === 'open', 'open');
  });

  afterEach(async () => {
    await rig.dispose();
    await echo.close();
    await rm(dir, { recursive: true, force: true });
  });

  const sentBinaries = async () => (await rig.client.call('getRows', { from: 0, to: 100 })).events.filter((e) => e.kind === 'message' && (e as { dir: string }).dir === 'out').map((e) => (e as { data: Uint8Array }).data);

  it('sends MessagePack and Protobuf messages (variables replaced, the type from the collection .proto) and lists the types', async () => {
    assert.deepEqual((await rig.client.call('codecTypes', {})).types, ['t.Ping', 't.Pong']);
    await rig.client.call('sendCodec', { message: { kind: 'msgpack', data: { hi: '{{who}}', n: 1 } } });
    await rig.client.call('sendCodec', { message: { kind: 'protobuf', type: 't.Ping', data: { id: '{{who}}', n: [1, 2] } } });
    await until(() => rig.binding.summary()!.counters.messagesOut === 2, 'two sent');
    const [mp, pb] = await sentBinaries();
    assert.deepEqual(msgpackDecode(mp!), { hi: 'ada', n: 1 });
    const Ping = protobuf.parse(PROTO).root.lookupType('t.Ping');
    assert.deepEqual(Ping.toObject(Ping.decode(pb!)), { id: 'ada', n: [1, 2] });
    await assert.rejects(rig.client.call('sendCodec', { message: { kind: 'protobuf', type: 't.Nope', data: {} } }), (e: { code?: string }) => /WSWB_CODEC/.test(String(e.code)));
  });

  it('saves codec messages with their kind (expectations kept), lists them, and sendSaved encodes them', async () => {
    let info = await rig.client.call('saveMessage', { message: { name: 'ping', kind: 'protobuf', fields: { type: 't.Ping', data: { id: 'x' } } } });
    info = await rig.client.call('saveMessage', { message: { name: 'old', kind: 'msgpack', fields: { data: { a: 1 } } }, previousName: 'old' });
    const saved = JSON.parse(await readFile(file, 'utf8')).requests[0].messages;
    assert.deepEqual(saved, [
      { name: 'old', expect: [{ jsonPath: '$[0]', equals: 1 }], kind: 'msgpack', data: { a: 1 } },
      { name: 'ping', kind: 'protobuf', type: 't.Ping', data: { id: 'x' } },
    ]);
    assert.deepEqual(info.messages.map((m) => [m.name, m.kind, m.fields]), [['old', 'msgpack', { data: { a: 1 } }], ['ping', 'protobuf', { data: { id: 'x' }, type: 't.Ping' }]]);
    await assert.rejects(rig.client.call('saveMessage', { message: { name: 'bad', kind: 'protobuf', fields: { data: {} } } }), (e: { code?: string }) => e.code === 'WSWB_PANEL_BAD_MESSAGE');
    await rig.client.call('sendSaved', { name: 'ping' });
    await until(() => rig.binding.summary()!.counters.messagesOut === 1, 'sent');
    const Ping = protobuf.parse(PROTO).root.lookupType('t.Ping');
    assert.deepEqual(Ping.toObject(Ping.decode((await sentBinaries())[0]!)), { id: 'x' });
  });
});
