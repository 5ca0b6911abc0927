/**
 * Starts a real VS Code (code-server) on 127.0.0.1 with throwaway user-data and extensions folders,
 * and stops it (whole process group) when asked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { codeServerCommand } from './locate';

export interface CodeServer {
  port: number;
  url: string;
  userDataDir: string;
  extensionsDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Writes `<user-data-dir>/User/settings.json`: before start, or while running (VS Code watches the file and applies it). */
function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void {
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

export async function startCodeServer(opts: {
  folder: string;
  env?: NodeJS.ProcessEnv;
  extensionsDir?: string;
  extraArgs?: string[];
  log?: (line: string) => void;
  port?: number;
  keepDirs?: boolean;
  /** Keep Workspace Trust on (default off: `--disable-workspace-trust`); the folder then opens in Restricted Mode. */
  workspaceTrust?: boolean;
  /** User settings written to `<user-data-dir>/User/settings.json` before start. */
  userSettings?: Record<string, unknown>;
}): Promise<CodeServer> {
  const { cmd, args, env } = codeServerCommand();
  const port = opts.port ?? (await freePort());
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'wswb-user-'));
  if (opts.userSettings) writeUserSettings(userDataDir, opts.userSettings);
  const extensionsDir = opts.extensionsDir ?? mkdtempSync(path.join(os.tmpdir(), 'wswb-ext-'));
  const child = spawn(
    cmd,
    [
      ...args,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--vscode-option=--enable-smoke-test-driver',
      ...(opts.extraArgs ?? []),
      opts.folder,
    ],
    { env: { ...process.env, ...env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const log = opts.log ?? (() => undefined);
  child.stdout!.setEncoding('utf8').on('data', (d: string) => d.split('\n').filter(Boolean).forEach((l) => log(l)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => d.split('\n').filter(Boolean).forEach((l) => log(l)));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new Error(`code-server exited with ${exited} before listening`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error('code-server did not start within 60 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    port,
    url,
    userDataDir,
    extensionsDir,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 5000);
        await gone;
        clearTimeout(t);
      }
      if (!opts.keepDirs) {
        rmSync(userDataDir, { recursive: true, force: true });
        if (!opts.extensionsDir) rmSync(extensionsDir, { recursive: true, force: true });
      }
    },
  };
}
