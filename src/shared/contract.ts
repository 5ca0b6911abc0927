/**
 * The one contract between the extension host and the workbench webview, shared by both bundles.
 * Requests (webview → host) are declared with a params validator and a result type; events
 * (host → webview) are a name → payload map. Bytes cross as Uint8Array, never base64 or arrays.
 */
import type { ConnectionState, TimelineEvent, HandshakeEvent } from '../core/engine/events';
import { method } from './rpc';
import { v } from './validate';

export type { ConnectionState, TimelineEvent, HandshakeEvent };

/** Bumped when the contract changes incompatibly; the webview sends it with `ready`. */
export const CONTRACT_VERSION = 1;

/** What a (re)loaded webview needs to rebuild its view: it holds nothing it cannot get from this. */
export interface Snapshot {
  contractVersion: number;
  /** Connection shown by this panel, if any. */
  connection?: ConnectionSummary;
  /** UI state the webview asked the host to keep (composer draft, filters, selection). */
  viewState?: Record<string, unknown>;
  /** Host version info, shown in the panel footer and used by tests. */
  host: { extensionVersion: string; vscodeVersion: string };
}

/** The header data of one connection. */
export interface ConnectionSummary {
  id: string;
  url: string;
  state: ConnectionState;
  /** Total events in the host store (the webview renders windows of it). */
  total: number;
  counters: { messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number; dropped: number };
  handshake?: HandshakeEvent;
  closeCode?: number;
  closeReason?: string;
  rttMs?: number;
}

const id = v.string({ max: 200 });
const bytes = v.bytes({ max: 256 * 1024 * 1024 });

/** Webview → host requests. */
export const hostContract = {
  /** Ready handshake: returns the snapshot; events are held by the host until it completes. */
  ready: method<{ contractVersion: number }, Snapshot>(v.object({ contractVersion: v.number({ integer: true }) })),
  /** Open a connection for this panel. */
  connect: method<{ url: string; protocols?: string[] }, { connectionId: string }>(
    v.object({ url: v.string({ max: 8192 }), protocols: v.optional(v.array(v.string({ max: 256 }), { max: 32 })) }),
  ),
  /** Close the panel's connection with a code and reason. */
  disconnect: method<{ connectionId: string; code?: number; reason?: string }, void>(
    v.object({ connectionId: id, code: v.optional(v.number({ integer: true, min: 1000, max: 4999 })), reason: v.optional(v.string({ max: 123 })) }),
  ),
  /** Send a data message. */
  send: method<{ connectionId: string; text?: string; data?: Uint8Array }, { sent: number }>(
    v.object({ connectionId: id, text: v.optional(v.string({ max: 64 * 1024 * 1024 })), data: v.optional(bytes) }),
  ),
  /** A window of the timeline: events [from, to). */
  getEvents: method<{ connectionId: string; from: number; to: number }, { events: TimelineEvent[]; total: number }>(
    v.object({ connectionId: id, from: v.number({ integer: true, min: 0 }), to: v.number({ integer: true, min: 0 }) }),
  ),
  /** Persist UI state with the panel so it survives reload and hide/show. */
  saveViewState: method<{ state: Record<string, unknown> }, void>(v.object({ state: v.record(v.unknown(), { max: 200 }) })),
};

export type HostContract = typeof hostContract;

/** Host → webview events. */
export interface WebviewEvents extends Record<string, unknown> {
  /** New timeline events, batched (at most one post per animation frame's worth of time). */
  events: { connectionId: string; events: TimelineEvent[]; total: number };
  /** The connection's header data changed. */
  connection: ConnectionSummary;
}
