/**
 * Binds one workbench panel's RPC server to a Connection and its TimelineStore. No `vscode` import:
 * dialogs and the clipboard come in through `BindingHost`, so the binding runs (and is tested and
 * benchmarked) in plain Node.
 *
 *   store.onEvent ──▶ ViewRows.offer (filter test, O(1) per event; rows.ts)
 *                                     │
 *                       one timer, ≥ 16 ms apart ──▶ emit('events', {total, tail})   (≤ 60 posts/s)
 *
 * The webview asks for windows (`getRows`) and full payloads (`readPayload`); the store stays the
 * source of truth and nothing grows in the webview with the traffic. This file holds the panel's
 * state (connection, request, saved source, summary) and the batching; the RPC handlers are
 * handlers.ts, the repeat-send job repeat.ts, exports export.ts, the saved request savedRequest.ts,
 * protocols protocolSession.ts / protocolTrack.ts.
 *
 * Over ~400 lines: the panel's state and its one batching timer stay together (every event, the
 * view, the header and the protocol rows are posted from flush()); what acts on that state lives in
 * the modules above.
 */
import { readCollectionFile } from '../../core/collections/fsio';
import { readFile } from 'node:fs/promises';
import type { CodecSet } from '../../core/codecs/bindings';
import { loadCodecLayer, loadEngine } from '../../core/lazy';
import * as path from 'node:path';
import type { Connection, ConnectionOptions } from '../../core/engine/connection';
import type { TimelineStore } from '../../core/engine/timelineStore';
import type { TimelineEvent } from '../../core/engine/events';
import type { RpcServer } from '../../shared/rpc';
import type { ConnectionSummary, HostContract, OutgoingMessage, SavedRequestInfo, Snapshot, TranscriptInfo, ViewFilter, WebviewEvents } from '../../shared/contract';
import { replaceReferences } from '../../core/collections/template';
import { draftOf, withoutSecrets } from '../../core/collections/request';
import type { RequestDraft } from '../../core/collections/types';
import { CodedError } from '../../core/errors';
import { readSavedRequest, resolveDraft, type RequestSource } from './savedRequest';
import { DEFAULT_PREVIEW, ViewRows } from './rows';
import { RepeatScheduler } from './repeat';
import type { ExportHost } from './export';
import { registerHandlers } from './handlers';
import { freshSummary, summarize, type SummaryState } from './summary';
import { ProtocolTrack } from './protocolTrack';
import { PanelSession } from './protocolSession';

/** What the binding needs from its surroundings (VS Code in the extension, fakes in tests and benches). */
export interface BindingHost extends ExportHost {
  /** Creates (does not connect) a connection, e.g. through services.connections. */
  createConnection(options: ConnectionOptions, deps: { store: TimelineStore }): Connection;
  /** Variables of the active environment (the workflow feature provides them); `secret:name` keys hold secrets. */
  /** Values for `{{references}}`: of the panel's collection (`file`) when it has one. */
  variables?(file?: string): Promise<Record<string, string>> | Record<string, string>;
  /** Connection settings applied under the request's own options (the tree and palette use the same). */
  connectionDefaults?(): Omit<ConnectionOptions, 'url'>;
  pickFile?(): Promise<{ name: string; data: Uint8Array } | undefined>;
  log?(message: string): void;
  /** Lets the user pick a saved collection request (Load request…). */
  pickRequest?(): Promise<RequestSource | undefined>;
  /** Lets the user pick where a new request goes: a collection file and a request name. */
  pickSaveTarget?(suggestedName: string): Promise<RequestSource | undefined>;
  /** Short label of a collection file (workspace-relative path). */
  labelFor?(file: string): string;
  /** The workflow's recorder, for the panel's record toggle (none: the panel cannot record). */
  recorder?(): PanelRecorder | undefined;
  /** Opens a file the panel produced: a transcript in a panel, anything else in an editor. */
  openResult?(target: string): Promise<void>;
  /** For a transcript panel: replay the transcript, or turn it into a mock. */
  transcriptAction?(action: 'replay' | 'toMock', file: string): Promise<void>;
  /** A connection this panel replaced (Reconnect): it leaves the Connections list, its events stay in the panel's timeline. */
  retireConnection?(c: Connection): void;
  /** Injected for tests. */
  clock?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (h: unknown) => void;
}

/** Records connections into transcripts (the workflow's Recorder, seen from a panel). */
export interface PanelRecorder {
  /** Starts recording `c` (with `request` in the transcript header); resolves with the transcript file. */
  start(c: Connection, request: Record<string, unknown>): Promise<string>;
  /** Stops recording `c`; resolves with the transcript file, or undefined when it was not recording. */
  stop(c: Connection): Promise<string | undefined>;
  /** The transcript `connectionId` is being recorded into, if it is. */
  fileOf(connectionId: string): string | undefined;
}

/** Minimum time between two `events` posts (one 60 Hz frame), so at most 60 posts/s. */
export const BATCH_INTERVAL_MS = 1000 / 60;
/** Newest rows carried by each `events` post: enough for a screenful while auto-scrolling. */
export const TAIL_ROWS = 80;

/** One panel ↔ one connection (and the connections that replace it on reconnect, sharing its store). */
export class PanelBinding {
  private conn: Connection | undefined;
  private _store: TimelineStore | undefined;
  private ownedStore: TimelineStore | undefined;
  private readonly created = new Set<Connection>();
  private unsubStore: (() => void) | undefined;
  private unsubConn: (() => void) | undefined;
  /** The view's filter and rows. */
  readonly view = new ViewRows();
  /** The repeat-send job. */
  readonly repeat: RepeatScheduler;
  /** Decoded messages, pairs and latencies of the timeline (protocolTrack.ts). */
  readonly protocols = new ProtocolTrack(() => this._store);
  /** The protocol session of each connection this panel opened (protocolSession.ts). */
  private readonly sessions = new Map<Connection, PanelSession>();
  private timer: unknown;
  private lastFlush = -Infinity;
  private summaryDirty = false;
  private summaryState: SummaryState = freshSummary();
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
  private transcriptInfo: TranscriptInfo | undefined;
  /** Files this panel wrote or recorded: the only ones `openResult` opens. */
  readonly results = new Set<string>();
  /** Number of `events` posts made (tests and the bench check the ≤ 60/s budget with it). */
  posts = 0;
  /** Number of getRows windows served (the real webview asks for them as it renders). */
  rowsServed = 0;
  /** Last snapshot handed to the webview (tests). */
  lastSnapshot: Snapshot | undefined;

  constructor(
    private readonly rpc: RpcServer<HostContract, WebviewEvents>,
    readonly host: BindingHost,
    private readonly base: () => Snapshot,
  ) {
    this.clock = host.clock ?? (() => performance.now());
    this.setT = host.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearT = host.clearTimeout ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.repeat = new RepeatScheduler({
      changed: () => {
        this.repeatDirty = true;
        this.schedule();
      },
      setTimeout: this.setT,
      clearTimeout: this.clearT,
      log: (m) => this.host.log?.(m),
    });
    this.view.protocolMatcher = (c) => this.protocols.matcher(c);
    this.view.decorate = (e) => this.protocols.decorate(e);
    registerHandlers(this, rpc);
  }

  /** The connection shown, if any. */
  get connection(): Connection | undefined {
    return this.conn;
  }

  /** The protocol session of the connection shown, if any (`raw` has none). */
  get protocolSession(): PanelSession | undefined {
    return this.conn ? this.sessions.get(this.conn) : undefined;
  }

  /** The timeline shown, if any. */
  get store(): TimelineStore | undefined {
    return this._store;
  }

  /** The request last connected, loaded or restored (for the panel title and serializer). */
  get requestDraft(): RequestDraft | undefined {
    return this.request;
  }

  /** Rows in the current view. */
  get viewTotal(): number {
    return this.view.total;
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
   * `loadOptions` the request itself also replaces the composer's.
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

  requireSource(): RequestSource {
    if (!this.src) throw new CodedError('WSWB_PANEL_NO_SOURCE', 'This panel shows no saved request: save or load one first');
    return this.src;
  }

  /** Restores the request the panel had before a reload (no connection yet); also what a save wrote. */
  restoreRequest(r: RequestDraft | undefined): void {
    this.request = r;
  }

  /**
   * Shows `conn` in this panel; its store becomes the panel's timeline. With `session` (call before
   * conn.connect()) the panel decodes, pairs and, for a named protocol, speaks the protocol.
   */
  attach(conn: Connection, session?: PanelSession): void {
    if (session) {
      this.sessions.set(conn, session);
      session.attach(conn, this.protocols, (e) => {
        if (this.deferred === e) {
          this.deferred = undefined;
          this.view.offer(e, this._store!);
          this.schedule();
        }
      }, () => this.schedule());
    }
    this.unsubConn?.();
    this.conn = conn;
    // A connection opened elsewhere (palette URL, tree): the composer shows its URL until a request is loaded.
    if (!this.request) this.request = { url: conn.options.url };
    if (conn.store !== this._store) {
      this.unsubStore?.();
      this._store = conn.store;
      this.summaryState = freshSummary();
      this.protocols.clear();
      this.unsubStore = conn.store.onEvent((e) => this.onEvent(e));
      this.view.rebuild(conn.store);
      this.view.resetPending = true;
    }
    this.unsubConn = conn.onEvent((e) => {
      if (e.kind === 'state') this.markSummary();
    });
    this.markSummary();
  }

  /** The snapshot a (re)loaded webview starts from. */
  snapshot(): Snapshot {
    const s: Snapshot = { ...this.base(), view: { total: this.view.total, filter: this.view.filter, unfiltered: this.view.unfiltered } };
    const summary = this.summary();
    if (summary) s.connection = summary;
    const repeat = this.repeat.status;
    if (repeat) s.repeat = repeat;
    if (this.srcInfo) s.source = this.srcInfo;
    if (this.transcriptInfo) s.transcript = this.transcriptInfo;
    this.view.posted = this.view.total;
    this.view.resetPending = false;
    this.lastSnapshot = s;
    return s;
  }

  /** The header data of the connection. */
  summary(): ConnectionSummary | undefined {
    const c = this.conn;
    if (!c) {
      if (!this.request) return undefined;
      return { id: '', url: this.request.url, state: 'idle', total: 0, ...freshSummary(), request: withoutSecrets(this.request) };
    }
    const recording = this.recordingOf(c);
    return { id: c.id, url: c.options.url, state: c.state, total: this._store?.length ?? 0, ...this.summaryState, ...(this.request ? { request: withoutSecrets(this.request) } : {}), ...(recording ? { recording } : {}) };
  }

  private recordingOf(c: Connection): { file: string; label: string } | undefined {
    const file = this.host.recorder?.()?.fileOf(c.id);
    if (!file) return undefined;
    this.results.add(file);
    return { file, label: this.host.labelFor?.(file) ?? path.basename(file) };
  }

  /** Marks this panel as showing a transcript (read-only: the webview hides the composer). */
  setTranscript(info: TranscriptInfo): void {
    this.transcriptInfo = info;
    this.results.add(info.file);
  }

  /** The transcript this panel shows, if it shows one. */
  get transcript(): TranscriptInfo | undefined {
    return this.transcriptInfo;
  }

  // ------------------------------------------------------------------ events → webview

  /** A message held back until its session decoded it (the view filters on protocol criteria). */
  private deferred: TimelineEvent | undefined;

  private onEvent(e: TimelineEvent): void {
    summarize(this.summaryState, e);
    this.summaryDirty = true;
    // The store tells the panel before the connection tells the session: a view filtering on the
    // decoded packet gets this message once the session has decoded it (protocolSession.ts), in the same tick.
    if (e.kind === 'message' && (this.view.filter.protocol || this.view.filter.operation) && this.conn?.id === e.connection && this.sessions.get(this.conn)?.listening) {
      if (this.deferred) this.view.offer(this.deferred, this._store!);
      this.deferred = e;
    } else this.view.offer(e, this._store!);
    this.schedule();
  }

  markSummary(): void {
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
    if (this.deferred) {
      // Its session never reported it (a listener failed): show it undecoded rather than lose it.
      this.view.offer(this.deferred, this._store!);
      this.deferred = undefined;
    }
    if (!this.rpc.isReady) return; // the next snapshot carries everything
    this.lastFlush = this.clock();
    const v = this.view;
    if (v.total !== v.posted || v.resetPending) {
      const total = v.total;
      const from = v.resetPending ? Math.max(0, total - TAIL_ROWS) : Math.max(v.posted, total - TAIL_ROWS);
      const tail = this._store ? v.window(this._store, from, total, DEFAULT_PREVIEW) : [];
      this.posts++;
      this.rpc.emit('events', { connectionId: this.conn?.id ?? '', total, tailFrom: from, tail, storeTotal: this._store?.length ?? 0, unfiltered: v.unfiltered, ...(v.resetPending ? { reset: true } : {}) });
      v.posted = total;
      v.resetPending = false;
    }
    const changed = this.protocols.changed;
    if (changed.size) {
      // Pairs complete after their request's row was posted: the webview patches the rows it holds.
      const rows = [];
      for (const id of changed) {
        const proto = this.protocols.rowOf(id);
        if (proto) rows.push({ id, proto });
      }
      changed.clear();
      if (rows.length) this.rpc.emit('protocolRows', { rows });
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
    const repeat = this.repeat.status;
    if (this.repeatDirty && repeat) {
      this.repeatDirty = false;
      this.rpc.emit('repeat', repeat);
    }
  }

  // ------------------------------------------------------------------ used by handlers.ts

  requireConn(): Connection {
    if (!this.conn) throw new CodedError('WSWB_PANEL_NO_CONNECTION', 'This panel has no connection yet: connect first');
    return this.conn;
  }

  /** Values for `{{references}}` in sent messages: the active environment's, then the request's own. */
  async vars(): Promise<Record<string, string>> {
    const env = (await this.host.variables?.(this.src?.file)) ?? {};
    return { ...env, ...(this.request?.variables ?? {}) };
  }

  /**
   * Secret values the panel knows, masked in exports: `secret:name` values of the active environment
   * (the workflow's variable provider), and what resolving the panel's request or the workflow found.
   */
  async secretValues(): Promise<string[]> {
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
  headerRequest(): Record<string, unknown> {
    return { ...withoutSecrets(this.request ?? { url: this.conn?.options.url ?? '' }) };
  }

  /** Sends one message; `{{references}}` in text are replaced from `vars` (unknown ones stay as written). */
  async sendOne(m: OutgoingMessage, vars: Record<string, string>): Promise<number> {
    const c = this.requireConn();
    if (c.state !== 'open' && !(c.options.queueWhileReconnecting && c.state === 'connecting')) {
      throw new CodedError('WSWB_PANEL_NOT_OPEN', `Cannot send: the connection is ${c.state}`);
    }
    let payload: string | Uint8Array;
    if (m.data !== undefined) payload = m.data;
    else if (m.text !== undefined) payload = m.substitute === false ? m.text : replaceReferences(m.text, (k) => (Object.prototype.hasOwnProperty.call(vars, k) ? vars[k] : undefined));
    else throw new CodedError('WSWB_PANEL_EMPTY_MESSAGE', 'Nothing to send: give text or data');
    const fragments = m.fragments ?? 1;
    if (fragments > 1) c.sendFragmented(payload, fragments);
    else if (typeof payload === 'string') c.sendText(payload);
    else c.sendBinary(payload);
    return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  }

  /**
   * The `codecs` rules of a connection: the draft's own, then its collection's (`.proto` paths
   * relative to the collection file). Rules with problems are left out (`validate` and the file's
   * problems say why); undefined when there are none.
   */
  async codecsFor(request: RequestDraft): Promise<CodecSet | undefined> {
    const rules = [...(request.codecs ?? [])];
    if (this.src) {
      const r = await readCollectionFile(this.src.file).catch(() => undefined);
      if (r?.ok && r.collection?.codecs) rules.push(...r.collection.codecs);
    }
    if (!rules.length) return undefined;
    const baseDir = this.src ? path.dirname(this.src.file) : process.cwd();
    const { codecs } = await loadCodecLayer().loadCodecs(rules, { baseDir, readText: (f) => readFile(f, 'utf8') });
    return codecs.empty ? undefined : codecs;
  }

  /**
   * (Re)connects with `request`, resolved like a saved request (TLS files relative to the panel's
   * collection). The old connection closes first; the new one shares the panel's store.
   */
  async connect(request: RequestDraft): Promise<Connection> {
    this.request = request;
    const env = (await this.host.variables?.(this.src?.file)) ?? {};
    const resolved = await resolveDraft(request, env, this.src ? path.dirname(this.src.file) : undefined);
    this.addSecrets(resolved.secretValues);
    const session = PanelSession.create(request, resolved.protocolOptions, undefined, await this.codecsFor(request));
    const plain: ConnectionOptions = { ...(this.host.connectionDefaults?.() ?? {}), ...resolved.options };
    let url: URL;
    try {
      url = new URL(plain.url);
    } catch {
      throw new CodedError('WSWB_PANEL_BAD_URL', `Not a URL: ${plain.url || '(empty)'}`);
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new CodedError('WSWB_PANEL_BAD_URL', `The URL must start with ws:// or wss:// (got ${url.protocol})`);
    const opts = session ? session.prepare(plain) : plain;
    const old = this.conn;
    if (old && (old.state === 'open' || old.state === 'connecting' || old.state === 'closing')) {
      this.repeat.stop();
      await Promise.race([old.close(1000, 'reconnecting'), new Promise((r) => setTimeout(r, 2000))]);
      if ((old.state as string) !== 'closed') old.terminate();
    }
    if (old) {
      this.sessions.get(old)?.dispose();
      this.sessions.delete(old);
    }
    // Reconnects share the panel's store, so the timeline continues across connections.
    const store = this._store ?? (this.ownedStore = new (loadEngine().TimelineStore)());
    const c = this.host.createConnection(opts, { store });
    this.created.add(c);
    // One panel, one entry in the Connections view: the connection it replaces goes once the new one
    // holds the shared store (its events stay in it).
    if (old) {
      this.created.delete(old);
      this.host.retireConnection?.(old);
    }
    this.attach(c, session);
    c.connect().catch((err: Error & { code?: string }) => {
      this.host.log?.(`connect ${opts.url} failed: ${err.code ?? ''} ${err.message}`);
    });
    return c;
  }

  /** Applies a view filter; returns the row count, the mode's unfiltered count and how long the store query took. */
  setView(filter: ViewFilter): { total: number; ms: number; unfiltered: number } {
    const t0 = performance.now();
    this.view.setFilter(filter, this._store);
    this.view.posted = this.view.total;
    return { total: this.view.total, ms: performance.now() - t0, unfiltered: this.view.unfiltered };
  }

  /** The view row showing event `id`, or -1 (rows are sorted by store index: binary search). */
  rowOfEvent(id: number): number {
    const i = this._store?.indexOfId(id) ?? -1;
    return i < 0 ? -1 : this.view.rowOfIndex(i);
  }

  /** Forgets the timeline (the store keeps counting ids). */
  clear(): void {
    this._store?.clear();
    this.protocols.clear();
    this.view.clear();
    this.markSummary();
  }

  /**
   * Runs one contract request as if the webview had sent it (validated the same way). Used by the
   * `websocketWorkbench.panel.run` automation command and the integration tests.
   */
  invoke(name: string, params: unknown): Promise<unknown> {
    return this.rpc.invoke(name, params);
  }


  /** Stops timers; disposes the connections this panel created and the store it created. */
  dispose(removeConnection?: (c: Connection) => void): void {
    if (this.disposed) return;
    this.repeat.stop();
    this.disposed = true;
    if (this.timer !== undefined) this.clearT(this.timer);
    this.unsubStore?.();
    this.unsubConn?.();
    for (const c of this.created) {
      if (removeConnection) removeConnection(c);
      else c.dispose();
    }
    this.created.clear();
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    void this.ownedStore?.dispose();
  }

  /** Marks a connection (e.g. from openForUrl) as owned by this panel: it goes when the panel goes. */
  adopt(c: Connection): void {
    this.created.add(c);
  }
}
