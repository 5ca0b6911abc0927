/**
 * Workbench webview entry: builds the RPC client over acquireVsCodeApi(), completes the ready
 * handshake, and renders from the snapshot. A view only: all state comes from the host.
 */
import { RpcClient, type Transport } from '../src/shared/rpc';
import { CONTRACT_VERSION, type HostContract, type Snapshot, type WebviewEvents } from '../src/shared/contract';
import './styles.css';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

const vscodeApi = acquireVsCodeApi();

const transport: Transport = {
  post: (m) => vscodeApi.postMessage(m),
  onMessage: (listener) => {
    const h = (e: MessageEvent) => listener(e.data);
    window.addEventListener('message', h);
    return () => window.removeEventListener('message', h);
  },
};

export const rpc = new RpcClient<HostContract, WebviewEvents>(transport);

function render(snapshot: Snapshot): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  const h = document.createElement('h1');
  h.textContent = 'WebSocket Workbench';
  const info = document.createElement('p');
  info.className = 'host-info';
  info.textContent = `VS Code ${snapshot.host.vscodeVersion} · extension ${snapshot.host.extensionVersion}`;
  app.append(h, info);
  document.body.dataset.ready = 'true';
}

rpc.call('ready', { contractVersion: CONTRACT_VERSION }).then(render, (err) => {
  const app = document.getElementById('app')!;
  app.textContent = `Could not start: ${err instanceof Error ? err.message : String(err)}`;
});
