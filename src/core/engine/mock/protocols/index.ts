/** The protocol side of mock endpoints: one server implementation per protocol name. */
import { GraphqlEndpoint } from './graphql';
import { JsonRpcEndpoint } from './jsonrpc';
import { MqttEndpoint } from './mqtt';
import { SignalrEndpoint } from './signalr';
import { SocketIoEndpoint } from './socketio';
import { StompEndpoint } from './stomp';
import type { ProtocolEndpoint, ProtocolHost } from './types';

export type { ProtocolConnection, ProtocolEndpoint, ProtocolHost, ProtocolPeer } from './types';
export type { RulePeer } from './runner';
export { topicMatches } from './match';

/** The protocol server of an endpoint, or undefined when it answers bytes (`raw`, `auto`). */
export function createProtocolEndpoint(host: ProtocolHost): ProtocolEndpoint | undefined {
  switch (host.ep.protocol) {
    case 'socket.io':
      return new SocketIoEndpoint(host);
    case 'graphql-ws':
      return new GraphqlEndpoint(host);
    case 'signalr':
      return new SignalrEndpoint(host);
    case 'stomp':
      return new StompEndpoint(host);
    case 'mqtt':
      return new MqttEndpoint(host);
    case 'json-rpc':
      return new JsonRpcEndpoint(host);
    default:
      return undefined;
  }
}
