import * as vscode from 'vscode';
import type { WorkbenchApi } from './api';
import { PanelManager } from './panel/panelManager';
import { registerPanelFeatures } from './panel';
import { registerWorkflow } from './workflow';
import { registerTesting } from './testing';
import type { Services } from './services';
import type { Snapshot } from '../shared/contract';
import { HostConnectionManager } from './hostConnections';
import { hexOrText } from './apiHelpers';
import { CodedError } from '../core/errors';

declare const __wswbLoadStart: number | undefined;

/** Activation: only on contributions (commands, views, the panel serializer). Keep it cheap. */
export function activate(context: vscode.ExtensionContext): WorkbenchApi {
  const activateStart = performance.now();
  const activateCpu = process.cpuUsage();
  const log = vscode.window.createOutputChannel('WebSocket Workbench', { log: true });
  context.subscriptions.push(log);
  const panels = new PanelManager(context, log);
  context.subscriptions.push(panels);

  const connections = new HostConnectionManager();
  context.subscriptions.push({ dispose: () => void connections.disposeAll() });

  const services: Services = {
    context,
    log,
    connections,
    panels,
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('websocketWorkbench.openWorkbench', () => {
      panels.open();
    }),
  );
  registerPanelFeatures(services);
  const workflowApi = registerWorkflow(services);
  const testing = registerTesting(services, () => workflowApi.activeEnvironment?.());

  const version: string = context.extension.packageJSON.version;
  const activateEnd = performance.now();
  const cpu = process.cpuUsage(activateCpu);
  const loadStart = typeof __wswbLoadStart === 'number' && __wswbLoadStart > 0 ? __wswbLoadStart : activateStart;
  const activation = {
    loadMs: activateStart - loadStart,
    activateMs: activateEnd - activateStart,
    activateCpuMs: (cpu.user + cpu.system) / 1000,
    totalMs: activateEnd - loadStart,
  };
  log.info(`activated in ${activation.totalMs.toFixed(1)} ms (bundle load ${activation.loadMs.toFixed(1)} ms)`);
  return {
    activation,
    ...workflowApi,
    testing,
    version,
    async openWorkbench() {
      const panel = panels.open();
      const ready = new Promise<Snapshot>((resolve) => {
        const sub = panel.onDidBecomeReady((s) => {
          sub.dispose();
          resolve(s);
        });
      });
      return { ready };
    },
    panels: () => panels.list().map((p) => ({ readyCount: p.readyCount, visible: p.panel.visible })),
    async connect(url, options = {}) {
      // A failed connection stays listed: its timeline explains why; connect() rejects with a coded error.
      const c = connections.create({ ...options, url });
      await c.connect();
      return c.id;
    },
    send(id, data) {
      const c = must(id);
      const payload = hexOrText(data);
      if (typeof payload === 'string') c.sendText(payload);
      else c.sendBinary(payload);
    },
    async close(id, code = 1000, reason = '') {
      return must(id).close(code, reason);
    },
    timeline(id) {
      const c = must(id);
      return c.store.slice(0, c.store.length).filter((e) => e.connection === id);
    },
    readPayload: (id, eventId) => must(id).store.readPayload(eventId),
    counters: (id) => must(id).store.counters(),
    connections: () => connections.list().map((c) => ({ id: c.id, url: c.options.url, state: c.state })),
  };

  function must(id: string) {
    const c = connections.get(id);
    if (!c) throw new CodedError('WSWB_UNKNOWN_CONNECTION', `no connection with id ${id}`);
    return c;
  }
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
