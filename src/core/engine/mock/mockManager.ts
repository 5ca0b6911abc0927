/**
 * The running mocks of one host (extension or CLI): start by definition, stop by key, list for the
 * tree and status bar, and stop them all on dispose. Keys are `<source>::<name>` so two collection
 * files may each have a mock called "chat".
 */
import type { MockDefinition } from './definition';
import { MockError } from './errors';
import { MockServer } from './mockServer';
import type { MockServerDeps } from './mockServer';

/** One running (or starting) mock. */
export interface RunningMock {
  key: string;
  name: string;
  /** Where the definition came from (a collection file path), if given. */
  source?: string;
  server: MockServer;
  url: string;
  port: number;
}

/** A change the tree view or status bar reacts to. */
export type MockManagerChange = { type: 'started'; mock: RunningMock } | { type: 'stopped'; key: string; name: string };

/** Keeps the running mocks; at most one per key. */
export class MockManager {
  private readonly running = new Map<string, RunningMock>();
  private readonly starting = new Map<string, Promise<RunningMock>>();
  private readonly listeners = new Set<(c: MockManagerChange) => void>();

  constructor(private readonly defaults: MockServerDeps = {}) {}

  /** The key a definition from `source` runs under. */
  static keyOf(name: string, source?: string): string {
    return `${source ?? ''}::${name}`;
  }

  /** Starts a mock; rejects with WSWB_MOCK_ALREADY_STARTED when that key runs, or the server's start error. */
  async start(def: MockDefinition, opts: { source?: string; deps?: MockServerDeps } = {}): Promise<RunningMock> {
    const key = MockManager.keyOf(def.name, opts.source);
    if (this.running.has(key) || this.starting.has(key)) throw new MockError('WSWB_MOCK_ALREADY_STARTED', `mock "${def.name}" is already running`);
    const p = (async () => {
      const server = new MockServer(def, { ...this.defaults, ...opts.deps });
      const { url, port } = await server.start();
      const mock: RunningMock = { key, name: def.name, ...(opts.source !== undefined ? { source: opts.source } : {}), server, url, port };
      this.running.set(key, mock);
      this.fire({ type: 'started', mock });
      return mock;
    })();
    this.starting.set(key, p);
    try {
      return await p;
    } finally {
      this.starting.delete(key);
    }
  }

  /** Stops the mock with this key (clients get 1001). Returns false when it was not running. */
  async stop(key: string): Promise<boolean> {
    const m = this.running.get(key);
    if (!m) return false;
    this.running.delete(key);
    await m.server.stop();
    this.fire({ type: 'stopped', key, name: m.name });
    return true;
  }

  get(key: string): RunningMock | undefined {
    return this.running.get(key);
  }

  list(): RunningMock[] {
    return [...this.running.values()];
  }

  onDidChange(listener: (c: MockManagerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every mock (waiting for ones still starting). */
  async disposeAll(): Promise<void> {
    await Promise.allSettled([...this.starting.values()]);
    await Promise.all([...this.running.keys()].map((k) => this.stop(k)));
  }

  private fire(c: MockManagerChange): void {
    for (const l of this.listeners) {
      try {
        l(c);
      } catch {
        // a listener's bug must not stop the manager
      }
    }
  }
}
