/**
 * Binds one workbench panel's RPC server to a Connection and its TimelineStore. No `vscode` import:
 * dialogs and the clipboard come in through `BindingHost`, so the binding runs (and is tested and
 * benchmarked) in plain Node.
 *
 *   store.onEvent ──▶ filter test (O(1) per event) ──▶ rows (view row → store index)
 *                                     │
 *                       one timer, ≥ 16 ms apart ──▶ emit('events', {total, tail})   (≤ 60 posts/s)
 *
 * The webview asks for windows (`getRows`) and full payloads (`readPayload`); the store stays the
 * source of truth and nothing grows in the webview with the traffic.
 */
import * as path from 'node:path';
import type { Connection, ConnectionOptions } from '../../core/engine/connection';
import { TimelineStore, objectText } from '../../core/engine/timelineStore';
import type { TimelineEvent } from '../../core/engine/events';
import type { RpcServer } from '../../shared/rpc';
import { hostContract, type ConnectionSummary, type HostContract, type OutgoingMessage, type RepeatStatus, type SavedRequestInfo, type Snapshot, type ViewFilter, type WebviewEvents } from '../../shared/contract';
import { encodeEventLine, makeHeader, serializeTranscript, withPayloads } from '../../core/collections/transcript';
import { exportHar } from '../../core/collections/har';
import { messagePayload, redact, resolveVariables, toConnectionOptions } from '../../core/collections/variables';
import { replaceReferences, withPlaceholders } from '../../core/collections/references';
import { draftOf, withoutSecrets } from '../../core/collections/request';
import type { RequestDef, RequestDraft, VariableMap } from '../../core/collections/types';
import { CodedError } from '../../core/errors';
import { readSavedRequest, saveNamedMessage, saveRequestDraft, type RequestSource } from './savedRequest';

/** What the binding needs from its surroundings (VS Code in the extension, fakes in tests and benches). */
export interface BindingHost {
  /** Creates (does not connect) a connection, e.g. through services.connections. */
  createConnection(options: ConnectionOptions, deps: { store: TimelineStore }): Connection;
  /** Variables of the active environment (the workflow feature provides them); `secret:name` keys hold secrets. */
  variables?(): Promise<Record<string, string>> | Record<string, string>;
  /** Connection settings applied under the request's own options (the tree and palette use the same). */
  connectionDefaults?(): Omit<ConnectionOptions, 'url'>;
  saveFile?(suggestedName: string, data: Uint8Array): Promise<string | undefined>;
  clipboard?(text: string): Promise<void>;
  pickFile?(): Promise<{ name: string; data: Uint8Array } | undefined>;
  log?(message: string): void;
  /** Lets the user pick a saved collection request (Load request…). */
  pickRequest?(): Promise<RequestSource | undefined>;
  /** Lets the user pick where a new request goes: a collection file and a request name. */
  pickSaveTarget?(suggestedName: string): Promise<RequestSource | undefined>;
  /** Short label of a collection file (workspace-relative path). */
  labelFor?(file: string): string;
  /** Version written into exported transcripts and HAR files. */
  toolVersion?: string;
  /** Injected for tests. */
  clock?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (h: unknown) => void;
}

/** Minimum time between two `events` posts (one 60 Hz frame), so at most 60 posts/s. */
export const BATCH_INTERVAL_MS = 1000 / 60;
/** Newest rows carried by each `events` post: enough for a screenful while auto-scrolling. */
export const TAIL_ROWS = 80;
const DEFAULT_PREVIEW = 256;
const MAX_WINDOW = 2000;

const utf8 = new TextDecoder('utf-8', { fatal: false });

function coded(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/**
 * Bytes that own their ArrayBuffer. The store hands out views into its payload chunks; posting a
 * view could copy (or, where buffers are transferred, detach) the whole chunk, so every byte array
 * that leaves for the webview is copied to its exact size first.
 */
export function ownBytes(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b instanceof Buffer) ? b : new Uint8Array(b);
}

/** Copy of an event whose payload is cut to `max` bytes (message `size` / frame `length` keep the truth). */
export function trimEvent(e: TimelineEvent, max: number): TimelineEvent {
  if (e.kind === 'message') return { ...e, data: e.data.byteLength > max ? new Uint8Array(e.data.subarray(0, max)) : ownBytes(e.data) };
  if (e.kind === 'frame') return e.payload.byteLength > max ? { ...e, payload: new Uint8Array(e.payload.subarray(0, max)), truncated: true } : { ...e, payload: ownBytes(e.payload) };
  return e;
}

/** The text a filter's text/regex is matched against: the same as the store's query (full payload for data events). */
function eventText(e: TimelineEvent): string {
  if (e.kind === 'message') return utf8.decode(e.data);
  if (e.kind === 'frame') return utf8.decode(e.payload);
  return objectText(e);
}

/** Compiles a view filter: the store query for existing events and a predicate for new ones. */
export function compileFilter(f: ViewFilter): { test: (e: TimelineEvent) => boolean; regex?: RegExp } {
  let regex: RegExp | undefined;
  if (f.regex) {
    try {
      regex = new RegExp(f.regex, (f.regexFlags ?? '').replace(/[^imsu]/g, ''));
    } catch (err) {
      throw coded('PANEL_BAD_REGEX', `Invalid regular expression: ${(err as Error).message}`);
    }
  }
  const kinds = f.kinds && f.kinds.length ? new Set(f.kinds) : undefined;
  const dirs = f.dirs && f.dirs.length ? new Set(f.dirs) : undefined;
  const text = f.text || undefined;
  const test = (e: TimelineEvent): boolean => {
    if (f.mode === 'messages' && e.kind === 'frame') return false;
    if (f.mode === 'frames' && e.kind === 'message') return false;
    if (kinds && !kinds.has(e.kind)) return false;
    if (dirs) {
      if (!('dir' in e) || !dirs.has(e.dir)) return false;
    }
    if (text !== undefined || regex) {
      const s = eventText(e);
      if (text !== undefined && !s.includes(text)) return false;
      if (regex) {
        regex.lastIndex = 0;
        if (!regex.test(s)) return false;
      }
    }
    return true;
  };
  return { test, regex };
}

/**
 * Engine options for the panel's request: the resolution every saved request goes through
 * (variables, secrets, TLS files relative to `baseDir`). `known` holds the active environment's
 * variables and `secret:name` values; the draft's own variables take precedence. Unresolved
 * references are refused (WSWB_UNRESOLVED_VARIABLE), never sent as written.
 */
export async function resolveDraft(draft: RequestDraft, known: Record<string, string>, baseDir?: string): Promise<{ options: ConnectionOptions; secretValues: string[] }> {
  const variables: VariableMap = {};
  const secrets = new Map<string, string>();
  for (const [k, val] of Object.entries(known)) {
    if (k.startsWith('secret:')) secrets.set(k.slice(7), val);
    else variables[k] = val;
  }
  const request: RequestDef = { name: 'panel', ...draft };
  const resolved = await resolveVariables({ version: 1, name: 'panel', variables }, request, { secrets: { get: async (n) => secrets.get(n) } });
  if (!resolved.ok) {
    const code = resolved.errors[0]?.code ?? 'WSWB_UNRESOLVED_VARIABLE';
    throw new CodedError(code, `Cannot connect: ${resolved.errors.map((e) => e.message).join('; ')}`, { details: { names: resolved.unresolved } });
  }
  return { options: toConnectionOptions(request, resolved, baseDir !== undefined ? { baseDir } : {}), secretValues: resolved.secretValues };
}

/** One panel ↔ one connection (and the connections that replace it on reconnect, sharing its store). */
export class PanelBinding {
  private conn: Connection | undefined;
  private store: TimelineStore | undefined;
  private ownedStore: TimelineStore | undefined;
  private readonly created = new Set<Connection>();
  private unsubStore: (() => void) | undefined;
  private unsubConn: (() => void) | undefined;
  private filter: ViewFilter = { mode: 'messages' };
  private test: (e: TimelineEvent) => boolean = compileFilter(this.filter).test;
  private rows = new Uint32Array(1024);
  private rowCount = 0;
  private postedTotal = 0;
  private timer: unknown;
  private lastFlush = -Infinity;
  private summaryDirty = false;
  private resetPending = false;
  private summaryState: Omit<ConnectionSummary, 'id' | 'url' | 'state' | 'total'> = this.freshSummary();
  private repeat: { status: RepeatStatus; timer?: unknown; message: OutgoingMessage } | undefined;
  private repeatDirty = false;
  private disposed = false;
  private readonly clock: () => number;
  private readonly setT: (fn: () => void, ms: number) => unknown;
  private readonly clearT: (h: unknown) => void;
  private request: RequestDraft | undefined;
  private readonly extraSecrets = new Set<string>();
  private src: RequestSource | undefined;
  private srcInfo: SavedRequestInfo | undefined;
  private sourceDirty = false;
  /** Number of `events` posts made (tests and the bench check the ≤ 60/s budget with it). */
  posts = 0;
  /** Number of getRows windows served (the real webview asks for them as it renders). */
  rowsServed = 0;
  /** Last snapshot handed to the webview (tests). */
  lastSnapshot: Snapshot | undefined;

  constructor(
    private readonly rpc: RpcServer<HostContract, WebviewEvents>,
    private readonly host: BindingHost,
    private readonly base: () => Snapshot,
  ) {
    this.clock = host.clock ?? (() => performance.now());
    this.setT = host.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearT = host.clearTimeout ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.registerHandlers();
  }

  /** The connection shown, if any. */
  get connection(): Connection | undefined {
    return this.conn;
  }

  /** The request last connected, loaded or restored (for the panel title and serializer). */
  get requestDraft(): RequestDraft | undefined {
    return this.request;
  }

  /** Rows in the current view. */
  get viewTotal(): number {
    return this.rowCount;
  }

  /** The saved collection request this panel shows, if any. */
  get source(): RequestSource | undefined {
    return this.src;
  }

  /** The saved request as last read (messages, or why it could not be read). */
  get sourceInfo(): SavedRequestInfo | undefined {
    return this.srcInfo;
  }

  /**
   * Shows the saved request `src` (its named messages) in this panel, re-reading the file; with
   * `loadOptions` its url, headers and options also replace the composer's request.
   */
  async setSource(src: RequestSource | undefined, opts: { loadOptions?: boolean } = {}): Promise<SavedRequestInfo | undefined> {
    this.src = src;
    if (!src) {
      this.srcInfo = undefined;
      return undefined;
    }
    const file = this.host.labelFor?.(src.file) ?? src.file.split(/[\\/]/).pop() ?? src.file;
    const { def, ...info } = await readSavedRequest(src, `${file} › ${src.request}`);
    if (this.src !== src) return info; // replaced meanwhile
    this.srcInfo = info;
    if (opts.loadOptions && def) this.request = draftOf(def);
    this.sourceDirty = true;
    this.markSummary();
    return info;
  }

  private requireSource(): RequestSource {
    if (!this.src) throw coded('PANEL_NO_SOURCE', 'This panel shows no saved request: save or load one first');
    return this.src;
  }

  /** Restores the request the panel had before a reload (no connection yet). */
  restoreRequest(r: RequestDraft | undefined): void {
    this.request = r;
  }

  /** Shows `conn` in this panel; its store becomes the panel's timeline. */
  attach(conn: Connection): void {
    this.unsubConn?.();
    this.conn = conn;
    // A connection opened elsewhere (palette URL, tree): the composer shows its URL until a request is loaded.
    if (!this.request) this.request = { url: conn.options.url };
    if (conn.store !== this.store) {
      this.unsubStore?.();
      this.store = conn.store;
      this.summaryState = this.freshSummary();
      this.unsubStore = conn.store.onEvent((e) => this.onEvent(e));
      this.rebuildRows();
      this.resetPending = true;
    }
    this.unsubConn = conn.onEvent((e) => {
      if (e.kind === 'state') this.markSummary();
    });
    this.markSummary();
  }

  /** The snapshot a (re)loaded webview starts from. */
  snapshot(): Snapshot {
    const s: Snapshot = { ...this.base(), view: { total: this.rowCount, filter: this.filter } };
    const summary = this.summary();
    if (summary) s.connection = summary;
    if (this.repeat) s.repeat = { ...this.repeat.status };
    if (this.srcInfo) s.source = this.srcInfo;
    this.postedTotal = this.rowCount;
    this.resetPending = false;
    this.lastSnapshot = s;
    return s;
  }

  /** The header data of the connection. */
  summary(): ConnectionSummary | undefined {
    const c = this.conn;
    if (!c) {
      if (!this.request) return undefined;
      return { id: '', url: this.request.url, state: 'idle', total: 0, ...this.freshSummary(), request: withoutSecrets(this.request) };
    }
    return { id: c.id, url: c.options.url, state: c.state, total: this.store?.length ?? 0, ...this.summaryState, ...(this.request ? { request: withoutSecrets(this.request) } : {}) };
  }

  private freshSummary(): Omit<ConnectionSummary, 'id' | 'url' | 'state' | 'total'> {
    return { counters: { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, framesIn: 0, framesOut: 0, dropped: 0 } };
  }

  // ------------------------------------------------------------------ events → webview

  private onEvent(e: TimelineEvent): void {
    const s = this.summaryState;
    switch (e.kind) {
      case 'message':
        if (e.dir === 'in') {
          s.counters.messagesIn++;
          s.counters.bytesIn += e.size;
        } else {
          s.counters.messagesOut++;
          s.counters.bytesOut += e.size;
        }
        break;
      case 'frame':
        if (e.dir === 'in') s.counters.framesIn++;
        else s.counters.framesOut++;
        break;
      case 'handshake':
        s.handshake = e;
        break;
      case 'close':
        s.closeCode = e.code;
        s.closeReason = e.reason;
        break;
      case 'rtt':
        s.rttMs = e.ms;
        break;
      case 'error':
        s.error = { code: e.code, message: e.message };
        break;
      case 'state':
        if (e.state === 'connecting') {
          delete s.closeCode;
          delete s.closeReason;
          delete s.error;
        }
        break;
    }
    this.summaryDirty = true;
    if (this.test(e)) {
      const i = this.store!.indexOfId(e.id);
      if (i >= 0) this.pushRow(i);
    }
    this.schedule();
  }

  private pushRow(storeIndex: number): void {
    if (this.rowCount === this.rows.length) {
      const next = new Uint32Array(this.rows.length * 2);
      next.set(this.rows);
      this.rows = next;
    }
    this.rows[this.rowCount++] = storeIndex;
  }

  private rebuildRows(): void {
    this.rowCount = 0;
    const store = this.store;
    if (!store) return;
    const f = this.filter;
    const compiled = compileFilter(f);
    const kinds = f.mode === 'all' ? f.kinds : (f.kinds?.length ? f.kinds : (['handshake', 'frame', 'message', 'state', 'close', 'error', 'rtt', 'info'] as const)).filter((k) => (f.mode === 'messages' ? k !== 'frame' : k !== 'message'));
    const q = store.query({
      ...(kinds && kinds.length ? { kinds: [...kinds] } : {}),
      ...(f.dirs?.length ? { dirs: f.dirs } : {}),
      ...(f.text ? { text: f.text } : {}),
      ...(compiled.regex ? { regex: compiled.regex } : {}),
    });
    if (this.rows.length < q.length) this.rows = new Uint32Array(Math.max(1024, q.length * 2));
    this.rows.set(q);
    this.rowCount = q.length;
  }

  private markSummary(): void {
    this.summaryDirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.disposed) return;
    const fire = () => {
      // Timers may fire a little early (ms rounding): never post sooner than one frame after the last.
      const left = this.lastFlush + BATCH_INTERVAL_MS - this.clock();
      if (left > 0) {
        this.timer = this.setT(fire, Math.ceil(left));
        return;
      }
      this.timer = undefined;
      this.flush();
    };
    this.timer = this.setT(fire, Math.max(0, Math.ceil(this.lastFlush + BATCH_INTERVAL_MS - this.clock())));
  }

  /** Posts what changed since the last post (rows, header, repeat job). */
  flush(): void {
    if (this.disposed) return;
    if (!this.rpc.isReady) return; // the next snapshot carries everything
    this.lastFlush = this.clock();
    const conn = this.conn;
    if (this.rowCount !== this.postedTotal || this.resetPending) {
      const total = this.rowCount;
      const from = this.resetPending ? Math.max(0, total - TAIL_ROWS) : Math.max(this.postedTotal, total - TAIL_ROWS);
      const tail: TimelineEvent[] = [];
      for (let r = from; r < total; r++) {
        const e = this.store!.at(this.rows[r]!);
        if (e) tail.push(trimEvent(e, DEFAULT_PREVIEW));
      }
      this.posts++;
      this.rpc.emit('events', { connectionId: conn?.id ?? '', total, tailFrom: from, tail, storeTotal: this.store?.length ?? 0, ...(this.resetPending ? { reset: true } : {}) });
      this.postedTotal = total;
      this.resetPending = false;
    }
    if (this.summaryDirty) {
      this.summaryDirty = false;
      const s = this.summary();
      if (s) this.rpc.emit('connection', s);
    }
    if (this.sourceDirty && this.srcInfo) {
      this.sourceDirty = false;
      this.rpc.emit('source', this.srcInfo);
    }
    if (this.repeatDirty && this.repeat) {
      this.repeatDirty = false;
      this.rpc.emit('repeat', { ...this.repeat.status });
    }
  }

  // ------------------------------------------------------------------ requests

  private requireConn(): Connection {
    if (!this.conn) throw coded('PANEL_NO_CONNECTION', 'This panel has no connection yet: connect first');
    return this.conn;
  }

  private async vars(extra?: Record<string, string>): Promise<Record<string, string>> {
    const env = (await this.host.variables?.()) ?? {};
    return { ...env, ...(this.request?.variables ?? {}), ...(extra ?? {}) };
  }

  /**
   * Secret values the panel knows: `{{secret:name}}` values of the active environment (the workflow's
   * variable provider) and of the composer's variables. Masked in exports.
   */
  private async secretValues(): Promise<string[]> {
    const vars = await this.vars();
    const out = new Set<string>(this.extraSecrets);
    for (const [k, val] of Object.entries(vars)) if (k.startsWith('secret:') && val) out.add(val);
    return [...out];
  }

  /** Secret values known from elsewhere (e.g. the saved request the workflow resolved), masked in exports. */
  addSecrets(values: readonly string[]): void {
    for (const v of values) if (v) this.extraSecrets.add(v);
  }

  /** The request written into a transcript header: the panel's request without literal passwords, tokens or keys. */
  private headerRequest(): Record<string, unknown> {
    return { ...withoutSecrets(this.request ?? { url: this.conn?.options.url ?? '' }) };
  }

  private async sendOne(m: OutgoingMessage, vars: Record<string, string>): Promise<number> {
    const c = this.requireConn();
    if (c.state !== 'open' && !(c.options.queueWhileReconnecting && c.state === 'connecting')) {
      throw coded('PANEL_NOT_OPEN', `Cannot send: the connection is ${c.state}`);
    }
    let payload: string | Uint8Array;
    if (m.data !== undefined) payload = m.data;
    else if (m.text !== undefined) payload = m.substitute === false ? m.text : replaceReferences(m.text, (k) => (Object.prototype.hasOwnProperty.call(vars, k) ? vars[k] : undefined));
    else throw coded('PANEL_EMPTY_MESSAGE', 'Nothing to send: give text or data');
    const fragments = m.fragments ?? 1;
    if (fragments > 1) c.sendFragmented(payload, fragments);
    else if (typeof payload === 'string') c.sendText(payload);
    else c.sendBinary(payload);
    return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  }

  private stopRepeat(): RepeatStatus {
    const r = this.repeat;
    if (!r) return { active: false, sent: 0 };
    if (r.timer !== undefined) this.clearT(r.timer);
    r.timer = undefined;
    r.status.active = false;
    this.repeatDirty = true;
    this.schedule();
    return { ...r.status };
  }

  private readonly handlers = new Map<string, (params: any) => unknown>();

  /**
   * Runs one contract request as if the webview had sent it (validated the same way). Used by the
   * `websocketWorkbench.panel.run` automation command and the integration tests.
   */
  async invoke<M extends keyof HostContract & string>(name: M, params: unknown): Promise<unknown> {
    const spec = hostContract[name];
    const handler = this.handlers.get(name);
    if (!spec || !handler) throw coded('UNKNOWN_METHOD', `unknown method: ${name}`);
    return handler(spec.params(params, 'params'));
  }

  private registerHandlers(): void {
    const server = this.rpc;
    const rpc = {
      handle: <M extends keyof HostContract & string>(name: M, fn: Parameters<typeof server.handle<M>>[1]) => {
        this.handlers.set(name, fn as (p: any) => unknown);
        server.handle(name, fn);
      },
    };
    rpc.handle('connect', async ({ request }) => {
      this.request = request;
      const env = (await this.host.variables?.()) ?? {};
      const resolved = await resolveDraft(request, env, this.src ? path.dirname(this.src.file) : undefined);
      this.addSecrets(resolved.secretValues);
      const opts: ConnectionOptions = { ...(this.host.connectionDefaults?.() ?? {}), ...resolved.options };
      let url: URL;
      try {
        url = new URL(opts.url);
      } catch {
        throw coded('PANEL_BAD_URL', `Not a URL: ${opts.url || '(empty)'}`);
      }
      if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw coded('PANEL_BAD_URL', `The URL must start with ws:// or wss:// (got ${url.protocol})`);
      const old = this.conn;
      if (old && (old.state === 'open' || old.state === 'connecting' || old.state === 'closing')) {
        this.stopRepeat();
        await Promise.race([old.close(1000, 'reconnecting'), new Promise((r) => setTimeout(r, 2000))]);
        if ((old.state as string) !== 'closed') old.terminate();
      }
      // Reconnects share the panel's store, so the timeline continues across connections.
      const store = this.store ?? (this.ownedStore = new TimelineStore());
      const c = this.host.createConnection(opts, { store });
      this.created.add(c);
      this.attach(c);
      c.connect().catch((err: Error & { code?: string }) => {
        this.host.log?.(`connect ${opts.url} failed: ${err.code ?? ''} ${err.message}`);
      });
      return { connectionId: c.id };
    });
    rpc.handle('disconnect', async ({ code, reason }) => {
      this.stopRepeat();
      const c = this.requireConn();
      return c.close(code ?? 1000, reason ?? '');
    });
    rpc.handle('terminate', () => {
      this.stopRepeat();
      this.requireConn().terminate();
    });
    rpc.handle('send', async (m) => ({ sent: await this.sendOne(m, await this.vars()) }));
    rpc.handle('sendRepeat', async ({ message, count, everyMs }) => {
      this.stopRepeat();
      const vars = await this.vars();
      this.requireConn();
      if (everyMs === undefined) {
        const n = count ?? 1;
        const status: RepeatStatus = { active: false, sent: 0, count: n };
        this.repeat = { status, message };
        for (let i = 0; i < n; i++) {
          await this.sendOne(message, vars);
          status.sent++;
        }
        this.repeatDirty = true;
        this.schedule();
        return { ...status };
      }
      const status: RepeatStatus = { active: true, sent: 0, everyMs, ...(count !== undefined ? { count } : {}) };
      const job: { status: RepeatStatus; timer?: unknown; message: OutgoingMessage } = { status, message };
      this.repeat = job;
      const tick = () => {
        if (!job.status.active) return;
        this.sendOne(message, vars).then(
          () => {
            job.status.sent++;
            this.repeatDirty = true;
            this.schedule();
            if (count !== undefined && job.status.sent >= count) this.stopRepeat();
            else if (job.status.active) job.timer = this.setT(tick, everyMs);
          },
          (err: Error) => {
            this.host.log?.(`repeat send stopped: ${err.message}`);
            this.stopRepeat();
          },
        );
      };
      tick();
      return { ...status };
    });
    rpc.handle('stopRepeat', () => this.stopRepeat());
    rpc.handle('control', ({ type, payload }) => {
      const c = this.requireConn();
      if (c.state !== 'open') throw coded('PANEL_NOT_OPEN', `Cannot ${type}: the connection is ${c.state}`);
      if (type === 'ping') c.ping(payload);
      else c.pong(payload);
    });
    rpc.handle('getEvents', ({ from, to }) => {
      const store = this.store;
      if (!store) return { events: [], total: 0 };
      const end = Math.min(to, from + MAX_WINDOW, store.length);
      return { events: store.slice(from, end).map((e) => trimEvent(e, DEFAULT_PREVIEW)), total: store.length };
    });
    rpc.handle('setView', ({ filter }) => {
      const compiled = compileFilter(filter);
      const t0 = performance.now();
      this.filter = filter;
      this.test = compiled.test;
      this.rebuildRows();
      this.postedTotal = this.rowCount;
      return { total: this.rowCount, ms: performance.now() - t0 };
    });
    rpc.handle('getRows', ({ from, to, previewBytes }) => {
      this.rowsServed++;
      const store = this.store;
      const total = this.rowCount;
      if (!store) return { from, events: [], total: 0 };
      const end = Math.min(to, from + MAX_WINDOW, total);
      const max = previewBytes ?? DEFAULT_PREVIEW;
      const events: TimelineEvent[] = [];
      for (let r = from; r < end; r++) {
        const e = store.at(this.rows[r]!);
        if (e) events.push(trimEvent(e, max));
      }
      return { from, events, total };
    });
    rpc.handle('readPayload', async ({ id }) => {
      const store = this.store;
      if (!store || store.indexOfId(id) < 0) throw coded('PANEL_NO_EVENT', `No event with id ${id}`);
      const e = store.byId(id)!;
      if (e.kind === 'frame' && !e.spilled && !e.truncated) return { data: ownBytes(e.payload) };
      if (e.kind === 'message' && !e.spilled) return { data: ownBytes(e.data) };
      return { data: ownBytes(await store.readPayload(id)) };
    });
    rpc.handle('clear', () => {
      this.store?.clear();
      this.rowCount = 0;
      this.postedTotal = 0;
      this.resetPending = true;
      this.markSummary();
    });
    rpc.handle('export', async ({ format, ids }) => {
      const store = this.store;
      if (!store) throw coded('PANEL_NO_CONNECTION', 'Nothing to export yet');
      const picked = ids ? ids.map((i) => store.byId(i)).filter((e): e is TimelineEvent => !!e) : store.slice(0, store.length);
      // Spilled payloads are read back from disk; then every known secret value is masked, as the workflow's recorder does.
      const events = await withPayloads(picked, (id) => store.readPayload(id));
      const secrets = await this.secretValues();
      const mask = <T>(x: T): T => (secrets.length ? redact(x, secrets) : x);
      const tool = { name: 'websocket-workbench', version: this.host.toolVersion ?? 'dev' };
      if (format === 'clipboard') {
        if (!this.host.clipboard) throw coded('PANEL_UNSUPPORTED', 'No clipboard here');
        await this.host.clipboard(events.map((e) => encodeEventLine(mask(e))).join('\n') + '\n');
        return { saved: true, target: 'clipboard' };
      }
      if (!this.host.saveFile) throw coded('PANEL_UNSUPPORTED', 'Cannot save files here');
      const text = format === 'har'
        ? JSON.stringify(exportHar(events, { creator: tool, secrets }), null, 2)
        : serializeTranscript({ header: makeHeader({ request: mask(this.headerRequest()), tool }), events: events.map(mask) });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const name = format === 'har' ? `websocket-session-${stamp}.har` : `websocket-session-${stamp}.ndjson`;
      const target = await this.host.saveFile(name, new TextEncoder().encode(text));
      return target ? { saved: true, target } : { saved: false };
    });
    rpc.handle('savePayload', async ({ id }) => {
      const store = this.store;
      if (!store || store.indexOfId(id) < 0) throw coded('PANEL_NO_EVENT', `No event with id ${id}`);
      if (!this.host.saveFile) throw coded('PANEL_UNSUPPORTED', 'Cannot save files here');
      const data = await store.readPayload(id);
      const e = store.byId(id)!;
      const ext = e.kind === 'message' && !e.binary ? 'txt' : 'bin';
      const target = await this.host.saveFile(`payload-${id}.${ext}`, data);
      return target ? { saved: true, target } : { saved: false };
    });
    rpc.handle('sendSaved', async ({ name }) => {
      const src = this.requireSource();
      this.requireConn();
      // Re-read: the file may have been edited since the panel showed it.
      const { def } = await readSavedRequest(src, src.request);
      const m = def?.messages?.find((x) => x.name === name);
      if (!m) throw coded('WSWB_MESSAGE_NOT_FOUND', `no message "${name}" in request "${src.request}"`);
      const p = messagePayload(m, { values: await this.vars() });
      return { sent: await this.sendOne(p.binary ? { data: p.data } : { text: p.text, substitute: false }, {}) };
    });
    rpc.handle('saveMessage', async ({ message, previousName }) => {
      const src = this.requireSource();
      await saveNamedMessage(src, message, previousName);
      return (await this.setSource(src))!;
    });
    rpc.handle('saveRequest', async ({ request, asNew }) => {
      let target = asNew ? undefined : this.src;
      if (!target) {
        if (!this.host.pickSaveTarget) throw coded('PANEL_UNSUPPORTED', 'Cannot pick a collection here');
        let suggested = 'request';
        try {
          suggested = new URL(withPlaceholders(request.url, 'x')).host || suggested;
        } catch {
          // keep the default
        }
        target = await this.host.pickSaveTarget(suggested);
        if (!target) return { saved: false };
      }
      await saveRequestDraft(target, request, { create: true });
      this.request = request;
      const source = await this.setSource(target);
      return source ? { saved: true, source } : { saved: true };
    });
    rpc.handle('loadRequest', async () => {
      if (!this.host.pickRequest) throw coded('PANEL_UNSUPPORTED', 'Cannot pick a collection here');
      const target = await this.host.pickRequest();
      if (!target) return {};
      const source = await this.setSource(target, { loadOptions: true });
      if (source?.error) throw coded(source.error.code, source.error.message);
      return { ...(this.request ? { request: withoutSecrets(this.request) } : {}), ...(source ? { source } : {}) };
    });
    rpc.handle('copy', async ({ text }) => {
      if (!this.host.clipboard) throw coded('PANEL_UNSUPPORTED', 'No clipboard here');
      await this.host.clipboard(text);
    });
    rpc.handle('pickFile', async () => (this.host.pickFile ? this.host.pickFile() : undefined));
  }

  /** Stops timers; disposes the connections this panel created and the store it created. */
  dispose(removeConnection?: (c: Connection) => void): void {
    if (this.disposed) return;
    this.stopRepeat();
    this.disposed = true;
    if (this.timer !== undefined) this.clearT(this.timer);
    this.unsubStore?.();
    this.unsubConn?.();
    for (const c of this.created) {
      if (removeConnection) removeConnection(c);
      else c.dispose();
    }
    this.created.clear();
    void this.ownedStore?.dispose();
  }

  /** Marks a connection (e.g. from openForUrl) as owned by this panel: it goes when the panel goes. */
  adopt(c: Connection): void {
    this.created.add(c);
  }
}
