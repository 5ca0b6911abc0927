import * as vscode from 'vscode';
import { ConnectionManager } from '../core/engine/connectionManager';
import type { Connection, ConnectionDeps, ConnectionOptions } from '../core/engine/connection';
import type { TimelineStore } from '../core/engine/timelineStore';
import { loadEngine } from '../core/lazy';
import { settings } from './workflow/config';

/**
 * The engine's ConnectionManager, adapted to VS Code: a connection that does not name a proxy
 * follows VS Code's `http.proxy` / `http.noProxy` / `http.proxySupport` settings (then the
 * environment), and the timeline memory budget comes from `websocketWorkbench.timeline.memoryBudgetMB`.
 */
export class HostConnectionManager extends ConnectionManager {
  private readonly ownStores = new Map<string, TimelineStore>();

  constructor() {
    super();
    this.onDidChange((change) => {
      if (change.type !== 'removed') return;
      const store = this.ownStores.get(change.connection.id);
      this.ownStores.delete(change.connection.id);
      if (!store) return;
      // A panel's Reconnect hands the timeline to the connection that replaces this one: it inherits the store.
      const heir = this.list().find((c) => c.store === store);
      if (heir) this.ownStores.set(heir.id, store);
      else void store.dispose();
    });
  }

  override create(options: ConnectionOptions, deps: ConnectionDeps = {}): Connection {
    const opts = withVsCodeProxy({ payloadPreviewBytes: settings.payloadPreviewBytes(), ...options });
    if (deps.store) return super.create(opts, deps);
    // The timeline's memory budget is a setting; payloads beyond it spill to disk.
    const store = new (loadEngine().TimelineStore)({ memoryBudgetBytes: settings.memoryBudgetBytes() });
    const c = super.create(opts, { ...deps, store });
    this.ownStores.set(c.id, store);
    return c;
  }
}

/** Applies VS Code's proxy settings to options that leave the proxy unset. */
export function withVsCodeProxy(options: ConnectionOptions, config = vscode.workspace.getConfiguration('http')): ConnectionOptions {
  if (options.proxy !== undefined) return options;
  const support = config.get<string>('proxySupport', 'override');
  if (support === 'off') return { ...options, proxy: 'none' };
  const proxy = config.get<string>('proxy', '').trim();
  const noProxy = config.get<string[]>('noProxy', []);
  if (!proxy) return { ...options, proxy: 'env', ...(noProxy.length && !options.noProxy ? { noProxy: noProxy.join(',') } : {}) };
  return { ...options, proxy, ...(noProxy.length && !options.noProxy ? { noProxy: noProxy.join(',') } : {}) };
}
