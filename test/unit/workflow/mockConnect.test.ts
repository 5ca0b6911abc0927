/**
 * "Connect" on a running mock (src/extension/workflow/mockConnect.ts): the URL, protocol and client
 * options derived from the mock's definition, for each protocol mock of examples/ and the edge cases
 * (endpoint patterns, hub path, MessagePack-only hubs, legacy-only GraphQL, plain mocks).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MockDefinition } from '../../../src/core/engine/mock/definition';
import { mockConnectTarget } from '../../../src/extension/workflow/mockConnect';

const examples = JSON.parse(readFileSync(path.join(__dirname, '../../../examples/protocol-mocks.websocket.json'), 'utf8')) as { mocks: MockDefinition[] };
const example = (name: string) => examples.mocks.find((m) => m.name === name)!;

describe('workflow: Connect on a running mock', () => {
  it("the example mocks: each one's protocol, path and the options it requires", () => {
    const at = (name: string) => mockConnectTarget(example(name), `ws://127.0.0.1:${example(name).port}/`);
    assert.deepEqual(at('socketio-mock'), { url: 'ws://127.0.0.1:8771/', protocol: 'socket.io', protocolOptions: { auth: { token: 'dev' } } });
    assert.deepEqual(at('graphql-mock'), { url: 'ws://127.0.0.1:8772/', protocol: 'graphql-ws', protocolOptions: { connectionParams: { token: 'dev' } } });
    assert.deepEqual(at('signalr-mock'), { url: 'ws://127.0.0.1:8773/chathub', protocol: 'signalr', protocolOptions: {} });
    assert.deepEqual(at('stomp-mock'), { url: 'ws://127.0.0.1:8774/', protocol: 'stomp', protocolOptions: { login: 'guest', passcode: 'guest' } });
    assert.deepEqual(at('mqtt-mock'), { url: 'ws://127.0.0.1:8775/', protocol: 'mqtt', protocolOptions: {} });
    assert.deepEqual(at('jsonrpc-mock'), { url: 'ws://127.0.0.1:8776/', protocol: 'json-rpc', protocolOptions: {} });
  });

  it('a plain mock keeps its URL and leaves the protocol to auto', () => {
    assert.deepEqual(mockConnectTarget({ name: 'echo' }, 'ws://127.0.0.1:9/'), { url: 'ws://127.0.0.1:9/' });
    assert.deepEqual(mockConnectTarget({ name: 'raw', protocol: 'raw', endpoints: [{ path: '/x' }] }, 'ws://127.0.0.1:9/'), { url: 'ws://127.0.0.1:9/' });
  });

  it('the first protocol endpoint: prefix patterns, hub path, sub-protocols and the options of each protocol', () => {
    const def: MockDefinition = {
      name: 'multi',
      endpoints: [
        { path: '/plain' },
        { path: '/rooms/*', protocol: 'mqtt', subprotocols: ['mqtt'], protocolOptions: { username: 'u', password: 'p', clientIds: ['dev-1', 'dev-2'] } },
      ],
    };
    assert.deepEqual(mockConnectTarget(def, 'ws://127.0.0.1:9/?x=1'), { url: 'ws://127.0.0.1:9/rooms/?x=1', protocol: 'mqtt', protocolOptions: { username: 'u', password: 'p', clientId: 'dev-1' }, subprotocols: ['mqtt'] });
    const hub: MockDefinition = { name: 'h', protocol: 'signalr', protocolOptions: { hubPath: '/hubs/chat', hubProtocols: ['messagepack'] } };
    assert.deepEqual(mockConnectTarget(hub, 'ws://127.0.0.1:9/'), { url: 'ws://127.0.0.1:9/hubs/chat', protocol: 'signalr', protocolOptions: { hubProtocol: 'messagepack' } });
    const gql: MockDefinition = { name: 'g', protocol: 'graphql-ws', protocolOptions: { protocols: ['graphql-ws'] } };
    assert.deepEqual(mockConnectTarget(gql, 'ws://127.0.0.1:9/').protocolOptions, { legacy: true });
    const sio: MockDefinition = { name: 's', protocol: 'socket.io', endpoints: [{ path: '/socket.io/*' }], protocolOptions: { namespaces: ['/admin', '/'] } };
    assert.deepEqual(mockConnectTarget(sio, 'ws://127.0.0.1:9/'), { url: 'ws://127.0.0.1:9/', protocol: 'socket.io', protocolOptions: { namespace: '/admin' } });
  });
});
