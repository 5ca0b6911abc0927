/**
 * `npm start`: a real VS Code (code-server) on 127.0.0.1 with this extension loaded in development
 * mode and examples/ as the workspace; the example mock server (echo-mock, ws://127.0.0.1:8765)
 * starts with the window through the extension's own `websocketWorkbench.mock.autoStart` setting.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startCodeServer } from '../test/host/codeServer';

const root = path.resolve(__dirname, '..');
const port = Number(process.env.WSWB_PORT || 8080);

async function main(): Promise<void> {
  const workspace = path.join(root, 'examples');
  console.log('[start] starting code-server (VS Code 1.139, server build)…');
  const server = await startCodeServer({
    folder: workspace,
    port,
    log: (l) => process.env.WSWB_VERBOSE && console.log(`[code-server] ${l}`),
  });
  // User settings of this throwaway profile: start the example mock with the window.
  mkdirSync(path.join(server.userDataDir, 'User'), { recursive: true });
  writeFileSync(path.join(server.userDataDir, 'User', 'settings.json'), JSON.stringify({ 'websocketWorkbench.mock.autoStart': ['echo-mock'] }, null, 2));
  const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${root}`]];
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  console.log(`\n[start] WebSocket Workbench is running in VS Code. Open this URL in a browser:\n\n  ${url}\n`);
  console.log('[start] The example mock (echo-mock) starts with the window on ws://127.0.0.1:8765/ (see the status bar).');
  console.log('[start] Then: Ctrl+Shift+P → "WebSocket: Connect…" → "echo". Stop with Ctrl+C.');
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error('[start]', err instanceof Error ? err.message : err);
  process.exit(1);
});
