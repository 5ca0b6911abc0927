/** Scaffolding shared by the panel tests: a PanelBinding on an in-memory RPC pair, and polling. */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ConnectionManager } from '../../../src/core/engine/connectionManager';
import { RpcClient, RpcServer, memoryTransportPair } from '../../../src/shared/rpc';
import { CONTRACT_VERSION, hostContract, type HostContract, type WebviewEvents } from '../../../src/shared/contract';
import { PanelBinding, type BindingHost } from '../../../src/extension/panel/binding';

export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface PanelRig {
  client: RpcClient<HostContract, WebviewEvents>;
  server: RpcServer<HostContract, WebviewEvents>;
  binding: PanelBinding;
  manager: ConnectionManager;
  dispose(): Promise<void>;
}

/** A binding whose connections come from a fresh ConnectionManager, after the ready handshake. */
export async function panelRig(host: Omit<BindingHost, 'createConnection'> = {}): Promise<PanelRig> {
  const [a, b] = memoryTransportPair();
  const server = new RpcServer<HostContract, WebviewEvents>(hostContract, a);
  const client = new RpcClient<HostContract, WebviewEvents>(b);
  const manager = new ConnectionManager();
  const binding = new PanelBinding(server, { createConnection: (o, deps) => manager.create(o, deps), ...host }, () => ({ contractVersion: CONTRACT_VERSION, host: { extensionVersion: 't', vscodeVersion: 't' } }));
  server.handle('ready', () => binding.snapshot());
  await client.call('ready', { contractVersion: CONTRACT_VERSION });
  return {
    client, server, binding, manager,
    async dispose() {
      binding.dispose((c) => manager.remove(c.id));
      await manager.disposeAll();
      client.dispose();
      server.dispose();
    },
  };
}

/** A real ws echo server on 127.0.0.1:0 (text stays text, binary stays binary). */
export async function echoServer(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('error', () => undefined);
  wss.on('connection', (s) => {
    s.on('error', () => undefined);
    s.on('message', (d, binary) => s.send(d, { binary }));
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/echo`,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
