/**
 * Wires the protocol layer to a client Connection: the monitor decodes and pairs every data
 * message, the driver (when the protocol is set explicitly and the client speaks it) does the
 * protocol's handshake and heartbeats. Output arrives in wire order through one callback: each
 * event (with its decoded packet), then the pairs it completed; unanswered requests when their
 * timeout passes or the connection ends.
 */
import type { CodecSet } from '../codecs/bindings';
import type { Connection, ConnectionOptions } from '../engine/connection';
import type { MessageEvent, TimelineEvent } from '../engine/events';
import type { ProtocolMessage } from './messages';
import { ProtocolMonitor } from './monitor';
import type { Exchange, Unanswered } from './pairing';
import { createDriver, SessionError, type SessionDriver, type SessionOptions } from './session';
import type { Decoded, ProtocolSetting } from './types';

/** What the session reports, in order. */
export type SessionOutput = { type: 'event'; event: TimelineEvent; decoded?: Decoded } | Exchange | Unanswered;

/** Options of a protocol session. */
export interface ProtocolSessionOptions {
  /** `protocolOptions` of the request (namespace, auth, connectionParams, autoAnswer, …). */
  protocolOptions?: Record<string, unknown>;
  /** Reply timeout of the pairing table (ms, default 10000). */
  replyTimeoutMs?: number;
  /**
   * Clock in ms for timeouts, and for latencies when given (tests). Default: timeouts on
   * performance.timeOrigin + performance.now(), latencies on the fine time the connection gives each
   * event when it records it (the same clock), so work done on an event before the session hears
   * of it (the store's listeners, the panel's view) is not taken off or added to a latency.
   */
  clock?: () => number;
  /** Loaded `codecs` rules of the request and its collection (src/core/codecs/bindings.ts loadCodecs). */
  codecs?: CodecSet;
}

const fineClock = () => performance.timeOrigin + performance.now();

/** Protocol decoding, pairing and (when set explicitly) speaking for one client connection. */
export class ProtocolSession {
  readonly monitor: ProtocolMonitor;
  readonly driver: SessionDriver | undefined;
  private readonly clock: () => number;
  /** A clock was given: latencies are timed on it, not on the connection's event times. */
  private readonly ownClock: boolean;
  private started = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private off: (() => void) | undefined;
  private output: (o: SessionOutput) => void = () => undefined;
  private conn: Connection | undefined;

  constructor(readonly setting: ProtocolSetting, opts: ProtocolSessionOptions = {}) {
    this.clock = opts.clock ?? fineClock;
    this.ownClock = opts.clock !== undefined;
    const po = opts.protocolOptions ?? {};
    this.monitor = new ProtocolMonitor(setting, { ...(opts.replyTimeoutMs !== undefined ? { timeoutMs: opts.replyTimeoutMs } : {}), ...(po.eio === 3 ? { eio: 3 as const } : {}), ...(opts.codecs && !opts.codecs.empty ? { codecs: opts.codecs } : {}) });
    if (setting !== 'auto' && setting !== 'raw') {
      // What the driver reports becomes an info event of the connection's timeline.
      const info: SessionOptions['info'] = (message, data) => this.conn?.info(message, data);
      this.driver = createDriver(setting, { ...po, info });
    }
  }

  /** Connection options with the driver's URL and sub-protocols. */
  prepare(options: ConnectionOptions): ConnectionOptions {
    if (!this.driver) return options;
    return { ...options, url: this.driver.url(options.url), subprotocols: this.driver.subprotocols(options.subprotocols ?? []) };
  }

  /** Listens to a connection (before connect()); `output` receives every event and protocol line in order. */
  attach(conn: Connection, output: (o: SessionOutput) => void): void {
    this.output = output;
    this.conn = conn;
    this.off = conn.onEvent((e, at) => this.onEvent(conn, e, at));
    this.timer = setInterval(() => {
      for (const u of this.monitor.expire(this.clock())) this.output(u);
    }, Math.min(250, Math.max(10, this.monitor.pairs.timeoutMs / 4)));
    this.timer.unref?.();
  }

  /** Resolves when the protocol session is ready (immediately without a driver). */
  ready(): Promise<void> {
    return this.driver ? this.driver.ready() : Promise.resolve();
  }

  /** Sends a protocol message through the driver; resolves with the pairing key of the request it opened, if any. */
  async send(m: ProtocolMessage): Promise<string | undefined> {
    if (!this.driver) {
      throw new SessionError(
        this.setting === 'auto' || this.setting === 'raw'
          ? `a "${m.kind}" message needs the protocol set explicitly (--protocol), not ${this.setting}`
          : `sending ${this.setting} messages is not supported yet`,
        'WSWB_PROTO_UNSUPPORTED',
      );
    }
    return this.driver.send(m);
  }

  /** Stops listening and timers. */
  dispose(): void {
    this.off?.();
    if (this.timer) clearInterval(this.timer);
    this.driver?.stop();
  }

  private start(conn: Connection): void {
    if (this.started || !this.driver) return;
    this.started = true;
    this.driver.start({
      sendText: (t) => conn.sendText(t),
      sendBinary: (b) => conn.sendBinary(b),
      close: (code, reason) => void conn.close(code, reason),
    });
  }

  /** `at`: the event's fine time from the connection, taken when it was recorded (pairs are timed with it). */
  private onEvent(conn: Connection, e: TimelineEvent, at: number): void {
    switch (e.kind) {
      case 'handshake':
        if (e.response?.status === 101) this.monitor.handshake(e.subprotocol, e.request.url);
        this.output({ type: 'event', event: e });
        return;
      case 'state':
        this.output({ type: 'event', event: e });
        if (e.state === 'open') this.start(conn);
        return;
      case 'message':
        this.onMessage(conn, e, at);
        return;
      case 'close':
        this.output({ type: 'event', event: e });
        this.driver?.closed(e.code, e.reason);
        for (const u of this.monitor.drain(this.clock())) this.output(u);
        return;
      default:
        this.output({ type: 'event', event: e });
    }
  }

  private onMessage(conn: Connection, e: MessageEvent, at: number): void {
    const { decoded, exchanges } = e.spilled ? { decoded: undefined, exchanges: [] } : this.monitor.message({ binary: e.binary, data: e.data }, e.dir, e.id, this.ownClock ? this.clock() : at);
    this.output(decoded ? { type: 'event', event: e, decoded } : { type: 'event', event: e });
    for (const x of exchanges) this.output(x);
    if (decoded && this.driver) {
      if (!this.started && conn.state === 'open') this.start(conn);
      if (decoded.items) for (const d of decoded.items) this.driver.onDecoded(d, e.dir);
      else this.driver.onDecoded(decoded, e.dir);
    }
  }
}
