/**
 * `npm test`'s integration suite: starts code-server (real VS Code), opens a copy of examples/ with
 * this extension in development mode and test/integration as the tests entry, drives the workbench
 * in headless Chromium, and waits for VS Code's own codeAutomationExit(code). Prints the in-host
 * mocha output live and leaves counts in $WSWB_RESULTS_FILE.
 *
 * `--untrusted` (suite `integration-untrusted`): Workspace Trust stays on and the folder, never
 * trusted in the fresh user-data-dir, opens in Restricted Mode; runs test/integration/untrusted and
 * checks in the workbench's DOM that the mock-downgrade notification was really shown.
 */
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, readSync, closeSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startCodeServer } from './codeServer';
import { chromiumArgs, chromiumPath, VSCODE_VERSION } from './locate';
import { DOWNGRADE_NOTICE } from '../integration/untrusted/expect';

const root = path.resolve(__dirname, '../..');
const TIMEOUT_MS = Number(process.env.WSWB_INTEGRATION_TIMEOUT_MS || 15 * 60_000);
const untrusted = process.argv.includes('--untrusted');
const label = untrusted ? 'integration-untrusted (VS Code, Restricted Mode)' : 'integration (VS Code)';

async function main(): Promise<number> {
  const resultsFile = process.env.WSWB_RESULTS_FILE || path.join(os.tmpdir(), `wswb-integration-${process.pid}.json`);
  rmSync(resultsFile, { force: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'wswb-it-'));
  const workspace = path.join(work, 'workspace');
  if (existsSync(path.join(root, 'examples'))) cpSync(path.join(root, 'examples'), workspace, { recursive: true });
  else mkdirSync(workspace, { recursive: true });
  const logFile = path.join(work, 'mocha.log');
  writeFileSync(logFile, '');

  const serverLog: string[] = [];
  console.log(`[integration] starting code-server${untrusted ? ' with Workspace Trust on' : ''}…`);
  const server = await startCodeServer({
    folder: workspace,
    env: { WSWB_RESULTS_FILE: resultsFile, WSWB_TEST_LOG: logFile, WSWB_SUITE: label, WSWB_VSCODE_VERSION: VSCODE_VERSION, ...(untrusted ? { WSWB_INTEGRATION_DIR: 'untrusted' } : {}) },
    log: (l) => serverLog.push(l),
    ...(untrusted
      ? {
          workspaceTrust: true,
          // Trust on, but no modal asking at startup: the folder simply stays restricted.
          userSettings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.untrustedFiles': 'open', 'security.workspace.trust.banner': 'always' },
        }
      : {}),
  });
  console.log(`[integration] code-server on ${server.url}; loading the workbench in Chromium…`);

  const payload = [
    // WSWB_EXTENSION_PATH: load another build of the extension (the bench loads a production build).
    ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${process.env.WSWB_EXTENSION_PATH || root}`],
    ['extensionTestsPath', `vscode-remote://127.0.0.1:${server.port}${path.join(root, 'out/test/integration/index')}`],
    ['skipWelcome', 'true'],
  ];
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: true });
  let tailPos = 0;
  const tail = () => {
    const size = statSync(logFile).size;
    if (size <= tailPos) return;
    const fd = openSync(logFile, 'r');
    const buf = Buffer.alloc(size - tailPos);
    readSync(fd, buf, 0, buf.length, tailPos);
    closeSync(fd);
    tailPos = size;
    process.stdout.write(buf.toString('utf8'));
  };
  const tailer = setInterval(tail, 300);
  // Notifications seen in the workbench while the suite runs (the UI half of the untrusted suite). VS
  // Code shows no toasts with the smoke-test driver on (which the test payload needs), so the suite
  // opens the notification center and this reads it there.
  const notifications = new Set<string>();
  let page: import('playwright-core').Page | undefined;
  const readNotifications = async () => {
    const texts = await page?.locator('.notification-list-item-message').allTextContents().catch(() => [] as string[]);
    for (const t of texts ?? []) notifications.add(t.trim());
  };
  const poller = untrusted ? setInterval(() => void readNotifications(), 250) : undefined;
  let code: number;
  try {
    const p = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page = p;
    const exit = new Promise<number>((resolve) => {
      void p.exposeFunction('codeAutomationExit', (c: number) => resolve(c));
    });
    await p.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      if (process.env.WSWB_VERBOSE) console.log(`[workbench:${type}]`, ...(Array.isArray(args) ? args : [args]));
    });
    await p.goto(url);
    code = await Promise.race([
      exit,
      new Promise<number>((resolve) => setTimeout(() => resolve(124), TIMEOUT_MS)),
    ]);
    if (code === 124) console.log(`[integration] timed out after ${TIMEOUT_MS} ms`);
    if (untrusted) await readNotifications();
    if (process.env.WSWB_DEBUG_SHOT) await p.screenshot({ path: process.env.WSWB_DEBUG_SHOT }).catch(() => undefined);
  } finally {
    clearInterval(tailer);
    if (poller) clearInterval(poller);
    tail();
    await browser.close().catch(() => undefined);
    await server.stop();
  }
  if (!existsSync(resultsFile)) {
    console.log('[integration] the suite did not report results; code-server output and extension host log follow');
    console.log(serverLog.slice(-40).join('\n'));
    printHostLogs(server.userDataDir);
    writeFileSync(resultsFile, JSON.stringify({ suite: label, passed: 0, failed: 1, pending: 0, error: `no results (exit ${code})` }) + '\n');
  }
  if (untrusted) {
    const shown = [...notifications].find((t) => DOWNGRADE_NOTICE.test(t));
    console.log(shown ? `[integration] ✔ the workbench showed the downgrade notice: ${shown}` : `[integration] ✘ no downgrade notice among the workbench's notifications: ${JSON.stringify([...notifications])}`);
    appendFileSync(resultsFile, JSON.stringify({ suite: `${label}: downgrade notice in the workbench's notifications`, passed: shown ? 1 : 0, failed: shown ? 0 : 1, pending: 0 }) + '\n');
    if (!shown && code === 0) code = 1;
  }
  rmSync(work, { recursive: true, force: true });
  console.log(`[integration] VS Code exited with ${code}`);
  return code;
}

function printHostLogs(userDataDir: string): void {
  try {
    const logs = path.join(userDataDir, 'logs');
    for (const d of readdirSync(logs)) {
      const f = path.join(logs, d, 'exthost1', 'remoteexthost.log');
      if (existsSync(f)) console.log(readFileSync(f, 'utf8').split('\n').slice(-60).join('\n'));
    }
  } catch {
    // no logs
  }
}

main().then(
  (code) => process.exit(code === 0 ? 0 : 1),
  (err) => {
    console.error('[integration]', err);
    process.exit(1);
  },
);
