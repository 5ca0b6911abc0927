/**
 * A test's connections, by alias: opening one (`connect` step: the request resolved, its codecs
 * loaded, its protocol session ready before the first step on it), keeping every message it
 * received for the expectations, and closing them all when the test ends.
 *
 * A connection whose request names a protocol speaks it through a ProtocolSession; its messages
 * carry the decoded packet, and `ack` expectations wait for the pairing key of the last send.
 */
import { readFile } from 'node:fs/promises';
import { loadCodecs, type CodecSet } from '../../codecs/bindings';
import { describeCodecProblem, rulesOf } from '../../codecs/collection';
import { Connection } from '../../engine/connection';
import type { RequestDef } from '../../collections/types';
import type { MatchContext } from '../../collections/expect';
import { protocolOf, toConnectionOptions } from '../../collections/variables';
import type { StepDef } from '../../collections/scenario';
import { ProtocolSession } from '../../protocols/connectionSession';
import { publicDecoded } from '../../protocols/monitor';
import type { Decoded, ProtocolSetting } from '../../protocols/types';
import { StepFailure, type RunOptions } from './results';
import type { RunClock, Waitable } from './timing';
import type { RunVariables } from './variables';

/** A received message, copied when it arrives (the store may spill payloads to disk later). */
export interface Received {
  id: number;
  binary: boolean;
  data: Uint8Array;
  at: number;
  /** What the protocol layer made of it. */
  decoded?: Decoded;
}

/** One open (or closed) connection of the test and what the expectations know of it. */
export interface Conn extends Waitable {
  alias: string;
  request: RequestDef;
  /** The request's loaded `codecs` rules (protobuf types for messages it sends). */
  codecs?: CodecSet;
  env?: string;
  conn: Connection;
  received: Received[];
  /** Index after the message the last expectation matched. */
  cursor: number;
  /** received.length when the last message was sent. */
  sendMark: number;
  lastMatched?: Received;
  /** The packet of lastMatched that matched (its payload is what `capture` reads on a protocol connection). */
  lastPacket?: Decoded;
  /** Decoding, pairing and (with an explicit protocol) speaking. */
  session: ProtocolSession;
  protocol: ProtocolSetting;
  /** Pairing key of the request the last send opened (what `ack` expectations wait for). */
  ackKey?: string;
  closed?: string;
}

const CLEANUP_MS = 2000;
/** How long a protocol session may take to be ready when the request sets no handshakeTimeoutMs (as `connect`). */
const PROTOCOL_READY_MS = 10_000;

/** jsonPath, shape and capture read a decoded reply's payload when the request names its protocol. */
export function readsDecoded(c: Conn): boolean {
  return c.protocol !== 'auto' && c.protocol !== 'raw';
}

/** What matching on a connection depends on: the last send's pairing key, how payloads are read. */
export function matchContext(c: Conn): MatchContext {
  return { ...(c.ackKey !== undefined ? { ackKey: c.ackKey } : {}), decodedPayload: readsDecoded(c) };
}

export class Connections {
  private readonly conns = new Map<string, Conn>();
  /** The connection a step without `on` acts on: the last one opened. */
  lastAlias: string | undefined;

  constructor(
    private readonly opts: RunOptions,
    private readonly clock: RunClock,
    private readonly vars: RunVariables,
  ) {}

  /** The connection named `alias`; none fails the step. */
  get(alias: string | undefined): Conn {
    const c = alias === undefined ? undefined : this.conns.get(alias);
    if (!c) throw new StepFailure('WSWB_SCENARIO_UNKNOWN_NAME', alias === undefined ? 'no connection is open' : `no connection "${alias}"`);
    return c;
  }

  /** A request's loaded `codecs` rules (its own, then the collection's), once per request; a problem fails the step. */
  private async codecsOf(requestName: string): Promise<CodecSet | undefined> {
    const rules = rulesOf(this.opts.collection, requestName);
    if (!rules.length) return undefined;
    const { codecs, problems } = await loadCodecs(rules.map((r) => r.rule), { baseDir: this.opts.baseDir ?? process.cwd(), readText: (f) => readFile(f, 'utf8') });
    if (problems.length) throw new StepFailure(problems[0]!.code, problems.map((p) => describeCodecProblem(p)).join('; '));
    return codecs;
  }

  /** A `connect` step: opens the request as `step.as` (its protocol's session ready too) before the test's deadline. */
  async connect(step: StepDef): Promise<void> {
    const request = (this.opts.collection.requests ?? []).find((r) => r.name === step.connect);
    if (!request) throw new StepFailure('WSWB_SCENARIO_UNKNOWN_NAME', `no request named "${step.connect}"`);
    const alias = step.as ?? request.name;
    const old = this.conns.get(alias);
    if (old && old.conn.state !== 'closed') throw new StepFailure('WSWB_ALIAS_IN_USE', `connection "${alias}" is already open`);
    old?.conn.dispose();
    const resolved = await this.vars.resolve(request, step.env, { whole: true });
    // Messages resolve when sent (they may use values captured later).
    const { protocol, protocolOptions } = protocolOf(request, resolved);
    const codecs = await this.codecsOf(request.name);
    const session = new ProtocolSession(protocol, { protocolOptions, ...(this.opts.replyTimeoutMs !== undefined ? { replyTimeoutMs: this.opts.replyTimeoutMs } : {}), ...(codecs ? { codecs } : {}) });
    const options = session.prepare(toConnectionOptions({ ...request, messages: [] }, resolved, { baseDir: this.opts.baseDir }));
    const conn = new Connection(options, { env: this.opts.processEnv ?? process.env, id: alias });
    const c: Conn = { alias, request, env: step.env, conn, received: [], cursor: 0, sendMark: 0, waiters: new Set(), session, protocol, ...(codecs ? { codecs } : {}) };
    this.conns.set(alias, c);
    this.lastAlias = alias;
    session.attach(conn, (o) => {
      if (o.type !== 'event') {
        this.opts.onProtocol?.(this.vars.mask.value(o), alias);
        return;
      }
      const e = o.event;
      if (e.kind === 'message' && e.dir === 'in') {
        c.received.push({ id: e.id, binary: e.binary, data: new Uint8Array(e.data), at: this.clock.now(), ...(o.decoded ? { decoded: o.decoded } : {}) });
        for (const w of [...c.waiters]) w();
      } else if (e.kind === 'close') {
        c.closed = `connection closed (${e.code}${e.reason ? ` ${e.reason}` : ''})`;
        for (const w of [...c.waiters]) w();
      }
      this.opts.onEvent?.(this.vars.mask.value(e), alias);
      // publicDecoded first: the summary of a lazily built packet is a getter a masked copy would lose.
      if (o.decoded) this.opts.onProtocol?.(this.vars.mask.value({ ...o, decoded: publicDecoded(o.decoded) as Decoded }), alias);
    });
    const deadline = this.clock.deadline;
    try {
      await this.clock.race(conn.connect(), deadline, () => conn.terminate());
      // The protocol's own handshake (Engine.IO open and namespace, connection_ack, CONNACK…),
      // bounded like the WebSocket's.
      if (session.driver) {
        const bound = this.clock.now() + (options.handshakeTimeoutMs ?? PROTOCOL_READY_MS);
        const timedOut = new StepFailure('WSWB_PROTO_TIMEOUT', `the ${protocol} session of "${alias}" was not ready within ${options.handshakeTimeoutMs ?? PROTOCOL_READY_MS} ms`);
        await this.clock.race(session.ready(), Math.min(bound, deadline), () => conn.terminate(), bound < deadline ? timedOut : undefined);
      }
    } catch (err) {
      if (err instanceof StepFailure) throw err;
      const code = (err as { code?: string }).code ?? 'WSWB_CONN_FAILED';
      throw new StepFailure(code, `could not connect "${alias}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Closes every connection (each given CLEANUP_MS for its close handshake) and disposes it. */
  async closeAll(): Promise<void> {
    const closing = [...this.conns.values()].map(async (c) => {
      try {
        if (c.conn.state === 'open') {
          let t: NodeJS.Timeout | undefined;
          await Promise.race([c.conn.close(1000, '').catch(() => undefined), new Promise((r) => (t = setTimeout(r, CLEANUP_MS)))]);
          clearTimeout(t);
        }
      } finally {
        c.session.dispose();
        c.conn.dispose();
      }
    });
    await Promise.all(closing);
  }
}
