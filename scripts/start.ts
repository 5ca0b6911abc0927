/**
 * `npm start`: a real VS Code (code-server) on 127.0.0.1 with this extension loaded in development
 * mode and examples/ as the workspace, plus the example mock server, until Ctrl+C.
 */
import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startCodeServer } from '../test/host/codeServer';

const root = path.resolve(__dirname, '..');
const port = Number(process.env.WSWB_PORT || 8765);

async function main(): Promise<void> {
  const workspace = path.join(root, 'examples');
  console.log('[start] starting code-server (VS Code 1.139, server build)…');
  const server = await startCodeServer({
    folder: workspace,
    port,
    log: (l) => process.env.WSWB_VERBOSE && console.log(`[code-server] ${l}`),
  });
  const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${root}`]];
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  let mock: ChildProcess | undefined;
  const collection = path.join(workspace, 'echo.websocket.json');
  if (existsSync(collection)) {
    mock = spawn(process.execPath, [path.join(root, 'dist/cli.js'), 'mock', collection, '--output', 'pretty'], { stdio: ['ignore', 'pipe', 'inherit'] });
    mock.stdout!.setEncoding('utf8').once('data', (d: string) => console.log(`[start] example mock server: ${d.trim().split('\n')[0]}`));
    mock.once('exit', (code) => code && console.log(`[start] the example mock server exited with ${code}`));
  }

  console.log(`\n[start] WebSocket Workbench is running in VS Code. Open this URL in a browser:\n\n  ${url}\n`);
  console.log('[start] Then: Ctrl+Shift+P → "WebSocket: …". Stop with Ctrl+C.');
  const stop = async () => {
    mock?.kill('SIGTERM');
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
