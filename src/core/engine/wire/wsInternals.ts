/**
 * Where the wire stack meets `ws`: after ws's opening handshake (client) or upgrade (server), its
 * WebSocket's Receiver and Sender are replaced by ours (Inbound, Outbound) before a byte of the
 * WebSocket stream is read, so ws keeps the handshake, its API and its closing-handshake logic
 * while the parsing and encoding are the project's. The two private fields and the two symbols
 * used here (`_receiver`, `_sender`; the WebSocket back-reference and the close-status key of
 * errors) are ws 8's; the wire-stack tests fail loudly if a ws upgrade moves them.
 */
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import * as wsModule from 'ws';
import { negotiatedDeflate } from './deflate';
import { Inbound } from './inbound';
import { Outbound } from './outbound';
import type { WireSink } from './sink';

interface WsInternals {
  _receiver: Inbound | (NodeJS.EventEmitter & Record<symbol, unknown>);
  _sender: unknown;
  _socket: Duplex;
  _isServer: boolean;
}

let statusSymbol: symbol | undefined;

/** The symbol under which ws's errors carry their close status (ws reads it to choose its close code). */
export function wsStatusSymbol(): symbol {
  if (statusSymbol) return statusSymbol;
  // ws does not export it; its Receiver stamps it on every error it creates. The Receiver is a named
  // export of ws: a bundle (esbuild picks ws's ESM wrapper) has no `WebSocket.Receiver`, which only
  // ws's CommonJS entry sets, so reading it there threw on the first protocol error, in the socket's
  // data handler, and the connection hung open (test/unit/build/wsBundle.test.ts).
  type ReceiverClass = { prototype: { createError: (...a: unknown[]) => Error } };
  const receiver = (wsModule as unknown as { Receiver?: ReceiverClass }).Receiver ?? (WebSocket as unknown as { Receiver: ReceiverClass }).Receiver;
  const create = receiver.prototype.createError;
  const probe = create.call({}, Error, 'probe', false, 1002, 'PROBE');
  statusSymbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'status-code');
  if (!statusSymbol) throw new Error('ws changed: its errors carry no status-code symbol');
  return statusSymbol;
}

/** The parser and encoder installed on a ws WebSocket. */
export interface WireStack {
  inbound: Inbound;
  outbound: Outbound;
}

/**
 * Installs the wire stack on a ws WebSocket that has just opened (synchronously, from its 'open'
 * event or the server's upgrade callback: nothing has been read from the socket yet).
 */
export function installWireStack(ws: WebSocket, sink: WireSink, opts: { maxPayload: number; maxFragments?: number; emitMessages: boolean }): WireStack {
  const w = ws as unknown as WsInternals;
  const real = w._receiver as NodeJS.EventEmitter & Record<symbol, unknown>;
  const back = Object.getOwnPropertySymbols(real).find((s) => s.description === 'websocket');
  if (!back || real[back] !== ws) throw new Error('ws changed: its Receiver has no WebSocket back-reference');
  const deflate = negotiatedDeflate(ws);
  const inbound = new Inbound({ isServer: w._isServer, maxPayload: opts.maxPayload, maxFragments: opts.maxFragments, deflate, emitMessages: opts.emitMessages, cork: w._socket }, sink);
  (inbound as unknown as Record<symbol, unknown>)[back] = ws;
  // ws's own listeners (closing handshake, auto-pong, error → close frame, events) move over.
  for (const name of ['conclude', 'drain', 'error', 'message', 'ping', 'pong'] as const) {
    for (const l of real.listeners(name)) inbound.on(name, l as (...a: unknown[]) => void);
  }
  real.removeAllListeners();
  w._receiver = inbound;
  const realSender = w._sender as { onerror?: unknown } & Record<symbol, unknown>;
  const outbound = new Outbound(w._socket, { deflate }, sink);
  (outbound as unknown as Record<symbol, unknown>)[back] = ws;
  outbound.onerror = realSender.onerror as (err: Error) => void;
  w._sender = outbound;
  return { inbound, outbound };
}
