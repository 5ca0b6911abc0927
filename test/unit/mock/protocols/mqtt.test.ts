/**
 * The MQTT mock (aedes behind the mock's recorded WebSocket) against MQTT.js over WebSocket:
 * QoS 0/1/2 publish and subscribe, retained messages, wildcard rules answering by publishing,
 * credentials, the recording of both directions, and PINGREQ left unanswered by noHeartbeat.
 */
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { Resources, delay, until } from '../helpers';
import type { MockDefinition } from '../../../../src/core/engine/mock/definition';
import { MqttDecoder } from '../../../../src/core/protocols/mqtt';

const BROKER: Partial<MockDefinition> = {
  protocol: 'mqtt',
  protocolOptions: { username: 'ann', password: 'pw' },
  rules: [
    { match: { topic: 'sensors/+/get', type: 'PUBLISH' }, respond: [{ kind: 'mqtt', packet: 'publish', topic: 'sensors/reply', payload: { asked: '{{json.id}}', t: 21.5 }, qos: 1 }] },
    { match: { topic: 'config/#', type: 'SUBSCRIBE' }, respond: [{ kind: 'mqtt', packet: 'publish', topic: 'config/mode', payload: 'eco', retain: true }] },
  ],
};

describe('mock protocols: MQTT (aedes) with MQTT.js over WebSocket', function () {
  const r = new Resources();
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    await r.dispose();
  });

  async function connect(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
    const c = mqtt.connect(url, { username: 'ann', password: 'pw', reconnectPeriod: 0, connectTimeout: 3000, ...opts });
    clients.push(c);
    await new Promise<void>((res, rej) => {
      c.once('connect', () => res());
      c.once('error', rej);
    });
    return c;
  }

  it('publishes and subscribes at QoS 0, 1 and 2, with retained messages; both directions are recorded', async () => {
    const { url, events } = await r.mock(BROKER);
    const a = await connect(url);
    const b = await connect(url);
    const got: string[] = [];
    b.on('message', (topic, payload, packet) => got.push(`${topic}:${payload.toString()}:q${packet.qos}`));
    await b.subscribeAsync('chat/#', { qos: 2 });
    for (const qos of [0, 1, 2] as const) await a.publishAsync(`chat/q${qos}`, `m${qos}`, { qos });
    await until(() => got.length === 3, 3000, 'three deliveries');
    assert.deepEqual(got.sort(), ['chat/q0:m0:q0', 'chat/q1:m1:q1', 'chat/q2:m2:q2']);
    await a.publishAsync('state/last', 'kept', { retain: true, qos: 1 });
    const c = await connect(url);
    const retained = new Promise<string>((res) => c.once('message', (_t, p, packet) => res(`${p.toString()}:${String(packet.retain)}`)));
    await c.subscribeAsync('state/last');
    assert.equal(await retained, 'kept:true');
    // The mock's timeline holds the MQTT bytes both ways: a PUBLISH from a client and one to a client.
    const dec = new MqttDecoder();
    const decoded = events.filter((e) => e.kind === 'message' && e.connection === events.find((x) => x.kind === 'message')!.connection).map((e) => (e.kind === 'message' ? dec.decode({ binary: true, data: e.data }, e.dir === 'in' ? 'out' : 'in') : undefined));
    assert.ok(decoded.some((d) => d?.packet === 'connect') && decoded.some((d) => d?.packet === 'connack'));
    assert.ok(events.some((e) => e.kind === 'message' && e.dir === 'out' && e.binary));
  });

  it('answers a publish matching a wildcard rule by publishing through the broker; a subscribe rule publishes retained state', async () => {
    const { url } = await r.mock(BROKER);
    const c = await connect(url);
    await c.subscribeAsync('sensors/reply', { qos: 1 });
    const reply = new Promise<unknown>((res) => c.once('message', (_t, p) => res(JSON.parse(p.toString()))));
    await c.publishAsync('sensors/kitchen/get', JSON.stringify({ id: 'k1' }), { qos: 1 });
    assert.deepEqual(await reply, { asked: 'k1', t: 21.5 });
    const cfg = new Promise<string>((res) => c.on('message', (t, p) => t === 'config/mode' && res(p.toString())));
    await c.subscribeAsync('config/#');
    assert.equal(await cfg, 'eco');
  });

  it('refuses wrong credentials with a CONNACK error', async () => {
    const { url } = await r.mock(BROKER);
    await assert.rejects(connect(url, { password: 'nope' }), /Not authorized|Bad username/i);
  });

  it('stops answering PINGREQ with noHeartbeat, so the client times out', async () => {
    const { url } = await r.mock({ ...BROKER, faults: [{ type: 'noHeartbeat' }] });
    const c = await connect(url, { keepalive: 1 });
    const closed = new Promise<Error | undefined>((res) => c.once('error', res).once('offline', () => res(undefined)));
    const t0 = Date.now();
    await closed;
    assert.ok(Date.now() - t0 >= 900, 'the client gave up after its keep-alive');
    await delay(10);
  });
});
