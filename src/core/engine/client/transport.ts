/** Transport of a client connection: TCP, TLS (client certificates, CAs), and proxy tunnels. */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { openTunnel, type ProxyError } from '../proxy';
import type { ConnectionOptions } from './options';

/** What the connection learns from its transport. */
export interface TransportHooks {
  /** A socket was created (plain, TLS, or TLS inside a tunnel), before anything is written on it. */
  onSocket(s: net.Socket): void;
  /** A CONNECT tunnel is being opened (`pending`), or is up / failed (`err`). */
  onTunnel(proxy: URL, pending: boolean, err?: ProxyError): void;
}

/**
 * The http(s) Agent that gives ws its socket: plain TCP, TLS, or TLS inside an HTTP CONNECT tunnel.
 * Every socket goes to `hooks.onSocket` before a byte is written, so the handshake capture and the
 * wire stack sit after TLS whatever the route.
 */
export function makeAgent(options: ConnectionOptions, secure: boolean, proxy: URL | undefined, signal: AbortSignal, hooks: TransportHooks): http.Agent {
  const t = options.tls ?? {};
  const tlsOpts: tls.ConnectionOptions = {
    rejectUnauthorized: t.rejectUnauthorized !== false,
    ...(t.ca !== undefined ? { ca: toPem(t.ca) } : {}),
    ...(t.cert !== undefined ? { cert: toPem(t.cert) } : {}),
    ...(t.key !== undefined ? { key: toPem(t.key) } : {}),
    ...(t.pfx !== undefined ? { pfx: Buffer.from(t.pfx) } : {}),
    ...(t.passphrase !== undefined ? { passphrase: t.passphrase } : {}),
    ALPNProtocols: ['http/1.1'],
  };
  const createConnection = (opts: { host?: string; port?: number | string; timeout?: number }, cb: (err: Error | null, s?: Duplex) => void): Duplex | undefined => {
    const host = String(opts.host ?? 'localhost');
    const port = Number(opts.port);
    const servername = net.isIP(host) ? undefined : host;
    if (!proxy) {
      let s: net.Socket;
      if (secure) s = tls.connect({ ...tlsOpts, host, port, ...(servername ? { servername } : {}) });
      else s = net.connect({ host, port });
      hooks.onSocket(s);
      return s;
    }
    hooks.onTunnel(proxy, true);
    openTunnel(proxy, host, port, options.handshakeTimeoutMs, (err, raw) => {
      hooks.onTunnel(proxy, false, err ?? undefined);
      if (err || !raw) {
        cb(err ?? new Error('proxy failed'));
        return;
      }
      let s: net.Socket = raw;
      if (secure) s = tls.connect({ ...tlsOpts, socket: raw, ...(servername ? { servername } : {}) });
      hooks.onSocket(s);
      cb(null, s);
    }, signal);
    return undefined;
  };
  const AgentClass = secure ? https.Agent : http.Agent;
  const agent = new AgentClass({ keepAlive: false });
  (agent as unknown as { createConnection: typeof createConnection }).createConnection = createConnection;
  return agent;
}

function toPem(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v);
}
