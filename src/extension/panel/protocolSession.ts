/**
 * The panel's protocol glue: for each connection a panel opens, a ProtocolSession (src/core/protocols)
 * built from the request's `protocol` and `protocolOptions` (variables and secrets resolved like the
 * rest of the request), attached before the connection connects, its output fed to the panel's
 * ProtocolTrack. `auto` decodes what it recognises and speaks nothing; a named protocol is spoken
 * (handshakes, heartbeats, acks); `raw` attaches nothing. No `vscode` import.
 */
import type { CodecSet } from '../../core/codecs/bindings';
import type { Connection, ConnectionOptions } from '../../core/engine/connection';
import type { TimelineEvent } from '../../core/engine/events';
import type { ProtocolSession } from '../../core/protocols/connectionSession';
import { loadProtocols } from '../../core/lazy';
import type { ProtocolMessage } from '../../core/protocols/messages';
import { isProtocolSetting, type ProtocolSetting } from '../../core/protocols/types';
import { replaceReferences } from '../../core/collections/template';
import type { RequestDraft } from '../../core/collections/types';
import { CodedError } from '../../core/errors';
import type { ProtocolTrack } from './protocolTrack';
import type { PanelBinding } from './binding';
import { resolveDraft } from './savedRequest';
import * as path from 'node:path';


/** The request's protocol setting (`auto` when absent or unknown). */
export function protocolOf(r: RequestDraft | undefined): ProtocolSetting {
  const p = r?.protocol;
  return typeof p === 'string' && isProtocolSetting(p) ? p : 'auto';
}

/** Replaces known `{{references}}` in every string of a protocol message typed in the composer (unknown ones stay as written). */
export function withVariables(m: ProtocolMessage, vars: Record<string, string>): ProtocolMessage {
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return replaceReferences(x, (k) => (Object.prototype.hasOwnProperty.call(vars, k) ? vars[k] : undefined));
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) Object.defineProperty(out, k, { value: walk(v), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return x;
  };
  return walk(m) as ProtocolMessage;
}

/**
 * Sends a protocol message through the panel's current connection's session; `{{references}}` in its
 * strings are replaced from `vars` (unknown ones stay as written).
 */
export async function sendProtocol(b: PanelBinding, m: ProtocolMessage, vars: Record<string, string>): Promise<void> {
  const c = b.requireConn();
  if (c.state !== 'open') throw new CodedError('WSWB_PANEL_NOT_OPEN', `Cannot send: the connection is ${c.state}`);
  const s = b.protocolSession;
  if (!s) throw new CodedError('WSWB_PROTO_UNSUPPORTED', `A "${m.kind}" message needs the request's Protocol set (Options → Protocol), not raw`);
  await s.send(withVariables(m, vars));
}

/**
 * A protocol session for a connection opened elsewhere with `options` (a saved request from the
 * tree or palette, PanelManager.openForUrl): the request's protocolOptions resolved over the panel's
 * variables, and the options with the protocol's URL. Attach it (binding.attach(conn, session)) before connecting.
 */
export async function sessionFor(b: PanelBinding, request: RequestDraft, options: ConnectionOptions): Promise<{ session?: PanelSession; options: ConnectionOptions }> {
  if (protocolOf(request) === 'raw' && !request.codecs?.length && !b.source) return { options };
  const env = (await b.host.variables?.(b.source?.file)) ?? {};
  const resolved = await resolveDraft(request, env, b.source ? path.dirname(b.source.file) : undefined);
  b.addSecrets(resolved.secretValues);
  const session = PanelSession.create(request, resolved.protocolOptions, undefined, await b.codecsFor(request));
  return session ? { session, options: session.prepare(options) } : { options };
}

/** One connection's protocol session as the panel runs it. */
export class PanelSession {
  private constructor(readonly session: ProtocolSession, readonly setting: ProtocolSetting) {}

  /** A session for `request` (undefined for `raw`); `protocolOptions` already resolved (savedRequest.ts resolveDraft). */
  static create(request: RequestDraft, protocolOptions: Record<string, unknown>, replyTimeoutMs?: number, codecs?: CodecSet): PanelSession | undefined {
    const setting = protocolOf(request);
    if (setting === 'raw' && !codecs) return undefined;
    return new PanelSession(new (loadProtocols().ProtocolSession)(setting, { protocolOptions, ...(replyTimeoutMs !== undefined ? { replyTimeoutMs } : {}), ...(codecs ? { codecs } : {}) }), setting);
  }

  /** Connection options with the protocol's URL and sub-protocols (Socket.IO's `/socket.io/?EIO=4…`). */
  prepare(options: ConnectionOptions): ConnectionOptions {
    return this.session.prepare(options);
  }

  /**
   * Listens to `conn` (call before connect()): decoded messages, pairs and unanswered requests go
   * to `track`; `offered` receives each event once the track knows its packet, `paired` is told of
   * each pair and unanswered request (rows already posted change). A session that
   * fails (a refused namespace, connection_init rejected) says why in the timeline.
   */
  attach(conn: Connection, track: ProtocolTrack, offered: (e: TimelineEvent) => void, paired: () => void): void {
    this.session.attach(conn, (o) => {
      const e = track.record(o);
      if (e) {
        offered(e);
        // `auto` decides on the first message: when it recognised nothing, it never will, so the
        // session stops listening and a firehose of plain messages costs the panel nothing more.
        // (Unless codecs rules hold for the connection: they decode binary messages from any point on.)
        if (e.kind === 'message' && this.setting === 'auto' && !this.session.monitor.protocol && !this.session.monitor.decodesPayloads) this.dispose();
      } else paired();
    });
    if (this.session.driver) {
      this.session.ready().catch((err: Error & { code?: string }) => {
        if (conn.state === 'open') conn.info(`protocol session failed: ${err.message}`, { code: err.code ?? 'WSWB_PROTO_SEND' });
      });
    }
  }

  /** Sends a protocol message; an `auto` session cannot speak (WSWB_PROTO_UNSUPPORTED says to pick the protocol). */
  async send(m: ProtocolMessage): Promise<void> {
    if (!this.session.driver) {
      throw new CodedError('WSWB_PROTO_UNSUPPORTED', `A "${m.kind}" message needs the request's Protocol set (Options → Protocol), not ${this.setting}`);
    }
    await this.session.send(m);
  }

  /** Whether the session still listens to its connection (an `auto` one that recognised nothing stops). */
  get listening(): boolean {
    return !this.disposed;
  }

  private disposed = false;

  dispose(): void {
    this.disposed = true;
    this.session.dispose();
  }
}
