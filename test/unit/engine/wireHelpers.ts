/**
 * Helpers for the wire stack tests: both roles of our stack against ws as the oracle peer.
 *
 * - client role: our Connection (deflate offered) against a ws echo server with the given
 *   permessage-deflate parameters;
 * - server role: a ws WebSocketServer whose accepted sockets get our wire stack installed (as the
 *   mock server does), echoing through it, against a ws client.
 */
import WebSocket, { type PerMessageDeflateOptions } from 'ws';
import type { DecodedFrame } from '../../../src/core/protocol/frameDecoder';
import type { WireSink } from '../../../src/core/engine/wire/sink';
import { installWireStack } from '../../../src/core/engine/wire/wsInternals';
import { wsServer, type Cleanup } from './helpers';

/** Negotiated-parameter variants, as Autobahn's group 13 exercises them (server-imposed, client-accepted). */
export interface DeflateVariant {
  name: string;
  server: PerMessageDeflateOptions;
  client: PerMessageDeflateOptions;
}

export const DEFLATE_VARIANTS: DeflateVariant[] = [
  { name: 'defaults (context takeover, 15 bits)', server: { threshold: 0 }, client: { threshold: 0 } },
  { name: 'client_no_context_takeover', server: { threshold: 0, clientNoContextTakeover: true }, client: { threshold: 0, clientNoContextTakeover: true } },
  { name: 'server_no_context_takeover', server: { threshold: 0, serverNoContextTakeover: true }, client: { threshold: 0, serverNoContextTakeover: true } },
  { name: 'client_max_window_bits=9', server: { threshold: 0, clientMaxWindowBits: 9 }, client: { threshold: 0, clientMaxWindowBits: 9 } },
  { name: 'server_max_window_bits=9', server: { threshold: 0, serverMaxWindowBits: 9 }, client: { threshold: 0, serverMaxWindowBits: 9 } },
  { name: 'both no_context_takeover, window bits 15', server: { threshold: 0, clientNoContextTakeover: true, serverNoContextTakeover: true, clientMaxWindowBits: 15, serverMaxWindowBits: 15 }, client: { threshold: 0, clientNoContextTakeover: true, serverNoContextTakeover: true, clientMaxWindowBits: 15, serverMaxWindowBits: 15 } },
  { name: 'both no_context_takeover, window bits 9', server: { threshold: 0, clientNoContextTakeover: true, serverNoContextTakeover: true, clientMaxWindowBits: 9, serverMaxWindowBits: 9 }, client: { threshold: 0, clientNoContextTakeover: true, serverNoContextTakeover: true, clientMaxWindowBits: 9, serverMaxWindowBits: 9 } },
];

/** What a recording sink saw. */
export interface Seen {
  framesIn: DecodedFrame[];
  messagesIn: Array<{ data: Buffer; binary: boolean; compressed: boolean }>;
  framesOut: Array<{ b0: number; masked: boolean; length: number }>;
  messagesOut: Array<{ data: Buffer; binary: boolean; compressed: boolean }>;
}

export function recordingSink(seen: Seen): WireSink {
  return {
    frameIn: (f) => seen.framesIn.push({ ...f, payload: Buffer.from(f.payload) }),
    messageIn: (data, binary, _w, compressed) => seen.messagesIn.push({ data: Buffer.from(data), binary, compressed }),
    frameOut: (b0, key, length) => seen.framesOut.push({ b0, masked: !!key, length }),
    messageOut: (data, binary, _w, compressed) => seen.messagesOut.push({ data: Buffer.from(data), binary, compressed }),
    ignoredIn: () => undefined,
  };
}

/** A ws server whose connections run on our wire stack and echo every message. */
export async function wireEchoServer(cleanup: Cleanup, perMessageDeflate: PerMessageDeflateOptions | false): Promise<{ url: string; seen: Seen[] }> {
  const { wss, url } = await wsServer(cleanup, { perMessageDeflate });
  const seen: Seen[] = [];
  wss.on('connection', (ws) => {
    const s: Seen = { framesIn: [], messagesIn: [], framesOut: [], messagesOut: [] };
    seen.push(s);
    installWireStack(ws, recordingSink(s), { maxPayload: 0, emitMessages: true });
    ws.on('message', (d, isBinary) => ws.send(d as Buffer, { binary: isBinary }));
  });
  return { url, seen };
}

/** Sends each message from a ws client and resolves with the echoes, in order. */
export async function echoThroughWsClient(url: string, perMessageDeflate: PerMessageDeflateOptions | false, messages: Array<{ data: Buffer; binary: boolean }>): Promise<Array<{ data: Buffer; binary: boolean }>> {
  const ws = new WebSocket(url, { perMessageDeflate });
  ws.on('error', () => undefined);
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const got: Array<{ data: Buffer; binary: boolean }> = [];
  const done = new Promise<void>((r) => {
    if (messages.length === 0) r();
    ws.on('message', (d, binary) => {
      got.push({ data: Buffer.from(d as Buffer), binary });
      if (got.length === messages.length) r();
    });
  });
  for (const m of messages) ws.send(m.data, { binary: m.binary });
  await done;
  await new Promise<void>((r) => {
    ws.once('close', () => r());
    ws.close();
  });
  return got;
}
