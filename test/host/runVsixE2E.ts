/**
 * The marketplace artifact, installed and used as a user gets it: builds the production .vsix,
 * installs it into a fresh code-server with `--install-extension` (no development path), opens a
 * copy of examples/, and from the command palette starts a mock, connects, sends, sees the echo in
 * the panel's timeline, closes and stops the mock. Counts go to $WSWB_RESULTS_FILE.
 *
 *   npx tsx test/host/runVsixE2E.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Mocha from 'mocha';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { palette, paletteAndAnswer, paletteAndPick } from './workbenchUi';
import { startCodeServer, type CodeServer } from './codeServer';
import { NO_CHAT_SETTINGS } from './workbenchWindow';
import { chromiumArgs, chromiumPath, codeServerCommand } from './locate';
import { buildVsix, vsixFiles, type BuiltVsix } from './vsix';

const root = path.resolve(__dirname, '../..');

async function main(): Promise<number> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'wswb-vsix-'));
  const workspace = path.join(work, 'workspace');
  const extensionsDir = path.join(work, 'extensions');
  cpSync(path.join(root, 'examples'), workspace, { recursive: true });
  writeFileSync(path.join(workspace, 'vsix.websocket.json'), JSON.stringify({ version: 1, name: 'VSIX check', requests: [], mocks: [{ name: 'vsix-mock' }] }, null, 2) + '\n');

  let built: BuiltVsix | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page!: Page;
  let mockUrl = '';

  const mocha = new Mocha({ timeout: 120_000, forbidOnly: true, forbidPending: true, reporter: path.join(root, 'test/support/countingReporter.cjs') });
  mocha.suite.emit('pre-require', globalThis, 'vsix-e2e', mocha);

  describe('the .vsix, installed into a fresh VS Code and used from the palette', function () {
    this.timeout(180_000);

    before(async () => {
      built = buildVsix();
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed' && page) {
        await page.screenshot({ path: path.join(os.tmpdir(), `wswb-vsix-failed-${this.currentTest.title.slice(0, 24).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
      }
      await page?.keyboard.press('Escape').catch(() => undefined);
    });

    after(async () => {
      await browser?.close().catch(() => undefined);
      await server?.stop();
      if (built) rmSync(built.dir, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    });

    it('is a lean package: only bundles, webview assets, schemas, media, manifest and docs, within budget', () => {
      const files = vsixFiles(built!.dir);
      const allowed = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/(extension|cli|webview)\.js|dist\/webview\.css|dist\/chunks\/[\w.-]+\.js|dist\/codicons\/codicon\.(css|ttf)|dist\/[\w-]+\.ttf|schemas\/[\w.-]+\.json|media\/[\w./-]+\.(png|svg|md))$/;
      const unexpected = files.filter((f) => !allowed.test(f));
      assert.deepEqual(unexpected, [], 'nothing unexpected in the package');
      assert.ok(!files.some((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('node_modules/')));
      for (const must of ['dist/extension.js', 'dist/webview.js', 'schemas/websocket-collection.schema.json', 'media/icon.png']) assert.ok(files.includes(must), `${must} is shipped`);
      const size = statSync(built!.vsix).size;
      console.log(`      ${path.basename(built!.vsix)}: ${(size / 1024).toFixed(0)} KiB, ${files.length} files`);
      assert.ok(size < 2_000_000, `vsix ${size} bytes < 2 MB`);
    });

    it('installs with code-server --install-extension', () => {
      const { cmd, args, env } = codeServerCommand();
      const out = execFileSync(cmd, [...args, '--extensions-dir', extensionsDir, '--install-extension', built!.vsix], { env: { ...process.env, ...env }, encoding: 'utf8' });
      assert.match(out, /successfully installed/i);
      assert.ok(readdirSync(extensionsDir).some((d) => d.startsWith('websocket-workbench.websocket-workbench-')), 'installed into the extensions folder');
    });

    it('starts a mock from the palette, as a user would', async () => {
      server = await startCodeServer({ folder: workspace, extensionsDir, log: () => undefined });
      browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: true });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      // A user's first start, minus the welcome page and chat that would take the keyboard focus.
      mkdirSync(path.join(server.userDataDir, 'User'), { recursive: true });
      writeFileSync(path.join(server.userDataDir, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, ...NO_CHAT_SETTINGS }));
      // No extensionDevelopmentPath: only the installed extension can answer these commands.
      const payload = encodeURIComponent(JSON.stringify([['skipWelcome', 'true']]));
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${payload}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      // As a user would: wait until the installed extension shows up (its status bar item).
      await page.locator('.statusbar-item', { hasText: 'Environment' }).first().waitFor({ timeout: 60_000 });
      await paletteAndPick(page, 'WebSocket: Start Mock Server…', 'vsix-mock');
      const status = page.locator('.statusbar-item', { hasText: 'ws://127.0.0.1:' }).first();
      await status.waitFor({ timeout: 30_000 });
      mockUrl = (await status.innerText()).match(/ws:\/\/127\.0\.0\.1:\d+\S*/)?.[0] ?? '';
      assert.ok(mockUrl, 'the status bar shows the mock URL');
    });

    it('connects from the palette, sends, and sees the echo in the panel timeline', async () => {
      assert.ok(mockUrl, 'needs the mock');
      await paletteAndAnswer(page, 'WebSocket: Connect…', 'Enter URL', 'ws:// or wss:// URL', `${mockUrl}vsix`);
      const w: FrameLocator = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
      await w.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
      await page.locator('.statusbar-item', { hasText: /open/ }).first().waitFor({ timeout: 20_000 });
      await paletteAndAnswer(page, 'WebSocket: Send Message…', 'Type a message', 'Text message', 'hello from the installed vsix');
      await w.locator('.timeline .row.d-in', { hasText: 'hello from the installed vsix' }).first().waitFor({ timeout: 15_000 });
      await w.locator('.timeline .row.d-out', { hasText: 'hello from the installed vsix' }).first().waitFor({ timeout: 5_000 });
    });

    it('disconnects and stops the mock from the palette', async () => {
      await palette(page, 'WebSocket: Disconnect');
      const w: FrameLocator = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
      await w.locator('.timeline .row.k-close').first().waitFor({ timeout: 15_000 });
      await palette(page, 'WebSocket: Stop Mock Server');
      await page.locator('.statusbar-item', { hasText: 'ws://127.0.0.1:' }).first().waitFor({ state: 'detached', timeout: 15_000 });
    });
  });

  return new Promise<number>((resolve) => mocha.run(resolve));
}

process.env.WSWB_SUITE ||= 'vsix e2e (installed package)';
main().then(
  (failures) => process.exit(failures > 0 ? 1 : 0),
  (err) => {
    console.error('[vsix-e2e]', err);
    process.exit(1);
  },
);
