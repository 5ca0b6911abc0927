/**
 * The opening handshake of a client connection as the timeline shows it: the capture of the HTTP
 * upgrade request and response on the socket, the handshake event built from them, and the codes
 * of handshake failures `ws` reports without one.
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import { isCoded } from '../../errors';
import { checkAccept } from '../../protocol/handshake';
import { parseHttpHead, type HttpHead } from '../../protocol/http';
import type { ProtocolError } from '../../protocol/errors';
import type { HandshakeEvent, HeaderPair, Initiator } from '../events';
import type { WireStack } from '../wire/wsInternals';
import { detachOutgoing, tapSocket } from '../wireTap';

/** What the current attempt's opening handshake showed, to name a failure `ws` reports without a code. */
export interface HandshakeSeen {
  /** Our Sec-WebSocket-Key. */
  key: string;
  /** The socket idled past handshakeTimeoutMs (ws then aborts the request). */
  timedOut: boolean;
  /** Status of the last HTTP response to an upgrade request (3xx while redirecting). */
  status?: number;
  /** The 101 response ws is checking. */
  upgrade?: http.IncomingMessage;
}

/** RFC 6455 §4.1: a subprotocol is an HTTP token, offered once (ws throws a SyntaxError otherwise). */
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;

/** What handshakeErrorCode needs to know about the attempt. */
export interface ErrorContext {
  opened: boolean;
  subprotocols: string[];
  /** Our own close()/terminate() (or refusing an unexpected response) while connecting. */
  terminatedByUs: boolean;
  followRedirects: boolean;
  hs: HandshakeSeen;
}

/** After a failure or the server's close frame, how many more bytes are read (unparsed, unrecorded) while waiting for its FIN. */
const FAIL_DRAIN_BYTES = 64 * 1024;

/** Per-socket state: the handshake capture, then what the wire stack reported. */
export interface TapState {
  reqBuf: Buffer | null;
  resBuf: Buffer | null;
  request?: HttpHead;
  response?: HttpHead;
  /** The parser and encoder installed on ws once the upgrade succeeded. */
  stack: WireStack | null;
  closeIn: boolean;
  closeOut: boolean;
  firstClose?: Initiator;
  /** The transport is established (TCP connected, TLS handshake done): the request really went out. */
  connected: boolean;
  /** A refused upgrade: the handshake event waits for the body. */
  deferredHandshake?: boolean;
  /** We failed the connection. Then, or after the server's close frame (closeIn), incoming bytes are no longer parsed or recorded, only counted. */
  failed: boolean;
  ignoredIn: number;
}

/** What the capture reports. */
export interface CaptureHooks {
  followRedirects: boolean;
  /** The upgrade response head is complete. */
  onResponseHead(status: number, redirect: boolean): void;
  onUnparseable(e: ProtocolError): void;
}

/**
 * Captures the HTTP upgrade request and response heads on the socket (after TLS), and once the
 * connection failed or the server's close frame arrived, counts and finally stops reading what
 * still comes in (RFC 6455 §7.1.7). After the 101, ws hands every chunk to the wire stack.
 */
export function captureHandshake(socket: net.Socket, state: TapState, hooks: CaptureHooks): void {
  tapSocket(socket, {
    outgoing: (chunk) => {
      if (state.reqBuf) {
        state.reqBuf = state.reqBuf.length ? Buffer.concat([state.reqBuf, chunk]) : chunk;
        let head: HttpHead | null = null;
        try {
          head = parseHttpHead(state.reqBuf);
        } catch {
          state.reqBuf = null;
          return;
        }
        if (!head) return;
        state.request = head;
        state.reqBuf = null;
        // From here on, outgoing frames are recorded by the encoder that writes them.
        detachOutgoing(socket);
      }
    },
    incoming: (chunk) => {
      if (state.failed || state.closeIn) {
        // Nothing after a failure (RFC 6455 §7.1.7) or after the server's close frame (§5.5.1)
        // is processed, as ws does not: count it, and stop reading once the peer has had room
        // for its close frame and FIN. The close timers end the connection.
        state.ignoredIn += chunk.length;
        if (state.ignoredIn > FAIL_DRAIN_BYTES) socket.pause();
        return;
      }
      if (state.resBuf) {
        state.resBuf = state.resBuf.length ? Buffer.concat([state.resBuf, chunk]) : chunk;
        let head: HttpHead | null = null;
        try {
          head = parseHttpHead(state.resBuf);
        } catch (e) {
          state.resBuf = null;
          hooks.onUnparseable(e as ProtocolError);
          return;
        }
        if (!head) return;
        state.response = head;
        state.resBuf = null;
        const status = head.status ?? 0;
        const redirect = status >= 300 && status < 400 && hooks.followRedirects && head.headers.some(([k]) => k.toLowerCase() === 'location');
        hooks.onResponseHead(status, redirect);
      }
      // After the 101, ws passes each chunk to the wire stack's parser: nothing to do here.
    },
  });
}

/** The handshake event of what the capture saw: request, response (with a refused upgrade's body), accept check. */
export function handshakeEvent(state: TapState, url: string, body?: { body: string; truncated: boolean }): Omit<HandshakeEvent, 'id' | 'time' | 'connection'> {
  const req = state.request;
  const res = state.response;
  const ev: Omit<HandshakeEvent, 'id' | 'time' | 'connection'> = {
    kind: 'handshake',
    request: { method: req?.method ?? 'GET', path: req?.path ?? '', url, headers: req?.headers ?? [] },
  };
  if (res) {
    ev.response = { status: res.status ?? 0, statusText: res.statusText ?? '', headers: res.headers };
    if (body) {
      ev.response.body = body.body;
      if (body.truncated) ev.response.bodyTruncated = true;
    }
    const get = (h: HeaderPair[] | undefined, name: string) => h?.find(([k]) => k.toLowerCase() === name)?.[1];
    const proto = get(res.headers, 'sec-websocket-protocol');
    const ext = get(res.headers, 'sec-websocket-extensions');
    if (proto !== undefined) ev.subprotocol = proto;
    if (ext !== undefined) ev.extensions = ext;
    if (res.status === 101) {
      const key = get(req?.headers, 'sec-websocket-key');
      const accept = get(res.headers, 'sec-websocket-accept');
      ev.acceptValid = !!key && !!accept && checkAccept(key, accept);
    }
  }
  return ev;
}

/**
 * The code of an error from `ws` or Node: its own `code` when it has one (Node's errno and TLS
 * codes, ws's WS_ERR_*). ws raises opening-handshake failures as plain errors, so those are named
 * from what the handshake showed and what we asked for, in the order ws checks them — never
 * from the wording of ws's messages.
 */
export function handshakeErrorCode(err: unknown, at: ErrorContext): string {
  if (isCoded(err)) return err.code;
  if (at.opened) return 'WSWB_CONN_UNKNOWN';
  const subprotocols = at.subprotocols ?? [];
  if (err instanceof SyntaxError) {
    const valid = subprotocols.every((p) => TOKEN.test(p)) && new Set(subprotocols).size === subprotocols.length;
    return valid ? 'WSWB_CONN_INVALID_URL' : 'WSWB_HANDSHAKE_INVALID_SUBPROTOCOL';
  }
  // Our own close()/terminate() (or refusing an unexpected response) while connecting.
  if (at.terminatedByUs) return 'WSWB_CONN_ABORTED';
  const { upgrade, key, timedOut, status } = at.hs;
  if (upgrade) {
    const h = upgrade.headers;
    if (h.upgrade?.toLowerCase() !== 'websocket') return 'WSWB_HANDSHAKE_INVALID_UPGRADE';
    if (!checkAccept(key, String(h['sec-websocket-accept'] ?? ''))) return 'WSWB_HANDSHAKE_INVALID_ACCEPT';
    const chosen = h['sec-websocket-protocol'];
    if (chosen === undefined ? subprotocols.length > 0 : !subprotocols.includes(chosen)) return 'WSWB_HANDSHAKE_INVALID_SUBPROTOCOL';
    return 'WSWB_HANDSHAKE_INVALID_EXTENSIONS';
  }
  if (timedOut) return 'WSWB_HANDSHAKE_TIMEOUT';
  if (at.followRedirects && status !== undefined && status >= 300 && status < 400) return 'WSWB_HANDSHAKE_TOO_MANY_REDIRECTS';
  return 'WSWB_CONN_UNKNOWN';
}
