/**
 * Loads the real built webview bundle (dist/webview.js + css) in headless Chromium, in a page that
 * provides `acquireVsCodeApi` the way VS Code does. Messages the webview posts are collected; the test
 * answers them as the host would, with `reply` / `emit`. Shared by every webview suite.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../host/locate';
import { CONTRACT_VERSION, type HostContract } from '../../src/shared/contract';
import type { ParamsOf } from '../../src/shared/rpc';

const root = path.resolve(__dirname, '../..');

export interface PostedRequest<M extends keyof HostContract = keyof HostContract> { kind: 'request'; id: number; method: M; params: ParamsOf<HostContract[M]> }
/** A message the webview posted (a request, or a response to nothing: only requests are expected). */
export interface PostedMessage { kind: string; id: number; method: string; params?: unknown }

/** What the test page (test/webview/page) adds to `window`, for code run with page.evaluate. */
export type TestWindow = Window & {
  __posted: PostedMessage[];
  __answered: Set<number>;
  __send(message: unknown): void;
  __getState(): unknown;
  __rowsArr?: unknown[];
  __rowTotal?: () => number;
  __rowAt(i: number): unknown;
  __pwned?: unknown;
  __wb: { detail: { hex: { select(from: number, to: number): void } } };
};

export interface WebviewPage {
  page: Page;
  /** Every message the webview posted, in order. */
  posted(): Promise<PostedMessage[]>;
  /** Waits for the next request with that method (not yet answered by the harness) and returns it. */
  request<M extends keyof HostContract & string>(method: M, timeoutMs?: number): Promise<PostedRequest<M>>;
  /** Answers a request as the host would. */
  reply(req: PostedRequest, result: unknown): Promise<void>;
  replyError(req: PostedRequest, code: string, message: string): Promise<void>;
  /** Sends a host event. */
  emit(name: string, payload: unknown): Promise<void>;
  /** State the webview saved with vscode.setState. */
  savedState(): Promise<unknown>;
  close(): Promise<void>;
}

let browser: Browser | undefined;
let server: http.Server | undefined;
let base = '';

/**
 * Uncaught errors thrown in any webview page, in order, until taken: test/webview/hooks.ts takes them
 * after every test and fails the test they happened in.
 */
const uncaught: string[] = [];

/** Returns and forgets the uncaught page errors collected so far. */
export function takePageErrors(): string[] {
  return uncaught.splice(0, uncaught.length);
}

/** Starts Chromium and a loopback server for dist/ (once per run). */
export async function launch(): Promise<void> {
  if (browser) return;
  browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: true });
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/__theme.css') {
      res.setHeader('content-type', 'text/css');
      res.end(themeCss(url.searchParams.get('theme') ?? 'dark'));
      return;
    }
    if (url.pathname === '/') {
      res.setHeader('content-type', 'text/html');
      res.end(pageHtml(url.searchParams.get('theme') ?? 'dark'));
      return;
    }
    const file = path.join(root, 'dist', path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, ''));
    try {
      const body = readFileSync(file);
      res.setHeader('content-type', file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream');
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

export async function shutdown(): Promise<void> {
  await browser?.close();
  browser = undefined;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
}

/** VS Code-like page: theme variables, a strict CSP like the real panel's, and acquireVsCodeApi. */
function pageHtml(theme: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; script-src 'self' 'nonce-test'">
<link rel="stylesheet" href="/__theme.css?theme=${theme === 'light' ? 'light' : 'dark'}">
<link rel="stylesheet" href="/codicons/codicon.css" id="vscode-codicon-stylesheet"><link rel="stylesheet" href="/webview.css">
</head>
<body class="vscode-${theme}"><div id="app"></div>
<script nonce="test" src="/harness-shim.js"></script>
<script nonce="test" src="/webview.js"></script></body></html>`;
}

/**
 * A subset of VS Code's Dark Modern / Light Modern theme variables. Served as a stylesheet because
 * the page's CSP (like the real panel's) blocks inline style attributes.
 */
export function themeCss(theme: string): string {
  const dark: Record<string, string> = {
    'editor-background': '#1f1f1f', foreground: '#cccccc', 'font-family': 'system-ui, "Segoe UI", Ubuntu, "Droid Sans", sans-serif', 'font-size': '13px',
    'editor-font-family': '"Droid Sans Mono", "DejaVu Sans Mono", monospace', 'editor-font-size': '12px', focusBorder: '#0078d4', 'panel-border': '#2b2b2b',
    descriptionForeground: '#9d9d9d', errorForeground: '#f85149', 'input-background': '#313131', 'input-foreground': '#cccccc', 'input-border': '#3c3c3c',
    'dropdown-background': '#313131', 'dropdown-foreground': '#cccccc', 'dropdown-border': '#3c3c3c', 'button-background': '#0078d4', 'button-foreground': '#ffffff',
    'button-hoverBackground': '#026ec1', 'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc', 'button-secondaryHoverBackground': '#3c3c3c',
    'button-border': '#ffffff12', 'list-hoverBackground': '#2a2d2e', 'list-activeSelectionBackground': '#04395e', 'list-activeSelectionForeground': '#ffffff',
    'badge-background': '#616161', 'badge-foreground': '#f8f8f8', 'sideBar-background': '#181818', 'textCodeBlock-background': '#2b2b2b',
    'editor-selectionBackground': '#264f78', 'charts-green': '#89d185', 'charts-blue': '#3794ff', 'charts-red': '#f14c4c', 'charts-yellow': '#cca700', 'charts-purple': '#b180d7',
    'inputOption-activeBackground': '#2489db82', 'toolbar-hoverBackground': '#5a5d5e50', 'panelTitle-activeBorder': '#0078d4', 'widget-shadow': '#0000005c',
  };
  const light: Record<string, string> = {
    ...dark,
    'editor-background': '#ffffff', foreground: '#3b3b3b', 'panel-border': '#e5e5e5', descriptionForeground: '#717171', errorForeground: '#e51400',
    'input-background': '#ffffff', 'input-foreground': '#3b3b3b', 'input-border': '#cecece', 'dropdown-background': '#ffffff', 'dropdown-foreground': '#3b3b3b',
    'dropdown-border': '#cecece', 'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b', 'button-secondaryHoverBackground': '#cccccc',
    'button-border': '#0000001a', 'list-hoverBackground': '#f2f2f2', 'list-activeSelectionBackground': '#e8e8e8', 'list-activeSelectionForeground': '#000000',
    'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b', 'sideBar-background': '#f8f8f8', 'textCodeBlock-background': '#f2f2f2',
    'editor-selectionBackground': '#add6ff', 'charts-green': '#388a34', 'charts-blue': '#1a85ff', 'charts-red': '#e51400', 'charts-yellow': '#bf8803', 'charts-purple': '#652d90',
    'inputOption-activeBackground': '#bed6ed', 'toolbar-hoverBackground': '#b8b8b850', 'widget-shadow': '#00000029',
  };
  const vars = theme === 'light' ? light : dark;
  return `html { ${Object.entries(vars).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ')} }`;
}

/** Opens a fresh page with the webview bundle loaded. */
export async function openWebview(opts: { theme?: 'dark' | 'light'; state?: unknown; viewport?: { width: number; height: number } } = {}): Promise<WebviewPage> {
  await launch();
  const page = await browser!.newPage({ viewport: opts.viewport ?? { width: 1200, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => {
    errors.push(String(e));
    uncaught.push(e.stack || String(e));
  });
  // The shim is served as a route so the CSP (script-src 'self') allows it, like the real panel's nonce script.
  await page.route('**/harness-shim.js', (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: `(() => {
        const posted = []; let state = ${JSON.stringify(opts.state ?? null)};
        window.__posted = posted; window.__answered = new Set();
        window.__getState = () => state;
        window.acquireVsCodeApi = () => ({
          postMessage: (m) => { posted.push(m); if (window.__auto && window.__auto(m)) window.__answered.add(m.id); },
          getState: () => state,
          setState: (s) => { state = s; },
        });
        window.__send = (m) => window.dispatchEvent(new MessageEvent('message', { data: m }));
      })();`,
    }),
  );
  await page.goto(`${base}/?theme=${opts.theme ?? 'dark'}`);
  const api: WebviewPage = {
    page,
    posted: () => page.evaluate(() => (window as unknown as TestWindow).__posted.slice()),
    async request(method, timeoutMs = 5000) {
      const handle = await page.waitForFunction(
        (m) => (window as unknown as TestWindow).__posted.find((p) => p.kind === 'request' && p.method === m && !(window as unknown as TestWindow).__answered.has(p.id)) ?? null,
        method,
        { timeout: timeoutMs },
      ).catch(() => {
        throw new Error(`webview did not post a '${method}' request within ${timeoutMs} ms; page errors: ${errors.join(' | ') || 'none'}`);
      });
      const req = (await handle.jsonValue()) as PostedRequest<typeof method>;
      await page.evaluate((id) => (window as unknown as TestWindow).__answered.add(id), req.id);
      return req;
    },
    reply: (req, result) => page.evaluate(([id, r]) => (window as unknown as TestWindow).__send({ kind: 'response', id, ok: true, result: r }), [req.id, result] as const),
    replyError: (req, code, message) => page.evaluate(([id, c, m]) => (window as unknown as TestWindow).__send({ kind: 'response', id, ok: false, error: { code: c, message: m } }), [req.id, code, message] as const),
    emit: (name, payload) => page.evaluate(([n, p]) => (window as unknown as TestWindow).__send({ kind: 'event', name: n, payload: p }), [name, payload] as const),
    savedState: () => page.evaluate(() => (window as unknown as TestWindow).__getState()),
    close: () => page.close(),
  };
  return api;
}

/**
 * Answers the webview's getRows / readPayload requests from inside the page, the way the
 * host would, so tests and benches can scroll freely. `rows` is either an array of events or the
 * name of an in-page generator installed with `installRowGenerator`.
 */
export async function serveRows(w: WebviewPage, rows: unknown[] | { generated: number }): Promise<void> {
  // Page code is passed as a string: functions compiled by tsx carry helpers (__name) the page lacks.
  if (Array.isArray(rows)) await w.page.evaluate((r) => ((window as unknown as TestWindow).__rowsArr = r), rows);
  await w.page.evaluate(`(() => {
    const win = window;
    const generated = ${Array.isArray(rows) ? 'undefined' : String(rows.generated)};
    if (generated === undefined) {
      win.__rowAt = (i) => win.__rowsArr[i];
      win.__rowTotal = () => win.__rowsArr.length;
    } else {
      win.__rowTotal = () => generated;
    }
    win.__filtered = null;
    win.__auto = (m) => {
      if (m.kind !== 'request') return false;
      const total = win.__filtered ? win.__filtered.length : win.__rowTotal();
      const at = (i) => (win.__filtered ? win.__rowAt(win.__filtered[i]) : win.__rowAt(i));
      let result;
      if (m.method === 'getRows') {
        const events = [];
        for (let i = m.params.from; i < Math.min(m.params.to, total); i++) events.push(at(i));
        result = { from: m.params.from, events, total };
      } else if (m.method === 'readPayload') {
        let e;
        for (let i = 0; i < win.__rowTotal() && !e; i++) if (win.__rowAt(i) && win.__rowAt(i).id === m.params.id) e = win.__rowAt(i);
        result = { data: e ? (e.data || e.payload) : new Uint8Array(0) };
      } else return false;
      setTimeout(() => win.__send({ kind: 'response', id: m.id, ok: true, result }), 0);
      return true;
    };
  })()`);
}

/** Installs \`window.__rowAt(i)\` producing synthetic message events in the page (no transfer of n objects). */
export async function installRowGenerator(w: WebviewPage): Promise<void> {
  await w.page.evaluate(`(() => {
    const enc = new TextEncoder();
    window.__rowAt = (i) => {
      const data = enc.encode('{"seq":' + i + ',"msg":"row ' + i + ' payload text"}');
      return { kind: 'message', id: i + 1, time: 1767268800000 + i, connection: 'c1', dir: i % 2 ? 'in' : 'out', binary: false, data, size: data.length };
    };
  })()`);
}

/** A snapshot as the host would send it. */
export function snapshot(extra: Record<string, unknown> = {}) {
  return { contractVersion: CONTRACT_VERSION, host: { extensionVersion: '0.0.0-test', vscodeVersion: '1.139.1' }, ...extra };
}

// ------------------------------------------------------------------ vscode-elements controls
// The panel's controls are @vscode-elements/elements web components: the native input lives in an
// open shadow root (Playwright's CSS pierces it), selects and checkboxes are driven as a user would
// where Playwright can, and read through the component's own properties.

/** Types into a vscode-textfield / vscode-textarea (the native control inside its shadow root). */
export async function fill(page: Page, selector: string, value: string): Promise<void> {
  await page.locator(selector).locator('input, textarea').first().fill(value);
}

/** Picks an option of a vscode-single-select by value (sets it and fires `change`, as the component does). */
export async function choose(page: Page, selector: string, value: string): Promise<void> {
  await page.locator(selector).evaluate((el, v) => {
    const s = el as HTMLElement & { value: string; options: Array<{ value: string }> };
    if (!s.options.some((o) => o.value === v)) throw new Error(`no option ${v}`);
    s.value = v;
    s.dispatchEvent(new Event('change'));
    s.dispatchEvent(new Event('input'));
  }, value);
}

/** Clicks a vscode-checkbox's label when its state differs from `checked`. */
export async function setChecked(page: Page, selector: string, checked: boolean): Promise<void> {
  const box = page.locator(selector);
  if ((await box.evaluate((el) => (el as HTMLElement & { checked: boolean }).checked)) !== checked) await box.locator('label').first().click();
  const now = await box.evaluate((el) => (el as HTMLElement & { checked: boolean }).checked);
  if (now !== checked) throw new Error(`${selector} did not become ${checked ? 'checked' : 'unchecked'}`);
}

/** The `.value` of a vscode-elements control. */
export async function valueOf(page: Page, selector: string): Promise<string> {
  return page.locator(selector).evaluate((el) => String((el as HTMLElement & { value: unknown }).value));
}

/** Whether a vscode-elements control is disabled. */
export async function isDisabled(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((el) => Boolean((el as HTMLElement & { disabled?: boolean }).disabled));
}
