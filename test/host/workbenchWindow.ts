/**
 * A VS Code window for the e2e suites (test/e2e): code-server on a folder, this extension loaded as
 * the development extension, opened in headless Chromium at 1440×900, and handed over once the
 * WebSocket activity bar item shows (the extension's contributions, palette commands included, are
 * there). Screenshots go to media/screenshots only with WSWB_SCREENSHOTS=1 (`npm run screenshots`):
 * an ordinary run leaves the tree clean and puts them in a temporary folder.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from './codeServer';
import { chromiumArgs, chromiumPath } from './locate';

export const repoRoot = path.resolve(__dirname, '../..');

/** Where this run's screenshots go (created). */
export function screenshotDir(): string {
  const dir = process.env.WSWB_SCREENSHOTS === '1' ? path.join(repoRoot, 'media/screenshots') : path.join(os.tmpdir(), 'wswb-e2e-shots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * No Chat view in the secondary side bar: it is drawn while the window starts, possibly while the
 * first test already has a quick pick open, and no test is about it.
 */
export const NO_CHAT_SETTINGS: Readonly<Record<string, unknown>> = { 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden' };

/** User settings for a quiet window: a fixed theme, no command center, no tips, no Chat view. */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = { 'workbench.colorTheme': 'Default Dark Modern', 'window.commandCenter': false, 'workbench.tips.enabled': false, ...NO_CHAT_SETTINGS };

export interface WorkbenchWindow {
  server: CodeServer;
  browser: Browser;
  page: Page;
  /** Closes the browser and stops code-server. */
  close(): Promise<void>;
}

export async function openWorkbenchWindow(opts: {
  folder: string;
  /** Written to the user settings before the window opens. */
  userSettings: Record<string, unknown>;
  /** Pass `skipWelcome` in the test payload (no welcome page). */
  skipWelcome?: boolean;
  /** Keep code-server's user data and extensions folders after close (to read their logs). */
  keepDirs?: boolean;
}): Promise<WorkbenchWindow> {
  const server = await startCodeServer({ folder: opts.folder, userSettings: opts.userSettings, ...(opts.keepDirs ? { keepDirs: true } : {}) });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: true });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${repoRoot}`], ...(opts.skipWelcome ? [['skipWelcome', 'true']] : [])];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(opts.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    // The development extension is scanned after the workbench shows; on a loaded machine that takes
    // seconds. Its activity bar container is the sign its contributions (and palette commands) exist.
    await page.locator('.activitybar .action-item a[aria-label^="WebSocket"]').first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForTimeout(500);
    const b = browser;
    return {
      server,
      browser: b,
      page,
      async close() {
        await b.close().catch(() => undefined);
        await server.stop();
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await server.stop();
    throw err;
  }
}

/** The webview of the panel on screen (an iframe inside an iframe). */
export function panelWebview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready:visible').frameLocator('iframe#active-frame');
}
