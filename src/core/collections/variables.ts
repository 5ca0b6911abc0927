/**
 * Variables and secrets. `{{name}}` resolves request → collection → environment → secret;
 * `{{secret:name}}` only through the injected SecretResolver (VS Code SecretStorage in the
 * extension, WSWB_SECRET_<NAME> environment variables in the CLI). Unresolved references are
 * reported before connecting and are never sent literally. Substitution itself is template.ts's;
 * resolving records which spans of each value came from a secret, and `secretFragments` turns
 * them into what was sent, so secretMask.ts can mask them in anything exported or logged.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ConnectionOptions } from '../engine/connection';
import type { CodecSet } from '../codecs/bindings';
import { loadCodecLayer } from '../lazy';
import { hexToBytes } from '../protocol/hexdump';
import { CollectionError, isProtocolMessage } from './types';
import type { ProtocolMessage } from '../protocols/types';
import type { ProtocolSetting } from '../protocols/types';
import { basicCredentials, REDACTED, redact } from './secretMask';
import { maskedValues, referencesIn, render, renderJson, renderStrict, spanTexts, substitute, substituteDeep } from './template';
import type { Span, TemplateValues } from './template';
import type { Collection, MessageDef, PayloadMessage, RequestDef, VariableMap } from './types';

/** Where secret values come from; returns undefined for an unknown name. */
export interface SecretResolver {
  get(name: string): Promise<string | undefined>;
}

/** Which scope a variable was found in. */
export type VariableSource = 'request' | 'collection' | 'environment' | 'secret';

/** A problem found while resolving. */
export interface VariableProblem {
  code: 'WSWB_UNRESOLVED_VARIABLE' | 'WSWB_VARIABLE_CYCLE' | 'WSWB_ENV_NOT_FOUND' | 'WSWB_SECRET_ERROR';
  name: string;
  message: string;
}

/** The outcome of resolving every reference a request uses. */
export interface ResolvedVariables {
  ok: boolean;
  /** Final values by reference key: `name` or `secret:name`. */
  values: Record<string, string>;
  sources: Record<string, VariableSource>;
  /** Reference keys that could not be resolved. */
  unresolved: string[];
  errors: VariableProblem[];
  /** For values built from secrets (a `secret:` key, or a variable that references one): which ranges. */
  secretSpans: Record<string, readonly Span[]>;
  /**
   * Strings to mask in exports and logs: the secret values and what substitution made of them on
   * the wire (see secretFragments). `redact` expands each into its encoded forms.
   */
  secretValues: string[];
}

export { REDACTED, redact, redactBytes } from './secretMask';
export { referencesIn, substitute } from './template';

function collectStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      collectStrings(x, out);
    }
  }
}

/** Every reference key used by a request (URL, headers, auth, TLS, query, messages, expectations). */
export function requestReferences(request: RequestDef): string[] {
  const { variables: _vars, name: _name, description: _desc, ...used } = request;
  const strings: string[] = [];
  collectStrings(used, strings);
  return [...new Set(strings.flatMap(referencesIn))];
}

/**
 * Resolves every reference the request uses. Never throws: problems are listed in `errors`, and
 * `ok` is false when anything is unresolved.
 */
export async function resolveVariables(
  collection: Collection,
  request: RequestDef,
  opts: { environment?: string; secrets?: SecretResolver; overrides?: VariableMap } = {},
): Promise<ResolvedVariables> {
  const errors: VariableProblem[] = [];
  let env: VariableMap = {};
  if (opts.environment !== undefined) {
    const e = collection.environments?.[opts.environment];
    if (!e || !Object.prototype.hasOwnProperty.call(collection.environments, opts.environment)) {
      errors.push({
        code: 'WSWB_ENV_NOT_FOUND',
        name: opts.environment,
        message: `no environment named "${opts.environment}" (have: ${Object.keys(collection.environments ?? {}).join(', ') || 'none'})`,
      });
    } else env = e;
  }
  const scopes: Array<[VariableSource, VariableMap]> = [
    ['request', { ...(request.variables ?? {}), ...(opts.overrides ?? {}) }],
    ['collection', collection.variables ?? {}],
    ['environment', env],
  ];
  // No prototype: `{{constructor}}` or `{{toString}}` is a variable name, not Object.prototype's member.
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  const secretSpans: Record<string, readonly Span[]> = Object.create(null) as Record<string, readonly Span[]>;
  const sources: Record<string, VariableSource> = Object.create(null) as Record<string, VariableSource>;
  const unresolved = new Set<string>();
  const secretValues = new Set<string>();
  const secretCache = new Map<string, Promise<string | undefined>>();

  const getSecret = (name: string): Promise<string | undefined> => {
    let p = secretCache.get(name);
    if (!p) {
      p = opts.secrets
        ? opts.secrets.get(name).catch((err: unknown) => {
            errors.push({ code: 'WSWB_SECRET_ERROR', name, message: `secret "${name}" could not be read: ${err instanceof Error ? err.message : String(err)}` });
            return undefined;
          })
        : Promise.resolve(undefined);
      secretCache.set(name, p);
    }
    return p;
  };

  const own = (m: VariableMap, k: string) => Object.prototype.hasOwnProperty.call(m, k);

  // Resolves one key; `stack` detects cycles through nested references.
  const resolveKey = async (key: string, stack: string[]): Promise<string | undefined> => {
    if (key in values) return values[key];
    if (unresolved.has(key)) return undefined;
    if (stack.includes(key)) {
      errors.push({ code: 'WSWB_VARIABLE_CYCLE', name: key, message: `variables reference each other in a cycle: ${[...stack, key].join(' → ')}` });
      unresolved.add(key);
      return undefined;
    }
    const isSecret = key.startsWith('secret:');
    const name = isSecret ? key.slice(7) : key;
    if (!isSecret) {
      for (const [source, map] of scopes) {
        if (!own(map, name)) continue;
        const raw = map[name]!;
        let failed = false;
        for (const inner of referencesIn(raw)) if ((await resolveKey(inner, [...stack, key])) === undefined) failed = true;
        if (failed) {
          unresolved.add(key);
          return undefined;
        }
        const r = render(raw, { values, secretSpans });
        values[key] = r.text;
        if (r.spans.length) secretSpans[key] = r.spans;
        sources[key] = source;
        return values[key];
      }
    }
    const secret = await getSecret(name);
    if (secret === undefined) {
      unresolved.add(key);
      return undefined;
    }
    values[key] = secret;
    sources[key] = 'secret';
    if (secret) secretValues.add(secret);
    return secret;
  };

  for (const key of requestReferences(request)) await resolveKey(key, []);

  for (const key of unresolved) {
    if (errors.some((e) => e.name === key && e.code === 'WSWB_VARIABLE_CYCLE')) continue;
    errors.push({
      code: 'WSWB_UNRESOLVED_VARIABLE',
      name: key,
      message: key.startsWith('secret:')
        ? `secret "${key.slice(7)}" is not set`
        : `variable "${key}" is not defined in the request, the collection${opts.environment ? `, environment "${opts.environment}"` : ''} or the secrets`,
    });
  }

  const ok = errors.length === 0 && unresolved.size === 0;
  // What the substitution produces from the secrets, in the exact form it goes on the wire.
  if (secretValues.size) for (const f of secretFragments(request, { values, secretSpans })) secretValues.add(f);
  // Longest first, so a secret containing another is masked whole.
  const secretList = [...secretValues].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return { ok, values, secretSpans, sources, unresolved: [...unresolved], errors, secretValues: secretList };
}

/** `Authorization: Basic` values a URL's userinfo turns into (ws sends it percent-encoded; proxies decode it). */
function userinfoCredentials(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  if (!u.username && !u.password) return [];
  // Each part decoded when it can be (as the proxy tunnel does), else as written.
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return [basicCredentials(u.username, u.password), basicCredentials(decode(u.username), decode(u.password))];
}

/**
 * The text a secret became in each place the request uses it, found by construction: the spans
 * substitution marks as secret in every string of the request (URL, query, headers, auth, TLS,
 * proxy, messages), their JSON-escaped form in JSON messages, and the Basic credentials derived from
 * `auth.basic` and from URL userinfo (the URL's and the proxy's). References that cannot be
 * resolved are skipped (nothing is sent then).
 */
export function secretFragments(request: RequestDef, vars: TemplateValues): string[] {
  const out = new Set<string>();
  const tryRender = (text: string) => {
    const r = render(text, vars);
    return r.missing.length ? undefined : r;
  };
  const { variables: _vars, name: _name, description: _desc, ...used } = request;
  const strings: string[] = [];
  collectStrings(used, strings);
  for (const s of strings) {
    const r = tryRender(s);
    if (r) for (const t of spanTexts(r)) out.add(t);
  }
  // JSON goes on the wire escaped: json messages, protocol messages (Socket.IO args, GraphQL
  // variables, JSON-RPC params…) and protocol options (Socket.IO auth, connectionParams).
  const jsonValues: unknown[] = [];
  for (const m of request.messages ?? []) {
    if (m.kind === 'json') jsonValues.push(m.data ?? null);
    else if (isProtocolMessage(m)) jsonValues.push(protocolFields(m));
  }
  if (request.protocolOptions) jsonValues.push(request.protocolOptions);
  for (const v of jsonValues) {
    try {
      for (const t of spanTexts(renderJson(v, vars))) out.add(t);
    } catch {
      /* unresolved: never sent */
    }
  }
  const auth = request.auth;
  if (auth?.type === 'basic') {
    const user = tryRender(auth.username);
    const pass = tryRender(auth.password);
    if (user && pass && (user.spans.length || pass.spans.length)) out.add(basicCredentials(user.text, pass.text));
  }
  for (const url of [request.url, request.proxy]) {
    const r = url === undefined ? undefined : tryRender(url);
    if (r?.spans.length) for (const c of userinfoCredentials(r.text)) out.add(c);
  }
  return [...out];
}

/** The request with every reference replaced (throws WSWB_UNRESOLVED_VARIABLE if any is left). */
export function resolveRequest(request: RequestDef, resolved: TemplateValues): RequestDef {
  const { variables: _vars, ...rest } = request;
  return substituteDeep(rest, resolved) as RequestDef;
}

/**
 * The request as sent, for a transcript header or an export: references replaced, with what came
 * from a secret masked by construction (object keys included), then scrubbed by value as well.
 */
export function redactedRequest(request: RequestDef, resolved: TemplateValues & Pick<ResolvedVariables, 'secretValues'>): RequestDef {
  return redact(resolveRequest(request, maskedValues(resolved, REDACTED)), resolved);
}

/** How TLS files named in a request are read (relative to the collection file). */
export interface FileAccess {
  baseDir?: string;
  readFile?: (file: string) => Uint8Array;
}

/** Maps a saved request, with its variables resolved, to the engine's ConnectionOptions. */
export function toConnectionOptions(request: RequestDef, resolved: TemplateValues, files: FileAccess = {}): ConnectionOptions {
  const r = resolveRequest(request, resolved);
  const o: ConnectionOptions = { url: r.url };
  if (r.headers) o.headers = { ...r.headers };
  if (r.subprotocols) o.subprotocols = [...r.subprotocols];
  if (r.origin !== undefined) o.origin = r.origin;
  if (r.auth) o.auth = { ...r.auth };
  if (r.query) o.query = { ...r.query };
  if (r.deflate !== undefined) o.deflate = r.deflate;
  if (r.handshakeTimeoutMs !== undefined) o.handshakeTimeoutMs = r.handshakeTimeoutMs;
  if (r.maxPayload !== undefined) o.maxPayload = r.maxPayload;
  if (r.followRedirects !== undefined) o.followRedirects = r.followRedirects;
  if (r.maxRedirects !== undefined) o.maxRedirects = r.maxRedirects;
  if (r.proxy !== undefined) o.proxy = r.proxy;
  if (r.noProxy !== undefined) o.noProxy = r.noProxy;
  if (r.keepAlive?.pingIntervalMs) o.pingIntervalMs = r.keepAlive.pingIntervalMs;
  if (r.keepAlive?.autoPong !== undefined) o.autoPong = r.keepAlive.autoPong;
  if (r.reconnect) {
    const { queue, ...rc } = r.reconnect;
    o.reconnect = rc;
    if (queue !== undefined) o.queueWhileReconnecting = queue;
  }
  if (r.tls) {
    const read = (field: 'caFile' | 'certFile' | 'keyFile' | 'pfxFile'): Uint8Array => {
      const f = r.tls![field]!;
      const full = path.resolve(files.baseDir ?? process.cwd(), f);
      try {
        return (files.readFile ?? readFileSync)(full);
      } catch (err) {
        // A path built from a secret is not echoed (path.resolve may have changed its form).
        const fromSecret = render(request.tls?.[field] ?? '', resolved).spans.length > 0;
        const shown = fromSecret ? `${field} (a path from a secret)` : full;
        throw new CollectionError('WSWB_TLS_FILE', `cannot read TLS file ${shown}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, fromSecret ? { field } : { file: full });
      }
    };
    const t = r.tls;
    const tls: NonNullable<ConnectionOptions['tls']> = {};
    if (t.rejectUnauthorized !== undefined) tls.rejectUnauthorized = t.rejectUnauthorized;
    if (t.ca !== undefined) tls.ca = t.ca;
    if (t.cert !== undefined) tls.cert = t.cert;
    if (t.key !== undefined) tls.key = t.key;
    if (t.caFile) tls.ca = read('caFile');
    if (t.certFile) tls.cert = read('certFile');
    if (t.keyFile) tls.key = read('keyFile');
    if (t.pfxFile) tls.pfx = read('pfxFile');
    if (t.passphrase !== undefined) tls.passphrase = t.passphrase;
    o.tls = tls;
  }
  return o;
}

/** A protocol message definition without the fields every named message has (name, description, expect). */
function protocolFields(m: ProtocolMessage & { name?: string; description?: string; expect?: unknown }): Record<string, unknown> {
  const { name: _n, description: _d, expect: _e, ...fields } = m;
  return fields;
}

/**
 * What a protocol message sends, references replaced: the fields of the CLI's `--message`. A
 * `graphql` message's operation id is its name (what a `graphql-complete`'s `of` names).
 */
export function protocolMessageOf(message: ProtocolMessage & { name?: string; description?: string; expect?: unknown }, resolved: TemplateValues): ProtocolMessage {
  const m = substituteDeep(protocolFields(message), resolved) as unknown as ProtocolMessage;
  if (m.kind === 'graphql' && message.name !== undefined) m.name = substitute(message.name, resolved);
  return m;
}

/** A request's protocol and its options, references replaced (`auto` and `{}` when unset). */
export function protocolOf(request: RequestDef, resolved: TemplateValues): { protocol: ProtocolSetting; protocolOptions: Record<string, unknown> } {
  return {
    protocol: request.protocol ?? 'auto',
    protocolOptions: request.protocolOptions ? (substituteDeep(request.protocolOptions, resolved) as Record<string, unknown>) : {},
  };
}

/** What a plain named message sends: text or bytes, references replaced (protocol messages: protocolMessageOf). */
export function messagePayload(message: MessageDef | (PayloadMessage & { name?: string }), resolved: TemplateValues, codecs?: CodecSet): { binary: false; text: string } | { binary: true; data: Uint8Array } {
  if (isProtocolMessage(message)) {
    throw new CollectionError('WSWB_PROTOCOL_MESSAGE', `message "${message.name ?? 'inline'}" is a ${message.kind} message: it is sent through the request's protocol session`);
  }
  switch (message.kind) {
    case 'text':
      return { binary: false, text: substitute(String(message.data ?? ''), resolved) };
    case 'json':
      return { binary: false, text: renderJson(message.data ?? null, resolved).text };
    case 'binary': {
      // A malformed secret must not be quoted back in the error: the message then names no characters.
      if (message.hex !== undefined) {
        const r = renderStrict(message.hex, resolved);
        try {
          return { binary: true, data: hexToBytes(r.text) };
        } catch (err) {
          const why = r.spans.length ? 'hex from a secret is malformed' : err instanceof Error ? err.message : String(err);
          throw new CollectionError('WSWB_BAD_BINARY', `message "${message.name ?? 'inline'}": ${why}`);
        }
      }
      const r = renderStrict(message.base64 ?? '', resolved);
      const b64 = r.text.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) {
        throw new CollectionError('WSWB_BAD_BINARY', `message "${message.name ?? 'inline'}": base64${r.spans.length ? ' from a secret' : ''} is malformed`);
      }
      return { binary: true, data: new Uint8Array(Buffer.from(b64, 'base64')) };
    }
    case 'msgpack':
    case 'cbor':
    case 'protobuf':
      // protobuf types come from the request's and the collection's `codecs` rules (src/core/codecs).
      return { binary: true, data: loadCodecLayer().codecPayload({ ...message, kind: message.kind }, resolved, codecs) };
  }
}
