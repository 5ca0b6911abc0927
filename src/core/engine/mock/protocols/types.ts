/**
 * The narrow hook between the mock server and its protocol layer. The server keeps transport,
 * security, recording and faults on frames; a protocol endpoint speaks the application protocol
 * on top: it gets each received message after it was recorded, and writes through the peer (so
 * what it sends is recorded by the same tap). Pure core: no vscode, no DOM.
 */
import type * as http from 'node:http';
import type { PatternMatch } from '../../../pattern';
import type { ProtocolName } from '../../../protocols/types';
import type { MockFault, ResolvedEndpoint } from '../definition';
import type { TemplateContext } from '../template';

/** One client connection, as the protocol layer sees it. */
export interface ProtocolPeer {
  readonly id: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly subprotocol: string;
  /** Whether the WebSocket is still open. */
  readonly open: boolean;
  /** Sends a text message (a Buffer is sent as the UTF-8 bytes it holds, without a copy). */
  sendText(text: string | Buffer): void;
  sendBinary(data: Uint8Array): void;
  close(code: number, reason?: string): void;
  /** Runs `fn` after `ms`, cancelled when the connection closes. */
  later(ms: number, fn: () => void): void;
}

/** What the mock server lends a protocol endpoint. */
export interface ProtocolHost {
  readonly ep: ResolvedEndpoint;
  /** Records an info event on the peer's connection (or the server's). */
  info(peer: ProtocolPeer | undefined, message: string, data?: Record<string, unknown>): void;
  /** Template context for a peer, with the decoded payload as `{{json.…}}`. */
  context(peer: ProtocolPeer | undefined, payload?: unknown, captures?: PatternMatch | null): TemplateContext;
  random(): number;
  uuid(): string;
}

/** The protocol side of one connection. */
export interface ProtocolConnection {
  /** A data message received (and already recorded). */
  message(data: Buffer, binary: boolean): void;
  /** A protocol fault from the mock or a rule; false when this protocol has nothing to do for it. */
  fault(f: MockFault): boolean;
  /** The WebSocket closed. */
  closed(): void;
}

/** One endpoint's protocol server. */
export interface ProtocolEndpoint {
  readonly protocol: ProtocolName;
  /** Sub-protocols accepted when the definition lists none. */
  readonly subprotocols: string[];
  connect(peer: ProtocolPeer): ProtocolConnection;
  /** Whether a plain HTTP request to this path is this endpoint's (SignalR negotiate). */
  httpPath?(pathname: string): boolean;
  /** Answers such a request; the mock's Host and Origin gate has already let it in. */
  http?(req: http.IncomingMessage, res: http.ServerResponse): void;
  stop(): Promise<void>;
}
