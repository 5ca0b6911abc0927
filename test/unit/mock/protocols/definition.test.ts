/**
 * Protocol mock definitions: what validation accepts and refuses (message kinds against the
 * endpoint's protocol, GraphQL query patterns), MQTT topic filters, and the malformedPacket fault
 * as a real client sees it.
 */
import assert from 'node:assert/strict';
import { io as ioc } from 'socket.io-client';
import { checkMockDefinition } from '../../../../src/core/engine/mock/validate';
import { topicMatches } from '../../../../src/core/engine/mock/protocols';
import { Resources } from '../helpers';

describe('mock protocols: definitions', function () {
  it('accepts protocol rules, reply and kind items on a protocol mock', () => {
    assert.deepEqual(
      checkMockDefinition({
        name: 'ok',
        protocol: 'socket.io',
        protocolOptions: { auth: { token: 'x' } },
        greeting: [{ kind: 'socket.io', event: 'hello', args: [] }],
        rules: [{ match: { event: 'chat', namespace: '/', json: { path: '0', exists: true } }, reply: ['ok'], join: ['a'], room: 'a', broadcast: true, respond: [{ kind: 'socket.io', event: 'x' }, 'raw text'], faults: [{ type: 'dropReply' }] }],
        faults: [{ type: 'noHeartbeat' }, { type: 'malformedPacket', afterMs: 10 }],
      }),
      [],
    );
  });

  it('refuses a kind item of another protocol, or on a raw mock, and says where', () => {
    const p = checkMockDefinition({ name: 'bad', protocol: 'stomp', rules: [{ respond: [{ kind: 'socket.io', event: 'x' }] }] });
    assert.equal(p.length, 1);
    assert.equal(p[0]!.pointer, '/rules/0/respond/0');
    assert.match(p[0]!.message, /needs "protocol": "socket.io"/);
    const raw = checkMockDefinition({ name: 'raw', greeting: [{ kind: 'json-rpc', method: 'hi' }] });
    assert.match(raw[0]!.message, /needs "protocol": "json-rpc".*it is auto/);
    const shape = checkMockDefinition({ name: 'shape', protocol: 'mqtt', greeting: [{ kind: 'mqtt', packet: 'publish' }] });
    assert.match(shape[0]!.message, /"topic" is required/);
  });

  it('refuses a GraphQL query pattern that does not compile, and an unknown protocol', () => {
    const p = checkMockDefinition({ name: 'g', protocol: 'graphql-ws', rules: [{ match: { query: { regex: '(a' } }, reply: [] }] });
    assert.equal(p.length, 1);
    assert.match(p[0]!.message, /query\.regex/);
    assert.ok(checkMockDefinition({ name: 'u', protocol: 'amqp' }).some((x) => x.pointer === '/protocol'));
  });

  it('matches MQTT topic filters as MQTT 3.1.1 §4.7 does', () => {
    const cases: [string, string, boolean][] = [
      ['a/+/c', 'a/b/c', true], ['a/+/c', 'a/b/d', false], ['a/#', 'a', true], ['a/#', 'a/b/c', true],
      ['#', 'a/b', true], ['#', '$SYS/x', false], ['+/x', '$SYS/x', false], ['a/b', 'a/b/c', false], ['a/+', 'a/', true], ['+', 'a/b', false],
    ];
    for (const [f, t, want] of cases) assert.equal(topicMatches(f, t), want, `${f} vs ${t}`);
  });

  describe('malformedPacket', () => {
    const r = new Resources();
    afterEach(() => r.dispose());
    it('sends a packet socket.io-client cannot parse, which closes its session', async () => {
      const { port } = await r.mock({ protocol: 'socket.io', faults: [{ type: 'malformedPacket', afterMs: 100 }] });
      const s = ioc(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
      try {
        await new Promise<void>((res) => s.once('connect', () => res()));
        const reason = await new Promise<string>((res) => s.once('disconnect', res));
        assert.equal(reason, 'parse error');
      } finally {
        s.disconnect();
      }
    });
  });
});
