/** Test helpers for the engine: loopback servers that always close, event waiting. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { WebSocketServer, type ServerOptions } from 'ws';
import { Connection, type ConnectionDeps, type ConnectionOptions } from '../../../src/core/engine/connection';
import type { TimelineEvent } from '../../../src/core/engine/events';
import { TimelineStore, type TimelineStoreOptions } from '../../../src/core/engine/timelineStore';
import { computeAccept } from '../../../src/core/protocol/handshake';

/** Everything opened by a test, closed in afterEach. */
export class Cleanup {
  private fns: Array<() => unknown> = [];
  add(fn: () => unknown): void {
    this.fns.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.fns.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // keep cleaning
      }
    }
  }
}

export async function wsServer(cleanup: Cleanup, opts: ServerOptions = {}): Promise<{ wss: WebSocketServer; url: string; port: number }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...opts });
  wss.on('error', () => undefined);
  wss.on('connection', (s) => s.on('error', () => undefined));
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as net.AddressInfo).port;
  cleanup.add(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  );
  return { wss, url: `ws://127.0.0.1:${port}`, port };
}

/** An echo server (text stays text, binary stays binary). */
export async function echoServer(cleanup: Cleanup, opts: ServerOptions = {}) {
  const s = await wsServer(cleanup, opts);
  s.wss.on('connection', (c) => c.on('message', (d, isBinary) => c.send(d, { binary: isBinary })));
  return s;
}

/**
 * A raw TCP peer that completes a real upgrade (101 with a valid accept) and then lets the test
 * write whatever bytes it likes. `allowHalfOpen`: the peer keeps its side open after our FIN, as a
 * hostile server would (Node's default ends it).
 */
export async function rawPeer(
  cleanup: Cleanup,
  onUpgraded: (socket: net.Socket, head: string) => void,
  response?: (key: string) => string,
  opts: { allowHalfOpen?: boolean } = {},
): Promise<{ url: string; port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: !!opts.allowHalfOpen }, (sock) => {
    sockets.push(sock);
    sock.on('error', () => undefined);
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buf)?.[1] ?? '';
      sock.write(
        response
          ? response(key)
          : `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`,
      );
      onUpgraded(sock, buf.slice(0, end));
    };
    sock.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  cleanup.add(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { url: `ws://127.0.0.1:${port}`, port, sockets };
}

/** A real HTTP CONNECT proxy with Node's http module; records the targets it tunnelled to. */
export async function connectProxy(cleanup: Cleanup, opts: { refuse?: number; auth?: string } = {}) {
  const targets: string[] = [];
  const authSeen: Array<string | undefined> = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('error', () => undefined);
    targets.push(req.url ?? '');
    authSeen.push(req.headers['proxy-authorization']);
    if (opts.refuse) {
      client.end(`HTTP/1.1 ${opts.refuse} Refused\r\nX-Proxy: test\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = net.connect({ host: host!.replace(/^\[|\]$/g, ''), port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  cleanup.add(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${port}`, port, targets, authSeen };
}

/**
 * A raw TCP server (for slow or silent peers) whose connections get `onSocket`; `accepted`
 * resolves at the first connection, `closedAt` collects when each socket closed.
 */
export async function tcpServer(cleanup: Cleanup, onSocket: (s: net.Socket) => void = () => undefined) {
  const sockets: net.Socket[] = [];
  const closedAt: number[] = [];
  let onAccept: () => void = () => undefined;
  const accepted = new Promise<void>((r) => (onAccept = r));
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    s.on('close', () => closedAt.push(Date.now()));
    onAccept();
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.add(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
  return { port: (server.address() as net.AddressInfo).port, sockets, closedAt, accepted };
}

/** Writes `text` one byte every `everyMs` (keeps an idle timer alive forever) until the socket closes. */
export function drip(s: net.Socket, text: string | Buffer, everyMs = 100): void {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
  let i = 0;
  const t = setInterval(() => {
    if (s.destroyed || i >= bytes.length) return void clearInterval(t);
    s.write(bytes.subarray(i, ++i));
  }, everyMs);
  s.on('close', () => clearInterval(t));
}

/** After the request head arrives, calls `then`. */
export function afterHead(s: net.Socket, then: (head: string) => void): void {
  let buf = '';
  const on = (d: Buffer) => {
    buf += d.toString('latin1');
    if (!buf.includes('\r\n\r\n')) return;
    s.off('data', on);
    then(buf);
  };
  s.on('data', on);
}

/** A 101 head long enough to trickle for seconds. */
export const SLOW_101 = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Slow: ' + 'z'.repeat(200) + '\r\n\r\n';

/** A Connection with no proxy environment, disposed at cleanup. */
export function newConnection(cleanup: Cleanup, opts: ConnectionOptions, deps: ConnectionDeps = {}): Connection {
  const c = new Connection(opts, { env: {}, ...deps });
  cleanup.add(() => c.dispose());
  return c;
}

/** Resolves with the first event matching `pred` (already recorded or future). */
export function waitFor(conn: Connection, pred: (e: TimelineEvent) => boolean, timeoutMs = 5000): Promise<TimelineEvent> {
  for (let i = 0; i < conn.store.length; i++) {
    const e = conn.store.at(i)!;
    if (e.connection === conn.id && pred(e)) return Promise.resolve(e);
  }
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for an event; kinds so far: ' + events(conn).map((e) => e.kind + (e.kind === 'error' ? ':' + e.code : '')).join(',')));
    }, timeoutMs);
    const off = conn.onEvent((e) => {
      if (pred(e)) {
        clearTimeout(t);
        off();
        resolve(e);
      }
    });
  });
}

export function events(conn: Connection): TimelineEvent[] {
  return conn.store.slice(0, conn.store.length).filter((e) => e.connection === conn.id);
}

export function waitClosed(conn: Connection, timeoutMs = 5000): Promise<TimelineEvent> {
  return waitFor(conn, (e) => e.kind === 'close', timeoutMs);
}

/**
 * TimelineStores for one describe block: each spills into a fresh temporary directory (clock 42
 * unless given), disposed and removed after each test. Call at the describe level.
 */
export function tempStores(prefix: string): (o?: TimelineStoreOptions) => TimelineStore {
  let tmp = '';
  const stores: TimelineStore[] = [];
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  return (o = {}) => {
    const s = new TimelineStore({ spillDir: tmp, clock: () => 42, ...o });
    stores.push(s);
    return s;
  };
}
