/**
 * Variables and secrets. `{{name}}` resolves request → collection → environment → secret;
 * `{{secret:name}}` only through the injected SecretResolver (VS Code SecretStorage in the
 * extension, WSWB_SECRET_<NAME> environment variables in the CLI). Unresolved references are
 * reported before connecting and are never sent literally; secret values are tracked so `redact`
 * can mask them in anything exported or logged.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ConnectionOptions } from '../engine/connection';
import { hexToBytes } from '../protocol/hexdump';
import { CollectionError } from './types';
import type { Collection, MessageDef, RequestDef, VariableMap } from './types';
import { REFERENCE, referenceKey, referencesIn, replaceReferences } from './references';

export { referencesIn };

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
  /** Strings to mask in exports and logs: secret values and their encoded forms. */
  secretValues: string[];
}

/** Replacement for secret values in exported or logged data. */
export const REDACTED = '••••';

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
  const values: Record<string, string> = {};
  const sources: Record<string, VariableSource> = {};
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
    if (Object.prototype.hasOwnProperty.call(values, key)) return values[key];
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
        let out = '';
        let last = 0;
        let failed = false;
        for (const m of raw.matchAll(REFERENCE)) {
          const inner = referenceKey(m[1], m[2]!);
          const v = await resolveKey(inner, [...stack, key]);
          if (v === undefined) failed = true;
          out += raw.slice(last, m.index) + (v ?? '');
          last = m.index! + m[0].length;
        }
        if (failed) {
          unresolved.add(key);
          return undefined;
        }
        values[key] = out + raw.slice(last);
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

  // Encoded forms a secret takes on the wire: URL-encoded in queries, base64 inside Basic auth.
  const resolvedSecretList = [...secretValues];
  const containsSecret = (s: string) => resolvedSecretList.some((v) => s.includes(v));
  for (const v of resolvedSecretList) {
    const enc = encodeURIComponent(v);
    if (enc !== v) secretValues.add(enc);
  }
  if (request.auth?.type === 'basic') {
    const user = trySubstitute(request.auth.username, values);
    const pass = trySubstitute(request.auth.password, values);
    if (user !== undefined && pass !== undefined && (containsSecret(user) || containsSecret(pass))) {
      secretValues.add(Buffer.from(`${user}:${pass}`, 'utf8').toString('base64'));
    }
  }

  const ok = errors.length === 0 && unresolved.size === 0;
  // Longest first, so a secret containing another is masked whole.
  const secretList = [...secretValues].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return { ok, values, sources, unresolved: [...unresolved], errors, secretValues: secretList };
}

/** The value of `key`, never one inherited from Object.prototype (`{{constructor}}` is a valid name). */
function valueOf(values: Record<string, string>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : undefined;
}

function trySubstitute(text: string, values: Record<string, string>): string | undefined {
  let failed = false;
  const out = replaceReferences(text, (key) => {
    const v = valueOf(values, key);
    if (v === undefined) failed = true;
    return v;
  });
  return failed ? undefined : out;
}

/** Replaces every reference in `text`; throws WSWB_UNRESOLVED_VARIABLE rather than send one literally. */
export function substitute(text: string, resolved: Pick<ResolvedVariables, 'values'>): string {
  const missing: string[] = [];
  const out = replaceReferences(text, (key) => {
    const v = valueOf(resolved.values, key);
    if (v === undefined) missing.push(key);
    return v;
  });
  if (missing.length) {
    throw new CollectionError('WSWB_UNRESOLVED_VARIABLE', `unresolved variables: ${[...new Set(missing)].join(', ')}`, { names: [...new Set(missing)] });
  }
  return out;
}

function substituteDeep(v: unknown, resolved: Pick<ResolvedVariables, 'values'>): unknown {
  if (typeof v === 'string') return substitute(v, resolved);
  if (Array.isArray(v)) return v.map((x) => substituteDeep(x, resolved));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[substitute(k, resolved)] = substituteDeep(x, resolved);
    return out;
  }
  return v;
}

/** The request with every reference replaced (throws WSWB_UNRESOLVED_VARIABLE if any is left). */
export function resolveRequest(request: RequestDef, resolved: Pick<ResolvedVariables, 'values'>): RequestDef {
  const { variables: _vars, ...rest } = request;
  return substituteDeep(rest, resolved) as RequestDef;
}

/**
 * Deep copy of `value` with every secret value masked: in string values, and inside byte arrays
 * (a message that carried a token must not leak it into a transcript or HAR). Object keys are kept,
 * so a short secret cannot rename fields. Accepts a ResolvedVariables or a list of values.
 */
export function redact<T>(value: T, secrets: Pick<ResolvedVariables, 'secretValues'> | readonly string[]): T {
  const list = (Array.isArray(secrets) ? [...(secrets as readonly string[])] : [...(secrets as Pick<ResolvedVariables, 'secretValues'>).secretValues])
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length);
  if (!list.length) return value;
  const mask = (s: string) => {
    let out = s;
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
  const needles = list.map((x) => Buffer.from(x, 'utf8'));
  const maskBytes = (u: Uint8Array): Uint8Array => redactBytes(u, needles);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return mask(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Uint8Array) return maskBytes(v);
    if (v instanceof RegExp || v instanceof Date) return v;
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

const REDACTED_BYTES = Buffer.from(REDACTED, 'utf8');

/** Replaces every occurrence of the needles in `u` with the UTF-8 of ••••; returns `u` itself when none occurs. */
export function redactBytes(u: Uint8Array, needles: readonly Uint8Array[]): Uint8Array {
  let buf = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  let changed = false;
  for (const n of needles) {
    if (!n.length || buf.indexOf(n) < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = buf.indexOf(n); at >= 0; at = buf.indexOf(n, from)) {
      parts.push(buf.subarray(from, at), REDACTED_BYTES);
      from = at + n.length;
    }
    parts.push(buf.subarray(from));
    buf = Buffer.concat(parts);
    changed = true;
  }
  return changed ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : u;
}

/** How TLS files named in a request are read (relative to the collection file). */
export interface FileAccess {
  baseDir?: string;
  readFile?: (file: string) => Uint8Array;
}

/** Maps a saved request, with its variables resolved, to the engine's ConnectionOptions. */
export function toConnectionOptions(request: RequestDef, resolved: Pick<ResolvedVariables, 'values'>, files: FileAccess = {}): ConnectionOptions {
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
    const read = (f: string): Uint8Array => {
      const full = path.resolve(files.baseDir ?? process.cwd(), f);
      try {
        return (files.readFile ?? readFileSync)(full);
      } catch (err) {
        throw new CollectionError('WSWB_TLS_FILE', `cannot read TLS file ${full}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: full });
      }
    };
    const t = r.tls;
    const tls: NonNullable<ConnectionOptions['tls']> = {};
    if (t.rejectUnauthorized !== undefined) tls.rejectUnauthorized = t.rejectUnauthorized;
    if (t.ca !== undefined) tls.ca = t.ca;
    if (t.cert !== undefined) tls.cert = t.cert;
    if (t.key !== undefined) tls.key = t.key;
    if (t.caFile) tls.ca = read(t.caFile);
    if (t.certFile) tls.cert = read(t.certFile);
    if (t.keyFile) tls.key = read(t.keyFile);
    if (t.pfxFile) tls.pfx = read(t.pfxFile);
    if (t.passphrase !== undefined) tls.passphrase = t.passphrase;
    o.tls = tls;
  }
  return o;
}

/** What a named message sends: text or bytes, references replaced. */
export function messagePayload(message: MessageDef, resolved: Pick<ResolvedVariables, 'values'>): { binary: false; text: string } | { binary: true; data: Uint8Array } {
  switch (message.kind) {
    case 'text':
      return { binary: false, text: substitute(String(message.data ?? ''), resolved) };
    case 'json':
      return { binary: false, text: JSON.stringify(substituteDeep(message.data ?? null, resolved)) };
    case 'binary': {
      if (message.hex !== undefined) {
        try {
          return { binary: true, data: hexToBytes(substitute(message.hex, resolved)) };
        } catch (err) {
          if (err instanceof CollectionError) throw err;
          throw new CollectionError('WSWB_BAD_BINARY', `message "${message.name}": ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const b64 = substitute(message.base64 ?? '', resolved).replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) {
        throw new CollectionError('WSWB_BAD_BINARY', `message "${message.name}": base64 is malformed`);
      }
      return { binary: true, data: new Uint8Array(Buffer.from(b64, 'base64')) };
    }
  }
}
