/**
 * What "Connect" on a running mock opens: the mock's URL at the path of its first protocol
 * endpoint, with that protocol and the client-side options the mock asks for (Socket.IO namespace
 * and auth, GraphQL connectionParams and legacy protocol, SignalR hub path, STOMP login, MQTT
 * credentials and client id), so the panel speaks the protocol instead of `auto` with no driver.
 * Pure: no vscode import.
 */
import type { ProtocolSetting } from '../../core/protocols/types';
import { resolveEndpoints, type MockDefinition, type ResolvedEndpoint } from '../../core/engine/mock/definition';

/** The URL and the request fields to connect to a mock with. */
export interface MockConnectTarget {
  url: string;
  protocol?: ProtocolSetting;
  protocolOptions?: Record<string, unknown>;
  subprotocols?: string[];
}

/** A concrete path for an endpoint pattern (`*` → `/`, `/rooms/*` → `/rooms/`). */
function concretePath(pattern: string): string {
  if (pattern === '*') return '/';
  return pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
}

/** The first string of an array option, when it is one. */
function first(v: unknown): string | undefined {
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

/** The client's protocolOptions for what an endpoint's mock options require. */
function clientOptions(ep: ResolvedEndpoint): Record<string, unknown> {
  const o = ep.protocolOptions;
  const out: Record<string, unknown> = {};
  const copy = (from: string, to = from) => {
    if (o[from] !== undefined) out[to] = o[from];
  };
  switch (ep.protocol) {
    case 'socket.io': {
      const ns = first(o.namespaces);
      if (ns !== undefined && ns !== '/') out.namespace = ns;
      copy('auth');
      break;
    }
    case 'graphql-ws': {
      copy('connectionParams');
      const protocols = o.protocols;
      if (Array.isArray(protocols) && protocols.length > 0 && !protocols.includes('graphql-transport-ws')) out.legacy = true;
      break;
    }
    case 'signalr': {
      const hubs = o.hubProtocols;
      if (Array.isArray(hubs) && hubs.length > 0 && !hubs.includes('json') && hubs.includes('messagepack')) out.hubProtocol = 'messagepack';
      break;
    }
    case 'stomp':
      copy('login');
      copy('passcode');
      break;
    case 'mqtt': {
      copy('username');
      copy('password');
      const id = first(o.clientIds);
      if (id !== undefined) out.clientId = id;
      break;
    }
  }
  return out;
}

/**
 * Where to connect to a running mock listening on `url`: its first endpoint with a protocol
 * (else the URL as it is, protocol left to `auto`). Socket.IO stays on the mock's root (the
 * session adds the Engine.IO path); the others go to their endpoint's path (SignalR: the hub path).
 */
export function mockConnectTarget(def: MockDefinition, url: string): MockConnectTarget {
  const ep = resolveEndpoints(def).find((e) => e.protocol !== 'auto' && e.protocol !== 'raw');
  if (!ep) return { url };
  const u = new URL(url);
  const hubPath = ep.protocol === 'signalr' && typeof ep.protocolOptions.hubPath === 'string' ? ep.protocolOptions.hubPath : undefined;
  if (ep.protocol !== 'socket.io') u.pathname = hubPath ?? concretePath(ep.path);
  const target: MockConnectTarget = { url: u.toString(), protocol: ep.protocol, protocolOptions: clientOptions(ep) };
  if (ep.subprotocols.length) target.subprotocols = [...ep.subprotocols];
  return target;
}
