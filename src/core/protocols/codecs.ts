/** One decoder per protocol name. */
import { GraphqlWsDecoder } from './graphqlws';
import { JsonRpcDecoder } from './jsonrpc';
import { MqttDecoder } from './mqtt';
import { SignalrDecoder } from './signalr';
import { SocketIoDecoder } from './socketio';
import { StompDecoder } from './stomp';
import type { ProtocolDecoder, ProtocolName } from './types';

/** A fresh (stateful) decoder for one connection. */
export function createDecoder(protocol: ProtocolName, opts: { eio?: 3 | 4 } = {}): ProtocolDecoder {
  switch (protocol) {
    case 'socket.io':
      return new SocketIoDecoder(opts.eio ?? 4);
    case 'graphql-ws':
      return new GraphqlWsDecoder();
    case 'signalr':
      return new SignalrDecoder();
    case 'stomp':
      return new StompDecoder();
    case 'mqtt':
      return new MqttDecoder();
    case 'json-rpc':
      return new JsonRpcDecoder();
  }
}
