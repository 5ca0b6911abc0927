/**
 * Many connections at once, each with its own timeline (or a shared store when one is injected).
 */
import type { Connection, ConnectionDeps, ConnectionOptions } from './connection';
import { loadEngine } from '../lazy';

/** What changed in the manager's list. */
export interface ConnectionManagerChange {
  type: 'added' | 'removed' | 'state';
  connection: Connection;
}

/** Owns the live connections of a window or a CLI run. */
export class ConnectionManager {
  private readonly connections = new Map<string, Connection>();
  private readonly unsubscribers = new Map<string, () => void>();
  private readonly listeners = new Set<(c: ConnectionManagerChange) => void>();

  /** Creates (does not connect) a connection and tracks it. */
  create(options: ConnectionOptions, deps?: ConnectionDeps): Connection {
    const c = new (loadEngine().Connection)(options, deps);
    if (this.connections.has(c.id)) throw new Error(`A connection with id ${c.id} already exists`);
    this.connections.set(c.id, c);
    this.unsubscribers.set(
      c.id,
      c.onEvent((e) => {
        if (e.kind === 'state') this.emit({ type: 'state', connection: c });
      }),
    );
    this.emit({ type: 'added', connection: c });
    return c;
  }

  get(id: string): Connection | undefined {
    return this.connections.get(id);
  }

  list(): Connection[] {
    return [...this.connections.values()];
  }

  /** Disposes one connection and forgets it. */
  remove(id: string): void {
    const c = this.connections.get(id);
    if (!c) return;
    this.unsubscribers.get(id)?.();
    this.unsubscribers.delete(id);
    this.connections.delete(id);
    c.dispose();
    this.emit({ type: 'removed', connection: c });
  }

  onDidChange(listener: (c: ConnectionManagerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes every open connection (briefly waiting for the closing handshake), then disposes all. */
  async disposeAll(): Promise<void> {
    const all = this.list();
    await Promise.all(
      all.map(async (c) => {
        if (c.state === 'open') {
          await Promise.race([c.close(1001, 'going away'), new Promise((r) => setTimeout(r, 1000).unref())]);
        }
      }),
    );
    for (const c of all) this.remove(c.id);
  }

  private emit(change: ConnectionManagerChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // ignore listener bugs
      }
    }
  }
}
