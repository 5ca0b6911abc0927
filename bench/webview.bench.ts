/**
 * The workbench panel in headless Chromium with the real bundle (dist/webview.js; run
 * `node scripts/build.mjs` first):
 *   - 100k-row timeline: p95 frame time while scrolling, rows fetched from a real store through the
 *     host round trip (getRows), as in VS Code; regex filter over 100k full payloads (host side).
 *   - flood: a bare `ws` server (child process) pushes 50k msgs/s into a real, tapped Connection whose
 *     PanelBinding posts into the page: posts/s, host event-loop lag p99, webview p95 frame time while
 *     auto-scrolling, and every message counted in the store.
 *   - hex view of a 16 MiB binary message: first paint.
 * Baselines: the flood's message rate is compared to what the bare `ws` server sent in the same run;
 * UI figures have no bare-ws counterpart (baseline null) and are checked against DESIGN.md budgets.
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { ConnectionManager } from '../src/core/engine/connectionManager';
import { TimelineStore } from '../src/core/engine/timelineStore';
import { RpcServer, type Transport } from '../src/shared/rpc';
import { CONTRACT_VERSION, hostContract, type HostContract, type WebviewEvents } from '../src/shared/contract';
import { PanelBinding } from '../src/extension/panel/binding';
import { PanelSession } from '../src/extension/panel/protocolSession';
import { openWebview, serveRows, shutdown, snapshot, type WebviewPage } from '../test/webview/harness';
import { report } from './lib';

const RATE = 50_000;
const FLOOD_S = Number(process.env.WSWB_BENCH_FLOOD_S ?? 10);
const FRAME_BUDGET = 16.7;

/**
 * Frame-time figures against DESIGN.md's "p95 ≤ 16.7 ms", strictly: the p95 rAF interval itself
 * decides `ok` (no allowance for vsync jitter), and the share of frames over 16.7 ms is reported
 * with it, plus the share over 1.5 frames (a frame surely dropped) as information.
 */
function frameTimes(frames: number[]): { value: number; ok: boolean; framesOver16_7ms: number; framesDropped: number; frames: number } {
  const p95 = pct(frames, 95);
  const share = (limit: number) => (frames.length ? frames.filter((f) => f > limit).length / frames.length : 0);
  return { value: p95, ok: p95 <= FRAME_BUDGET, framesOver16_7ms: share(FRAME_BUDGET), framesDropped: share(FRAME_BUDGET * 1.5), frames: frames.length };
}

function reportFrames(name: string, frames: number[], extra: Record<string, unknown>): void {
  const f = frameTimes(frames);
  report({ name, value: f.value, unit: 'ms', baseline: null, ratio: null, budget: 'p95 ≤ 16.7 ms (strict)', ok: f.ok, frames: f.frames, framesDropped: f.framesDropped, ...extra });
  report({ name: `${name}: share of frames over 16.7 ms`, value: f.framesOver16_7ms * 100, unit: '%', baseline: null, ratio: null });
}

/**
 * The host side of a page, as in VS Code: the page's posts reach an RpcServer here (an exposed
 * function, i.e. a process hop like postMessage), and the host's replies and events go back in.
 */
async function hostBridge(w: WebviewPage): Promise<RpcServer<HostContract, WebviewEvents>> {
  const listeners = new Set<(m: unknown) => void>();
  const transport: Transport = {
    post: (m) => void w.page.evaluate((x) => (window as unknown as { __send(m: unknown): void }).__send(x), m as never).catch(() => undefined),
    onMessage: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  await w.page.exposeFunction('__toHost', (m: unknown) => listeners.forEach((l) => l(m)));
  return new RpcServer<HostContract, WebviewEvents>(hostContract, transport);
}

/** Routes every post of the page (already made and future) to the host bridge. */
async function routeToHost(w: WebviewPage): Promise<void> {
  await w.page.evaluate(`(() => { window.__auto = (m) => { window.__toHost(m); return true; }; for (const m of window.__posted) window.__toHost(m); })()`);
}

// ------------------------------------------------------------------ flood server (child process)
if (process.argv.includes('--flood-server')) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('error', () => undefined);
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    ws.once('message', (m) => {
      const { rate, seconds } = JSON.parse(String(m)) as { rate: number; seconds: number };
      const payload = Buffer.from('{"t":"tick","price":42.125,"seq":000000000}');
      let sent = 0;
      const t0 = Date.now();
      const total = rate * seconds;
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate));
        while (sent < due) {
          ws.send(payload);
          sent++;
        }
        if (sent >= total) {
          clearInterval(timer);
          ws.send(JSON.stringify({ done: sent, ms: Date.now() - t0 }));
        }
      }, 5);
    });
  });
  wss.on('listening', () => process.send!({ port: (wss.address() as { port: number }).port }));
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

function pct(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Collects rAF frame intervals in the page until `stopFrames` is called. */
async function startFrames(w: WebviewPage): Promise<void> {
  await w.page.evaluate(`(() => {
    window.__frames = []; window.__framesOn = true; let last = performance.now();
    const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__framesOn) requestAnimationFrame(tick); };
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
  })()`);
}
async function stopFrames(w: WebviewPage): Promise<number[]> {
  return (await w.page.evaluate(`(() => { window.__framesOn = false; return window.__frames; })()`)) as number[];
}

async function main(): Promise<void> {
  // WSWB_BENCH_ONLY=flood-nopage runs the page-less floods alone (quick check of the host side).
  const only = process.env.WSWB_BENCH_ONLY;
  if (!only) await scrollBench();
  if (!only) await filterBench();
  // Alternated, so neither variant always runs second (WSWB_BENCH_ROUNDS, default 1 each).
  for (let r = 0; r < Number(process.env.WSWB_BENCH_ROUNDS ?? 1); r++) {
    await floodNoPageBench(r % 2 === 1);
    await floodNoPageBench(r % 2 === 0);
  }
  if (!only) await floodBench();
  if (!only) await hexBench();
  await shutdown();
}

// ------------------------------------------------------------------ 100k rows: scroll
/**
 * 100k message rows in a real TimelineStore behind a real PanelBinding; every window of rows the
 * webview asks for while scrolling makes the round trip to the host and back (getRows), as in VS Code.
 */
async function scrollBench(): Promise<void> {
  const store = new TimelineStore();
  const enc = new TextEncoder();
  for (let i = 0; i < 100_000; i++) {
    const data = enc.encode('{"seq":' + i + ',"msg":"row ' + i + ' payload text"}');
    store.append({ kind: 'message', time: 1767268800000 + i, connection: 'c1', dir: i % 2 ? 'in' : 'out', binary: false, data, size: data.length });
  }
  const w = await openWebview({ viewport: { width: 1280, height: 800 } });
  const rpc = await hostBridge(w);
  const binding = new PanelBinding(rpc, { createConnection: () => { throw new Error('unused'); } }, () => ({ contractVersion: CONTRACT_VERSION, host: { extensionVersion: 'b', vscodeVersion: 'b' } }));
  binding.attach({ store, id: 'c1', options: { url: 'ws://x' }, state: 'open', onEvent: () => () => undefined } as never);
  rpc.handle('ready', () => binding.snapshot());
  await routeToHost(w);
  await w.page.waitForSelector('body[data-ready="true"]');
  await w.page.waitForSelector('.timeline .row[data-index="99999"]:not(.loading)');
  const served0 = binding.rowsServed;
  await startFrames(w);
  // Scroll from the top in steps of ~2 screens per frame, then jump around, for ~3 s.
  await w.page.evaluate(`new Promise((resolve) => {
    const v = document.querySelector('.timeline'); v.scrollTop = 0; let n = 0;
    const step = () => { n++; v.scrollTop = n < 120 ? n * 1600 : Math.random() * v.scrollHeight; if (n < 180) requestAnimationFrame(step); else resolve(); };
    requestAnimationFrame(step);
  })`);
  const frames = (await stopFrames(w)).slice(2);
  const dom = (await w.page.evaluate(`document.querySelectorAll('.timeline .row').length`)) as number;
  reportFrames('webview: 100k-row timeline, p95 frame time while scrolling (rows from the host)', frames, { domRows: dom, windowsServed: binding.rowsServed - served0 });
  binding.dispose();
  await store.dispose();
  await w.close();
}

// ------------------------------------------------------------------ 100k rows: regex filter (host side, full payloads)
async function filterBench(): Promise<void> {
  const store = new TimelineStore();
  const enc = new TextEncoder();
  for (let i = 0; i < 100_000; i++) {
    const data = enc.encode(`{"seq":${i},"user":"u${i % 977}","text":"message number ${i} with some words in it"}`);
    store.append({ kind: 'message', time: i, connection: 'c', dir: i % 2 ? 'in' : 'out', binary: false, data, size: data.length });
  }
  const fake = { post: () => undefined, onMessage: () => () => undefined } as Transport;
  const rpc = new RpcServer<HostContract, WebviewEvents>(hostContract, fake);
  const binding = new PanelBinding(rpc, { createConnection: () => { throw new Error('unused'); } }, () => ({ contractVersion: CONTRACT_VERSION, host: { extensionVersion: 'b', vscodeVersion: 'b' } }));
  binding.attach({ store, id: 'c', options: { url: 'ws://x' }, state: 'open', onEvent: () => () => undefined } as never);
  const times: number[] = [];
  let total = 0;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    // The handler runs synchronously inside invoke(); the promise only carries the result.
    const p = binding.invoke('setView', { filter: { mode: 'messages', regex: `"user":"u(12|345|976)"`, regexFlags: 'i' } });
    times.push(performance.now() - t0);
    total = ((await p) as { total: number }).total;
  }
  const ms = pct(times, 50);
  report({ name: 'webview: regex filter over 100k full payloads (host query)', value: ms, unit: 'ms', baseline: null, ratio: null, budget: '< 100 ms', ok: ms < 100, matches: total });
  binding.dispose();
  void store.dispose();
}

// ------------------------------------------------------------------ flood into an open panel
async function floodBench(): Promise<void> {
  const child = fork(__filename, ['--flood-server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((r) => child.once('message', (m) => r((m as { port: number }).port)));
  const w = await openWebview({ viewport: { width: 1280, height: 800 } });
  const rpc = await hostBridge(w);
  const manager = new ConnectionManager();
  const binding = new PanelBinding(rpc, { createConnection: (o, d) => manager.create(o, d) }, () => ({ contractVersion: CONTRACT_VERSION, host: { extensionVersion: 'b', vscodeVersion: 'b' } }));
  rpc.handle('ready', () => binding.snapshot());
  const conn = manager.create({ url: `ws://127.0.0.1:${port}/`, payloadPreviewBytes: 256 });
  binding.attach(conn);
  await routeToHost(w);
  await w.page.waitForSelector('body[data-ready="true"]');
  await conn.connect();
  let done: { done: number; ms: number } | undefined;
  const finished = new Promise<void>((resolve) => {
    conn.onEvent((e) => {
      if (e.kind === 'message' && e.data.length < 40 && e.data[0] === 0x7b && e.data[2] === 0x64) {
        done = JSON.parse(new TextDecoder().decode(e.data));
        resolve();
      }
    });
  });
  const lag = monitorEventLoopDelay({ resolution: 5 });
  const posts0 = binding.posts;
  await startFrames(w);
  lag.enable();
  const t0 = performance.now();
  conn.sendText(JSON.stringify({ rate: RATE, seconds: FLOOD_S }));
  await finished;
  const elapsed = (performance.now() - t0) / 1000;
  lag.disable();
  await new Promise((r) => setTimeout(r, 300));
  const frames = (await stopFrames(w)).slice(2);
  const posts = binding.posts - posts0;
  const received = conn.store.query({ kinds: ['message'], dirs: ['in'] }).length - 1; // minus the done message
  const shown = (await w.page.evaluate(`document.querySelector('#row-count').textContent`)) as string;
  const p99 = lag.percentile(99) / 1e6;
  report({ name: 'webview: flood posts to the webview', value: posts / elapsed, unit: 'posts/s', baseline: null, ratio: null, budget: '≤ 60 posts/s', ok: posts / elapsed <= 60, rate: RATE, seconds: FLOOD_S, scaled: FLOOD_S !== 10 });
  report({ name: 'webview: flood host event-loop lag p99', value: p99, unit: 'ms', baseline: null, ratio: null, budget: '< 50 ms', ok: p99 < 50, seconds: FLOOD_S });
  reportFrames('webview: flood p95 frame time while auto-scrolling', frames, { rowsShown: shown });
  report({ name: 'webview: flood messages recorded in the store', value: received, unit: 'messages', baseline: done?.done ?? null, ratio: done ? received / done.done : null, budget: 'all (ratio 1)', ok: !!done && received === done.done, serverMs: done?.ms });
  binding.dispose();
  await manager.disposeAll();
  child.kill();
  await w.close();
}

/**
 * The same flood into a Connection + PanelBinding whose posts go nowhere: the lag the panel itself
 * adds; `withSession`: with the `auto` protocol session every panel connection now has (issue 13).
 */
async function floodNoPageBench(withSession: boolean): Promise<void> {
  const child = fork(__filename, ['--flood-server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((r) => child.once('message', (m) => r((m as { port: number }).port)));
  const rpc = new RpcServer<HostContract, WebviewEvents>(hostContract, { post: () => undefined, onMessage: () => () => undefined });
  (rpc as unknown as { ready: boolean }).ready = true;
  const manager = new ConnectionManager();
  const binding = new PanelBinding(rpc, { createConnection: (o, d) => manager.create(o, d) }, () => ({ contractVersion: CONTRACT_VERSION, host: { extensionVersion: 'b', vscodeVersion: 'b' } }));
  const conn = manager.create({ url: `ws://127.0.0.1:${port}/`, payloadPreviewBytes: 256 });
  binding.attach(conn, withSession ? PanelSession.create({ url: conn.options.url }, {}) : undefined);
  await conn.connect();
  const finished = new Promise<void>((resolve) => conn.onEvent((e) => e.kind === 'message' && e.data.length < 40 && e.data[2] === 0x64 && resolve()));
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const t0 = performance.now();
  conn.sendText(JSON.stringify({ rate: RATE, seconds: FLOOD_S }));
  await finished;
  lag.disable();
  const elapsed = (performance.now() - t0) / 1000;
  if (withSession && binding.protocolSession?.listening !== false) throw new Error('the auto session should have stopped listening after the first (plain) message');
  report({ name: `webview: flood host event-loop lag p99, panel binding without a page${withSession ? ', auto protocol session' : ''}`, value: lag.percentile(99) / 1e6, unit: 'ms', baseline: null, ratio: null, budget: '< 50 ms', ok: lag.percentile(99) / 1e6 < 50, seconds: FLOOD_S, posts: binding.posts, postsPerS: binding.posts / elapsed });
  binding.dispose();
  await manager.disposeAll();
  child.kill();
}

// ------------------------------------------------------------------ hex view of 16 MiB
async function hexBench(): Promise<void> {
  const w = await openWebview({ viewport: { width: 1280, height: 800 } });
  await w.page.evaluate(`(() => {
    const data = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4096) crypto.getRandomValues(data.subarray(i, i + 4096));
    window.__rowsArr = [{ kind: 'message', id: 1, time: 0, connection: 'c1', dir: 'in', binary: true, data: data.subarray(0, 256), size: data.length }];
    window.__payloadFull = data;
  })()`);
  await serveRows(w, [] as unknown[]);
  await w.page.evaluate(`(() => { window.__rowsArr = [{ kind: 'message', id: 1, time: 0, connection: 'c1', dir: 'in', binary: true, data: window.__payloadFull, size: window.__payloadFull.length }]; })()`);
  const ready = await w.request('ready');
  await w.reply(ready, snapshot({ view: { total: 1, filter: { mode: 'messages' } } }));
  await w.page.waitForSelector('.timeline .row[data-index="0"]:not(.loading)');
  await w.page.click('#tab-hex');
  const ms = (await w.page.evaluate(`(async () => {
    const t0 = performance.now();
    document.querySelector('.timeline .row[data-index="0"]').click();
    await window.__wb.detail.loaded;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const lines = document.querySelectorAll('.hx-row:not([hidden])').length;
    return lines > 0 ? performance.now() - t0 : -1;
  })()`)) as number;
  report({ name: 'webview: hex view of a 16 MiB message, first paint', value: ms, unit: 'ms', baseline: null, ratio: null, budget: '< 300 ms', ok: ms >= 0 && ms < 300, note: 'payload already in the page; in VS Code add the postMessage transfer' });
  await w.close();
}
