/**
 * The mock servers running in this window, keyed by definition (file + name): start, stop (which
 * terminates every client, since ws's server.close() leaves them open), list. No vscode import.
 */
import * as path from 'node:path';
import type { MockServer, MockServerDeps } from '../../core/engine/mock/mockServer';
import { loadEngine } from '../../core/lazy';
import type { MockDefinition } from '../../core/engine/mock/definition';

/** A running mock, as the tree, status bar, tasks and public API see it. */
export interface RunningMock {
  id: string;
  name: string;
  url: string;
  port: number;
  host: string;
  /** Collection file it came from (absent for a definition passed in directly). */
  file?: string;
  startedAt: number;
  server: MockServer;
  /** The URL a browser on the user's machine uses (asExternalUri; equals `url` in a local window), once known. */
  browserUrl?: string;
}

/** Options for one start. */
export interface StartMockOptions {
  file?: string;
  /** Overrides the definition's host (the bind decision is made by the caller, see trust.ts). */
  host?: string;
  deps?: MockServerDeps;
}

let seq = 0;

/** Keyed registry of running MockServers. */
export class MockRegistry {
  private readonly running = new Map<string, RunningMock>();
  private readonly starting = new Map<string, Promise<RunningMock>>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Key of a definition: same file and name → same running mock. */
  static key(name: string, file?: string): string {
    return `${file ? path.resolve(file) : ''}#${name}`;
  }

  /** Starts a definition (or returns the one already running for the same file and name). */
  async start(def: MockDefinition, opts: StartMockOptions = {}): Promise<RunningMock> {
    const key = MockRegistry.key(def.name, opts.file);
    const existing = [...this.running.values()].find((m) => MockRegistry.key(m.name, m.file) === key);
    if (existing) return existing;
    const pending = this.starting.get(key);
    if (pending) return pending;
    const p = this.doStart(def, opts).finally(() => this.starting.delete(key));
    this.starting.set(key, p);
    return p;
  }

  private async doStart(def: MockDefinition, opts: StartMockOptions): Promise<RunningMock> {
    const definition: MockDefinition = opts.host !== undefined ? { ...def, host: opts.host } : def;
    const deps: MockServerDeps = { ...opts.deps };
    if (opts.file && deps.baseDir === undefined) deps.baseDir = path.dirname(opts.file);
    const server = new (loadEngine().MockServer)(definition, deps);
    const { url, port } = await server.start();
    const m: RunningMock = {
      id: `mock-${++seq}`,
      name: def.name,
      url,
      port,
      host: definition.host ?? '127.0.0.1',
      startedAt: this.clock(),
      server,
    };
    if (opts.file) m.file = opts.file;
    this.running.set(m.id, m);
    this.emit();
    return m;
  }

  /** Stops one mock and terminates its clients; false when no such mock runs. */
  async stop(id: string): Promise<boolean> {
    const m = this.running.get(id);
    if (!m) return false;
    this.running.delete(id);
    this.emit();
    try {
      await m.server.stop();
    } finally {
      for (const c of m.server.clients()) c.terminate();
    }
    return true;
  }

  /** The running mock for a definition, if any. */
  find(name: string, file?: string): RunningMock | undefined {
    const key = MockRegistry.key(name, file);
    return [...this.running.values()].find((m) => MockRegistry.key(m.name, m.file) === key);
  }

  get(id: string): RunningMock | undefined {
    return this.running.get(id);
  }

  list(): RunningMock[] {
    return [...this.running.values()];
  }

  /** Tells listeners that a running mock changed (e.g. its browser URL became known). */
  changed(): void {
    this.emit();
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops everything (window closing, extension deactivating). */
  async stopAll(): Promise<void> {
    await Promise.all(this.list().map((m) => this.stop(m.id).catch(() => false)));
  }

  private emit(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // a listener bug must not break start/stop
      }
    }
  }
}
