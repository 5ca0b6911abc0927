/**
 * End to end as a user, in real VS Code (code-server) driven by headless Chromium (issue 13): open
 * the workbench, set the request's Protocol to Socket.IO, connect to a real `socket.io` 4 server on
 * loopback (plain URL: the panel builds the Engine.IO endpoint), send an event with an ack from the
 * Socket.IO form, and see it paired with its reply and latency (the Protocol column, the Protocol tab,
 * the latency table). The screenshot goes to media/screenshots only with WSWB_SCREENSHOTS=1
 * (`npm run screenshots`); otherwise to a temporary folder. Run by test/host/runE2E.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { Server } from 'socket.io';
import { QUIET_SETTINGS, openWorkbenchWindow, panelWebview, screenshotDir, type WorkbenchWindow } from '../host/workbenchWindow';
import { palette as runCommand } from '../host/workbenchUi';

describe('end to end: a Socket.IO session in the panel, in VS Code', function () {
  let httpServer: http.Server;
  let io: Server;
  let url = '';
  let win: WorkbenchWindow | undefined;
  let page: Page;
  let shots = '';
  let work = '';
  const acked: number[][] = [];

  before(async function () {
    httpServer = http.createServer();
    io = new Server(httpServer, { transports: ['websocket'], pingInterval: 1000, pingTimeout: 1000 });
    io.on('connection', (s) => {
      s.on('sum', (a: number, b: number, ack: (n: number) => void) => {
        acked.push([a, b]);
        // 20 ms on the fine clock (Node's setTimeout may fire up to 1 ms early: its start is cut to whole ms).
        const t0 = performance.now();
        const later = () => (performance.now() - t0 >= 20 ? ack(a + b) : setTimeout(later, 1));
        setTimeout(later, 20);
      });
      s.emit('welcome', { room: 'lobby' });
    });
    await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
    url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    shots = screenshotDir();
    work = mkdtempSync(path.join(os.tmpdir(), 'wswb-e2e-sio-'));
    const folder = path.join(work, 'workspace');
    mkdirSync(folder);
    win = await openWorkbenchWindow({ folder, userSettings: { ...QUIET_SETTINGS, 'workbench.startupEditor': 'none' }, skipWelcome: true });
    page = win.page;
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await page.screenshot({ path: path.join(os.tmpdir(), 'wswb-e2e-failed-socketio.png') }).catch(() => undefined);
  });

  after(async () => {
    await win?.close();
    await new Promise<void>((r) => (io ? io.close(() => r()) : r()));
    httpServer?.closeAllConnections?.();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const palette = (command: string) => runCommand(page, command);
  const webview = (): FrameLocator => panelWebview(page);

  it('speaks Socket.IO, sends an event with an ack from the form, and shows it paired with its latency', async () => {
    await palette('View: Close Primary Side Bar');
    await page.locator('.part.sidebar').waitFor({ state: 'hidden', timeout: 10_000 });
    if (await page.locator('.part.auxiliarybar').isVisible()) await palette('View: Toggle Secondary Side Bar Visibility');
    await palette('WebSocket: Open Workbench');
    const w = webview();
    await w.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    await w.locator('#url input').fill(url);
    // Options → Protocol: Socket.IO (a vscode-single-select, picked as a user does).
    await w.locator('#options-toggle').click();
    await w.locator('#protocol').click();
    await w.locator('#protocol .option', { hasText: 'Socket.IO' }).click();
    await w.locator('#options-toggle').click();
    await w.locator('#connect').click();
    await w.locator('#state.open').waitFor({ timeout: 15_000 });
    // The session connected the namespace by itself (the server's welcome event arrives only then).
    await w.locator('.timeline .row .c-proto', { hasText: 'welcome' }).waitFor({ timeout: 15_000 });
    await w.locator('#proto-composer:not([hidden])').waitFor();
    await w.locator('#pc-socketio-event input').fill('sum');
    await w.locator('#pc-socketio-args textarea').fill('[2, 3]');
    await w.locator('#pc-socketio-ack label').first().click();
    await w.locator('#pc-send').click();
    const sent = w.locator('.timeline .row.d-out.paired .c-proto', { hasText: 'sum(2, 3)' });
    await sent.waitFor({ timeout: 15_000 });
    assert.deepEqual(acked, [[2, 3]]);
    const sentText = (await sent.textContent())!;
    const ms = /⇄ ([\d.]+) (ms|µs)$/.exec(sentText);
    assert.ok(ms, `the EVENT row shows its latency: ${sentText}`);
    // The request is timed before its bytes leave and the reply when it is read, whatever work the
    // panel does on either (test/unit/protocols/latency.test.ts): the latency covers the server's delay.
    assert.ok(ms[2] === 'ms' && Number(ms[1]) >= 20 && Number(ms[1]) < 5000, `the latency covers the server's 20 ms delay: ${sentText}`);
    const reply = w.locator('.timeline .row.d-in.paired .c-proto', { hasText: 'ACK' });
    assert.match((await reply.textContent())!, new RegExp(`⇄ ${ms[1]!.replace('.', '\\.')} ms$`), 'the ACK shows the same latency');
    // Selecting the request shows its reply in the Protocol tab, with the tree of the decoded packet.
    await sent.click();
    await w.locator('#tab-protocol').click();
    await w.locator('#proto-pair', { hasText: 'Reply #' }).waitFor({ timeout: 10_000 });
    assert.match((await w.locator('#proto-pair').textContent())!, new RegExp(`Reply #\\d+ · ${ms[1]!.replace('.', '\\.')} ms`));
    assert.match((await w.locator('.pane-protocol .json-tree').textContent())!, /"event": "sum"/);
    assert.match((await w.locator('#proto-raw').textContent())!, /^421\["sum",2,3\]$/);
    // Its latency in the table, per event.
    await w.locator('#latency-toggle').click();
    const line = w.locator('#latency-table tr[data-op="sum"] td');
    await line.first().waitFor({ timeout: 10_000 });
    assert.deepEqual((await line.allTextContents()).slice(0, 3), ['socket.io', 'sum', '1']);
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(shots, 'panel-socketio.png') });
  });
});
