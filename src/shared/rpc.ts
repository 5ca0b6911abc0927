/**
 * A typed request/response + event channel over any message transport (a webview's postMessage,
 * a worker, or an in-memory pair in tests). The contract object fixes, per method, how params are
 * validated and — through its phantom type — what the result type is, so a call site cannot ask for
 * one thing and receive another. Pure: no DOM, no vscode.
 *
 *   webview (RpcClient)                         host (RpcServer)
 *     call('ready', {…}) ── request {id} ──────▶ validate params → handler
 *                        ◀── response {id, ok} ─ (errors become {ok:false, error:{code,message}})
 *     onEvent(name)      ◀── event {name} ────── emit() — held until the client has called 'ready'
 */
import { CodedError, codeOf } from '../core/errors';
import type { Validator } from './validate';
import { ValidationError } from './validate';

/** One method of a contract: a params validator and (phantom) result type R. */
export interface MethodSpec<P, R> {
  params: Validator<P>;
  /** Never set at run time; carries R for the type checker. */
  readonly __result?: R;
}

/** Declares a method whose params are checked by `params` and whose result is R. */
export function method<P, R>(params: Validator<P>): MethodSpec<P, R> {
  return { params };
}

export type Contract = Record<string, MethodSpec<unknown, unknown>>;
export type ParamsOf<S> = S extends MethodSpec<infer P, unknown> ? P : never;
export type ResultOf<S> = S extends MethodSpec<unknown, infer R> ? R : never;

/** Anything that can post and receive structured-clone messages. */
export interface Transport {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
}

export interface RequestEnvelope { kind: 'request'; id: number; method: string; params: unknown }
export interface ResponseEnvelope { kind: 'response'; id: number; ok: boolean; result?: unknown; error?: { code: string; message: string } }
export interface EventEnvelope { kind: 'event'; name: string; payload: unknown }
export type Envelope = RequestEnvelope | ResponseEnvelope | EventEnvelope;

/** An error reply from the other side, or a local failure (timeout, disposed). */
export class RpcError extends CodedError {}

function isEnvelope(m: unknown): m is Envelope {
  if (typeof m !== 'object' || m === null) return false;
  const k = (m as { kind?: unknown }).kind;
  if (k === 'request') return typeof (m as RequestEnvelope).id === 'number' && typeof (m as RequestEnvelope).method === 'string';
  if (k === 'response') return typeof (m as ResponseEnvelope).id === 'number' && typeof (m as ResponseEnvelope).ok === 'boolean';
  if (k === 'event') return typeof (m as EventEnvelope).name === 'string';
  return false;
}

/** The calling side (the webview). */
export class RpcClient<C extends Contract, E extends Record<string, unknown>> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  /** Listeners by event name; the payload's type is E[name], checked at onEvent. */
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly unsubscribe: () => void;
  private disposed = false;

  constructor(private readonly transport: Transport, private readonly options: { timeoutMs?: number } = {}) {
    this.unsubscribe = transport.onMessage((m) => this.receive(m));
  }

  /** Calls `name` on the other side; rejects with RpcError on an error reply, a timeout or dispose. */
  call<M extends keyof C & string>(name: M, params: ParamsOf<C[M]>, timeoutMs = this.options.timeoutMs ?? 15000): Promise<ResultOf<C[M]>> {
    if (this.disposed) return Promise.reject(new RpcError('WSWB_RPC_DISPOSED', 'channel is disposed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError('WSWB_RPC_TIMEOUT', `${name} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.transport.post({ kind: 'request', id, method: name, params } satisfies RequestEnvelope);
    });
  }

  /** Subscribes to a host event; returns an unsubscribe function. */
  onEvent<K extends keyof E & string>(name: K, listener: (payload: E[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set!.delete(l);
  }

  private receive(m: unknown): void {
    if (!isEnvelope(m)) return;
    if (m.kind === 'response') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new RpcError(m.error?.code ?? 'WSWB_INTERNAL', m.error?.message ?? 'request failed'));
    } else if (m.kind === 'event') {
      for (const l of this.listeners.get(m.name) ?? []) l(m.payload);
    }
  }

  /** Rejects everything pending and stops listening. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.unsubscribe();
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RpcError('WSWB_RPC_DISPOSED', 'channel was disposed'));
    }
    this.pending.clear();
    this.listeners.clear();
  }
}

type Handler<S> = (params: ParamsOf<S>) => ResultOf<S> | Promise<ResultOf<S>>;

/** The answering side (the extension host). Validates every incoming message before use. */
export class RpcServer<C extends Contract, E extends Record<string, unknown>> {
  /** Handlers by method name; each takes what its contract's validator returns. */
  private readonly handlers = new Map<string, (params: unknown) => unknown>();
  private readonly held: EventEnvelope[] = [];
  private readonly unsubscribe: () => void;
  private ready = false;
  private disposed = false;
  /** Called with each rejected message (bad envelope, unknown method, invalid params), e.g. for a log. */
  onInvalid?: (reason: string, message: unknown) => void;

  constructor(private readonly contract: C, private readonly transport: Transport, private readonly options: { readyMethod?: keyof C & string; maxHeld?: number } = {}) {
    this.unsubscribe = transport.onMessage((m) => void this.receive(m));
  }

  /** Registers the handler for one method of the contract. */
  handle<M extends keyof C & string>(name: M, handler: Handler<C[M]>): void {
    this.handlers.set(name, handler as (p: unknown) => unknown);
  }

  /**
   * Runs one request in-process as if it had arrived from the client: validated by the contract,
   * then handled. Rejects with RpcError WSWB_RPC_UNKNOWN_METHOD or WSWB_RPC_INVALID_PARAMS, or the handler's error.
   */
  async invoke(name: string, params: unknown): Promise<unknown> {
    const { handler, params: valid } = this.prepare(name, params);
    return handler(valid);
  }

  /** The handler for a method and its validated params; throws RpcError WSWB_RPC_UNKNOWN_METHOD / WSWB_RPC_INVALID_PARAMS. */
  private prepare(name: string, raw: unknown): { handler: (params: unknown) => unknown; params: unknown } {
    const spec = Object.prototype.hasOwnProperty.call(this.contract, name) ? this.contract[name] : undefined;
    const handler = this.handlers.get(name);
    if (!spec || !handler) throw new RpcError('WSWB_RPC_UNKNOWN_METHOD', `unknown method: ${name}`);
    try {
      return { handler, params: spec.params(raw, 'params') };
    } catch (err) {
      throw new RpcError('WSWB_RPC_INVALID_PARAMS', err instanceof ValidationError ? err.message : String(err));
    }
  }

  /** Sends an event; held (bounded, oldest dropped) until the client has completed the ready call. */
  emit<K extends keyof E & string>(name: K, payload: E[K]): void {
    if (this.disposed) return;
    const env: EventEnvelope = { kind: 'event', name, payload };
    if (!this.ready) {
      this.held.push(env);
      if (this.held.length > (this.options.maxHeld ?? 1000)) this.held.shift();
      return;
    }
    this.transport.post(env);
  }

  /** Whether the client has completed its ready handshake. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Forget readiness, e.g. when the webview reloads; events are held again until the next ready. */
  resetReady(): void {
    this.ready = false;
  }

  private async receive(m: unknown): Promise<void> {
    if (this.disposed) return;
    if (!isEnvelope(m) || m.kind !== 'request') {
      this.onInvalid?.('not a request envelope', m);
      return;
    }
    const reply = (r: Omit<ResponseEnvelope, 'kind' | 'id'>) => {
      if (!this.disposed) this.transport.post({ kind: 'response', id: m.id, ...r });
    };
    let prepared: ReturnType<typeof this.prepare>;
    try {
      prepared = this.prepare(m.method, m.params);
    } catch (err) {
      const e = err as RpcError;
      this.onInvalid?.(e.code === 'WSWB_RPC_UNKNOWN_METHOD' ? `unknown method ${m.method}` : e.message, m);
      reply({ ok: false, error: { code: e.code, message: e.message } });
      return;
    }
    try {
      const result = await prepared.handler(prepared.params);
      reply({ ok: true, result });
      if (m.method === (this.options.readyMethod ?? 'ready') && !this.ready) {
        this.ready = true;
        for (const env of this.held.splice(0)) this.transport.post(env);
      }
    } catch (err) {
      reply({ ok: false, error: { code: codeOf(err), message: err instanceof Error ? err.message : String(err) } });
    }
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    this.held.length = 0;
    this.handlers.clear();
  }
}

/** Two transports wired to each other in memory (tests, and the same-process CLI). */
export function memoryTransportPair(): [Transport, Transport] {
  const a = new Set<(m: unknown) => void>();
  const b = new Set<(m: unknown) => void>();
  const make = (mine: Set<(m: unknown) => void>, theirs: Set<(m: unknown) => void>): Transport => ({
    post: (m) => queueMicrotask(() => theirs.forEach((l) => l(m))),
    onMessage: (l) => {
      mine.add(l);
      return () => mine.delete(l);
    },
  });
  return [make(a, b), make(b, a)];
}
