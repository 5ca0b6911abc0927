/**
 * Turns a saved request into ConnectionOptions: `{{variables}}` resolved request → collection →
 * environment → secret, unresolved names reported (never sent literally). No vscode import: the
 * secret lookup is injected, so this is unit-tested in plain Node.
 */
import type { ConnectionOptions } from '../../core/engine/connection';
import type { Collection, MessageDef, RequestDef, VariableMap } from '../../core/collections/types';

/** `{{name}}` or `{{secret:name}}` (spaces inside the braces allowed). */
const REF = /\{\{\s*(secret:)?([A-Za-z0-9_.\-]+)\s*\}\}/g;
const MAX_DEPTH = 8;

/** Where a value came from, for the UI ("3 variables from environment dev, 1 secret"). */
export type VariableSource = 'request' | 'collection' | 'environment' | 'secret';

/** What resolving a request needs and found. */
export interface ResolveContext {
  collection: Collection;
  /** Active environment name (ignored when the collection has no such environment). */
  environment?: string;
  /** Secret values by name (from SecretStorage); undefined when not set. */
  secrets: (name: string) => string | undefined;
}

/** The outcome: the options to connect with, or the names that could not be resolved. */
export interface ResolvedRequest {
  options: ConnectionOptions;
  /** Variables (plain names, or `secret:name`) with no value anywhere; connect must refuse. */
  unresolved: string[];
  /** Secret names used (their values must be redacted from exports and logs). */
  secretsUsed: string[];
  /** Secret values used, for redaction. */
  secretValues: string[];
}

/** Every `{{…}}` reference in a string, as `name` or `secret:name`. */
export function findReferences(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(REF)) out.push((m[1] ? 'secret:' : '') + m[2]);
  return out;
}

/** A string resolver bound to one request's scopes. */
export class VariableResolver {
  readonly unresolved = new Set<string>();
  readonly secretsUsed = new Set<string>();
  readonly secretValues = new Set<string>();
  private readonly scopes: Array<VariableMap | undefined>;

  constructor(private readonly ctx: ResolveContext, request?: RequestDef) {
    const env = ctx.environment !== undefined ? ctx.collection.environments?.[ctx.environment] : undefined;
    this.scopes = [request?.variables, ctx.collection.variables, env];
  }

  /** Resolves every reference in `text`; unknown ones are left in place and recorded. */
  resolve(text: string, depth = 0): string {
    return text.replace(REF, (whole, secret: string | undefined, name: string) => {
      if (secret) {
        const v = this.ctx.secrets(name);
        if (v === undefined) {
          this.unresolved.add('secret:' + name);
          return whole;
        }
        this.secretsUsed.add(name);
        if (v) this.secretValues.add(v);
        return v;
      }
      for (const scope of this.scopes) {
        if (scope && Object.prototype.hasOwnProperty.call(scope, name)) {
          const v = scope[name]!;
          if (depth >= MAX_DEPTH) {
            this.unresolved.add(name);
            return whole;
          }
          return this.resolve(v, depth + 1);
        }
      }
      this.unresolved.add(name);
      return whole;
    });
  }

  private map(m: Record<string, string> | undefined): Record<string, string> | undefined {
    if (!m) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) out[this.resolve(k)] = this.resolve(v);
    return out;
  }

  /** Resolves a whole request into connection options. */
  request(r: RequestDef): ConnectionOptions {
    const o: ConnectionOptions = { url: this.resolve(r.url) };
    const headers = this.map(r.headers);
    if (headers) o.headers = headers;
    if (r.subprotocols) o.subprotocols = r.subprotocols.map((s) => this.resolve(s));
    if (r.origin !== undefined) o.origin = this.resolve(r.origin);
    if (r.auth) {
      o.auth =
        r.auth.type === 'basic'
          ? { type: 'basic', username: this.resolve(r.auth.username), password: this.resolve(r.auth.password) }
          : { type: 'bearer', token: this.resolve(r.auth.token) };
    }
    const query = this.map(r.query);
    if (query) o.query = query;
    if (r.tls) {
      const t = r.tls;
      o.tls = {};
      if (t.rejectUnauthorized !== undefined) o.tls.rejectUnauthorized = t.rejectUnauthorized;
      if (t.ca !== undefined) o.tls.ca = this.resolve(t.ca);
      if (t.cert !== undefined) o.tls.cert = this.resolve(t.cert);
      if (t.key !== undefined) o.tls.key = this.resolve(t.key);
      if (t.passphrase !== undefined) o.tls.passphrase = this.resolve(t.passphrase);
    }
    if (r.proxy !== undefined) o.proxy = this.resolve(r.proxy);
    if (r.noProxy !== undefined) o.noProxy = this.resolve(r.noProxy);
    if (r.deflate !== undefined) o.deflate = r.deflate;
    if (r.handshakeTimeoutMs !== undefined) o.handshakeTimeoutMs = r.handshakeTimeoutMs;
    if (r.maxPayload !== undefined) o.maxPayload = r.maxPayload;
    if (r.followRedirects !== undefined) o.followRedirects = r.followRedirects;
    if (r.maxRedirects !== undefined) o.maxRedirects = r.maxRedirects;
    if (r.keepAlive?.pingIntervalMs !== undefined) o.pingIntervalMs = r.keepAlive.pingIntervalMs;
    if (r.keepAlive?.autoPong !== undefined) o.autoPong = r.keepAlive.autoPong;
    if (r.reconnect) {
      const { queue, ...rest } = r.reconnect;
      o.reconnect = rest;
      if (queue !== undefined) o.queueWhileReconnecting = queue;
    }
    return o;
  }

  /** The bytes a saved message sends, with variables resolved in text/JSON strings. */
  message(m: MessageDef): { text?: string; binary?: Uint8Array } {
    if (m.kind === 'binary') {
      if (m.hex !== undefined) return { binary: hexToBytesLoose(this.resolve(m.hex)) };
      if (m.base64 !== undefined) return { binary: new Uint8Array(Buffer.from(this.resolve(m.base64), 'base64')) };
      return { binary: new Uint8Array(0) };
    }
    if (m.kind === 'json') return { text: this.resolve(JSON.stringify(m.data ?? null)) };
    return { text: this.resolve(typeof m.data === 'string' ? m.data : m.data === undefined ? '' : JSON.stringify(m.data)) };
  }
}

/** Resolves a request against its collection, the active environment and secrets. */
export function resolveRequest(ctx: ResolveContext, request: RequestDef): ResolvedRequest {
  const r = new VariableResolver(ctx, request);
  const options = r.request(request);
  return { options, unresolved: [...r.unresolved], secretsUsed: [...r.secretsUsed], secretValues: [...r.secretValues] };
}

/** Replaces every occurrence of each secret value with `***` (longest first, so overlaps redact fully). */
export function redact(text: string, secretValues: Iterable<string>): string {
  const values = [...new Set(secretValues)].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  let out = text;
  for (const v of values) out = out.split(v).join('***');
  return out;
}

/** Hex digits (spaces, `0x` prefixes allowed) → bytes; throws a coded error on bad input. */
export function hexToBytesLoose(hex: string): Uint8Array {
  const clean = hex.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) {
    const e = new Error('binary message: hex must be an even number of hex digits') as Error & { code: string };
    e.code = 'WSWB_BAD_HEX';
    throw e;
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}
