/** Helpers of the protocol tests: a client Connection with a ProtocolSession, collecting its output. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection } from '../../../src/core/engine/connection';
import { ProtocolSession, type ProtocolSessionOptions, type SessionOutput } from '../../../src/core/protocols/connectionSession';
import type { Exchange } from '../../../src/core/protocols/pairing';
import type { Decoded, ProtocolSetting } from '../../../src/core/protocols/types';

/** A client with a protocol session; `out` collects everything in order. */
export interface Client {
  conn: Connection;
  session: ProtocolSession;
  out: SessionOutput[];
  decoded(dir?: 'in' | 'out'): Decoded[];
  /** Waits until `pred` holds for some output item (polling the list). */
  waitFor<T extends SessionOutput>(pred: (o: SessionOutput) => o is T, ms?: number): Promise<T>;
  waitFor(pred: (o: SessionOutput) => boolean, ms?: number): Promise<SessionOutput>;
  close(): Promise<void>;
}

export async function client(url: string, setting: ProtocolSetting, opts: ProtocolSessionOptions & { subprotocols?: string[] } = {}): Promise<Client> {
  const session = new ProtocolSession(setting, opts);
  const conn = new Connection(session.prepare({ url, proxy: 'none', subprotocols: opts.subprotocols ?? [], closeTimeoutMs: 500 }), { id: 'c1' });
  const out: SessionOutput[] = [];
  session.attach(conn, (o) => out.push(o));
  await conn.connect();
  const waitFor = async (pred: (o: SessionOutput) => boolean, ms = 5000): Promise<SessionOutput> => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = out.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`timed out; output so far:\n${out.map(describe).join('\n')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    conn,
    session,
    out,
    decoded: (dir) => out.flatMap((o) => (o.type === 'event' && o.decoded && (!dir || (o.event.kind === 'message' && o.event.dir === dir)) ? [o.decoded] : [])),
    waitFor: waitFor as Client['waitFor'],
    async close() {
      if (conn.state === 'open') await conn.close(1000, '').catch(() => undefined);
      session.dispose();
      conn.dispose();
    },
  };
}

/** One line describing an output item (for failure messages). */
export function describe(o: SessionOutput): string {
  if (o.type !== 'event') return JSON.stringify(o);
  const e = o.event;
  if (e.kind === 'message') return `${e.dir} ${e.binary ? Buffer.from(e.data).toString('hex') : Buffer.from(e.data).toString('utf8')}${o.decoded ? `  => ${o.decoded.type} ${o.decoded.summary}` : ''}`;
  return `${e.kind} ${JSON.stringify({ ...e, data: undefined, payload: undefined })}`;
}

/** An HTTP server on 127.0.0.1 with a random port. */
export async function httpServer(): Promise<{ server: http.Server; port: number; close(): Promise<void> }> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

/** Matches the exchange line of a key. */
export const exchangeOf =
  (key: string) =>
  (o: SessionOutput): o is Exchange =>
    o.type === 'exchange' && o.key === key;
