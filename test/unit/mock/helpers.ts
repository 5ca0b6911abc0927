/** Shared helpers for mock server tests: start a mock, connect clients that queue what they get. */
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import { MockServer } from '../../../src/core/engine/mock/mockServer';
import type { MockServerDeps } from '../../../src/core/engine/mock/mockServer';
import type { MockDefinition } from '../../../src/core/engine/mock/definition';
import type { TimelineEvent } from '../../../src/core/engine/events';

/** Everything a test opened, closed in afterEach. */
export class Resources {
  private readonly servers: MockServer[] = [];
  private readonly sockets: WebSocket[] = [];
  private readonly others: Array<() => unknown> = [];

  async mock(def: Partial<MockDefinition>, deps: MockServerDeps = {}): Promise<{ server: MockServer; url: string; port: number; events: TimelineEvent[] }> {
    const events: TimelineEvent[] = [];
    const server = new MockServer({ name: 'test', ...def } as MockDefinition, { closeGraceMs: 200, ...deps });
    server.onEvent((e) => events.push(e));
    this.servers.push(server);
    const { url, port } = await server.start();
    return { server, url, port, events };
  }

  async client(url: string, protocols?: string | string[], opts?: ClientOptions): Promise<TestClient> {
    const ws = new WebSocket(url, protocols, opts);
    this.sockets.push(ws);
    const c = new TestClient(ws);
    await c.opened;
    return c;
  }

  /** A client whose handshake may fail: resolves with the HTTP status or 101. */
  rawClient(url: string, protocols?: string | string[], opts?: ClientOptions): TestClient {
    const ws = new WebSocket(url, protocols, opts);
    this.sockets.push(ws);
    return new TestClient(ws);
  }

  defer(fn: () => unknown): void {
    this.others.push(fn);
  }

  async dispose(): Promise<void> {
    for (const ws of this.sockets.splice(0)) ws.terminate();
    await Promise.all(this.servers.splice(0).map((s) => s.stop()));
    for (const fn of this.others.splice(0).reverse()) await fn();
  }
}

export interface Received {
  data: Buffer;
  binary: boolean;
}

/** A ws client that queues messages and exposes its close and handshake outcome as promises. */
export class TestClient {
  readonly ws: WebSocket;
  readonly queue: Received[] = [];
  private waiters: Array<() => void> = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Status of a refused handshake (unexpected-response), with its body. */
  readonly refused: Promise<{ status: number; body: string }>;
  errors: Error[] = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('error', (e) => this.errors.push(e));
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.opened.catch(() => undefined);
    this.refused = new Promise((resolve) => {
      ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer, binary: boolean) => {
      this.queue.push({ data, binary });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** The next message (waits up to `ms`). */
  async next(ms = 2000): Promise<Received> {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.queue.shift()!;
  }

  async nextText(ms?: number): Promise<string> {
    const m = await this.next(ms);
    return m.data.toString('utf8');
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `cond()` holds, polling every 5 ms, up to `ms`. */
export async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}
