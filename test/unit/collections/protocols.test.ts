import assert from 'node:assert/strict';
import { parseCollection } from '../../../src/core/collections/parse';
import { protocolMessageOf, protocolOf, requestReferences, resolveVariables, secretFragments } from '../../../src/core/collections/variables';
import { maskFor } from '../../../src/core/collections/secretMask';
import type { Collection, RequestDef } from '../../../src/core/collections/types';
import { isProtocolMessage } from '../../../src/core/collections/types';
import { parseMessageDef } from '../../../src/core/protocols/messages';
import { compileExpect, type MatchContext, type Reply } from '../../../src/core/collections/expect';
import { createDecoder } from '../../../src/core/protocols/codecs';
import type { ProtocolName } from '../../../src/core/protocols/types';

/** One request per protocol, each with its message kinds and protocol expectations (the contract of issue 13). */
export const protocolCollection = {
  version: 1,
  name: 'protocols',
  requests: [
    {
      name: 'sio',
      url: 'ws://127.0.0.1:1/chat',
      protocol: 'socket.io',
      protocolOptions: { namespace: '/chat', auth: { token: '{{secret:tok}}' }, autoAnswer: true, eio: 4 },
      messages: [{ name: 'hello', kind: 'socket.io', event: 'chat', args: ['hi', { n: 1 }], ack: true, expect: [{ ack: true, jsonPath: '$[0]', equals: 'ok' }, { event: 'chat', count: 2 }] }],
    },
    {
      name: 'gql',
      url: 'ws://127.0.0.1:1/graphql',
      protocol: 'graphql-ws',
      protocolOptions: { connectionParams: { authorization: 'Bearer {{secret:tok}}' } },
      messages: [
        { name: 'greetings', kind: 'graphql', query: 'subscription { greetings }', variables: { a: 1 }, operationName: 'G', expect: [{ type: 'next', count: 3, shape: { '$.data.greetings': 'string' } }] },
        { name: 'stop', kind: 'graphql-complete', of: 'greetings' },
      ],
    },
    { name: 'hub', url: 'ws://127.0.0.1:1/hub', protocol: 'signalr', protocolOptions: { keepAliveMs: 0 }, messages: [{ name: 'add', kind: 'signalr', target: 'Add', arguments: [1, 2], invocation: 'invoke', expect: [{ ack: true, type: 'Completion', jsonPath: '$', equals: 3 }] }] },
    {
      name: 'broker',
      url: 'ws://127.0.0.1:1/stomp',
      protocol: 'stomp',
      protocolOptions: { login: 'u', passcode: '{{secret:pass}}', heartBeat: '0,0' },
      messages: [
        { name: 'sub', kind: 'stomp', command: 'SUBSCRIBE', headers: { destination: '/topic/a', receipt: 'r1' }, expect: [{ ack: true, type: 'RECEIPT' }] },
        { name: 'send', kind: 'stomp', command: 'SEND', headers: { destination: '/topic/a' }, body: '{"x":1}', expect: [{ type: 'MESSAGE', jsonPath: '$.x', equals: 1 }] },
      ],
    },
    {
      name: 'mqtt',
      url: 'ws://127.0.0.1:1/mqtt',
      protocol: 'mqtt',
      protocolOptions: { clientId: 'c1', username: 'u', password: '{{secret:pass}}', keepalive: 30, protocolVersion: 4, clean: true },
      messages: [
        { name: 'sub', kind: 'mqtt', packet: 'subscribe', topic: 'a/#', qos: 1, expect: [{ ack: true, type: 'SUBACK' }] },
        { name: 'pub', kind: 'mqtt', packet: 'publish', topic: 'a/b', payload: { t: 21 }, qos: 1, retain: false, expect: [{ type: 'PUBLISH', jsonPath: '$.t', equals: 21 }] },
      ],
    },
    { name: 'rpc', url: 'ws://127.0.0.1:1/rpc', protocol: 'json-rpc', messages: [{ name: 'sum', kind: 'json-rpc', method: 'sum', params: [1, 2], expect: [{ ack: true, jsonPath: '$', equals: 3 }] }, { name: 'log', kind: 'json-rpc', method: 'log', params: { m: 'x' }, notification: true }] },
  ],
};

const text = (c: unknown) => JSON.stringify(c, null, 2);
function errs(c: unknown) {
  return parseCollection(text(c), 'p.websocket.json').errors;
}
/** The collection with one request replaced (by index) through `edit`. */
function withRequest(i: number, edit: (r: Record<string, unknown>) => void) {
  const c = structuredClone(protocolCollection) as { requests: Array<Record<string, unknown>> };
  edit(c.requests[i]!);
  return c;
}
const firstMessage = (r: Record<string, unknown>) => (r.messages as Array<Record<string, unknown>>)[0]!;

describe('collections: protocol requests, messages and expectations (issue 13 contract)', () => {
  it('accepts one request per protocol with every message kind and protocol expectation term', () => {
    const r = parseCollection(text(protocolCollection), 'p.websocket.json');
    assert.deepEqual(r.errors, []);
    const kinds = r.collection!.requests!.flatMap((q) => (q.messages ?? []).map((m) => m.kind));
    assert.deepEqual([...new Set(kinds)].sort(), ['graphql', 'graphql-complete', 'json-rpc', 'mqtt', 'signalr', 'socket.io', 'stomp']);
  });

  it('file messages are the CLI\'s --message objects plus name, description and expect', () => {
    for (const req of protocolCollection.requests) {
      for (const m of req.messages) {
        const { name: _n, expect: _e, ...fields } = m as Record<string, unknown>;
        assert.doesNotThrow(() => parseMessageDef(fields), `${req.name}/${String(m.name)}`);
      }
    }
  });

  it('says at the kind where a protocol message does not fit its request\'s protocol', () => {
    const e = errs(withRequest(5, (r) => (r.protocol = 'mqtt')));
    const kinds = e.filter((d) => d.code === 'WSWB_PROTOCOL_MISMATCH');
    assert.equal(kinds.length, 2, JSON.stringify(e));
    assert.equal(kinds[0]!.path, '/requests/5/messages/0/kind');
    assert.match(kinds[0]!.message, /requests\[5\]\.messages\[0\]\.kind: a "json-rpc" message needs "protocol": "json-rpc" on its request \(it has "mqtt"\)/);
    const lines = text(withRequest(5, (r) => (r.protocol = 'mqtt'))).split('\n');
    assert.match(lines[kinds[0]!.line - 1]!.slice(kinds[0]!.column - 1), /^"json-rpc"/, 'the position is the kind\'s value');
    const auto = errs(withRequest(0, (r) => delete r.protocol));
    assert.match(auto.find((d) => d.code === 'WSWB_PROTOCOL_MISMATCH')!.message, /needs "protocol": "socket.io" on its request \(it has "auto"\)/);
  });

  it('a graphql-complete names a graphql message of its request', () => {
    const e = errs(withRequest(1, (r) => ((r.messages as Array<Record<string, unknown>>)[1]!.of = 'nope')));
    assert.equal(e.length, 1);
    assert.equal(e[0]!.code, 'WSWB_UNKNOWN_OPERATION');
    assert.equal(e[0]!.path, '/requests/1/messages/1/of');
    assert.match(e[0]!.message, /no graphql message named "nope" in this request \(have: "greetings"\)/);
  });

  it('checks each kind\'s fields with the schema: required, allowed, typed', () => {
    const missing = errs(withRequest(4, (r) => delete firstMessage(r).topic));
    assert.match(missing[0]!.message, /requests\[4\]\.messages\[0\]: missing required property "topic"/);
    const foreign = errs(withRequest(4, (r) => (firstMessage(r).event = 'x')));
    assert.equal(foreign.length, 1, JSON.stringify(foreign));
    assert.equal(foreign[0]!.path, '/requests/4/messages/0/event');
    assert.match(foreign[0]!.message, /not allowed here for this kind/);
    const qos = errs(withRequest(4, (r) => (firstMessage(r).qos = 3)));
    assert.match(qos[0]!.message, /qos: must be one of 0, 1, 2/);
    const plainField = errs(withRequest(0, (r) => (firstMessage(r).data = 'x')));
    assert.match(plainField[0]!.message, /messages\[0\]\.data: not allowed here for this kind/);
    const textWithEvent = errs({ version: 1, name: 'x', requests: [{ name: 'a', url: 'ws://h', messages: [{ name: 'm', kind: 'text', data: 'x', event: 'e' }] }] });
    assert.match(textWithEvent[0]!.message, /event: not allowed here for this kind/);
    const badKind = errs({ version: 1, name: 'x', requests: [{ name: 'a', url: 'ws://h', messages: [{ name: 'm', kind: 'soap' }] }] });
    assert.match(badKind[0]!.message, /kind: must be one of "text", "json", "binary", "socket.io", "graphql", "graphql-complete", "signalr", "stomp", "mqtt", "json-rpc"/);
  });

  it('checks protocolOptions against the request\'s protocol, pointing at the unknown key', () => {
    const e = errs(withRequest(4, (r) => ((r.protocolOptions as Record<string, unknown>).namespace = '/x')));
    assert.equal(e.length, 1, JSON.stringify(e));
    assert.match(e[0]!.message, /requests\[4\]\.protocolOptions\.namespace: unknown property "namespace"/);
    const lines = text(withRequest(4, (r) => ((r.protocolOptions as Record<string, unknown>).namespace = '/x'))).split('\n');
    assert.match(lines[e[0]!.line - 1]!.slice(e[0]!.column - 1), /^"namespace"/);
    const typed = errs(withRequest(4, (r) => ((r.protocolOptions as Record<string, unknown>).keepalive = '30')));
    assert.match(typed[0]!.message, /protocolOptions\.keepalive: must be integer/);
    const version = errs(withRequest(4, (r) => ((r.protocolOptions as Record<string, unknown>).protocolVersion = 3)));
    assert.match(version[0]!.message, /protocolVersion: must be one of 4, 5/);
    const badProtocol = errs(withRequest(4, (r) => (r.protocol = 'amqp')));
    assert.match(badProtocol[0]!.message, /protocol: must be one of "auto", "raw", "socket.io", "graphql-ws", "signalr", "stomp", "mqtt", "json-rpc"/);
    // auto and raw take any options (only Socket.IO's eio matters to decoding).
    assert.deepEqual(errs({ version: 1, name: 'x', requests: [{ name: 'a', url: 'ws://h', protocol: 'auto', protocolOptions: { eio: 3 } }] }), []);
  });

  it('expectations: protocol terms alone or with jsonPath/shape/regex; something to match is required', () => {
    const rule = (x: unknown, protocol = 'socket.io') => errs({ version: 1, name: 'x', requests: [{ name: 'a', url: 'ws://h', protocol, messages: [{ name: 'm', kind: 'text', data: '', expect: [x] }] }] });
    assert.deepEqual(rule({ event: 'chat' }), []);
    assert.deepEqual(rule({ ack: true, regex: '^43' }), []);
    assert.deepEqual(rule({ type: 'EVENT', count: 2, shape: { '$[0]': 'string' } }), []);
    assert.match(rule({ count: 2 })[0]!.message, /either "regex" or "jsonPath", or a "shape", and\/or a protocol term "event", "ack" or "type"/);
    assert.match(rule({ event: 'x', count: 0 })[0]!.message, /count: must be >= 1/);
    const raw = rule({ type: 'EVENT' }, 'raw');
    assert.equal(raw[0]!.code, 'WSWB_PROTOCOL_MISMATCH');
    assert.equal(raw[0]!.path, '/requests/0/messages/0/expect/0/type');
    assert.match(raw[0]!.message, /"type" looks at decoded protocol packets, but the request's protocol is "raw"/);
    assert.match(rule({ event: 'x' }, 'json-rpc')[0]!.message, /"event" names a Socket.IO event, but the request's protocol is "json-rpc"/);
    assert.deepEqual(rule({ event: 'x' }, 'auto'), [], 'auto decodes what it recognises: Socket.IO included');
  });

  it('scenario steps send protocol messages inline and expect with protocol terms', () => {
    const c = {
      ...structuredClone(protocolCollection),
      scenarios: [{ name: 's', steps: [{ connect: 'sio' }, { send: { kind: 'socket.io', event: 'chat', args: ['x'], ack: true } }, { expect: { ack: true } }, { expectNone: { event: 'bye' }, for: 10 }] }],
    };
    assert.deepEqual(errs(c), []);
    c.scenarios[0]!.steps[1] = { send: { kind: 'socket.io', args: [] } as never };
    assert.match(errs(c)[0]!.message, /missing required property "event"/);
  });

  it('scenario steps: a protocol message or term that does not fit the connection is a diagnostic at it', () => {
    const c = {
      ...structuredClone(protocolCollection),
      scenarios: [
        {
          name: 's',
          steps: [
            { connect: 'rpc', as: 'r' },
            { send: { kind: 'socket.io', event: 'chat' } },
            { expect: { event: 'chat' } },
            { unordered: true, steps: [{ expect: { type: 'result' } }, { expect: { event: 'x' }, on: 'r' }] },
          ],
        },
      ],
    };
    const e = errs(c);
    assert.deepEqual(e.map((d) => [d.code, d.path]), [
      ['WSWB_PROTOCOL_MISMATCH', '/scenarios/0/steps/1/send/kind'],
      ['WSWB_PROTOCOL_MISMATCH', '/scenarios/0/steps/2/expect/event'],
      ['WSWB_PROTOCOL_MISMATCH', '/scenarios/0/steps/3/steps/1/expect/event'],
    ]);
    assert.match(e[0]!.message, /a "socket\.io" message needs a connection speaking socket\.io; "r" \(request "rpc"\) has protocol "json-rpc"/);
    assert.match(e[1]!.message, /"event" names a Socket\.IO event, but the request's protocol is "json-rpc" \(use "type" and "jsonPath"\) \(connection "r", request "rpc"\)/);
  });
});

describe('collections: protocol fields resolve like every other field', () => {
  const secrets = (m: Record<string, string>) => ({ get: async (n: string) => m[n] });

  it('references in protocolOptions and protocol messages are resolved, secrets and variables alike', async () => {
    const collection = protocolCollection as unknown as Collection;
    const sio = collection.requests![0]!;
    assert.deepEqual(requestReferences(sio), ['secret:tok']);
    const missing = await resolveVariables(collection, sio, {});
    assert.equal(missing.ok, false);
    assert.deepEqual(missing.unresolved, ['secret:tok'], 'an unset secret in protocolOptions stops the run before connecting');

    const req: RequestDef = {
      name: 'r',
      url: 'ws://h',
      protocol: 'json-rpc',
      variables: { m: 'sum', who: 'ann' },
      messages: [{ name: 'call', kind: 'json-rpc', method: '{{m}}', params: { who: '{{who}}', key: '{{secret:k}}' } }],
    };
    const r = await resolveVariables({ version: 1, name: 'c' }, req, { secrets: secrets({ k: 'K"1' }) });
    assert.equal(r.ok, true);
    const m = req.messages![0]!;
    assert.ok(isProtocolMessage(m));
    assert.deepEqual(protocolMessageOf(m, r), { kind: 'json-rpc', method: 'sum', params: { who: 'ann', key: 'K"1' } });
    assert.ok(r.secretValues.includes('K\\"1'), 'the JSON-escaped form that goes on the wire is masked');
  });

  it('a graphql message\'s name is its operation id; protocolOf substitutes the options', async () => {
    const gql = (protocolCollection as unknown as Collection).requests![1]!;
    const r = await resolveVariables(protocolCollection as unknown as Collection, gql, { secrets: secrets({ tok: 's3cr"t' }) });
    const sub = gql.messages![0]!;
    assert.ok(isProtocolMessage(sub));
    assert.deepEqual(protocolMessageOf(sub, r), { kind: 'graphql', query: 'subscription { greetings }', variables: { a: 1 }, operationName: 'G', name: 'greetings' });
    assert.deepEqual(protocolOf(gql, r), { protocol: 'graphql-ws', protocolOptions: { connectionParams: { authorization: 'Bearer s3cr"t' } } });
    assert.deepEqual(protocolOf({ name: 'x', url: 'ws://h' }, r), { protocol: 'auto', protocolOptions: {} });
    // connection_init carries the params as JSON: that text is masked as sent.
    const sent = JSON.stringify({ type: 'connection_init', payload: protocolOf(gql, r).protocolOptions.connectionParams });
    assert.equal(maskFor(r).text(sent).includes('s3cr'), false, sent);
    assert.ok(secretFragments(gql, r).includes('s3cr\\"t'));
  });
});

describe('collections: protocol expectations match decoded packets', () => {
  const reply = (protocol: ProtocolName, text: string): Reply => {
    const data = new TextEncoder().encode(text);
    return { binary: false, data, decoded: createDecoder(protocol).decode({ binary: false, data }, 'in') };
  };
  const decodedCtx = (ackKey?: string): MatchContext => ({ decodedPayload: true, ...(ackKey !== undefined ? { ackKey } : {}) });

  it('event, type and ack select packets; jsonPath reads the decoded payload of each protocol', () => {
    const sioEvent = reply('socket.io', '42/chat,["chat",{"text":"hi"}]');
    const sioAck = reply('socket.io', '43/chat,7[{"room":"lobby"}]');
    assert.equal(compileExpect({ event: 'chat', jsonPath: '$[0].text', equals: 'hi' }).test(sioEvent, decodedCtx()), true);
    assert.equal(compileExpect({ event: 'other' }).test(sioEvent, decodedCtx()), false);
    assert.equal(compileExpect({ ack: true, jsonPath: '$[0].room', equals: 'lobby' }).test(sioAck, decodedCtx('/chat#7')), true);
    assert.equal(compileExpect({ ack: true }).test(sioAck, decodedCtx('/chat#8')), false, 'another ack id');
    assert.equal(compileExpect({ ack: true }).test(sioAck, decodedCtx()), false, 'nothing was asked');
    assert.equal(compileExpect({ ack: true }).test(sioEvent, decodedCtx('/chat#7')), false, 'an event is no ack');
    assert.equal(compileExpect({ type: 'ack' }).test(sioAck, decodedCtx()), true, 'types compare without case');

    assert.equal(compileExpect({ type: 'next', jsonPath: '$.data.x', equals: 1 }).test(reply('graphql-ws', '{"type":"next","id":"op","payload":{"data":{"x":1}}}'), decodedCtx('op')), true);
    assert.equal(compileExpect({ ack: true, jsonPath: '$', equals: 5 }).test(reply('signalr', '{"type":3,"invocationId":"1","result":5}\u001e'), decodedCtx('1')), true);
    assert.equal(compileExpect({ type: 'MESSAGE', jsonPath: '$.n', equals: 1 }).test(reply('stomp', 'MESSAGE\nsubscription:s\nmessage-id:1\n\n{"n":1}\0'), decodedCtx()), true);
    assert.equal(compileExpect({ ack: true, jsonPath: '$.message', equals: 'no' }).test(reply('json-rpc', '{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"no"}}'), decodedCtx('3')), true);
    // Plain reading (auto/raw requests): jsonPath looks at the reply text.
    const rpc = reply('json-rpc', '{"jsonrpc":"2.0","id":3,"result":9}');
    assert.equal(compileExpect({ jsonPath: '$.result', equals: 9 }).test(rpc, {}), true);
    assert.equal(compileExpect({ jsonPath: '$.result', equals: 9 }).test(rpc, decodedCtx()), false, 'the decoded payload is 9 itself');
    assert.equal(compileExpect({ jsonPath: '$', equals: 9 }).test(rpc, decodedCtx()), true);
  });

  it('counts matching packets, batches included; protocol terms never match an undecoded reply', () => {
    const batch = reply('json-rpc', '[{"jsonrpc":"2.0","id":1,"result":1},{"jsonrpc":"2.0","id":2,"result":2},{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}]');
    const x = compileExpect({ type: 'result', count: 2 });
    assert.equal(x.count, 2);
    assert.equal(x.match(batch, decodedCtx()).n, 2);
    assert.equal(x.match(batch, decodedCtx()).packet?.id, 1);
    assert.equal(x.label, 'type result ×2');
    assert.equal(compileExpect({ type: 'result' }).test({ binary: false, data: new TextEncoder().encode('{"type":"result"}') }, decodedCtx()), false);
    assert.throws(() => compileExpect({ count: 2 } as never), (e: { code: string }) => e.code === 'WSWB_BAD_EXPECT');
  });
});
