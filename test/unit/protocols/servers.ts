/**
 * One real server per protocol on 127.0.0.1, for tests that run collection files against them:
 * socket.io 4 (namespace /chat with an auth check, acks, events back), graphql-ws (a query and a
 * subscription), aedes over a `ws` stream (MQTT), json-rpc-2.0, and the SignalR and STOMP peers
 * built on the official clients' protocol code (peers.ts).
 */
import { createWebSocketStream, WebSocketServer } from 'ws';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { JSONRPCServer } from 'json-rpc-2.0';
import { Server } from 'socket.io';
import { httpServer } from './helpers';
import { signalrHubPeer, stompBrokerPeer } from './peers';

/** The servers' ports, by protocol, and their teardown. */
export interface ProtocolServers {
  ports: { sio: number; gql: number; hub: number; broker: number; mqtt: number; rpc: number };
  /** The Socket.IO auth payloads the /chat namespace saw. */
  sioAuth: unknown[];
  close(): Promise<void>;
}

/** Socket.IO token the /chat namespace accepts. */
export const SIO_TOKEN = 's3cret-tok';

export async function startProtocolServers(): Promise<ProtocolServers> {
  const closers: Array<() => Promise<void>> = [];
  const sioAuth: unknown[] = [];

  // Socket.IO 4: /chat needs auth.token; join acks {room, ok}; chat is sent back twice, acked when asked.
  const sioHttp = await httpServer();
  const io = new Server(sioHttp.server, { transports: ['websocket'] });
  const chat = io.of('/chat');
  chat.use((s, next) => {
    sioAuth.push(s.handshake.auth);
    next(s.handshake.auth?.token === SIO_TOKEN ? undefined : new Error('bad token'));
  });
  chat.on('connection', (s) => {
    s.on('join', (room: string, ack?: (r: unknown) => void) => ack?.({ room, ok: true }));
    s.on('chat', (text: string, ack?: (r: unknown) => void) => {
      s.emit('chat', { from: 'server', text });
      s.emit('chat', { from: 'server', text: `${text} again` });
      ack?.('delivered');
    });
  });
  closers.push(() => new Promise<void>((r) => io.close(() => r())), sioHttp.close);

  // GraphQL over WebSocket: hello(name) and a greetings subscription of three.
  const gqlHttp = await httpServer();
  const gqlWss = new WebSocketServer({ server: gqlHttp.server });
  const schema = buildSchema('type Query { hello(name: String): String } type Subscription { greetings: String }');
  const roots = {
    query: { hello: ({ name }: { name?: string }) => `Hello ${name ?? 'you'}` },
    subscription: {
      greetings: async function* () {
        for (const g of ['Hi', 'Bonjour', 'Hola']) yield { greetings: g };
      },
    },
  };
  const gql = useServer({ schema, roots }, gqlWss);
  closers.push(() => gql.dispose() as Promise<void>, () => new Promise<void>((r) => gqlWss.close(() => r())), gqlHttp.close);

  // SignalR hub and STOMP broker on the official libraries' protocol code.
  const hubHttp = await httpServer();
  const hubWss = new WebSocketServer({ server: hubHttp.server });
  signalrHubPeer(hubWss);
  closers.push(() => new Promise<void>((r) => hubWss.close(() => r())), hubHttp.close);
  const brokerHttp = await httpServer();
  const brokerWss = new WebSocketServer({ server: brokerHttp.server, handleProtocols: (p) => (p.has('v12.stomp') ? 'v12.stomp' : false) });
  stompBrokerPeer(brokerWss);
  closers.push(() => new Promise<void>((r) => brokerWss.close(() => r())), brokerHttp.close);

  // MQTT: aedes over a ws stream.
  const mqttHttp = await httpServer();
  const { Aedes } = (await import('aedes')) as unknown as { Aedes: { createBroker(): Promise<{ handle(s: unknown): void; close(cb: () => void): void }> } };
  const broker = await Aedes.createBroker();
  const mqttWss = new WebSocketServer({ server: mqttHttp.server, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
  mqttWss.on('connection', (ws) => broker.handle(createWebSocketStream(ws)));
  closers.push(() => new Promise<void>((r) => mqttWss.close(() => r())), () => new Promise<void>((r) => broker.close(() => r())), mqttHttp.close);

  // JSON-RPC 2.0: sum, boom (an error) and never (no answer).
  const rpcHttp = await httpServer();
  const rpc = new JSONRPCServer({ errorListener: () => undefined }); // boom's error is the answer, not news
  rpc.addMethod('sum', (p: number[]) => p[0]! + p[1]!);
  rpc.addMethod('boom', () => {
    throw new Error('it blew up');
  });
  rpc.addMethod('never', () => new Promise(() => undefined));
  const rpcWss = new WebSocketServer({ server: rpcHttp.server });
  rpcWss.on('connection', (ws) => ws.on('message', (d) => void rpc.receiveJSON(d.toString()).then((res) => res && ws.send(JSON.stringify(res)))));
  closers.push(() => new Promise<void>((r) => rpcWss.close(() => r())), rpcHttp.close);

  return {
    ports: { sio: sioHttp.port, gql: gqlHttp.port, hub: hubHttp.port, broker: brokerHttp.port, mqtt: mqttHttp.port, rpc: rpcHttp.port },
    sioAuth,
    async close() {
      for (const c of closers) await c().catch(() => undefined);
    },
  };
}
