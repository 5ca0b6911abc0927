/**
 * End to end, driven as a user: code-server (real VS Code) with this extension in development mode
 * and a copy of examples/, driven in headless Chromium through the activity bar, the command
 * palette, quick picks and the status bar. No test hooks: only what a user sees and types.
 * Counts go to $WSWB_RESULTS_FILE ({suite, passed, failed, pending}) through the counting reporter.
 *
 *   node scripts/build.mjs && npx tsx test/host/runWorkflowE2E.ts
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Mocha from 'mocha';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { palette, paletteAndAnswer, paletteAndPick } from './workbenchUi';
import { startCodeServer, type CodeServer } from './codeServer';
import { NO_CHAT_SETTINGS } from './workbenchWindow';
import { chromiumArgs, chromiumPath } from './locate';

const root = path.resolve(__dirname, '../..');
const shots = process.env.WSWB_E2E_SCREENSHOTS || path.join(os.tmpdir(), 'wswb-e2e-shots');

function echo(url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no echo within 5 s'));
    }, 5000);
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on('open', () => ws.send(text));
    ws.on('message', (d) => {
      clearTimeout(timer);
      ws.close();
      resolve(String(d));
    });
  });
}

async function main(): Promise<number> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'wswb-e2e-'));
  const workspace = path.join(work, 'workspace');
  cpSync(path.join(root, 'examples'), workspace, { recursive: true });
  // A mock on a free port, so parallel runs never collide.
  writeFileSync(path.join(workspace, 'e2e.websocket.json'), JSON.stringify({ version: 1, name: 'E2E', requests: [], mocks: [{ name: 'e2e-mock' }] }, null, 2) + '\n');
  mkdirSync(shots, { recursive: true });

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page!: Page;

  const mocha = new Mocha({ timeout: 60_000, forbidOnly: true, forbidPending: true, reporter: path.join(root, 'test/support/countingReporter.cjs') });
  mocha.suite.emit('pre-require', globalThis, 'workflow-e2e', mocha);

  describe('workflow end to end (a user in real VS Code)', function () {
    this.timeout(120_000);

    before(async () => {
      server = await startCodeServer({ folder: workspace, userSettings: { ...NO_CHAT_SETTINGS }, log: () => undefined });
      browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: true });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const payload = [
        ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${root}`],
        ['skipWelcome', 'true'],
      ];
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed') await page.screenshot({ path: path.join(shots, `${this.currentTest.title.replace(/\W+/g, '_')}.png`) }).catch(() => undefined);
      await page.keyboard.press('Escape').catch(() => undefined);
    });

    after(async () => {
      await browser?.close().catch(() => undefined);
      await server?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    it('shows the WebSocket container in the activity bar with the example collection in its tree', async () => {
      const item = page.locator('.activitybar .action-item a[aria-label^="WebSocket"]').first();
      await item.waitFor({ timeout: 60_000 });
      await item.click();
      const sidebar = page.locator('#workbench\\.parts\\.sidebar');
      for (const view of ['Collections', 'Connections', 'Mock Servers']) await sidebar.locator('.pane-header', { hasText: view }).first().waitFor({ timeout: 15_000 });
      await sidebar.locator('.monaco-list-row', { hasText: 'Echo examples' }).first().waitFor({ timeout: 30_000 });
      await sidebar.locator('.monaco-list-row', { hasText: 'e2e-mock' }).first().waitFor({ timeout: 15_000 });
    });

    it('starts a mock from the palette; the status bar shows its URL and a real client gets the echo', async () => {
      await paletteAndPick(page, 'WebSocket: Start Mock Server…', 'e2e-mock');
      const status = page.locator('.statusbar-item', { hasText: 'ws://127.0.0.1:' }).first();
      await status.waitFor({ timeout: 15_000 });
      const url = (await status.innerText()).match(/ws:\/\/127\.0\.0\.1:\d+\S*/)?.[0];
      assert.ok(url, 'status bar shows the mock URL');
      // Labelled as a mock, so it does not read as a connection.
      assert.match(await status.innerText(), /Mock ws:\/\/127\.0\.0\.1:\d+/);
      assert.equal(await echo(url, 'typed by nobody'), 'typed by nobody');
      await page.screenshot({ path: path.join(shots, 'mock-running.png') });
      (globalThis as { e2eMockUrl?: string }).e2eMockUrl = url;
    });

    it('connects through Connect… → Enter URL…, and the status bar shows the open connection', async () => {
      const url = (globalThis as { e2eMockUrl?: string }).e2eMockUrl;
      assert.ok(url, 'needs the mock of the previous test');
      await paletteAndAnswer(page, 'WebSocket: Connect…', 'Enter URL', 'ws:// or wss:// URL', `${url}e2e`);
      await page.locator('.statusbar-item', { hasText: /open/ }).first().waitFor({ timeout: 20_000 });
      await page.locator('.tab', { hasText: /127\.0\.0\.1/ }).first().waitFor({ timeout: 20_000 });
      await page.screenshot({ path: path.join(shots, 'connected.png') });
    });

    it('stops the mock from the palette and the status bar item goes away', async () => {
      await palette(page, 'WebSocket: Stop Mock Server');
      await page.locator('.statusbar-item', { hasText: 'ws://127.0.0.1:' }).first().waitFor({ state: 'detached', timeout: 15_000 });
    });
  });

  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  return failures;
}

process.env.WSWB_SUITE ||= 'workflow e2e (VS Code UI)';
main().then(
  (failures) => process.exit(failures > 0 ? 1 : 0),
  (err) => {
    console.error('[workflow-e2e]', err);
    process.exit(1);
  },
);
