/**
 * The MQTT client against a real broker (aedes, over a `ws` stream on 127.0.0.1): CONNECT/CONNACK
 * with credentials, QoS 0/1/2 publish and subscribe flows completed and paired by packet id,
 * retained messages, MQTT 5, and a refused CONNECT. The codec also decodes what mqtt-packet
 * generates, packets split across and packed into messages.
 */
import assert from 'node:assert/strict';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { MqttDecoder, encodeMqtt } from '../../../src/core/protocols/mqtt';
import { client, exchangeOf, httpServer, type Client } from './helpers';

const decodedIn = (c: Client, packet: string) => c.decoded('in').flatMap((d) => d.items ?? [d]).filter((d) => d.packet === packet);

describe('protocols: MQTT against a real aedes broker', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let broker: { handle(stream: unknown): unknown; close(cb: () => void): void; publish(p: object, cb: (e?: Error) => void): void; authenticate: unknown };
  let c: Client | undefined;

  beforeEach(async () => {
    const { Aedes } = (await import('aedes')) as unknown as { Aedes: { createBroker(): Promise<typeof broker> } };
    broker = await Aedes.createBroker();
    broker.authenticate = (_client: unknown, username: string | undefined, password: Buffer | undefined, done: (e: Error | null, ok: boolean) => void) =>
      done(null, username === undefined || (username === 'ann' && password?.toString() === 'pw'));
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
    wss.on('connection', (ws) => broker.handle(createWebSocketStream(ws)));
  });

  afterEach(async () => {
    await c?.close();
    c = undefined;
    await new Promise<void>((r) => wss.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
    await http.close();
  });

  it('connects with credentials, subscribes and publishes at QoS 0, 1 and 2, each flow completed and paired', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/mqtt`, 'mqtt', { protocolOptions: { clientId: 'wb-test', username: 'ann', password: 'pw', keepalive: 30 } });
    await c.session.ready();
    assert.ok(c.out.some((o) => o.type === 'event' && o.event.kind === 'handshake' && o.event.subprotocol === 'mqtt'));
    assert.ok(c.out.some(exchangeOf('connect')));
    await c.session.send({ kind: 'mqtt', packet: 'subscribe', topic: 'a/#', qos: 2 });
    await c.waitFor(exchangeOf('1'));
    assert.deepEqual(decodedIn(c, 'suback')[0]!.granted, [2]);
    for (const qos of [0, 1, 2] as const) await c.session.send({ kind: 'mqtt', packet: 'publish', topic: `a/q${qos}`, payload: { n: qos }, qos });
    // Our QoS 1 (id 2) and QoS 2 (id 3) publishes are acknowledged by the broker…
    await c.waitFor(exchangeOf('2'));
    await c.waitFor(exchangeOf('3'));
    await c.waitFor((o) => o.type === 'event' && o.decoded?.packet === 'pubcomp' && o.decoded.packetId === 3);
    assert.ok(c.decoded('out').some((d) => d.packet === 'pubrel' && d.packetId === 3), 'PUBREL answered the PUBREC');
    // …and the broker delivers them back to our subscription, whose QoS 1/2 flows we complete.
    await c.waitFor(() => decodedIn(c!, 'publish').length === 3);
    const got = decodedIn(c, 'publish').map((d) => [d.topic, d.qos, d.payload]);
    assert.deepEqual(got.sort(), [['a/q0', 0, { n: 0 }], ['a/q1', 1, { n: 1 }], ['a/q2', 2, { n: 2 }]]);
    await c.waitFor((o) => o.type === 'event' && o.decoded?.packet === 'pubcomp' && (o.event as { dir?: string }).dir === 'out');
    const outAcks = c.decoded('out').map((d) => d.packet);
    assert.ok(outAcks.includes('puback') && outAcks.includes('pubrec') && outAcks.includes('pubcomp'), outAcks.join(','));
    // The broker's QoS 2 delivery to us paired (its PUBLISH, our PUBREC), seen from the other side.
    const pub = c.out.find((o) => o.type === 'event' && o.decoded?.packet === 'publish' && o.decoded.qos === 2 && (o.event as { dir?: string }).dir === 'in');
    assert.ok(pub);
    const summary = decodedIn(c, 'publish').find((d) => d.qos === 1)!.summary;
    assert.match(summary, /^PUBLISH a\/q1 qos 1 id \d+ \{"n":1\}$/);
  });

  it('delivers a retained message to a later subscriber, flagged retain', async () => {
    await new Promise<void>((r, j) => broker.publish({ cmd: 'publish', topic: 'state/door', payload: Buffer.from('open'), qos: 0, retain: true, dup: false }, (e) => (e ? j(e) : r())));
    c = await client(`ws://127.0.0.1:${http.port}/mqtt`, 'mqtt');
    await c.session.send({ kind: 'mqtt', packet: 'subscribe', topic: 'state/+', qos: 0 });
    await c.waitFor(() => decodedIn(c!, 'publish').length === 1);
    const d = decodedIn(c, 'publish')[0]!;
    assert.deepEqual([d.topic, d.payload, d.retain], ['state/door', 'open', true]);
  });

  it('a refused CONNECT fails ready(): MQTT 5 (aedes speaks 3.1.1) and a wrong password', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/mqtt`, 'mqtt', { protocolOptions: { protocolVersion: 5 } });
    await assert.rejects(c.session.ready(), /CONNACK refused the connection \(return code 1\)/);
    assert.equal(c.decoded('out')[0]!.protocolVersion, 5);
    await c.close();

    c = await client(`ws://127.0.0.1:${http.port}/mqtt`, 'mqtt', { protocolOptions: { username: 'ann', password: 'wrong' } });
    await assert.rejects(c.session.ready(), /CONNACK refused the connection \(return code [45]\)/);
  });

  it('decodes MQTT 5 (version taken from the CONNECT, properties parsed both ways)', () => {
    const dec = new MqttDecoder();
    const connect = dec.decode({ binary: true, data: encodeMqtt({ cmd: 'connect', clientId: 'c', protocolVersion: 5, keepalive: 10, clean: true, protocolId: 'MQTT', properties: { sessionExpiryInterval: 60 } }, 5) }, 'out')!;
    assert.equal(connect.protocolVersion, 5);
    const connack = dec.decode({ binary: true, data: encodeMqtt({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { maximumPacketSize: 1024 } }, 5) }, 'in')!;
    assert.deepEqual([connack.type, connack.key, connack.role, connack.reasonCode], ['CONNACK', 'connect', 'reply', 0]);
    const pub = dec.decode({ binary: true, data: encodeMqtt({ cmd: 'publish', topic: 't', payload: Buffer.from('{"a":1}'), qos: 1, messageId: 3, retain: false, dup: false, properties: { contentType: 'application/json' } }, 5) }, 'in')!;
    assert.deepEqual([pub.topic, pub.payload, pub.packetId], ['t', { a: 1 }, 3]);
  });

  it('with autoAnswer off a QoS 1 delivery is left unacknowledged (and no PINGREQ is sent)', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/mqtt`, 'mqtt', { protocolOptions: { autoAnswer: false, keepalive: 1 } });
    await c.session.ready();
    await c.session.send({ kind: 'mqtt', packet: 'subscribe', topic: 't', qos: 1 });
    await c.waitFor(exchangeOf('1'));
    await new Promise<void>((r, j) => broker.publish({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, retain: false, dup: false }, (e) => (e ? j(e) : r())));
    await c.waitFor(() => decodedIn(c!, 'publish').length >= 1);
    await new Promise((r) => setTimeout(r, 1200));
    const sent = c.decoded('out').map((d) => d.packet);
    assert.ok(!sent.includes('puback') && !sent.includes('pingreq'), sent.join(','));
  });

  it('decodes packets split across messages and several packets in one message', () => {
    const dec = new MqttDecoder();
    const pub = encodeMqtt({ cmd: 'publish', topic: 'a/b', payload: Buffer.from([0xff, 0x00]), qos: 1, messageId: 7, retain: false, dup: false });
    const half = Math.floor(pub.length / 2);
    assert.equal(dec.decode({ binary: true, data: pub.subarray(0, half) }, 'in')!.type, 'partial');
    const whole = dec.decode({ binary: true, data: pub.subarray(half) }, 'in')!;
    assert.deepEqual([whole.type, whole.topic, whole.packetId, whole.payload, whole.key, whole.role], ['PUBLISH', 'a/b', 7, { $binary: Buffer.from([0xff, 0]).toString('base64') }, '7', 'request']);
    const two = Buffer.concat([encodeMqtt({ cmd: 'puback', messageId: 7 }), encodeMqtt({ cmd: 'pingresp' })]);
    const d = dec.decode({ binary: true, data: two }, 'out')!;
    assert.deepEqual(d.items!.map((i) => [i.type, i.key, i.role]), [['PUBACK', '7', 'reply'], ['PINGRESP', 'ping', 'reply']]);
    assert.ok(dec.decode({ binary: true, data: Uint8Array.from([0x00, 0x00]) }, 'in')!.invalid);
  });
});
