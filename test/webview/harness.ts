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

const root = path.resolve(__dirname, '../..');

export interface PostedRequest { kind: 'request'; id: number; method: string; params: any }

export interface WebviewPage {
  page: Page;
  /** Every message the webview posted, in order. */
  posted(): Promise<any[]>;
  /** Waits for the next request with that method (not yet answered by the harness) and returns it. */
  request(method: string, timeoutMs?: number): Promise<PostedRequest>;
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

/** Starts Chromium and a loopback server for dist/ (once per run). */
export async function launch(): Promise<void> {
  if (browser) return;
  browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs, headless: true });
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
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
  const vars = theme === 'light'
    ? '--vscode-editor-background:#ffffff;--vscode-foreground:#3b3b3b;--vscode-font-family:sans-serif;--vscode-editor-font-family:monospace;--vscode-focusBorder:#0078d4;--vscode-panel-border:#e5e5e5;'
    : '--vscode-editor-background:#1f1f1f;--vscode-foreground:#cccccc;--vscode-font-family:sans-serif;--vscode-editor-font-family:monospace;--vscode-focusBorder:#0078d4;--vscode-panel-border:#2b2b2b;';
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; script-src 'self' 'nonce-test'">
<link rel="stylesheet" href="/codicons/codicon.css" id="vscode-codicon-stylesheet"><link rel="stylesheet" href="/webview.css">
<style nonce="test"></style></head>
<body class="vscode-${theme}" style="${vars}"><div id="app"></div>
<script nonce="test" src="/harness-shim.js"></script>
<script nonce="test" src="/webview.js"></script></body></html>`;
}

/** Opens a fresh page with the webview bundle loaded. */
export async function openWebview(opts: { theme?: 'dark' | 'light'; state?: unknown; viewport?: { width: number; height: number } } = {}): Promise<WebviewPage> {
  await launch();
  const page = await browser!.newPage({ viewport: opts.viewport ?? { width: 1200, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The shim is served as a route so the CSP (script-src 'self') allows it, like the real panel's nonce script.
  await page.route('**/harness-shim.js', (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: `(() => {
        const posted = []; let state = ${JSON.stringify(opts.state ?? null)};
        window.__posted = posted; window.__answered = new Set();
        window.__getState = () => state;
        window.acquireVsCodeApi = () => ({
          postMessage: (m) => { posted.push(m); },
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
    posted: () => page.evaluate(() => (window as any).__posted.slice()),
    async request(method, timeoutMs = 5000) {
      const handle = await page.waitForFunction(
        (m) => (window as any).__posted.find((p: any) => p.kind === 'request' && p.method === m && !(window as any).__answered.has(p.id)) ?? null,
        method,
        { timeout: timeoutMs },
      ).catch(() => {
        throw new Error(`webview did not post a '${method}' request within ${timeoutMs} ms; page errors: ${errors.join(' | ') || 'none'}`);
      });
      const req = (await handle.jsonValue()) as PostedRequest;
      await page.evaluate((id) => (window as any).__answered.add(id), req.id);
      return req;
    },
    reply: (req, result) => page.evaluate(([id, r]) => (window as any).__send({ kind: 'response', id, ok: true, result: r }), [req.id, result] as const),
    replyError: (req, code, message) => page.evaluate(([id, c, m]) => (window as any).__send({ kind: 'response', id, ok: false, error: { code: c, message: m } }), [req.id, code, message] as const),
    emit: (name, payload) => page.evaluate(([n, p]) => (window as any).__send({ kind: 'event', name: n, payload: p }), [name, payload] as const),
    savedState: () => page.evaluate(() => (window as any).__getState()),
    close: () => page.close(),
  };
  return api;
}

/** A snapshot as the host would send it. */
export function snapshot(extra: Record<string, unknown> = {}) {
  return { contractVersion: 1, host: { extensionVersion: '0.0.0-test', vscodeVersion: '1.139.1' }, ...extra };
}
