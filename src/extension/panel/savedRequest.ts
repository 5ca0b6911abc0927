/**
 * The collection request behind a panel: reading it (with its named messages), mapping it to and
 * from the request composer's options, and saving composer edits back through the collections core
 * (jsonc edits that keep formatting, atomic write, refusing files that do not validate). No `vscode`
 * import: unit-tested in plain Node.
 */
import { addMessage, addRequest, updateMessage, updateRequest } from '../../core/collections/edit';
import { editCollectionFile, readCollectionFile } from '../../core/collections/fsio';
import { parseCollection } from '../../core/collections/parse';
import { CollectionError, type MessageDef, type RequestDef } from '../../core/collections/types';
import type { RequestOptions, SavedMessage, SavedRequestInfo } from '../../shared/contract';
import { CodedError } from '../../core/errors';

/** Where a panel's request lives. */
export interface RequestSource {
  file: string;
  request: string;
}

const isRef = (s: string) => /^\s*\{\{[^{}]+\}\}\s*$/.test(s);

/** The composer's options for a saved request (references kept as written; the panel substitutes them on connect). */
export function requestDefToOptions(d: RequestDef): RequestOptions {
  const r: RequestOptions = { url: d.url };
  if (d.query && Object.keys(d.query).length) {
    // The composer has no query table: append it to the URL as written.
    const q = Object.entries(d.query).map(([k, val]) => `${encodeURIComponent(k)}=${val.includes('{{') ? val : encodeURIComponent(val)}`).join('&');
    r.url += (r.url.includes('?') ? '&' : '?') + q;
  }
  if (d.headers && Object.keys(d.headers).length) r.headers = Object.entries(d.headers);
  if (d.subprotocols?.length) r.subprotocols = [...d.subprotocols];
  if (d.origin) r.origin = d.origin;
  if (d.auth?.type === 'basic') r.auth = { type: 'basic', username: d.auth.username, password: d.auth.password };
  else if (d.auth?.type === 'bearer') r.auth = { type: 'bearer', token: d.auth.token };
  if (d.deflate !== undefined) r.deflate = d.deflate;
  if (d.handshakeTimeoutMs !== undefined) r.handshakeTimeoutMs = d.handshakeTimeoutMs;
  if (d.maxPayload !== undefined) r.maxPayload = d.maxPayload;
  if (d.followRedirects !== undefined) r.followRedirects = d.followRedirects;
  if (d.tls) {
    const t: NonNullable<RequestOptions['tls']> = {};
    if (d.tls.rejectUnauthorized !== undefined) t.rejectUnauthorized = d.tls.rejectUnauthorized;
    if (d.tls.ca) t.ca = d.tls.ca;
    if (d.tls.cert) t.cert = d.tls.cert;
    if (d.tls.key) t.key = d.tls.key;
    if (d.tls.passphrase) t.passphrase = d.tls.passphrase;
    r.tls = t;
  }
  if (d.proxy) r.proxy = d.proxy;
  if (d.noProxy) r.noProxy = d.noProxy;
  if (d.keepAlive?.pingIntervalMs !== undefined) r.pingIntervalMs = d.keepAlive.pingIntervalMs;
  if (d.keepAlive?.autoPong !== undefined) r.autoPong = d.keepAlive.autoPong;
  if (d.reconnect) {
    r.reconnect = { enabled: d.reconnect.enabled };
    if (d.reconnect.initialDelayMs !== undefined) r.reconnect.initialDelayMs = d.reconnect.initialDelayMs;
    if (d.reconnect.maxDelayMs !== undefined) r.reconnect.maxDelayMs = d.reconnect.maxDelayMs;
    if (d.reconnect.maxAttempts !== undefined) r.reconnect.maxAttempts = d.reconnect.maxAttempts;
    if (d.reconnect.queue !== undefined) r.queueWhileReconnecting = d.reconnect.queue;
  }
  if (d.variables && Object.keys(d.variables).length) r.variables = { ...d.variables };
  return r;
}

/** Fields of a RequestDef the composer edits (the others, e.g. messages, caFile, query, are kept). */
const COMPOSER_KEYS = ['url', 'headers', 'subprotocols', 'origin', 'auth', 'deflate', 'handshakeTimeoutMs', 'maxPayload', 'followRedirects', 'proxy', 'noProxy', 'keepAlive', 'reconnect', 'variables'] as const;

/**
 * The saved request for the composer's options, over `existing` (its messages, description and the
 * fields the composer does not show survive). Secrets never go into the file: a password, token or
 * client key must be a `{{secret:name}}` (or other) reference, else WSWB_PANEL_SECRET_IN_FILE.
 */
export function optionsToRequestDef(name: string, r: RequestOptions, existing?: RequestDef): RequestDef {
  const d: RequestDef = { ...(existing ?? { name, url: r.url }), name };
  for (const k of COMPOSER_KEYS) delete (d as unknown as Record<string, unknown>)[k];
  if (existing?.query) {
    // The query is shown appended to the URL; saving keeps it in the URL only.
    delete d.query;
  }
  d.url = r.url;
  if (r.headers?.length) d.headers = Object.fromEntries(r.headers.filter(([k]) => k.trim()));
  if (r.subprotocols?.length) d.subprotocols = [...r.subprotocols];
  if (r.origin) d.origin = r.origin;
  const secret = (what: string, v: string) => {
    if (v && !isRef(v)) throw new CodedError('WSWB_PANEL_SECRET_IN_FILE', `The ${what} would be written into the collection file in clear: use a reference such as {{secret:name}} (WebSocket: Set Secret…)`);
  };
  if (r.auth?.type === 'basic') {
    secret('password', r.auth.password);
    d.auth = { type: 'basic', username: r.auth.username, password: r.auth.password };
  } else if (r.auth?.type === 'bearer') {
    secret('token', r.auth.token);
    d.auth = { type: 'bearer', token: r.auth.token };
  }
  if (r.deflate !== undefined) d.deflate = r.deflate;
  if (r.handshakeTimeoutMs) d.handshakeTimeoutMs = r.handshakeTimeoutMs;
  if (r.maxPayload) d.maxPayload = r.maxPayload;
  if (r.followRedirects !== undefined) d.followRedirects = r.followRedirects;
  if (r.tls) {
    const t = { ...(existing?.tls ?? {}) };
    delete t.rejectUnauthorized;
    delete t.ca;
    delete t.cert;
    delete t.key;
    delete t.passphrase;
    if (r.tls.rejectUnauthorized !== undefined) t.rejectUnauthorized = r.tls.rejectUnauthorized;
    if (r.tls.ca) t.ca = r.tls.ca;
    if (r.tls.cert) t.cert = r.tls.cert;
    if (r.tls.key) {
      secret('client key', r.tls.key);
      t.key = r.tls.key;
    }
    if (r.tls.passphrase) {
      secret('key passphrase', r.tls.passphrase);
      t.passphrase = r.tls.passphrase;
    }
    if (Object.keys(t).length) d.tls = t;
    else delete d.tls;
  }
  if (r.proxy) d.proxy = r.proxy;
  if (r.noProxy) d.noProxy = r.noProxy;
  if (r.pingIntervalMs || r.autoPong !== undefined) {
    d.keepAlive = {};
    if (r.pingIntervalMs) d.keepAlive.pingIntervalMs = r.pingIntervalMs;
    if (r.autoPong !== undefined) d.keepAlive.autoPong = r.autoPong;
  }
  if (r.reconnect) {
    d.reconnect = { ...(existing?.reconnect ?? {}), enabled: r.reconnect.enabled };
    for (const k of ['initialDelayMs', 'maxDelayMs', 'maxAttempts'] as const) {
      if (r.reconnect[k] !== undefined) d.reconnect[k] = r.reconnect[k];
      else delete d.reconnect[k];
    }
    if (r.queueWhileReconnecting !== undefined) d.reconnect.queue = r.queueWhileReconnecting;
    else delete d.reconnect.queue;
  }
  if (r.variables && Object.keys(r.variables).length) d.variables = { ...r.variables };
  return d;
}

/** A named message as the composer shows it. */
export function toSavedMessage(m: MessageDef): SavedMessage {
  const s: SavedMessage = { name: m.name, kind: m.kind };
  if (m.description) s.description = m.description;
  if (m.kind === 'text') s.text = String(m.data ?? '');
  else if (m.kind === 'json') s.text = JSON.stringify(m.data ?? null, null, 2);
  else if (m.hex !== undefined) s.hex = m.hex;
  else s.base64 = m.base64 ?? '';
  return s;
}

/** The collection's message for what the composer saves (over `existing`: its expectations survive). */
export function fromSavedMessage(s: SavedMessage, existing?: MessageDef): MessageDef {
  const name = s.name.trim();
  if (!name) throw new CodedError('WSWB_PANEL_BAD_MESSAGE', 'Give the message a name');
  const m: MessageDef = { ...(existing ?? {}), name, kind: s.kind };
  delete m.data;
  delete m.hex;
  delete m.base64;
  if (s.description !== undefined) m.description = s.description;
  if (s.kind === 'text') m.data = s.text ?? '';
  else if (s.kind === 'json') {
    try {
      m.data = JSON.parse(s.text ?? 'null');
    } catch (err) {
      // `{{name}}` in a value position is not JSON: the file stores JSON values, so quote it or save as text.
      throw new CodedError('WSWB_PANEL_BAD_JSON', `Not saved: the JSON does not parse (${(err as Error).message}); quote {{variables}} or save it as text`);
    }
  } else if (s.hex !== undefined) m.hex = s.hex;
  else m.base64 = s.base64 ?? '';
  return m;
}

/** Reads the request and its messages; a problem becomes `error` (never throws on content or I/O). */
export async function readSavedRequest(src: RequestSource, label: string): Promise<SavedRequestInfo & { def?: RequestDef }> {
  const base = { file: src.file, request: src.request, label, messages: [] as SavedMessage[] };
  const res = await readCollectionFile(src.file);
  if (!res.ok || !res.collection) {
    const e = res.errors[0];
    return { ...base, error: { code: e?.code ?? 'WSWB_REFUSE_WRITE_INVALID', message: e ? `${e.message} (line ${e.line}, column ${e.column})` : 'the file does not validate' } };
  }
  const def = res.collection.requests?.find((r) => r.name === src.request);
  if (!def) return { ...base, error: { code: 'WSWB_REQUEST_NOT_FOUND', message: `no request named "${src.request}" in ${label}` } };
  return { ...base, messages: (def.messages ?? []).map(toSavedMessage), def };
}

/** Writes the composer's options into the request `src.request` of `src.file` (adding it when `create`). */
export async function saveRequestOptions(src: RequestSource, options: RequestOptions, opts: { create?: boolean } = {}): Promise<void> {
  await editCollectionFile(src.file, (text) => {
    const current = findRequest(text, src.file, src.request);
    if (current) return updateRequest(text, src.request, optionsToRequestDef(src.request, options, current));
    if (!opts.create) throw new CollectionError('WSWB_REQUEST_NOT_FOUND', `no request named "${src.request}"`);
    return addRequest(text, optionsToRequestDef(src.request, options));
  });
}

/** Adds or replaces (`previousName`) a named message of `src`. */
export async function saveNamedMessage(src: RequestSource, message: SavedMessage, previousName?: string): Promise<void> {
  await editCollectionFile(src.file, (text) => {
    const current = findRequest(text, src.file, src.request);
    if (!current) throw new CollectionError('WSWB_REQUEST_NOT_FOUND', `no request named "${src.request}"`);
    const old = previousName !== undefined ? current.messages?.find((m) => m.name === previousName) : undefined;
    if (previousName !== undefined && old) return updateMessage(text, src.request, previousName, fromSavedMessage(message, old));
    const same = current.messages?.find((m) => m.name === message.name.trim());
    // Saving under an existing name replaces that message (the composer shows it as editing).
    if (same) return updateMessage(text, src.request, same.name, fromSavedMessage(message, same));
    return addMessage(text, src.request, fromSavedMessage(message));
  });
}

function findRequest(text: string, file: string, name: string): RequestDef | undefined {
  // editCollectionFile validated `text` already; parse again only to find the request.
  return parseCollection(text, file).collection?.requests?.find((r) => r.name === name);
}
