/**
 * What a client connection is configured with, and the URL and headers of its upgrade request
 * (query parameters, Basic/Bearer auth). Pure: no socket is opened here.
 */
import { CodedError } from '../../errors';
import type { HeaderPair } from '../events';
import type { TimelineStore } from '../timelineStore';

/** Everything a client connection can be configured with. */
export interface ConnectionOptions {
  url: string;
  headers?: HeaderPair[] | Record<string, string>;
  subprotocols?: string[];
  origin?: string;
  auth?: { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string };
  query?: Record<string, string>;
  deflate?: boolean;
  handshakeTimeoutMs?: number;
  maxPayload?: number;
  followRedirects?: boolean;
  maxRedirects?: number;
  tls?: {
    rejectUnauthorized?: boolean;
    ca?: string | Uint8Array;
    cert?: string | Uint8Array;
    key?: string | Uint8Array;
    pfx?: Uint8Array;
    passphrase?: string;
  };
  /** Explicit proxy URL, 'env' (HTTPS_PROXY/HTTP_PROXY/NO_PROXY; the default) or 'none'. */
  proxy?: string | 'env' | 'none';
  noProxy?: string;
  pingIntervalMs?: number;
  /** Default true. When false, pings are recorded but not answered. */
  autoPong?: boolean;
  reconnect?: { enabled: boolean; initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number; jitter?: number };
  queueWhileReconnecting?: boolean;
  /** Frame payload bytes kept per frame event (default 64 KiB). */
  payloadPreviewBytes?: number;
  /** After close(), how long to wait for the server's close frame and TCP end before terminating (default 5000). */
  closeTimeoutMs?: number;
  /** Response body bytes kept on the handshake event of a refused upgrade (default 4096). */
  maxErrorBodyBytes?: number;
}

/** Injectable collaborators, for tests and for sharing a store. */
export interface ConnectionDeps {
  store?: TimelineStore;
  clock?: () => number;
  /** Fine clock in ms given to listeners with each event (default performance.timeOrigin + performance.now()). */
  fineClock?: () => number;
  id?: string;
  env?: NodeJS.ProcessEnv;
  /** Random source in [0, 1) for reconnect jitter. */
  random?: () => number;
  /** Timer functions (tests may inject fakes). */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (h: unknown) => void;
}

/** An error of a connection (see docs/error-codes.md), with the close status it implies when one applies. */
export class ConnectionError extends CodedError {
  readonly closeCode?: number;
  constructor(code: string, message: string, closeCode?: number) {
    super(code, message);
    if (closeCode !== undefined) this.closeCode = closeCode;
  }
}

/** The URL to connect to: http(s) mapped to ws(s), query parameters appended; anything else refused. */
export function buildUrl(options: ConnectionOptions): URL {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new ConnectionError('WSWB_CONN_INVALID_URL', `Invalid URL: ${options.url}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new ConnectionError('WSWB_CONN_INVALID_URL', `Unsupported scheme ${url.protocol} (use ws: or wss:)`);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.append(k, v);
  return url;
}

/** Request headers from pairs or a record (repeats kept), plus the Authorization of `auth`. */
export function buildHeaders(options: ConnectionOptions): Record<string, string | string[]> {
  // No prototype: a header named `constructor` or `__proto__` is a header like any other.
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  const add = (k: string, v: string) => {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  };
  const h = options.headers;
  if (Array.isArray(h)) for (const [k, v] of h) add(k, v);
  else if (h) for (const [k, v] of Object.entries(h)) add(k, v);
  const auth = options.auth;
  if (auth?.type === 'basic') out.Authorization = 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  else if (auth?.type === 'bearer') out.Authorization = `Bearer ${auth.token}`;
  return out;
}
