/**
 * The STOMP mock as a small broker against the real @stomp/stompjs Client: CONNECT with login,
 * subscribe, SEND delivered as MESSAGE to subscribers, rules answering with frames, receipts,
 * client ack mode, heart-beats both ways, refused credentials, and a dropped receipt.
 */
import assert from 'node:assert/strict';
import { Client, type IFrame, type IMessage } from '@stomp/stompjs';
import { WebSocket } from 'ws';
import { Resources, delay, until } from '../helpers';
import type { MockDefinition } from '../../../../src/core/engine/mock/definition';

const BROKER: Partial<MockDefinition> = {
  protocol: 'stomp',
  protocolOptions: { login: 'guest', passcode: 'guest', heartBeat: '50,50' },
  rules: [
    { match: { command: 'SEND', destination: '/app/greet' }, respond: [{ kind: 'stomp', command: 'SEND', headers: { destination: '/topic/greetings' }, body: '{"greeting":"hello {{json.name}}"}' }] },
    { match: { command: 'SEND', destination: '/app/lost' }, faults: [{ type: 'dropReply' }] },
  ],
};

describe('mock protocols: STOMP with the @stomp/stompjs Client', function () {
  const r = new Resources();
  const clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.deactivate();
    await r.dispose();
  });

  async function stomp(url: string, opts: Partial<ConstructorParameters<typeof Client>[0]> = {}): Promise<Client> {
    const c = new Client({
      webSocketFactory: () => new WebSocket(url, ['v12.stomp', 'v11.stomp']),
      connectHeaders: { login: 'guest', passcode: 'guest' },
      reconnectDelay: 0,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
      ...opts,
    });
    clients.push(c);
    await new Promise<void>((res, rej) => {
      c.onConnect = () => res();
      c.onStompError = (f: IFrame) => rej(new Error(f.headers.message));
      c.activate();
    });
    return c;
  }

  it('delivers a SEND as MESSAGE to every subscriber of the destination, with receipts', async () => {
    const { url } = await r.mock(BROKER);
    const a = await stomp(url);
    const b = await stomp(url);
    const got: string[] = [];
    const receipts: string[] = [];
    a.watchForReceipt('sub-a', () => receipts.push('sub-a'));
    a.subscribe('/topic/chat', (m: IMessage) => got.push(`a:${m.body}`), { receipt: 'sub-a' });
    b.subscribe('/topic/chat', (m: IMessage) => got.push(`b:${m.body}`));
    await until(() => receipts.length === 1, 2000, 'the SUBSCRIBE receipt');
    b.watchForReceipt('send-1', () => receipts.push('send-1'));
    b.publish({ destination: '/topic/chat', body: 'hi all', headers: { receipt: 'send-1' } });
    await until(() => got.length === 2 && receipts.length === 2, 2000, 'both deliveries and the receipt');
    assert.deepEqual(got.sort(), ['a:hi all', 'b:hi all']);
  });

  it('answers a SEND by rule: a templated SEND to another destination reaches its subscribers', async () => {
    const { url } = await r.mock(BROKER);
    const c = await stomp(url);
    const got: unknown[] = [];
    c.subscribe('/topic/greetings', (m: IMessage) => got.push(JSON.parse(m.body)));
    await delay(50);
    c.publish({ destination: '/app/greet', body: JSON.stringify({ name: 'Ada' }) });
    await until(() => got.length === 1, 2000, 'the greeting');
    assert.deepEqual(got, [{ greeting: 'hello Ada' }]);
  });

  it('client ack mode: MESSAGE carries an ack id the client acknowledges', async () => {
    const { url, events } = await r.mock(BROKER);
    const c = await stomp(url);
    const acked: string[] = [];
    c.subscribe('/queue/jobs', (m: IMessage) => {
      acked.push(m.headers.ack ?? '');
      m.ack();
    }, { ack: 'client-individual' });
    await delay(50);
    c.publish({ destination: '/queue/jobs', body: 'job 1' });
    await until(() => acked.length === 1, 2000, 'the message');
    assert.ok(acked[0]);
    await until(() => events.some((e) => e.kind === 'message' && e.dir === 'in' && e.data.toString().startsWith(`ACK\nid:${acked[0]}`)), 2000, 'the ACK frame');
  });

  it('heart-beats both ways at the negotiated interval; a wrong passcode gets ERROR', async () => {
    const { url, events } = await r.mock(BROKER);
    // 250 ms: stompjs calls the server dead after two silent intervals, so a loaded machine's
    // event-loop stalls (100 ms and more with many suites running) must not look like a dead server.
    const c = await stomp(url, { heartbeatIncoming: 250, heartbeatOutgoing: 250 });
    await delay(1200);
    assert.equal(c.connected, true, 'the client saw the server heart-beats in time');
    const beatsOut = events.filter((e) => e.kind === 'message' && e.dir === 'out' && e.data.toString() === '\n').length;
    assert.ok(beatsOut >= 3, `server heart-beats sent: ${beatsOut}`);
    await assert.rejects(stomp(url, { connectHeaders: { login: 'guest', passcode: 'nope' } }), /Bad credentials/);
  });

  it('drops the receipt of a frame whose rule has a dropReply fault', async () => {
    const { url } = await r.mock(BROKER);
    const c = await stomp(url);
    const receipts: string[] = [];
    c.watchForReceipt('r-lost', () => receipts.push('r-lost'));
    c.watchForReceipt('r-ok', () => receipts.push('r-ok'));
    c.publish({ destination: '/app/lost', body: 'x', headers: { receipt: 'r-lost' } });
    c.publish({ destination: '/app/other', body: 'x', headers: { receipt: 'r-ok' } });
    await until(() => receipts.includes('r-ok'), 2000, 'the second receipt');
    await delay(50);
    assert.deepEqual(receipts, ['r-ok']);
  });
});
