/**
 * SignalR and STOMP encode/decode checked against the official client libraries' own protocol
 * code as oracles (@microsoft/signalr's JsonHubProtocol and HandshakeProtocol, @stomp/stompjs's
 * FrameImpl and Parser), in both directions.
 */
import assert from 'node:assert/strict';
import { JsonHubProtocol, MessageType, NullLogger, type HubMessage } from '@microsoft/signalr';
import { FrameImpl, Parser, type IRawFrameType } from '@stomp/stompjs';
import { encodeSignalr, SignalrDecoder } from '../../../src/core/protocols/signalr';
import { encodeStomp, StompDecoder } from '../../../src/core/protocols/stomp';
import type { Decoded } from '../../../src/core/protocols/types';

// The handshake codec is not exported from the package root: its CommonJS file, typed by its ESM declaration.
const { HandshakeProtocol } = require('@microsoft/signalr/dist/cjs/HandshakeProtocol') as typeof import('@microsoft/signalr/dist/esm/HandshakeProtocol');

const text = (s: string) => ({ binary: false, data: Buffer.from(s, 'utf8') });

describe('protocols: SignalR JSON hub protocol vs @microsoft/signalr', () => {
  const hub = new JsonHubProtocol();
  const dec = () => new SignalrDecoder();

  it('decodes the handshake the official client writes, and the answers', () => {
    const req = new HandshakeProtocol().writeHandshakeRequest({ protocol: 'json', version: 1 });
    const d = dec().decode(text(req))!;
    assert.deepEqual([d.type, d.hubProtocol, d.version, d.key, d.role], ['Handshake', 'json', 1, 'handshake', 'request']);
    assert.equal(dec().decode(text('{}\x1e'))!.type, 'HandshakeResponse');
    const refused = dec().decode(text('{"error":"Requested protocol \'x\' is not available."}\x1e'))!;
    assert.equal(refused.summary, "handshake refused: Requested protocol 'x' is not available.");
    // Our handshake parses with the official code.
    const [, resp] = new HandshakeProtocol().parseHandshakeResponse(encodeSignalr({}));
    assert.deepEqual(resp, {});
  });

  const messages: [HubMessage, Partial<Decoded>][] = [
    [{ type: MessageType.Invocation, invocationId: '7', target: 'SendMessage', arguments: ['ann', { text: 'hi' }], headers: {} } as HubMessage,
      { type: 'Invocation', invocationId: '7', target: 'SendMessage', arguments: ['ann', { text: 'hi' }], key: '7', role: 'request', summary: 'SendMessage("ann", {"text":"hi"}) id 7' }],
    [{ type: MessageType.Invocation, target: 'Notify', arguments: [1], headers: {} } as HubMessage, { type: 'Invocation', target: 'Notify', key: undefined, summary: 'Notify(1)' }],
    [{ type: MessageType.StreamInvocation, invocationId: '8', target: 'Counter', arguments: [3], headers: {} } as HubMessage, { type: 'StreamInvocation', key: '8', role: 'request' }],
    [{ type: MessageType.StreamItem, invocationId: '8', item: 2, headers: {} } as HubMessage, { type: 'StreamItem', key: '8', role: 'partial', item: 2 }],
    [{ type: MessageType.Completion, invocationId: '7', result: 42, headers: {} } as HubMessage, { type: 'Completion', key: '7', role: 'reply', result: 42, summary: 'completion 7 42' }],
    [{ type: MessageType.Completion, invocationId: '9', error: 'boom', headers: {} } as HubMessage, { type: 'Completion', error: 'boom', summary: 'completion 9 error "boom"' }],
    [{ type: MessageType.CancelInvocation, invocationId: '8', headers: {} } as HubMessage, { type: 'CancelInvocation', summary: 'cancel 8' }],
    [{ type: MessageType.Ping }, { type: 'Ping', summary: 'ping' }],
    [{ type: MessageType.Close, error: 'shutting down', allowReconnect: true }, { type: 'Close', summary: 'close shutting down (reconnect allowed)' }],
  ];
  for (const [m, want] of messages) {
    it(`decodes ${MessageType[m.type]} ${JSON.stringify(m).slice(0, 40)} as written by JsonHubProtocol`, () => {
      const d = dec().decode(text(hub.writeMessage(m)))!;
      for (const [k, v] of Object.entries(want)) assert.deepEqual(d[k], v, k);
    });
  }

  it('several records in one message become items; our encoding parses with the official parser', () => {
    const wire = encodeSignalr({ type: 1, invocationId: '1', target: 'A', arguments: [] }, { type: 6 }, { type: 3, invocationId: '1', result: null });
    const d = dec().decode(text(wire))!;
    assert.deepEqual(d.items!.map((i) => i.type), ['Invocation', 'Ping', 'Completion']);
    const parsed = hub.parseMessages(wire, NullLogger.instance);
    assert.deepEqual(parsed.map((p) => p.type), [1, 6, 3]);
    assert.equal((parsed[0] as { target: string }).target, 'A');
  });

  it('reports a record without its 0x1E separator; binary messages are MessagePack hub records (signalrMsgpack.test.ts)', () => {
    assert.ok(dec().decode(text('{"type":6}'))!.invalid);
    assert.equal(dec().decode({ binary: true, data: Uint8Array.from([2, 0x91, 6]) })!.type, 'Ping');
  });
});

describe('protocols: STOMP vs @stomp/stompjs', () => {
  const dec = () => new StompDecoder();

  const frames: { command: string; headers: Record<string, string>; body?: string }[] = [
    { command: 'CONNECT', headers: { 'accept-version': '1.2,1.1,1.0', host: 'broker', login: 'guest', passcode: 'p:w', 'heart-beat': '10000,10000' } },
    { command: 'SUBSCRIBE', headers: { id: 'sub-0', destination: '/topic/a', receipt: 'r1' } },
    { command: 'SEND', headers: { destination: '/queue/a b', 'content-type': 'application/json', 'x-odd': 'a:b\nc\\d' }, body: '{"n":1}' },
    { command: 'SEND', headers: { destination: '/queue/bin' }, body: 'nul\0inside' },
    { command: 'MESSAGE', headers: { subscription: 'sub-0', 'message-id': '1', destination: '/topic/a' }, body: 'héllo ✓' },
    { command: 'RECEIPT', headers: { 'receipt-id': 'r1' } },
    { command: 'ERROR', headers: { message: 'bad' }, body: 'details' },
  ];

  for (const f of frames) {
    it(`${f.command} ${JSON.stringify(f.headers).slice(0, 30)}: stompjs's marshall → our decoder, our encoder → stompjs's parser`, () => {
      const theirs = FrameImpl.marshall({ command: f.command, headers: f.headers, body: f.body ?? '', escapeHeaderValues: f.command !== 'CONNECT', skipContentLengthHeader: false });
      const ours = dec().decode(text(typeof theirs === 'string' ? theirs : Buffer.from(theirs).toString('utf8')))!;
      assert.equal(ours.command, f.command);
      assert.equal(ours.body, f.body ?? '');
      for (const [k, v] of Object.entries(f.headers)) assert.equal((ours.headers as Record<string, string>)[k], v, k);

      const got: IRawFrameType[] = [];
      new Parser((r) => got.push(r), () => undefined).parseChunk(encodeStomp(f.command, f.headers, f.body ?? ''));
      assert.equal(got.length, 1);
      const back = FrameImpl.fromRawFrame(got[0]!, f.command !== 'CONNECT');
      assert.equal(back.command, f.command);
      assert.equal(back.body, f.body ?? '');
      for (const [k, v] of Object.entries(f.headers)) assert.equal(back.headers[k], v, k);
    });
  }

  it('pairs by receipt and by subscription id; heart-beats and several frames per message', () => {
    const sub = dec().decode(text(encodeStomp('SUBSCRIBE', { id: '0', destination: '/t' })))!;
    assert.deepEqual([sub.key, sub.role, sub.summary], ['sub:0', 'request', 'SUBSCRIBE /t id 0']);
    const msg = dec().decode(text(encodeStomp('MESSAGE', { subscription: '0', destination: '/t' }, '{"a":1}')))!;
    assert.deepEqual([msg.key, msg.role, msg.json], ['sub:0', 'partial', { a: 1 }]);
    const send = dec().decode(text(encodeStomp('SEND', { destination: '/q', receipt: '5' }, 'x')))!;
    assert.deepEqual([send.key, send.role], ['receipt:5', 'request']);
    const rec = dec().decode(text(encodeStomp('RECEIPT', { 'receipt-id': '5' })))!;
    assert.deepEqual([rec.key, rec.role], ['receipt:5', 'reply']);
    assert.equal(dec().decode(text('\n'))!.type, 'HEARTBEAT');
    const two = dec().decode(text(`\n${encodeStomp('RECEIPT', { 'receipt-id': '1' })}${encodeStomp('RECEIPT', { 'receipt-id': '2' })}`))!;
    assert.deepEqual(two.items!.map((i) => i.key), ['receipt:1', 'receipt:2']);
    assert.ok(dec().decode(text('SEND\ndestination:/q\n\nno terminator'))!.invalid);
    assert.ok(dec().decode(text('HELLO\n\n\0'))!.invalid);
  });
});
