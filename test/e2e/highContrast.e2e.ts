/**
 * Issue 17: the panel in the high-contrast themes, dark and light, in real VS Code (code-server)
 * driven by headless Chromium as a user. The theme is set the robust way: each theme gets its own
 * window, started with it in the user settings (not the palette's theme picker, whose input stayed
 * inert afterwards; rewriting settings.json in a running code-server did not switch the theme
 * within 30 s here). The panel holds what carries
 * meaning: a closed connection (a protocol error: an ERROR row and an abnormal close row), the
 * reconnected live one with frames, `expect` rows that pass and fail, a recording, a filter. Each
 * is asserted as a person without colour sees it (arrows, words, icons), and the webview is checked
 * to follow the theme (its body class; the badge border is the theme's contrast border; keyboard
 * focus and the selected row are outlined in the theme's focus and active contrast colours).
 * Screenshots: panel-hc-dark.png, panel-hc-light.png (media/screenshots only with WSWB_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import { palette } from '../host/workbenchUi';
import { QUIET_SETTINGS, openWorkbenchWindow, panelWebview, screenshotDir, type WorkbenchWindow } from '../host/workbenchWindow';

const SETTINGS = { ...QUIET_SETTINGS, 'workbench.startupEditor': 'none' };
/** The close after the protocol error: ws drops the TCP connection once it has failed it (no closing handshake). */
const CLOSE_TEXT = '1006 Abnormal Closure · closed by client · no closing handshake';

describe('end to end: the panel in the high-contrast themes, nothing said by colour alone (issue 17)', function () {
  let wss: WebSocketServer;
  let win: WorkbenchWindow | undefined;
  let page: Page;
  let shots = '';
  let work = '';
  let folderPath = '';

  before(async function () {
    // An echo server that, asked to, sends a text frame that is not UTF-8: the client fails the
    // connection (WS_ERR_INVALID_UTF8), which puts an ERROR row and an abnormal close in the timeline.
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('error', () => undefined);
    wss.on('connection', (s: WebSocket) => {
      s.on('error', () => undefined);
      s.on('message', (d, binary) => {
        // A text message whose bytes are not UTF-8 (ws sends the bytes as given).
        if (!binary && String(d) === 'please break') s.send(Buffer.from([0xff, 0xfe]), { binary: false });
        else s.send(d, { binary });
      });
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/echo`;
    shots = screenshotDir();
    work = mkdtempSync(path.join(os.tmpdir(), 'wswb-e2e-hc-'));
    const folder = path.join(work, 'workspace');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'hc.websocket.json'), JSON.stringify({
      version: 1,
      name: 'hc',
      requests: [{
        name: 'hc-echo',
        url,
        messages: [
          { name: 'greet', kind: 'text', data: 'hello contrast', expect: [{ description: 'echoed back', regex: '^hello contrast$', timeoutMs: 5000 }] },
          { name: 'never', kind: 'text', data: 'one thing', expect: [{ description: 'answers another thing', regex: '^another thing$', timeoutMs: 500 }] },
        ],
      }],
    }, null, 2) + '\n');
    folderPath = folder;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await page.screenshot({ path: path.join(os.tmpdir(), `wswb-e2e-hc-failed-${this.currentTest.title.slice(0, 20).replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
  });

  after(async () => {
    for (const c of wss?.clients ?? []) c.terminate();
    await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const webview = (): FrameLocator => panelWebview(page);

  /** The visible timeline rows as a person reads them: direction cell, TYPE and Data; the event id and the row's classes pick rows, they are not what is asserted. */
  function rows(w: FrameLocator): Promise<Array<{ id: string; cls: string; dir: string; dirTitle: string; type: string; summary: string }>> {
    return w.locator('.timeline .row:not(.loading)').evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => ({
      id: (e as HTMLElement).dataset.id ?? '',
      cls: e.className,
      dir: e.querySelector('.c-dir')?.textContent ?? '',
      dirTitle: (e.querySelector('.c-dir') as HTMLElement | null)?.title ?? '',
      type: e.querySelector('.c-type')?.textContent ?? '',
      summary: e.querySelector('.c-summary')?.textContent ?? '',
    })));
  }

  /**
   * What the panel says without colour: each row's direction as an arrow (with its word in the
   * tooltip), the error as ERROR with its code, the close with its code and who closed it, the
   * expect results as ✓ / ✗ with the rule, REC and the state badge as words.
   */
  async function assertReadableWithoutColour(w: FrameLocator): Promise<void> {
    await w.locator('#view-all').click();
    await w.locator('.timeline-wrap.mode-all').waitFor();
    await w.locator('.timeline').first().press('Home');
    await w.locator('.timeline .row.err').first().waitFor({ timeout: 10_000 });
    const top = await rows(w);
    await w.locator('.timeline').first().press('End');
    await w.locator('.timeline .row.expect-fail').first().waitFor({ timeout: 10_000 });
    // The top and the bottom of the timeline, each row once (they overlap when it all fits).
    const all = [...new Map([...top, ...(await rows(w))].map((r) => [r.id, r])).values()];
    for (const r of all) {
      const want = /\bd-out\b/.test(r.cls) ? ['↑', 'sent'] : /\bd-in\b/.test(r.cls) ? ['↓', 'received'] : ['•', ''];
      assert.deepEqual([r.dir, r.dirTitle], want, `direction said by an arrow: ${JSON.stringify(r)}`);
      assert.ok(r.type.trim(), `every row says its type: ${JSON.stringify(r)}`);
    }
    const error = all.find((r) => /\berr\b/.test(r.cls));
    assert.equal(error?.type, 'ERROR');
    assert.match(error!.summary, /^WS_ERR_INVALID_UTF8: /);
    const closes = all.filter((r) => /\bk-close\b/.test(r.cls));
    assert.equal(closes.length, 1, 'one close row');
    assert.equal(closes[0]!.type, 'CLOSED');
    assert.equal(closes[0]!.summary, CLOSE_TEXT, 'code, name, who closed it and how, in words');
    // Frames are marked as frames (↳) under their message, not by colour or indentation alone.
    assert.ok(all.some((r) => /\bk-frame\b/.test(r.cls) && r.type === '↳ TEXT'), 'a nested text frame');
    const pass = all.find((r) => /\bexpect-pass\b/.test(r.cls));
    const fail = all.find((r) => /\bexpect-fail\b/.test(r.cls));
    assert.equal(pass?.type, 'EXPECT ✓');
    assert.match(pass!.summary, /^expect passed: echoed back \(reply #\d+ after [\d.]+ (ms|µs)\)$/);
    assert.equal(fail?.type, 'EXPECT ✗');
    assert.equal(fail!.summary, 'expect FAILED: answers another thing: no matching reply within 500 ms');
    // Badges are words: REC with its icon, the connection's state.
    assert.equal((await w.locator('#rec').textContent())?.trim(), 'REC');
    assert.equal(await w.locator('#rec .codicon-record').count(), 1);
    assert.equal((await w.locator('#state').textContent())?.trim(), 'open');
    assert.equal(await w.locator('#record').getAttribute('aria-pressed'), 'true');
    assert.equal((await w.locator('#record').textContent())?.trim(), 'Stop recording');
  }

  /** The webview follows the high-contrast theme: body class, contrast border on badges, focus and selection outlined. */
  async function assertHighContrast(w: FrameLocator, bodyClass: string): Promise<void> {
    await w.locator(`body.${bodyClass}`).waitFor({ timeout: 20_000 });
    // Both high-contrast themes also set vscode-high-contrast, which styles.css's high-contrast rules use.
    assert.match((await w.locator('body').getAttribute('class'))!, /(^|\s)vscode-high-contrast(\s|$)/);
    /** A theme colour as the browser computes it (rgb…), read through a probe element. */
    const themeColour = (name: string) => w.locator('body').evaluate((body, n) => {
      const probe = document.createElement('span');
      probe.style.color = `var(${n})`;
      body.append(probe);
      const c = getComputedStyle(probe).color;
      probe.remove();
      return getComputedStyle(document.documentElement).getPropertyValue(n).trim() ? c : '';
    }, name);
    const [contrastBorder, focusBorder, activeBorder] = [await themeColour('--vscode-contrastBorder'), await themeColour('--vscode-focusBorder'), await themeColour('--vscode-contrastActiveBorder')];
    assert.ok(contrastBorder && focusBorder && activeBorder, `the theme sets its contrast colours: ${JSON.stringify({ contrastBorder, focusBorder, activeBorder })}`);
    // Badges are outlined in the contrast border, their text in the theme's foreground.
    for (const badge of ['#state']) {
      const style = await w.locator(badge).evaluate((el) => { const s = getComputedStyle(el); return { border: `${s.borderTopStyle} ${s.borderTopWidth} ${s.borderTopColor}`, color: s.color }; });
      assert.equal(style.border, `solid 1px ${contrastBorder}`, `${badge} outlined in the contrast border`);
      assert.equal(style.color, await themeColour('--vscode-foreground'), `${badge} text in the theme's foreground`);
    }
    // Keyboard focus shows an outline in the focus border colour.
    await w.locator('#view-messages').focus();
    await page.keyboard.press('Tab');
    const focus = await w.locator('body').evaluate(() => { const el = document.activeElement as HTMLElement; const s = getComputedStyle(el); return { id: el.id, outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` }; });
    assert.equal(focus.id, 'view-frames');
    assert.equal(focus.outline, `solid 1px ${focusBorder}`, 'keyboard focus outlined');
    // The selected row is outlined in the active contrast border (not only a background colour). The
    // All view, scrolled to its end, is still as assertReadableWithoutColour left it: nothing
    // re-renders under the click (switching views would recycle the row elements meanwhile).
    const row = w.locator('.timeline .row.expect-pass').first();
    await row.click();
    await w.locator('.timeline .row.selected.expect-pass').waitFor();
    const sel = await row.evaluate((el) => { const s = getComputedStyle(el); return `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`; });
    assert.equal(sel, `solid 1px ${activeBorder}`, 'the selected row outlined');
  }

  /** A filter that narrows the view says so in words: "N of M rows", and a no-match offers to clear it. */
  async function assertFilterInWords(w: FrameLocator): Promise<void> {
    await w.locator('#search input').fill('expect');
    await w.locator('#row-count', { hasText: /^2 of \d+ rows$/ }).waitFor({ timeout: 10_000 });
    assert.deepEqual((await rows(w)).map((r) => r.type).sort(), ['EXPECT ✓', 'EXPECT ✗']);
    await w.locator('#search input').fill('no-row-has-this');
    await w.locator('#timeline-empty-text', { hasText: 'No row matches the filter.' }).waitFor({ timeout: 10_000 });
    await w.locator('#clear-filter').click();
    await w.locator('#row-count', { hasText: /^\d+ rows$/ }).waitFor({ timeout: 10_000 });
  }

  async function shot(name: string): Promise<void> {
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(shots, name) });
  }

  const themes = [
    { theme: 'Default High Contrast', workbench: 'hc-black', body: 'vscode-high-contrast', shot: 'panel-hc-dark.png' },
    { theme: 'Default High Contrast Light', workbench: 'hc-light', body: 'vscode-high-contrast-light', shot: 'panel-hc-light.png' },
  ];
  for (const t of themes) {
    describe(t.theme, () => {
      before(async () => {
        win = await openWorkbenchWindow({ folder: folderPath, userSettings: { ...SETTINGS, 'workbench.colorTheme': t.theme }, skipWelcome: true });
        page = win.page;
      });
      after(async () => {
        await win?.close();
        win = undefined;
      });

      it('a failed connection, the live one with frames, expect rows, REC and a filter, all said in words; the webview in the theme\'s contrast colours', async () => {
        await page.waitForFunction((cls) => document.querySelector('.monaco-workbench')?.classList.contains(cls), t.workbench, { timeout: 20_000 });
        await palette(page, 'View: Close Primary Side Bar');
        await page.locator('.part.sidebar').waitFor({ state: 'hidden', timeout: 10_000 });
        if (await page.locator('.part.auxiliarybar').isVisible()) await palette(page, 'View: Toggle Secondary Side Bar Visibility');
        await page.locator('.part.auxiliarybar').waitFor({ state: 'hidden', timeout: 10_000 });
        await palette(page, 'WebSocket: Connect…');
        const box = page.locator('.quick-input-widget input').first();
        await box.waitFor({ state: 'visible' });
        await box.fill('hc-echo');
        await page.locator('.quick-input-list .monaco-list-row', { hasText: 'hc-echo' }).first().waitFor({ timeout: 15_000 });
        await page.keyboard.press('Enter');
        const w = webview();
        await w.locator('#state.open').waitFor({ timeout: 20_000 });
        // The server breaks the protocol: the client fails the connection and says so.
        await w.locator('#msg-body textarea').fill('please break');
        await w.locator('#send').click();
        await w.locator('#state.closed').waitFor({ timeout: 15_000 });
        await w.locator('.timeline .row.err').first().waitFor({ timeout: 10_000 });
        assert.equal(await w.locator('#close-info').textContent(), CLOSE_TEXT);
        // Reconnect, record, and send: text, then the saved messages whose expect passes and fails.
        await w.locator('#connect').click();
        await w.locator('#state.open').waitFor({ timeout: 15_000 });
        await w.locator('#record').click();
        await w.locator('#rec').waitFor({ state: 'visible', timeout: 10_000 });
        await w.locator('#msg-body textarea').fill('a line in high contrast');
        await w.locator('#send').click();
        await w.locator('.timeline .row.d-in .c-summary', { hasText: 'a line in high contrast' }).waitFor({ timeout: 10_000 });
        await w.locator('.saved-msg[data-name="greet"] .saved-send').click();
        await w.locator('.timeline .row.expect-pass').waitFor({ timeout: 10_000 });
        await w.locator('.saved-msg[data-name="never"] .saved-send').click();
        await w.locator('.timeline .row.expect-fail').waitFor({ timeout: 10_000 });
        await assertReadableWithoutColour(w);
        await assertHighContrast(w, t.body);
        await assertFilterInWords(w);
        await w.locator('#view-all').click();
        await w.locator('.timeline').first().press('Home');
        await shot(t.shot);
      });
    });
  }
});
