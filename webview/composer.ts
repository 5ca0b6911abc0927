/**
 * The message composer (text / JSON / hex / base64 / file; once, N times or every T ms; fragments;
 * ping/pong; close with a named code). Validation happens here, before anything is posted; the host
 * validates again. The request composer is requestComposer.ts.
 */
import type { OutgoingMessage, RepeatStatus, RequestDraft, SavedMessage } from '../src/shared/contract';
import { withPlaceholders } from '../src/core/collections/template';
import { CLOSE_CODES, isValidCloseCode } from '../src/core/protocol/closeCodes';
import { hexToBytes } from '../src/core/protocol/hexdump';
import { button, field, h, icon, input, select, textarea } from './dom';
import { byteLength, decodeText, formatSize, fromBase64, isUtf8, toBase64, toHex } from './format';

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
        JSON.parse(withPlaceholders(text, '0'));
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
  connect(request: RequestDraft): void;
  disconnect(code: number, reason: string): void;
  terminate(): void;
  send(message: OutgoingMessage, mode: SendMode, count: number, everyMs: number): void;
  stop(): void;
  control(type: 'ping' | 'pong', payload: Uint8Array): void;
  pickFile(): Promise<{ name: string; data: Uint8Array } | undefined>;
  changed(): void;
  /** Save the request composer's request to a collection request (the panel's, or a new one). */
  saveRequest?(request: RequestDraft): void;
  /** Pick a saved request and load it. */
  loadRequest?(): void;
  /** Save the message composer's content as a named message of the saved request. */
  saveMessage?(message: SavedMessage, previousName: string | undefined): void;
}

/**
 * The composer's text when the user switches format: the same bytes in the new notation (text ⇄ hex
 * ⇄ base64), or empty when they have none (hex being typed, bytes that are not UTF-8 for text).
 * Never an error for what the user did not type.
 */
export function convertBody(from: MessageFormat, to: MessageFormat, body: string): string {
  if (from === to || !body.trim() || to === 'file' || from === 'file') return body;
  const binary = (f: MessageFormat) => f === 'hex' || f === 'base64';
  if (!binary(from) && !binary(to)) return body; // text ⇄ json: same characters
  let bytes: Uint8Array;
  try {
    bytes = from === 'hex' ? hexToBytes(body) : from === 'base64' ? fromBase64(body) : new TextEncoder().encode(body);
  } catch {
    return '';
  }
  if (to === 'hex') return toHex(bytes);
  if (to === 'base64') return toBase64(bytes);
  return isUtf8(bytes) ? decodeText(bytes) : '';
}

/** The named message for what the message composer holds, or an error to show. */
export function composedMessage(name: string, format: MessageFormat, text: string, file: Uint8Array | undefined): { message: SavedMessage } | { error: string } {
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
  /** The format the body's text is written in (to convert it when the user picks another). */
  private shownFormat: MessageFormat = 'text';

  constructor(private readonly deps: ComposerDeps) {
    const onChange = () => {
      this.sync();
      deps.changed();
    };
    this.format.addEventListener('change', () => {
      const to = this.format.value as MessageFormat;
      this.body.value = convertBody(this.shownFormat, to, this.body.value);
      this.shownFormat = to;
      onChange();
    });
    this.mode.addEventListener('change', onChange);
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
    this.shownFormat = fmt;
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
    const r = composedMessage(this.saveName.value, this.format.value as MessageFormat, this.body.value, this.file?.data);
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
