/**
 * SignalR's MessagePack hub protocol, with @microsoft/signalr-protocol-msgpack (the official
 * client's own MessagePackHubProtocol and its length-prefix format) as the oracle: what it writes we
 * decode to the same records as the JSON hub protocol; what we write it parses; and the client
 * driver speaks it end to end against a hub peer whose every record is read and written by it.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MessageType, NullLogger, type HubMessage } from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import { WebSocketServer } from 'ws';
import { SignalrDecoder } from '../../../src/core/protocols/signalr';
import { encodeSignalrMsgpack, type HubRecord } from '../../../src/core/protocols/signalrMsgpack';
import type { Decoded } from '../../../src/core/protocols/types';
import { client, exchangeOf, httpServer, type Client } from './helpers';

const hub = new MessagePackHubProtocol();
const bytes = (b: ArrayBuffer | Uint8Array) => (b instanceof Uint8Array ? b : new Uint8Array(b));
const concat = (...parts: Array<ArrayBuffer | Uint8Array>) => new Uint8Array(Buffer.concat(parts.map(bytes)));
/** The fields describeSignalr gives, without the lazily built or derived ones. */
const fields = (d: Decoded) => Object.fromEntries(Object.entries(d).filter(([k]) => !['protocol', 'summary', 'key', 'role'].includes(k)));

describe('protocols: SignalR MessagePack hub protocol against @microsoft/signalr-protocol-msgpack', () => {
  it('decodes every record type the official protocol writes, several to a message', () => {
    const written = concat(
      hub.writeMessage({ type: MessageType.Invocation, headers: { h: 'v' }, invocationId: '7', target: 'Send', arguments: ['hi', 2, new Uint8Array([1, 2, 3]), { a: [true, null] }], streamIds: [] }),
      hub.writeMessage({ type: MessageType.Invocation, headers: {}, target: 'Notify', arguments: [] }),
      hub.writeMessage({ type: MessageType.StreamItem, headers: {}, invocationId: '7', item: 1.5 }),
      hub.writeMessage({ type: MessageType.Completion, headers: {}, invocationId: '7', result: { ok: 1 } }),
      hub.writeMessage({ type: MessageType.Completion, headers: {}, invocationId: '8', error: 'boom' }),
      hub.writeMessage({ type: MessageType.Completion, headers: {}, invocationId: '9' }),
      hub.writeMessage({ type: MessageType.StreamInvocation, headers: {}, invocationId: '10', target: 'Count', arguments: [3] }),
      hub.writeMessage({ type: MessageType.CancelInvocation, headers: {}, invocationId: '10' }),
      hub.writeMessage({ type: MessageType.Ping }),
      hub.writeMessage({ type: MessageType.Close }),
    );
    const d = new SignalrDecoder().decode({ binary: true, data: written }, 'in')!;
    assert.equal(d.type, 'records');
    assert.deepStrictEqual(d.items!.map(fields), [
      { type: 'Invocation', headers: { h: 'v' }, invocationId: '7', target: 'Send', arguments: ['hi', 2, { $binary: 'AQID' }, { a: [true, null] }] },
      { type: 'Invocation', target: 'Notify', arguments: [] },
      { type: 'StreamItem', invocationId: '7', item: 1.5 },
      { type: 'Completion', invocationId: '7', result: { ok: 1 } },
      { type: 'Completion', invocationId: '8', error: 'boom' },
      { type: 'Completion', invocationId: '9' },
      { type: 'StreamInvocation', invocationId: '10', target: 'Count', arguments: [3] },
      { type: 'CancelInvocation', invocationId: '10' },
      { type: 'Ping' },
      { type: 'Close' },
    ]);
    assert.deepStrictEqual(d.items!.map((i) => [i.key, i.role]), [['7', 'request'], [undefined, undefined], ['7', 'partial'], ['7', 'reply'], ['8', 'reply'], ['9', 'reply'], ['10', 'request'], [undefined, undefined], [undefined, undefined], [undefined, undefined]]);
    assert.equal(d.items![0]!.summary, 'Send("hi", 2, "<3 B>", {"a":[true,null]}) id 7');
  });

  it('reads the handshake response and records the server sends in the same binary frame', () => {
    const dec = new SignalrDecoder();
    assert.equal(dec.decode({ binary: false, data: Buffer.from('{"protocol":"messagepack","version":1}\x1e') }, 'out')!.type, 'Handshake');
    const frame = concat(Buffer.from('{}\x1e'), hub.writeMessage({ type: MessageType.Ping }));
    const d = dec.decode({ binary: true, data: frame }, 'in')!;
    assert.deepStrictEqual(d.items!.map((i) => i.type), ['HandshakeResponse', 'Ping']);
    // After the handshake, a record whose length prefix is 0x7B ("{") is a record, not JSON.
    const args = ['x'.repeat(114)];
    const big = bytes(hub.writeMessage({ type: MessageType.Invocation, headers: {}, target: 'T', arguments: args }));
    assert.equal(big[0], 0x7b);
    assert.deepStrictEqual(dec.decode({ binary: true, data: big }, 'in')!.arguments, args);
  });

  it('a cut record or length prefix is invalid, not a throw', () => {
    const dec = new SignalrDecoder();
    const whole = bytes(hub.writeMessage({ type: MessageType.Ping }));
    assert.match(String(dec.decode({ binary: true, data: concat(whole, new Uint8Array([0x05, 0x91])) }, 'in')!.invalid), /record of 5 B cut at 1 B/);
    assert.match(String(dec.decode({ binary: true, data: new Uint8Array([0x80, 0x80]) }, 'in')!.invalid), /cut length prefix/);
    assert.match(String(dec.decode({ binary: true, data: new Uint8Array([0x01, 0x01]) }, 'in')!.invalid), /MessagePack array starting with its type/);
  });

  it('property: what we encode, the official protocol parses to the same messages', () => {
    const arg = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.integer(), { maxKeys: 3 }));
    const rec = fc.oneof(
      fc.record({ type: fc.constant(1), invocationId: fc.option(fc.stringMatching(/^[0-9]{1,4}$/), { nil: undefined }), target: fc.string({ minLength: 1 }), arguments: fc.array(arg, { maxLength: 4 }) }),
      fc.record({ type: fc.constant(2), invocationId: fc.stringMatching(/^[0-9]{1,4}$/), item: arg }),
      fc.record({ type: fc.constant(3), invocationId: fc.stringMatching(/^[0-9]{1,4}$/), result: arg }),
      fc.record({ type: fc.constant(3), invocationId: fc.stringMatching(/^[0-9]{1,4}$/), error: fc.string({ minLength: 1 }) }),
      fc.constant({ type: 6 }),
    );
    fc.assert(
      fc.property(fc.array(rec, { minLength: 1, maxLength: 4 }), (records) => {
        const parsed = hub.parseMessages(encodeSignalrMsgpack(...(records as HubRecord[])).slice().buffer, NullLogger.instance);
        const expected = records.map((r) => {
          const o: Record<string, unknown> = { ...r };
          if (r.type === 1 || r.type === 2 || r.type === 3) o.headers = {};
          if (r.type === 1) o.streamIds = [];
          if (o.invocationId === undefined) delete o.invocationId;
          return o;
        });
        assert.deepStrictEqual(parsed.map((m) => JSON.parse(JSON.stringify(m)) as unknown), JSON.parse(JSON.stringify(expected)));
      }),
      { numRuns: 200 },
    );
    // Bytes ($binary in arguments) arrive as bytes.
    const [m] = hub.parseMessages(encodeSignalrMsgpack({ type: 1, target: 'B', arguments: [{ $binary: 'AQID' }] }).slice().buffer, NullLogger.instance) as Array<{ arguments: unknown[] }>;
    assert.deepStrictEqual([...(m!.arguments[0] as Uint8Array)], [1, 2, 3]);
  });
});

describe('protocols: the SignalR client driver speaking MessagePack to an official-protocol hub peer', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let c: Client | undefined;
  const seen: HubMessage[] = [];
  let handshake: unknown;
  let handshakeBinary: boolean | undefined;

  beforeEach(async () => {
    seen.length = 0;
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server });
    wss.on('connection', (ws) => {
      let shaken = false;
      ws.on('message', (data: Buffer, isBinary) => {
        if (!shaken) {
          shaken = true;
          handshakeBinary = isBinary;
          handshake = JSON.parse(data.toString().replace(/\x1e$/, ''));
          // The handshake response in a binary frame with a server Ping right behind it, as ASP.NET may send.
          ws.send(concat(Buffer.from('{}\x1e'), hub.writeMessage({ type: MessageType.Ping })));
          return;
        }
        // A client never receives StreamInvocation, so the official parser skips it: read it by hand.
        const raw = new Uint8Array(data); // a copy: ws's Buffers are views into larger ones
        const messages = raw[1] === 0x95 && raw[2] === 4 ? [{ type: MessageType.StreamInvocation, invocationId: '3' } as HubMessage] : hub.parseMessages(raw.buffer, NullLogger.instance);
        for (const m of messages) {
          seen.push(m);
          if (m.type === MessageType.Invocation && m.invocationId) {
            const [a, b] = m.arguments as number[];
            ws.send(hub.writeMessage(m.target === 'Add' ? { type: MessageType.Completion, invocationId: m.invocationId, result: a! + b!, headers: {} } : { type: MessageType.Completion, invocationId: m.invocationId, error: 'no such method', headers: {} }));
          } else if (m.type === MessageType.StreamInvocation) {
            for (let i = 0; i < 3; i++) ws.send(hub.writeMessage({ type: MessageType.StreamItem, invocationId: m.invocationId, item: i, headers: {} }));
            ws.send(hub.writeMessage({ type: MessageType.Completion, invocationId: m.invocationId, headers: {} }));
          }
        }
      });
    });
  });

  afterEach(async () => {
    await c?.close();
    c = undefined;
    await new Promise<void>((r) => wss.close(() => r()));
    await http.close();
  });

  it('handshakes as messagepack, answers the ping, invokes (result and error), streams, pairs, in binary records', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/hub`, 'signalr', { protocolOptions: { hubProtocol: 'messagepack', keepAliveMs: 0 } });
    await c.session.ready();
    assert.deepEqual(handshake, { protocol: 'messagepack', version: 1 });
    assert.equal(handshakeBinary, false, 'the handshake itself is JSON text');
    await c.waitFor(() => seen.some((m) => m.type === MessageType.Ping));
    await c.session.send({ kind: 'signalr', target: 'Add', arguments: [2, 3] });
    await c.session.send({ kind: 'signalr', target: 'Nope', arguments: [] });
    await c.session.send({ kind: 'signalr', target: 'Count', arguments: [3], invocation: 'stream' });
    const x1 = await c.waitFor(exchangeOf('1'));
    await c.waitFor(exchangeOf('2'));
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'Completion' && o.decoded.invocationId === '3');
    assert.equal(x1.protocol, 'signalr');
    const inbound = c.decoded('in');
    assert.equal(inbound.find((d) => d.invocationId === '1' && d.type === 'Completion')!.result, 5);
    assert.equal(inbound.find((d) => d.invocationId === '2')!.error, 'no such method');
    assert.deepEqual(inbound.filter((d) => d.type === 'StreamItem').map((d) => d.item), [0, 1, 2]);
    assert.deepEqual(seen.filter((m) => m.type === MessageType.Invocation).map((m) => [(m as { target: string }).target, (m as { invocationId?: string }).invocationId, (m as { arguments: unknown[] }).arguments]), [
      ['Add', '1', [2, 3]],
      ['Nope', '2', []],
    ]);
    // Every record we sent after the handshake went as a binary frame.
    const sent = c.out.flatMap((o) => (o.type === 'event' && o.event.kind === 'message' && o.event.dir === 'out' ? [o.event.binary] : []));
    assert.deepEqual(sent.slice(1), sent.slice(1).map(() => true));
  });

  it('with autoAnswer off the server ping is not answered', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/hub`, 'signalr', { protocolOptions: { hubProtocol: 'messagepack', keepAliveMs: 0, autoAnswer: false } });
    await c.session.ready();
    await c.session.send({ kind: 'signalr', target: 'Add', arguments: [1, 1] });
    await c.waitFor(exchangeOf('1'));
    assert.equal(seen.filter((m) => m.type === MessageType.Ping).length, 0);
  });
});
