/**
 * HTTP CONNECT proxy support: which proxy applies to a URL (explicit, or HTTPS_PROXY/HTTP_PROXY
 * with NO_PROXY), and opening a tunnel through it by hand over a plain TCP socket — not through
 * Node's `http` module, which VS Code's extension host patches with its own proxy agent.
 */
import * as net from 'node:net';
import { parseHttpHead } from '../protocol/http';

/** Resolves the proxy URL for a target, or undefined for a direct connection. */
export function resolveProxy(
  target: URL,
  proxy: string | undefined,
  env: NodeJS.ProcessEnv,
  noProxyOption?: string,
): URL | undefined {
  if (proxy === 'none') return undefined;
  const noProxy = noProxyOption ?? env.NO_PROXY ?? env.no_proxy ?? '';
  const secure = target.protocol === 'wss:' || target.protocol === 'https:';
  let raw: string | undefined;
  if (proxy && proxy !== 'env') raw = proxy;
  else raw = secure ? env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy : env.HTTP_PROXY ?? env.http_proxy;
  if (!raw) return undefined;
  if (bypassed(target, noProxy)) return undefined;
  try {
    return new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    const err = new Error(`Invalid proxy URL: ${raw}`) as Error & { code: string };
    err.code = 'PROXY_INVALID_URL';
    throw err;
  }
}

/** NO_PROXY semantics as curl: `*`, host names (suffix match on a dot boundary), optional `:port`. */
export function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'wss:' || target.protocol === 'https:' ? '443' : '80');
  for (let entry of noProxy.split(/[\s,]+/)) {
    entry = entry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !entry.includes('::')) {
      entry = m[1]!;
      entryPort = m[2];
    }
    if (entryPort && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '');
    if (host === entry || host.endsWith('.' + entry)) return true;
  }
  return false;
}

/** An error while tunnelling: coded, with the proxy's status and headers when it answered. */
export interface ProxyError extends Error {
  code: string;
  status?: number;
  headers?: Array<[string, string]>;
}

/**
 * Opens a TCP connection to the proxy and asks it to CONNECT host:port. Calls back with the raw
 * socket once the proxy answered 2xx (any bytes after its head are put back into the socket).
 * `signal` abandons the attempt: the socket is destroyed and the callback gets the abort reason's
 * `code` (e.g. PROXY_TIMEOUT when the caller's total handshake deadline passed) or ABORTED.
 */
export function openTunnel(
  proxy: URL,
  host: string,
  port: number,
  timeoutMs: number | undefined,
  cb: (err: ProxyError | null, socket?: net.Socket) => void,
  signal?: AbortSignal,
): net.Socket {
  const pport = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
  const phost = proxy.hostname.replace(/^\[|\]$/g, '');
  const socket = net.connect({ host: phost, port: pport });
  let done = false;
  let buf: Buffer = Buffer.alloc(0);
  const finish = (err: ProxyError | null) => {
    if (done) return;
    done = true;
    signal?.removeEventListener('abort', onAbort);
    socket.off('data', onData);
    socket.setTimeout(0);
    if (err) {
      socket.destroy();
      cb(err);
    } else cb(null, socket);
  };
  const fail = (code: string, message: string, extra: Partial<ProxyError> = {}) => {
    const e = Object.assign(new Error(message), { code, ...extra }) as ProxyError;
    finish(e);
  };
  const onData = (chunk: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let head;
    try {
      head = parseHttpHead(buf);
    } catch {
      fail('PROXY_BAD_RESPONSE', 'The proxy answered CONNECT with something that is not HTTP');
      return;
    }
    if (!head) return;
    const status = head.status ?? 0;
    if (status < 200 || status >= 300) {
      fail('PROXY_CONNECT_FAILED', `The proxy refused CONNECT ${host}:${port}: ${status} ${head.statusText ?? ''}`.trim(), {
        status,
        headers: head.headers,
      });
      return;
    }
    const rest = buf.subarray(head.headSize);
    finish(null);
    if (rest.length) socket.unshift(rest);
  };
  const onAbort = () => {
    const r = signal?.reason as { code?: unknown; message?: unknown } | undefined;
    fail(typeof r?.code === 'string' ? r.code : 'ABORTED', typeof r?.message === 'string' ? r.message : 'The proxy tunnel was abandoned');
  };
  if (signal?.aborted) process.nextTick(onAbort);
  else signal?.addEventListener('abort', onAbort, { once: true });
  socket.on('data', onData);
  socket.on('error', (e: NodeJS.ErrnoException) => {
    if (!done) fail('PROXY_UNREACHABLE', `Cannot reach proxy ${phost}:${pport}: ${e.message} (${e.code ?? 'error'})`, { cause: e } as never);
  });
  socket.on('close', () => {
    if (!done) fail('PROXY_UNREACHABLE', `The proxy ${phost}:${pport} closed the connection before answering CONNECT`);
  });
  if (timeoutMs) {
    socket.setTimeout(timeoutMs, () => fail('PROXY_TIMEOUT', `The proxy did not answer CONNECT within ${timeoutMs} ms`));
  }
  socket.on('connect', () => {
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    let head = `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n`;
    if (proxy.username || proxy.password) {
      // A stray `%` (not an escape) is sent as written: decodeURIComponent would throw inside this
      // socket callback, an uncaught exception that takes down the process (the extension host).
      const decode = (s: string) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      };
      const cred = `${decode(proxy.username)}:${decode(proxy.password)}`;
      head += `Proxy-Authorization: Basic ${Buffer.from(cred).toString('base64')}\r\n`;
    }
    socket.write(head + '\r\n');
  });
  return socket;
}
