/**
 * The request composer: it edits a RequestDraft, the collection's request without name and
 * messages (src/core/collections/types.ts), the same object the host saves into the file and
 * resolves into connection options. Each control is one entry of FIELDS: how a draft shows in it
 * and how an edit goes back. `value()` starts from the draft last set and writes back only the
 * controls whose content the user changed, so fields the form does not show (description, a
 * reconnect jitter) and values it would normalise (`deflate: false`, spacing) survive a round trip.
 */
import type { RequestDraft } from '../src/shared/contract';
import { withoutSecrets } from '../src/core/collections/request';
import { startsWithReference, VARIABLE_NAME, withPlaceholders } from '../src/core/collections/template';
import type { ComposerDeps } from './composer';
import { button, checkbox, field, h, input, select, textarea } from './dom';
import { ProtocolSettings, withoutProtocolSecrets } from './protocolSettings';

/** Checks a ws:// or wss:// URL; `{{variables}}` count as valid text. */
export function validateUrl(url: string): string | undefined {
  const u = url.trim();
  if (!u) return 'Enter a ws:// or wss:// URL';
  if (startsWithReference(u)) return undefined; // the whole origin is a variable
  let parsed: URL;
  try {
    parsed = new URL(withPlaceholders(u, 'x'));
  } catch {
    return 'Not a valid URL';
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return 'The URL must start with ws:// or wss://';
  return undefined;
}

type Draft = RequestDraft;
type Tls = NonNullable<Draft['tls']>;
type Reconnect = NonNullable<Draft['reconnect']>;
type KeepAlive = NonNullable<Draft['keepAlive']>;

/** One control: what it shows for a draft, and how its content goes back into one. */
interface Field<T> {
  show(d: Draft): T;
  put(d: Draft, v: T): void;
  read(): T;
  write(v: T): void;
}

/** A field with its value type erased: load a draft into the control; store the control into a draft if the user changed it. */
interface Control {
  load(d: Draft): void;
  store(base: Draft, into: Draft): void;
}
function control<T>(f: Field<T>): Control {
  return {
    load: (d) => f.write(f.show(d)),
    store: (base, into) => {
      const v = f.read();
      if (JSON.stringify(v) !== JSON.stringify(f.show(base))) f.put(into, v);
    },
  };
}

const tls = (d: Draft): Tls => (d.tls ??= {});
const keepAlive = (d: Draft): KeepAlive => (d.keepAlive ??= {});
const reconnect = (d: Draft): Reconnect => (d.reconnect ??= { enabled: false });

/** `name=value` lines (variables, query): shown one per line, read back the same way. */
function linesOf(m: Record<string, string> | undefined): string {
  return Object.entries(m ?? {}).map(([k, v]) => `${k}=${v}`).join('\n');
}
function parseLines(text: string, name: (k: string) => boolean): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([^=]*?)\s*=(.*)$/.exec(line);
    if (m && m[1] && name(m[1])) out[m[1]] = m[2]!.trim();
  }
  return Object.keys(out).length ? out : undefined;
}
/** Sets `o[k]`, or deletes it when `v` is undefined (the file has no empty fields). */
function setOrDelete<O extends object, K extends keyof O>(o: O, k: K, v: O[K] | undefined): void {
  if (v === undefined) delete o[k];
  else o[k] = v;
}
const text = (s: string): string | undefined => (s.trim() ? s : undefined);
const num = (s: string): number | undefined => (s.trim() === '' || !Number.isFinite(Number(s)) ? undefined : Math.max(0, Math.floor(Number(s))));
const numText = (n: number | undefined): string => (n === undefined ? '' : String(n));

export class RequestComposer {
  readonly bar: HTMLDivElement;
  readonly options: HTMLDivElement;
  readonly url = input({ id: 'url', placeholder: 'wss://example.com/socket — {{variables}} allowed', 'aria-label': 'WebSocket URL' });
  readonly connectBtn = button('Connect', { icon: 'plug', primary: true, id: 'connect' });
  readonly disconnectBtn = button('Disconnect', { icon: 'debug-disconnect', id: 'disconnect' });
  readonly optionsBtn = button('Options', { icon: 'settings', id: 'options-toggle' });
  readonly saveBtn = button('Save request', { icon: 'save', id: 'save-request', iconOnly: true, title: 'Save the request to a collection' });
  readonly loadBtn = button('Load request…', { icon: 'folder-opened', id: 'load-request', iconOnly: true, title: 'Load a saved request' });
  private readonly urlError = h('div', { class: 'error', id: 'url-error', role: 'alert' });
  private readonly headersBox = h('div', { class: 'headers-table', role: 'table', 'aria-label': 'Headers' });
  private readonly subprotocols = input({ id: 'subprotocols', placeholder: 'graphql-transport-ws, v2.example' });
  private readonly origin = input({ id: 'origin', placeholder: 'https://app.example.com' });
  private readonly authType = select([['none', 'None'], ['basic', 'Basic'], ['bearer', 'Bearer token']], { id: 'auth-type' });
  private readonly authUser = input({ id: 'auth-user', placeholder: 'user' });
  private readonly authPass = input({ id: 'auth-pass', type: 'password', placeholder: 'password or {{secret:name}}' });
  private readonly authToken = input({ id: 'auth-token', type: 'password', placeholder: 'token or {{secret:name}}' });
  private readonly query = textarea({ id: 'query', rows: '2', placeholder: 'name=value, one per line; appended to the URL' });
  private readonly deflate = checkbox('permessage-deflate', { id: 'deflate' });
  private readonly rejectUnauthorized = checkbox('Verify TLS certificates', { id: 'tls-verify', checked: true });
  private readonly ca = textarea({ id: 'tls-ca', rows: '2', placeholder: '-----BEGIN CERTIFICATE----- (optional CA)' });
  private readonly cert = textarea({ id: 'tls-cert', rows: '2', placeholder: 'client certificate PEM (optional)' });
  private readonly key = textarea({ id: 'tls-key', rows: '2', placeholder: 'client key PEM or {{secret:name}} (optional)' });
  private readonly caFile = input({ id: 'tls-ca-file', placeholder: 'certs/ca.pem (relative to the collection)' });
  private readonly certFile = input({ id: 'tls-cert-file', placeholder: 'certs/client.pem' });
  private readonly keyFile = input({ id: 'tls-key-file', placeholder: 'certs/client.key' });
  private readonly pfxFile = input({ id: 'tls-pfx-file', placeholder: 'certs/client.p12' });
  private readonly passphrase = input({ id: 'tls-passphrase', type: 'password', placeholder: '{{secret:name}}' });
  private readonly proxy = input({ id: 'proxy', placeholder: 'env (default), none, or http://proxy:3128' });
  private readonly noProxy = input({ id: 'no-proxy', placeholder: 'localhost,.internal' });
  private readonly handshakeTimeout = input({ id: 'handshake-timeout', type: 'number', min: '0', placeholder: '10000' });
  private readonly maxPayload = input({ id: 'max-payload', type: 'number', min: '0', placeholder: '104857600' });
  private readonly followRedirects = checkbox('Follow redirects', { id: 'follow-redirects' });
  private readonly maxRedirects = input({ id: 'max-redirects', type: 'number', min: '0', placeholder: '10' });
  private readonly pingInterval = input({ id: 'ping-interval', type: 'number', min: '0', placeholder: 'off' });
  private readonly autoPong = checkbox('Answer pings (auto-pong)', { id: 'auto-pong', checked: true });
  private readonly reconnect = checkbox('Reconnect automatically', { id: 'reconnect' });
  private readonly reconnectInitial = input({ id: 'reconnect-initial', type: 'number', min: '0', placeholder: '500' });
  private readonly reconnectMax = input({ id: 'reconnect-max', type: 'number', min: '0', placeholder: '30000' });
  private readonly reconnectAttempts = input({ id: 'reconnect-attempts', type: 'number', min: '0', placeholder: '∞' });
  private readonly queue = checkbox('Queue sends while reconnecting', { id: 'queue' });
  private readonly variables = textarea({ id: 'variables', rows: '3', placeholder: 'name=value, one per line; use as {{name}}' });
  /** Protocol, protocol options and auto-answer (protocolSettings.ts). */
  readonly protocol = new ProtocolSettings();
  /** The draft last set: `value()` starts from it. */
  private base: Draft = { url: '' };
  private readonly controls: Control[];

  constructor(private readonly deps: ComposerDeps) {
    this.url.addEventListener('input', () => {
      this.validate();
      deps.changed();
    });
    this.url.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.submit();
    });
    this.connectBtn.addEventListener('click', () => this.submit());
    this.disconnectBtn.addEventListener('click', () => deps.disconnect(1000, ''));
    this.optionsBtn.setAttribute('aria-expanded', 'false');
    this.optionsBtn.addEventListener('click', () => this.toggleOptions());
    this.saveBtn.addEventListener('click', () => deps.saveRequest?.(this.value()));
    this.loadBtn.addEventListener('click', () => deps.loadRequest?.());
    this.bar = h('div', { class: 'url-bar' }, this.url, this.connectBtn, this.disconnectBtn, this.optionsBtn, this.saveBtn, this.loadBtn);
    const addHeader = button('Add header', { icon: 'add', id: 'add-header' });
    addHeader.addEventListener('click', () => {
      this.addHeaderRow('', '');
      deps.changed();
    });
    this.authType.addEventListener('change', () => this.syncAuth());
    const auth = h('div', { class: 'auth' }, field('Auth', this.authType), field('Username', this.authUser), field('Password', this.authPass), field('Token', this.authToken));
    this.options = h('div', { class: 'request-options', id: 'request-options', hidden: true },
      h('div', { class: 'opt-col' },
        h('h3', { text: 'Headers' }), this.headersBox, addHeader,
        field('Subprotocols', this.subprotocols, { hint: 'comma separated' }),
        field('Origin', this.origin),
        auth,
        field('Query', this.query),
        field('Variables', this.variables, { hint: 'merged over the active environment' }),
      ),
      h('div', { class: 'opt-col' },
        h('h3', { text: 'Transport' }),
        this.deflate.label, this.followRedirects.label, field('Max redirects', this.maxRedirects),
        field('Handshake timeout (ms)', this.handshakeTimeout), field('Max payload (bytes)', this.maxPayload),
        field('Proxy', this.proxy), field('No proxy for', this.noProxy),
        h('h3', { text: 'TLS' }), this.rejectUnauthorized.label, field('CA', this.ca), field('Client certificate', this.cert), field('Client key', this.key),
        field('CA file', this.caFile), field('Client certificate file', this.certFile), field('Client key file', this.keyFile), field('PFX file', this.pfxFile), field('Key passphrase', this.passphrase),
      ),
      h('div', { class: 'opt-col' },
        h('h3', { text: 'Keep-alive' }), field('Ping every (ms)', this.pingInterval), this.autoPong.label,
        h('h3', { text: 'Reconnect' }), this.reconnect.label, field('First delay (ms)', this.reconnectInitial), field('Max delay (ms)', this.reconnectMax), field('Max attempts', this.reconnectAttempts), this.queue.label,
        this.protocol.el,
      ),
    );
    this.options.addEventListener('input', () => deps.changed());
    this.options.addEventListener('change', () => deps.changed());
    this.controls = this.makeControls();
    this.syncAuth();
    this.validate();
  }

  /** The form, control by control (see the file comment). */
  private makeControls(): Control[] {
    const str = (el: { value: string }, show: (d: Draft) => string | undefined, put: (d: Draft, v: string) => void) => control<string>({
      show: (d) => show(d) ?? '', put, read: () => el.value, write: (v) => (el.value = v),
    });
    const box = (el: { box: { checked: boolean } }, show: (d: Draft) => boolean, put: (d: Draft, v: boolean) => void) => control<boolean>({
      show, put, read: () => el.box.checked, write: (v) => (el.box.checked = v),
    });
    const tlsText = (el: { value: string }, k: 'ca' | 'cert' | 'key' | 'caFile' | 'certFile' | 'keyFile' | 'pfxFile' | 'passphrase') =>
      str(el, (d) => d.tls?.[k], (d, v) => setOrDelete(tls(d), k, text(v)));
    const reconnectNum = (el: { value: string }, k: 'initialDelayMs' | 'maxDelayMs' | 'maxAttempts') =>
      str(el, (d) => numText(d.reconnect?.[k]), (d, v) => setOrDelete(reconnect(d), k, num(v)));
    const topNum = (el: { value: string }, k: 'handshakeTimeoutMs' | 'maxPayload' | 'maxRedirects') =>
      str(el, (d) => numText(d[k]), (d, v) => setOrDelete(d, k, num(v)));
    const headers = control<Array<[string, string]>>({
      show: (d) => Object.entries(d.headers ?? {}),
      put: (d, rows) => setOrDelete(d, 'headers', rows.some(([k]) => k.trim()) ? Object.fromEntries(rows.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), v])) : undefined),
      read: () => [...this.headersBox.querySelectorAll('.h-row')].map((row) => [(row.querySelector('.h-name') as unknown as { value: string }).value, (row.querySelector('.h-value') as unknown as { value: string }).value] as [string, string]),
      write: (rows) => {
        this.headersBox.replaceChildren();
        for (const [k, v] of rows) this.addHeaderRow(k, v);
      },
    });
    const auth = control<[string, string, string, string]>({
      show: (d) => [d.auth?.type ?? 'none', d.auth?.type === 'basic' ? d.auth.username : '', d.auth?.type === 'basic' ? d.auth.password : '', d.auth?.type === 'bearer' ? d.auth.token : ''],
      put: (d, [type, username, password, token]) => setOrDelete(d, 'auth', type === 'basic' ? { type, username, password } : type === 'bearer' ? { type, token } : undefined),
      read: () => [this.authType.value, this.authUser.value, this.authPass.value, this.authToken.value],
      write: ([type, user, pass, token]) => {
        this.authType.value = type;
        this.authUser.value = user;
        this.authPass.value = pass;
        this.authToken.value = token;
      },
    });
    return [
      str(this.url, (d) => d.url, (d, v) => (d.url = v.trim())),
      headers,
      str(this.subprotocols, (d) => d.subprotocols?.join(', '), (d, v) => {
        const list = v.split(',').map((s) => s.trim()).filter(Boolean);
        setOrDelete(d, 'subprotocols', list.length ? list : undefined);
      }),
      str(this.origin, (d) => d.origin, (d, v) => setOrDelete(d, 'origin', text(v)?.trim())),
      auth,
      str(this.query, (d) => linesOf(d.query), (d, v) => setOrDelete(d, 'query', parseLines(v, () => true))),
      str(this.variables, (d) => linesOf(d.variables), (d, v) => setOrDelete(d, 'variables', parseLines(v, (k) => VARIABLE_NAME.test(k)))),
      box(this.deflate, (d) => !!d.deflate, (d, v) => (d.deflate = v)),
      box(this.followRedirects, (d) => !!d.followRedirects, (d, v) => (d.followRedirects = v)),
      topNum(this.maxRedirects, 'maxRedirects'),
      topNum(this.handshakeTimeout, 'handshakeTimeoutMs'),
      topNum(this.maxPayload, 'maxPayload'),
      str(this.proxy, (d) => d.proxy, (d, v) => setOrDelete(d, 'proxy', text(v)?.trim())),
      str(this.noProxy, (d) => d.noProxy, (d, v) => setOrDelete(d, 'noProxy', text(v)?.trim())),
      box(this.rejectUnauthorized, (d) => d.tls?.rejectUnauthorized !== false, (d, v) => (tls(d).rejectUnauthorized = v)),
      tlsText(this.ca, 'ca'), tlsText(this.cert, 'cert'), tlsText(this.key, 'key'),
      tlsText(this.caFile, 'caFile'), tlsText(this.certFile, 'certFile'), tlsText(this.keyFile, 'keyFile'), tlsText(this.pfxFile, 'pfxFile'), tlsText(this.passphrase, 'passphrase'),
      str(this.pingInterval, (d) => numText(d.keepAlive?.pingIntervalMs), (d, v) => setOrDelete(keepAlive(d), 'pingIntervalMs', num(v))),
      box(this.autoPong, (d) => d.keepAlive?.autoPong !== false, (d, v) => (keepAlive(d).autoPong = v)),
      box(this.reconnect, (d) => !!d.reconnect?.enabled, (d, v) => (reconnect(d).enabled = v)),
      reconnectNum(this.reconnectInitial, 'initialDelayMs'), reconnectNum(this.reconnectMax, 'maxDelayMs'), reconnectNum(this.reconnectAttempts, 'maxAttempts'),
      box(this.queue, (d) => !!d.reconnect?.queue, (d, v) => setOrDelete(reconnect(d), 'queue', v || undefined)),
      ...this.protocol.controls(),
    ];
  }

  toggleOptions(force?: boolean): void {
    const show = force ?? this.options.hidden;
    this.options.hidden = !show;
    this.optionsBtn.setAttribute('aria-expanded', String(show));
  }

  get optionsOpen(): boolean {
    return !this.options.hidden;
  }

  private syncAuth(): void {
    const t = this.authType.value;
    (this.authUser.parentElement as HTMLElement).hidden = t !== 'basic';
    (this.authPass.parentElement as HTMLElement).hidden = t !== 'basic';
    (this.authToken.parentElement as HTMLElement).hidden = t !== 'bearer';
  }

  private addHeaderRow(k: string, val: string): void {
    const name = input({ class: 'h-name', placeholder: 'Header', value: k, 'aria-label': 'Header name' });
    const value = input({ class: 'h-value', placeholder: 'value (may use {{variables}})', value: val, 'aria-label': 'Header value' });
    const remove = button('Remove header', { icon: 'trash', iconOnly: true });
    const row = h('div', { class: 'h-row', role: 'row' }, name, value, remove);
    remove.addEventListener('click', () => {
      row.remove();
      this.deps.changed();
    });
    this.headersBox.append(row);
  }

  /** Returns the error shown, if any. */
  validate(): string | undefined {
    const err = validateUrl(this.url.value);
    this.urlError.textContent = err && this.url.value ? err : '';
    this.url.setAttribute('aria-invalid', String(!!err && !!this.url.value));
    this.connectBtn.disabled = !!err;
    return err;
  }

  get errorEl(): HTMLElement {
    return this.urlError;
  }

  private submit(): void {
    if (this.validate()) {
      this.urlError.textContent = validateUrl(this.url.value) ?? '';
      return;
    }
    this.deps.connect(this.value());
  }

  /** The request as edited: the draft last set, with the controls the user changed written back. */
  value(): Draft {
    const d = structuredClone(this.base);
    for (const c of this.controls) c.store(this.base, d);
    if (d.tls && !Object.keys(d.tls).length) delete d.tls;
    if (d.keepAlive && !Object.keys(d.keepAlive).length) delete d.keepAlive;
    if (!this.base.reconnect && d.reconnect && !d.reconnect.enabled && Object.keys(d.reconnect).length === 1) delete d.reconnect;
    return d;
  }

  /** The request without literal secrets, for vscode.setState (secrets belong in SecretStorage, not in webview state). */
  persistable(): Draft {
    return withoutProtocolSecrets(withoutSecrets(this.value()));
  }

  setValue(r: Draft): void {
    // Webview state saved before the request model was the collection's kept headers as pairs.
    const headers = r.headers as unknown;
    this.base = structuredClone(Array.isArray(headers) ? { ...r, headers: Object.fromEntries(headers as Array<[string, string]>) } : r);
    for (const c of this.controls) c.load(this.base);
    this.syncAuth();
    this.validate();
  }
}
