/** auto detection: handshakes and first bytes → protocol, and look-alikes that must stay raw. */
import assert from 'node:assert/strict';
import { detectFromHandshake, fromFirstMessage } from '../../../src/core/protocols/detect';
import { ProtocolMonitor } from '../../../src/core/protocols/monitor';
import { encodeMqtt } from '../../../src/core/protocols/mqtt';

const text = (s: string) => ({ binary: false, data: Buffer.from(s, 'utf8') });
const bin = (b: Uint8Array | number[]) => ({ binary: true, data: Uint8Array.from(b) });

describe('protocols: detection', () => {
  const handshakes: [sub: string | undefined, url: string, expected: string | undefined][] = [
    ['graphql-transport-ws', 'ws://h/graphql', 'graphql-ws'],
    ['graphql-ws', 'ws://h/graphql', 'graphql-ws'],
    ['v12.stomp', 'ws://h/ws', 'stomp'],
    ['v10.stomp', 'ws://h/ws', 'stomp'],
    ['mqtt', 'ws://h/mqtt', 'mqtt'],
    ['mqttv3.1', 'ws://h/mqtt', 'mqtt'],
    ['jsonrpc', 'ws://h/', 'json-rpc'],
    [undefined, 'ws://h/socket.io/?EIO=4&transport=websocket', 'socket.io'],
    [undefined, 'wss://h/custom/?EIO=3&transport=websocket&sid=x', 'socket.io'],
    // look-alikes
    ['chat', 'ws://h/', undefined],
    ['graphql', 'ws://h/graphql', undefined],
    ['v13.stomp', 'ws://h/', undefined],
    [undefined, 'ws://h/socket.io/', undefined],
    [undefined, 'ws://h/socket.io/?EIO=4&transport=polling', undefined],
    [undefined, 'ws://h/mqtt', undefined],
  ];
  for (const [sub, url, expected] of handshakes) {
    it(`handshake ${sub ?? '-'} ${url} → ${expected ?? 'raw'}`, () => assert.equal(detectFromHandshake(sub, url), expected));
  }

  const mqttConnect = encodeMqtt({ cmd: 'connect', clientId: 'c', protocolVersion: 4, keepalive: 30, clean: true, protocolId: 'MQTT' });
  const mqtt5Connect = encodeMqtt({ cmd: 'connect', clientId: 'c', protocolVersion: 5, keepalive: 30, clean: true, protocolId: 'MQTT' }, 5);
  const mqtt31Connect = encodeMqtt({ cmd: 'connect', clientId: 'c', protocolVersion: 3, keepalive: 30, clean: true, protocolId: 'MQIsdp' }, 3);
  const first: [name: string, msg: { binary: boolean; data: Uint8Array }, expected: string | undefined][] = [
    ['Engine.IO open packet', text('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'), 'socket.io'],
    ['SignalR handshake', text('{"protocol":"json","version":1}\x1e'), 'signalr'],
    ['SignalR messagepack handshake', text('{"protocol":"messagepack","version":1}\x1e'), 'signalr'],
    ['STOMP CONNECT', text('CONNECT\naccept-version:1.2\nhost:h\n\n\0'), 'stomp'],
    ['STOMP STOMP', text('STOMP\r\naccept-version:1.2\r\n\r\n\0'), 'stomp'],
    ['STOMP CONNECTED', text('CONNECTED\nversion:1.2\n\n\0'), 'stomp'],
    ['MQTT 3.1.1 CONNECT', bin(mqttConnect), 'mqtt'],
    ['MQTT 5 CONNECT', bin(mqtt5Connect), 'mqtt'],
    ['MQTT 3.1 CONNECT', bin(mqtt31Connect), 'mqtt'],
    ['JSON-RPC request', text('{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}'), 'json-rpc'],
    ['JSON-RPC notification', text('{"jsonrpc":"2.0","method":"tick"}'), 'json-rpc'],
    ['JSON-RPC response', text('{"jsonrpc":"2.0","result":3,"id":1}'), 'json-rpc'],
    ['JSON-RPC batch', text('[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"b"}]'), 'json-rpc'],
    ['GraphQL connection_init', text('{"type":"connection_init","payload":{"token":"x"}}'), 'graphql-ws'],
    ['GraphQL bare connection_init', text('{"type":"connection_init"}'), 'graphql-ws'],
    // look-alikes that stay raw
    ['plain JSON with a type', text('{"type":"message","text":"hi"}'), undefined],
    ['connection_init with other fields', text('{"type":"connection_init","user":"x"}'), undefined],
    ['JSON-RPC 1.0', text('{"method":"sum","params":[1,2],"id":1}'), undefined],
    ['jsonrpc 2.0 without method or result', text('{"jsonrpc":"2.0","id":1}'), undefined],
    ['mixed array', text('[{"jsonrpc":"2.0","method":"a"},{"x":1}]'), undefined],
    ['empty array', text('[]'), undefined],
    ['a lone Socket.IO event', text('42["chat","hi"]'), undefined],
    ['0 then non-JSON', text('0{oops'), undefined],
    ['0 then JSON without sid', text('0{"pingInterval":1}'), undefined],
    ['text ending in 0x1E, not JSON', text('hello\x1e'), undefined],
    ['record without protocol', text('{"type":1,"target":"x"}\x1e'), undefined],
    ['CONNECT without NUL', text('CONNECT\nhost:h\n\n'), undefined],
    ['CONNECTED prose', text('CONNECTED to server\0'), undefined],
    ['binary 0x10 without protocol name', bin([0x10, 0x0a, 0x00, 0x04, 0x41, 0x42, 0x43, 0x44, 0x04, 0x02, 0, 0]), undefined],
    ['short binary 0x10', bin([0x10, 0x00]), undefined],
    ['invalid UTF-8', bin([0xff, 0xfe]), undefined],
    ['hello', text('hello'), undefined],
  ];
  for (const [name, msg, expected] of first) {
    it(`first message: ${name} → ${expected ?? 'raw'}`, () => assert.equal(fromFirstMessage(msg), expected));
  }

  it('auto decides on the first message only, and raw never decodes', () => {
    const m = new ProtocolMonitor('auto');
    assert.equal(m.message(text('hello'), 'out', 1, 0).decoded, undefined);
    assert.equal(m.message(text('{"jsonrpc":"2.0","method":"a","id":1}'), 'out', 2, 0).decoded, undefined, 'stays raw after an unrecognised first message');
    const a = new ProtocolMonitor('auto');
    a.handshake('v12.stomp', 'ws://h/');
    assert.equal(a.protocol, 'stomp');
    assert.equal(a.message(text('SEND\ndestination:/q\n\nhi\0'), 'out', 1, 0).decoded?.type, 'SEND');
    const r = new ProtocolMonitor('raw');
    r.handshake('graphql-transport-ws', 'ws://h/');
    assert.equal(r.message(text('{"type":"connection_init"}'), 'out', 1, 0).decoded, undefined);
  });
});
