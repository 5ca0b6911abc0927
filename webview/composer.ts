/**
 * The request composer (URL with {{variables}}, headers, subprotocols, Origin, auth, TLS, proxy,
 * compression, reconnect, keep-alive) and the message composer (text / JSON / hex / base64 / file;
 * once, N times or every T ms; fragments; ping/pong; close with a named code). Validation happens
 * here, before anything is posted; the host validates again.
 */
import type { OutgoingMessage, RepeatStatus, RequestOptions, SavedMessage } from '../src/shared/contract';
import { CLOSE_CODES, isValidCloseCode } from '../src/core/protocol/closeCodes';
import { hexToBytes } from '../src/core/protocol/hexdump';
import { button, checkbox, field, h, icon, input, select, textarea } from './dom';
import { byteLength, formatSize, fromBase64 } from './format';

export type MessageFormat = 'text' | 'json' | 'hex' | 'base64' | 'file';
export type SendMode = 'once' | 'times' | 'every';

/** What the message composer keeps across reloads. */
export interface MessageDraft {
  format: MessageFormat;
  text: string;
  mode: SendMode;
  count: number;
  everyMs: number;
  fragments: number;
  ctlPayload: string;
  closeCode: string;
  closeReason: string;
}

export const DEFAULT_DRAFT: MessageDraft = { format: 'text', text: '', mode: 'once', count: 10, everyMs: 1000, fragments: 1, ctlPayload: '', closeCode: '1000', closeReason: '' };

/** Checks a ws:// or wss:// URL; `{{variables}}` count as valid text. */
export function validateUrl(url: string): string | undefined {
  const u = url.trim();
  if (!u) return 'Enter a ws:// or wss:// URL';
  const probe = u.replace(/\{\{\s*[\w.:-]+\s*\}\}/g, 'x');
  if (/^\{\{/.test(u)) return undefined; // the whole origin is a variable
  let parsed: URL;
  try {
    parsed = new URL(probe);
  } catch {
    return 'Not a valid URL';
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return 'The URL must start with ws:// or wss://';
  return undefined;
}

/** Parses the message composer's body into what goes to the host, or an error to show. */
export function buildMessage(format: MessageFormat, text: string, file: Uint8Array | undefined, fragments: number): { message: OutgoingMessage } | { error: string } {
  const frag = Number.isInteger(fragments) && fragments >= 1 ? fragments : NaN;
  if (Number.isNaN(frag)) return { error: 'Fragments must be a whole number ≥ 1' };
  const withFrag = (m: OutgoingMessage): OutgoingMessage => (frag > 1 ? { ...m, fragments: frag } : m);
  switch (format) {
    case 'text':
      return { message: withFrag({ text }) };
    case 'json':
      try {
        JSON.parse(text.replace(/\{\{\s*[\w.:-]+\s*\}\}/g, '0'));
      } catch (err) {
        return { error: `Invalid JSON: ${(err as Error).message}` };
      }
      return { message: withFrag({ text }) };
    case 'hex':
      try {
        return { message: withFrag({ data: hexToBytes(text) }) };
      } catch (err) {
        return { error: `Invalid hex: ${(err as Error).message}` };
      }
    case 'base64':
      try {
        return { message: withFrag({ data: fromBase64(text) }) };
      } catch (err) {
        return { error: `Invalid base64: ${(err as Error).message}` };
      }
    case 'file':
      if (!file) return { error: 'Choose a file to send' };
      return { message: withFrag({ data: file }) };
  }
}

/** Ping/pong payload: text, or hex when written as 0x…; at most 125 bytes (RFC 6455 §5.5). */
export function controlPayload(s: string): { payload: Uint8Array } | { error: string } {
  let b: Uint8Array;
  if (/^0x/i.test(s.trim())) {
    try {
      b = hexToBytes(s.trim());
    } catch (err) {
      return { error: `Invalid hex: ${(err as Error).message}` };
    }
  } else b = new TextEncoder().encode(s);
  if (b.length > 125) return { error: `Control payloads are at most 125 bytes (this is ${b.length})` };
  return { payload: b };
}

export interface ComposerDeps {
  connect(options: RequestOptions): void;
  disconnect(code: number, reason: string): void;
  terminate(): void;
  send(message: OutgoingMessage, mode: SendMode, count: number, everyMs: number): void;
  stop(): void;
  control(type: 'ping' | 'pong', payload: Uint8Array): void;
  pickFile(): Promise<{ name: string; data: Uint8Array } | undefined>;
  changed(): void;
  /** Save the request composer's options to a collection request (the panel's, or a new one). */
  saveRequest?(options: RequestOptions): void;
  /** Pick a saved request and load it. */
  loadRequest?(): void;
  /** Save the message composer's content as a named message of the saved request. */
  saveMessage?(message: SavedMessage, previousName: string | undefined): void;
}

/** The named message for what the message composer holds, or an error to show. */
export function toSavedMessage(name: string, format: MessageFormat, text: string, file: Uint8Array | undefined): { message: SavedMessage } | { error: string } {
  const n = name.trim();
  if (!n) return { error: 'Give the message a name' };
  switch (format) {
    case 'text':
      return { message: { name: n, kind: 'text', text } };
    case 'json':
      try {
        JSON.parse(text);
      } catch (err) {
        return { error: `Saved JSON must parse (quote {{variables}} or save as text): ${(err as Error).message}` };
      }
      return { message: { name: n, kind: 'json', text } };
    case 'hex':
      try {
        hexToBytes(text);
      } catch (err) {
        return { error: `Invalid hex: ${(err as Error).message}` };
      }
      return { message: { name: n, kind: 'binary', hex: text.trim() } };
    case 'base64':
      try {
        fromBase64(text);
      } catch (err) {
        return { error: `Invalid base64: ${(err as Error).message}` };
      }
      return { message: { name: n, kind: 'binary', base64: text.replace(/\s+/g, '') } };
    case 'file': {
      if (!file) return { error: 'Choose a file first' };
      let bin = '';
      for (let i = 0; i < file.length; i += 0x8000) bin += String.fromCharCode(...file.subarray(i, i + 0x8000));
      return { message: { name: n, kind: 'binary', base64: btoa(bin) } };
    }
  }
}

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
  private readonly deflate = checkbox('permessage-deflate', { id: 'deflate' });
  private readonly rejectUnauthorized = checkbox('Verify TLS certificates', { id: 'tls-verify', checked: true });
  private readonly ca = textarea({ id: 'tls-ca', rows: '2', placeholder: '-----BEGIN CERTIFICATE----- (optional CA)' });
  private readonly cert = textarea({ id: 'tls-cert', rows: '2', placeholder: 'client certificate PEM (optional)' });
  private readonly key = textarea({ id: 'tls-key', rows: '2', placeholder: 'client key PEM (optional)' });
  private readonly proxy = input({ id: 'proxy', placeholder: 'env (default), none, or http://proxy:3128' });
  private readonly noProxy = input({ id: 'no-proxy', placeholder: 'localhost,.internal' });
  private readonly handshakeTimeout = input({ id: 'handshake-timeout', type: 'number', min: '0', placeholder: '10000' });
  private readonly maxPayload = input({ id: 'max-payload', type: 'number', min: '0', placeholder: '104857600' });
  private readonly followRedirects = checkbox('Follow redirects', { id: 'follow-redirects' });
  private readonly pingInterval = input({ id: 'ping-interval', type: 'number', min: '0', placeholder: 'off' });
  private readonly autoPong = checkbox('Answer pings (auto-pong)', { id: 'auto-pong', checked: true });
  private readonly reconnect = checkbox('Reconnect automatically', { id: 'reconnect' });
  private readonly reconnectInitial = input({ id: 'reconnect-initial', type: 'number', min: '0', placeholder: '500' });
  private readonly reconnectMax = input({ id: 'reconnect-max', type: 'number', min: '0', placeholder: '30000' });
  private readonly reconnectAttempts = input({ id: 'reconnect-attempts', type: 'number', min: '0', placeholder: '∞' });
  private readonly queue = checkbox('Queue sends while reconnecting', { id: 'queue' });
  private readonly variables = textarea({ id: 'variables', rows: '3', placeholder: 'name=value, one per line; use as {{name}}' });

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
        field('Variables', this.variables, { hint: 'merged over the active environment' }),
      ),
      h('div', { class: 'opt-col' },
        h('h3', { text: 'Transport' }),
        this.deflate.label, this.followRedirects.label,
        field('Handshake timeout (ms)', this.handshakeTimeout), field('Max payload (bytes)', this.maxPayload),
        field('Proxy', this.proxy), field('No proxy for', this.noProxy),
        h('h3', { text: 'TLS' }), this.rejectUnauthorized.label, field('CA', this.ca), field('Client certificate', this.cert), field('Client key', this.key),
      ),
      h('div', { class: 'opt-col' },
        h('h3', { text: 'Keep-alive' }), field('Ping every (ms)', this.pingInterval), this.autoPong.label,
        h('h3', { text: 'Reconnect' }), this.reconnect.label, field('First delay (ms)', this.reconnectInitial), field('Max delay (ms)', this.reconnectMax), field('Max attempts', this.reconnectAttempts), this.queue.label,
      ),
    );
    this.options.addEventListener('input', () => deps.changed());
    this.options.addEventListener('change', () => deps.changed());
    this.syncAuth();
    this.validate();
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

  /** The options as edited. */
  value(): RequestOptions {
    const num = (el: { value: string }) => (el.value.trim() === '' ? undefined : Math.max(0, Math.floor(Number(el.value))));
    const r: RequestOptions = { url: this.url.value.trim() };
    const headers = [...this.headersBox.querySelectorAll('.h-row')].map((row) => [(row.querySelector('.h-name') as unknown as { value: string }).value, (row.querySelector('.h-value') as unknown as { value: string }).value] as [string, string]).filter(([k]) => k.trim());
    if (headers.length) r.headers = headers;
    const subs = this.subprotocols.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (subs.length) r.subprotocols = subs;
    if (this.origin.value.trim()) r.origin = this.origin.value.trim();
    if (this.authType.value === 'basic') r.auth = { type: 'basic', username: this.authUser.value, password: this.authPass.value };
    else if (this.authType.value === 'bearer') r.auth = { type: 'bearer', token: this.authToken.value };
    if (this.deflate.box.checked) r.deflate = true;
    if (this.followRedirects.box.checked) r.followRedirects = true;
    const ht = num(this.handshakeTimeout);
    if (ht) r.handshakeTimeoutMs = ht;
    const mp = num(this.maxPayload);
    if (mp) r.maxPayload = mp;
    if (this.proxy.value.trim()) r.proxy = this.proxy.value.trim();
    if (this.noProxy.value.trim()) r.noProxy = this.noProxy.value.trim();
    const tls: NonNullable<RequestOptions['tls']> = {};
    if (!this.rejectUnauthorized.box.checked) tls.rejectUnauthorized = false;
    if (this.ca.value.trim()) tls.ca = this.ca.value;
    if (this.cert.value.trim()) tls.cert = this.cert.value;
    if (this.key.value.trim()) tls.key = this.key.value;
    if (Object.keys(tls).length) r.tls = tls;
    const pi = num(this.pingInterval);
    if (pi) r.pingIntervalMs = pi;
    if (!this.autoPong.box.checked) r.autoPong = false;
    if (this.reconnect.box.checked) {
      r.reconnect = { enabled: true };
      const a = num(this.reconnectInitial);
      const b = num(this.reconnectMax);
      const c = num(this.reconnectAttempts);
      if (a !== undefined) r.reconnect.initialDelayMs = a;
      if (b !== undefined) r.reconnect.maxDelayMs = b;
      if (c !== undefined) r.reconnect.maxAttempts = c;
    }
    if (this.queue.box.checked) r.queueWhileReconnecting = true;
    const vars: Record<string, string> = {};
    for (const line of this.variables.value.split('\n')) {
      const m = /^\s*([A-Za-z_][\w.:-]*)\s*=(.*)$/.exec(line);
      if (m) vars[m[1]!] = m[2]!.trim();
    }
    if (Object.keys(vars).length) r.variables = vars;
    return r;
  }

  /** The options without secrets, for vscode.setState (secrets belong in SecretStorage, not in webview state). */
  persistable(): RequestOptions {
    const r = this.value();
    if (r.auth?.type === 'basic') r.auth = { ...r.auth, password: /^\{\{.*\}\}$/.test(r.auth.password) ? r.auth.password : '' };
    if (r.auth?.type === 'bearer') r.auth = { ...r.auth, token: /^\{\{.*\}\}$/.test(r.auth.token) ? r.auth.token : '' };
    if (r.tls?.key) delete r.tls.key;
    return r;
  }

  setValue(r: RequestOptions): void {
    this.url.value = r.url;
    this.headersBox.replaceChildren();
    for (const [k, v] of r.headers ?? []) this.addHeaderRow(k, v);
    this.subprotocols.value = (r.subprotocols ?? []).join(', ');
    this.origin.value = r.origin ?? '';
    this.authType.value = r.auth?.type ?? 'none';
    this.authUser.value = r.auth?.type === 'basic' ? r.auth.username : '';
    this.authPass.value = r.auth?.type === 'basic' ? r.auth.password : '';
    this.authToken.value = r.auth?.type === 'bearer' ? r.auth.token : '';
    this.deflate.box.checked = !!r.deflate;
    this.followRedirects.box.checked = !!r.followRedirects;
    this.handshakeTimeout.value = r.handshakeTimeoutMs ? String(r.handshakeTimeoutMs) : '';
    this.maxPayload.value = r.maxPayload ? String(r.maxPayload) : '';
    this.proxy.value = r.proxy ?? '';
    this.noProxy.value = r.noProxy ?? '';
    this.rejectUnauthorized.box.checked = r.tls?.rejectUnauthorized !== false;
    this.ca.value = r.tls?.ca ?? '';
    this.cert.value = r.tls?.cert ?? '';
    this.key.value = r.tls?.key ?? '';
    this.pingInterval.value = r.pingIntervalMs ? String(r.pingIntervalMs) : '';
    this.autoPong.box.checked = r.autoPong !== false;
    this.reconnect.box.checked = !!r.reconnect?.enabled;
    this.reconnectInitial.value = r.reconnect?.initialDelayMs !== undefined ? String(r.reconnect.initialDelayMs) : '';
    this.reconnectMax.value = r.reconnect?.maxDelayMs !== undefined ? String(r.reconnect.maxDelayMs) : '';
    this.reconnectAttempts.value = r.reconnect?.maxAttempts !== undefined ? String(r.reconnect.maxAttempts) : '';
    this.queue.box.checked = !!r.queueWhileReconnecting;
    this.variables.value = Object.entries(r.variables ?? {}).map(([k, v]) => `${k}=${v}`).join('\n');
    this.syncAuth();
    this.validate();
  }
}

export class MessageComposer {
  readonly el: HTMLElement;
  readonly format = select([['text', 'Text'], ['json', 'JSON'], ['hex', 'Binary (hex)'], ['base64', 'Binary (base64)'], ['file', 'Binary (file)']], { id: 'msg-format', 'aria-label': 'Message format' });
  readonly body = textarea({ id: 'msg-body', rows: '4', spellcheck: 'false', 'aria-label': 'Message', placeholder: 'Message text — {{variables}} allowed. Ctrl/Cmd+Enter sends.' });
  readonly error = h('div', { class: 'error', id: 'msg-error', role: 'alert' });
  readonly prettyBtn = button('Format', { icon: 'json', id: 'msg-pretty', title: 'Format JSON' });
  readonly fileBtn = button('Choose file…', { icon: 'file', id: 'msg-file' });
  readonly fileInfo = h('span', { class: 'muted', id: 'msg-file-info' });
  readonly mode = select([['once', 'Send once'], ['times', 'Send N times'], ['every', 'Send every T ms']], { id: 'send-mode', 'aria-label': 'Send mode' });
  readonly count = input({ id: 'send-count', type: 'number', min: '1', value: '10', 'aria-label': 'Times' });
  readonly everyMs = input({ id: 'send-every', type: 'number', min: '1', value: '1000', 'aria-label': 'Interval in ms' });
  readonly fragments = input({ id: 'send-fragments', type: 'number', min: '1', value: '1', 'aria-label': 'Fragments' });
  readonly sendBtn = button('Send', { icon: 'send', primary: true, id: 'send', title: 'Send (Ctrl/Cmd+Enter)' });
  readonly stopBtn = button('Stop', { icon: 'debug-stop', id: 'stop' });
  readonly repeatInfo = h('span', { class: 'muted', id: 'repeat-info', 'aria-live': 'polite' });
  readonly ctlPayload = input({ id: 'ctl-payload', placeholder: 'ping/pong payload (text or 0x…)', 'aria-label': 'Ping or pong payload' });
  readonly pingBtn = button('Ping', { icon: 'pulse', id: 'ping' });
  readonly pongBtn = button('Pong', { icon: 'reply', id: 'pong' });
  readonly closeCode = select([...CLOSE_CODES.map((c) => [String(c.code), `${c.code} ${c.name}${isValidCloseCode(c.code) ? '' : ' (not valid on the wire)'}`] as [string, string]), ['custom', 'Custom…']], { id: 'close-code', 'aria-label': 'Close code' });
  readonly closeCustom = input({ id: 'close-custom', type: 'number', min: '0', max: '65535', placeholder: '4000', 'aria-label': 'Custom close code' });
  readonly closeReason = input({ id: 'close-reason', placeholder: 'reason (≤ 123 bytes)', 'aria-label': 'Close reason' });
  readonly closeBtn = button('Close', { icon: 'close', id: 'close' });
  readonly terminateBtn = button('Drop TCP', { icon: 'debug-disconnect', id: 'terminate', title: 'Drop the TCP connection without a closing handshake' });
  readonly ctlError = h('div', { class: 'error', id: 'ctl-error', role: 'alert' });
  readonly saveName = input({ id: 'save-msg-name', placeholder: 'message name', 'aria-label': 'Saved message name' });
  readonly saveMsgBtn = button('Save as message', { icon: 'save', id: 'save-msg', title: 'Save to the request\'s named messages' });
  readonly saveRow: HTMLElement = h('span', { class: 'save-msg', hidden: true }, this.saveName, this.saveMsgBtn);
  /** Name of the saved message loaded for editing (saving under it updates it; another name saves a copy). */
  editing: string | undefined;
  private file: { name: string; data: Uint8Array } | undefined;

  constructor(private readonly deps: ComposerDeps) {
    const onChange = () => {
      this.sync();
      deps.changed();
    };
    for (const el of [this.format, this.mode]) el.addEventListener('change', onChange);
    for (const el of [this.body, this.count, this.everyMs, this.fragments, this.ctlPayload, this.closeReason, this.closeCustom]) el.addEventListener('input', onChange);
    this.closeCode.addEventListener('change', onChange);
    this.prettyBtn.addEventListener('click', () => {
      try {
        this.body.value = JSON.stringify(JSON.parse(this.body.value), null, 2);
      } catch {
        // the error line already says why
      }
      onChange();
    });
    this.fileBtn.addEventListener('click', async () => {
      const f = await deps.pickFile();
      if (f) {
        this.file = f;
        this.fileInfo.textContent = `${f.name} · ${formatSize(f.data.length)}`;
        onChange();
      }
    });
    this.sendBtn.addEventListener('click', () => this.submit());
    this.stopBtn.addEventListener('click', () => deps.stop());
    this.pingBtn.addEventListener('click', () => this.control('ping'));
    this.pongBtn.addEventListener('click', () => this.control('pong'));
    this.closeBtn.addEventListener('click', () => this.close());
    this.terminateBtn.addEventListener('click', () => deps.terminate());
    this.stopBtn.hidden = true;
    // The composer sits at the bottom of the panel: open its dropdowns upwards, into the page.
    for (const s of [this.format, this.mode, this.closeCode]) s.position = 'above';
    const sendRow = h('div', { class: 'send-row' },
      this.format, this.prettyBtn, this.fileBtn, this.fileInfo, this.saveRow,
      h('span', { class: 'spacer' }),
      field('Fragments', this.fragments), this.mode, field('N', this.count), field('Every ms', this.everyMs),
      this.repeatInfo, this.stopBtn, this.sendBtn,
    );
    this.saveMsgBtn.addEventListener('click', () => this.saveAs());
    this.saveName.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.saveAs();
    });
    const ctlRow = h('div', { class: 'ctl-row' },
      icon('pulse'), this.ctlPayload, this.pingBtn, this.pongBtn,
      h('span', { class: 'sep' }),
      this.closeCode, this.closeCustom, this.closeReason, this.closeBtn, this.terminateBtn,
    );
    this.el = h('section', { class: 'composer', 'aria-label': 'Message composer' }, this.body, this.error, sendRow, ctlRow, this.ctlError);
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.submit();
      }
    });
    this.sync();
  }

  /** Current validation; updates the error line and the Send button. */
  sync(): ReturnType<typeof buildMessage> {
    const fmt = this.format.value as MessageFormat;
    this.body.hidden = fmt === 'file';
    this.fileBtn.hidden = this.fileInfo.hidden = fmt !== 'file';
    this.prettyBtn.hidden = fmt !== 'json';
    const mode = this.mode.value as SendMode;
    (this.count.parentElement as HTMLElement).hidden = mode === 'once';
    (this.everyMs.parentElement as HTMLElement).hidden = mode !== 'every';
    const r = buildMessage(fmt, this.body.value, this.file?.data, Number(this.fragments.value || '1'));
    let err = 'error' in r ? r.error : '';
    if (!err && mode !== 'once' && !(Number.isInteger(Number(this.count.value)) && Number(this.count.value) >= 1)) err = 'N must be a whole number ≥ 1';
    if (!err && mode === 'every' && !(Number(this.everyMs.value) >= 1)) err = 'The interval must be at least 1 ms';
    // An empty text message is legal; show the error only once the user typed something or chose a binary format.
    this.error.textContent = err;
    this.body.setAttribute('aria-invalid', String(!!err));
    this.sendBtn.disabled = !!err;
    const code = this.closeCode.value === 'custom' ? this.closeCustom.value : this.closeCode.value;
    this.closeCustom.hidden = this.closeCode.value !== 'custom';
    let ctlErr = '';
    const cp = controlPayload(this.ctlPayload.value);
    if ('error' in cp) ctlErr = cp.error;
    else if (byteLength(this.closeReason.value) > 123) ctlErr = `The close reason is ${byteLength(this.closeReason.value)} bytes; at most 123 fit in a close frame`;
    else if (!/^\d+$/.test(code) || Number(code) > 65535) ctlErr = 'Enter a close code (0–65535)';
    else if (!isValidCloseCode(Number(code))) ctlErr = `${code} is not valid on the wire: it will be sent as a raw frame (servers should fail the connection with 1002)`;
    this.ctlError.textContent = ctlErr;
    this.pingBtn.disabled = this.pongBtn.disabled = 'error' in cp;
    this.closeBtn.disabled = !!ctlErr && !ctlErr.includes('raw frame');
    return err && !('error' in r) ? { error: err } : r;
  }

  private submit(): void {
    const r = this.sync();
    if ('error' in r) return;
    this.deps.send(r.message, this.mode.value as SendMode, Math.floor(Number(this.count.value)), Math.floor(Number(this.everyMs.value)));
  }

  private saveAs(): void {
    const r = toSavedMessage(this.saveName.value, this.format.value as MessageFormat, this.body.value, this.file?.data);
    if ('error' in r) {
      this.error.textContent = r.error;
      return;
    }
    // The same name updates the message; a new name saves a copy (the original stays; rename lives in the tree).
    this.deps.saveMessage?.(r.message, r.message.name === this.editing ? this.editing : undefined);
  }

  /** Loads a saved message for editing (and for sending as composed). */
  loadSaved(m: SavedMessage): void {
    if (m.kind === 'binary') {
      this.format.value = m.hex !== undefined ? 'hex' : 'base64';
      this.body.value = m.hex ?? m.base64 ?? '';
    } else {
      this.format.value = m.kind;
      this.body.value = m.text ?? '';
    }
    this.saveName.value = m.name;
    this.editing = m.name;
    this.sync();
  }

  private control(type: 'ping' | 'pong'): void {
    const r = controlPayload(this.ctlPayload.value);
    if ('payload' in r) this.deps.control(type, r.payload);
  }

  private close(): void {
    const code = Number(this.closeCode.value === 'custom' ? this.closeCustom.value : this.closeCode.value);
    this.deps.disconnect(code, this.closeReason.value);
  }

  setRepeat(s: RepeatStatus): void {
    this.stopBtn.hidden = !s.active;
    this.repeatInfo.textContent = s.active ? `sent ${s.sent}${s.count ? ` of ${s.count}` : ''}…` : s.sent ? `sent ${s.sent}` : '';
  }

  draft(): MessageDraft {
    return {
      format: this.format.value as MessageFormat,
      text: this.body.value.length > 256 * 1024 ? '' : this.body.value,
      mode: this.mode.value as SendMode,
      count: Number(this.count.value) || 1,
      everyMs: Number(this.everyMs.value) || 1000,
      fragments: Number(this.fragments.value) || 1,
      ctlPayload: this.ctlPayload.value,
      closeCode: this.closeCode.value === 'custom' ? this.closeCustom.value || 'custom' : this.closeCode.value,
      closeReason: this.closeReason.value,
    };
  }

  setDraft(d: Partial<MessageDraft>): void {
    const x = { ...DEFAULT_DRAFT, ...d };
    this.format.value = x.format;
    this.body.value = x.text;
    this.mode.value = x.mode;
    this.count.value = String(x.count);
    this.everyMs.value = String(x.everyMs);
    this.fragments.value = String(x.fragments);
    this.ctlPayload.value = x.ctlPayload;
    if ([...this.closeCode.options].some((o) => o.value === x.closeCode)) this.closeCode.value = x.closeCode;
    else {
      this.closeCode.value = 'custom';
      this.closeCustom.value = /^\d+$/.test(x.closeCode) ? x.closeCode : '';
    }
    this.closeReason.value = x.closeReason;
    this.sync();
  }
}
