/**
 * The protocol message composer: one form per message kind of the collection contract (Socket.IO
 * event, GraphQL operation and complete, SignalR invocation, STOMP frame, MQTT packet, JSON-RPC
 * request), producing the same `{kind, …}` object as a collection file and the CLI's `--message`.
 * The host's session adds what the wire needs (Engine.IO/Socket.IO prefixes and ack ids, SignalR's
 * 0x1E, STOMP's NUL, MQTT packet ids, JSON-RPC ids). Shown when the request names a protocol.
 * Each form is a list of FieldSpecs; `value()` reads them, `load()` writes a saved message back.
 */
import type { ProtocolMessage, ProtocolName } from '../src/shared/protocolContract';
import { button, checkbox, field, h, input, select, textarea } from './dom';

type Kind = ProtocolMessage['kind'];

/** One control of a form: the message field it holds and how it reads. */
interface FieldSpec {
  key: string;
  label: string;
  type: 'text' | 'json' | 'lines' | 'bool' | 'select' | 'area' | 'payload';
  options?: string[];
  placeholder?: string;
  required?: boolean;
  /** Value when the control is left as it is (not written to the message when equal). */
  default?: string | boolean;
  /** For json: the value must be an array / an object / an array or object. */
  shape?: 'array' | 'object' | 'params';
  /** For select: numbers (MQTT QoS). */
  numeric?: boolean;
}

const FORMS: Record<Kind, FieldSpec[]> = {
  'socket.io': [
    { key: 'event', label: 'Event', type: 'text', placeholder: 'chat', required: true },
    { key: 'args', label: 'Arguments (JSON array)', type: 'json', shape: 'array', placeholder: '["hello", {"room": "lobby"}]' },
    { key: 'ack', label: 'Ask for an ack', type: 'bool', default: false },
    { key: 'namespace', label: 'Namespace', type: 'text', placeholder: '/ (the request’s)' },
  ],
  graphql: [
    { key: 'query', label: 'Query', type: 'area', placeholder: 'subscription { messageAdded { id text } }', required: true },
    { key: 'variables', label: 'Variables (JSON object)', type: 'json', shape: 'object', placeholder: '{"room": "lobby"}' },
    { key: 'operationName', label: 'Operation name', type: 'text' },
    { key: 'name', label: 'Operation id (for complete)', type: 'text', placeholder: 'assigned 1, 2, 3… when empty' },
  ],
  'graphql-complete': [{ key: 'of', label: 'Complete operation (id or name)', type: 'text', required: true, placeholder: 'news' }],
  signalr: [
    { key: 'target', label: 'Target', type: 'text', placeholder: 'SendMessage', required: true },
    { key: 'arguments', label: 'Arguments (JSON array)', type: 'json', shape: 'array', placeholder: '["alice", "hi"]' },
    { key: 'invocation', label: 'Invocation', type: 'select', options: ['invoke', 'send', 'stream'], default: 'invoke' },
  ],
  stomp: [
    { key: 'command', label: 'Command', type: 'select', options: ['SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT'], required: true },
    { key: 'headers', label: 'Headers (name:value per line)', type: 'lines', placeholder: 'destination:/topic/chat\nreceipt:r1' },
    { key: 'body', label: 'Body', type: 'area' },
  ],
  mqtt: [
    { key: 'packet', label: 'Packet', type: 'select', options: ['publish', 'subscribe', 'unsubscribe'], required: true },
    { key: 'topic', label: 'Topic', type: 'text', placeholder: 'sensors/+/temp', required: true },
    { key: 'qos', label: 'QoS', type: 'select', options: ['0', '1', '2'], default: '0', numeric: true },
    { key: 'retain', label: 'Retain', type: 'bool', default: false },
    { key: 'payload', label: 'Payload', type: 'payload' },
  ],
  'json-rpc': [
    { key: 'method', label: 'Method', type: 'text', placeholder: 'subtract', required: true },
    { key: 'params', label: 'Params (JSON array or object)', type: 'json', shape: 'params', placeholder: '[42, 23]' },
    { key: 'notification', label: 'Notification (no id, no response)', type: 'bool', default: false },
  ],
};

/** The message kinds of each protocol. */
export const KINDS_OF: Record<ProtocolName, Kind[]> = {
  'socket.io': ['socket.io'], 'graphql-ws': ['graphql', 'graphql-complete'], signalr: ['signalr'], stomp: ['stomp'], mqtt: ['mqtt'], 'json-rpc': ['json-rpc'],
};

const KIND_LABELS: Record<Kind, string> = {
  'socket.io': 'Socket.IO event', graphql: 'GraphQL operation', 'graphql-complete': 'GraphQL complete', signalr: 'SignalR invocation', stomp: 'STOMP frame', mqtt: 'MQTT packet', 'json-rpc': 'JSON-RPC request',
};

/** Wires a "Save as message" button: the form's message under the name typed, or why not (no name) in `error`. */
export function onSaveAs<M>(btn: HTMLElement, name: { value: string }, error: HTMLElement, value: () => M | undefined, save: (name: string, m: M) => void): void {
  btn.addEventListener('click', () => {
    const m = value();
    if (!m) return;
    if (!name.value.trim()) {
      error.textContent = 'Give the message a name to save it';
      return;
    }
    save(name.value.trim(), m);
  });
}

const slug = (k: string) => k.replace(/[^a-z]/g, '');

type Control = {
  el: HTMLElement;
  get(): string | boolean;
  set(v: string | boolean): void;
  /** A field whose value is not a plain string (payload): the message value, or why the input is refused. */
  read?(): { value?: unknown; error?: string };
  write?(v: unknown): void;
};

/** How the payload field reads its text: UTF-8 text, a JSON value, or bytes as hex or base64 (`{"$binary":…}`). */
const PAYLOAD_FORMATS = ['text', 'json', 'hex', 'base64'] as const;
type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];
const PAYLOAD_HINTS: Record<PayloadFormat, string> = {
  text: 'text (sent as UTF-8)',
  json: '{"temp": 21.5} (sent as its JSON text)',
  hex: '01 02 ff (bytes)',
  base64: 'AQL/ (bytes)',
};

/** Bytes as base64 (the webview has no Buffer). */
function toBase64(bytes: number[]): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/**
 * The message value of a payload typed as `format`: a string (text), any JSON value, or
 * `{"$binary": base64}` for bytes; or why the text is refused.
 */
export function payloadValue(text: string, format: PayloadFormat): { value?: unknown; error?: string } {
  if (format === 'text') return { value: text };
  if (format === 'json') {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (e) {
      return { error: `Payload: not JSON (${(e as Error).message})` };
    }
  }
  const compact = text.replace(/\s+/g, '');
  if (format === 'hex') {
    const hex = compact.replace(/^0x/i, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return { error: 'Payload: hex needs pairs of digits 0-9 a-f (spaces allowed)' };
    const bytes: number[] = [];
    for (let i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
    return { value: { $binary: toBase64(bytes) } };
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return { error: 'Payload: not base64' };
  try {
    // Normalized (padding added) through a decode and an encode.
    return { value: { $binary: btoa(atob(compact)) } };
  } catch {
    return { error: 'Payload: not base64' };
  }
}

/** The format and text that show a payload value (a loaded message): bytes as base64, strings as text, the rest as JSON. */
export function payloadText(v: unknown): { format: PayloadFormat; text: string } {
  if (typeof v === 'string') return { format: 'text', text: v };
  if (v && typeof v === 'object' && Object.keys(v).length === 1 && typeof (v as { $binary?: unknown }).$binary === 'string') return { format: 'base64', text: (v as { $binary: string }).$binary };
  return { format: 'json', text: JSON.stringify(v) };
}

/** What the composer asks of the panel. */
export interface ProtocolComposerDeps {
  send(m: ProtocolMessage): void;
  /** Saves the message under `name` in the panel's saved request (undefined when the panel has none). */
  save?(name: string, m: ProtocolMessage): void;
}

export class ProtocolComposer {
  readonly el: HTMLElement;
  readonly kindSel = select([], { id: 'pc-kind', 'aria-label': 'Message kind' });
  readonly sendBtn = button('Send', { icon: 'send', primary: true, id: 'pc-send' });
  readonly saveName = input({ id: 'pc-save-name', placeholder: 'message name', 'aria-label': 'Message name' });
  readonly saveBtn = button('Save as message', { icon: 'save', id: 'pc-save' });
  private readonly error = h('div', { class: 'error proto-error', id: 'pc-error', role: 'alert' });
  private readonly forms = new Map<Kind, { el: HTMLElement; controls: Map<string, Control> }>();
  private readonly body = h('div', { class: 'pc-forms' });
  private protocol: ProtocolName | undefined;

  constructor(private readonly deps: ProtocolComposerDeps) {
    for (const kind of Object.keys(FORMS) as Kind[]) {
      const controls = new Map<string, Control>();
      const el = h('div', { class: 'pc-form', id: `pc-form-${slug(kind)}`, hidden: true });
      for (const f of FORMS[kind]) {
        const c = this.control(kind, f);
        controls.set(f.key, c);
        el.append(c.el);
      }
      this.forms.set(kind, { el, controls });
      this.body.append(el);
    }
    this.kindSel.addEventListener('change', () => this.showKind(this.kindSel.value as Kind));
    this.sendBtn.addEventListener('click', () => this.submit());
    onSaveAs(this.saveBtn, this.saveName, this.error, () => this.value(), (name, m) => this.deps.save?.(name, m));
    this.el = h('section', { class: 'proto-composer', id: 'proto-composer', 'aria-label': 'Protocol message', hidden: true },
      field('Message', this.kindSel), this.body, this.error,
      h('div', { class: 'pc-actions' }, this.sendBtn, this.saveName, this.saveBtn),
    );
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        this.submit();
      }
    });
  }

  private control(kind: Kind, f: FieldSpec): Control {
    const id = `pc-${slug(kind)}-${f.key}`;
    if (f.type === 'payload') {
      const as = select(PAYLOAD_FORMATS.map((x) => [x, x === 'text' ? 'Text' : x === 'json' ? 'JSON' : x === 'hex' ? 'Hex bytes' : 'Base64 bytes']), { id: `${id}As`, 'aria-label': `${f.label} format` });
      const t = textarea({ id, rows: '2', placeholder: PAYLOAD_HINTS.text });
      as.addEventListener('change', () => (t.placeholder = PAYLOAD_HINTS[as.value as PayloadFormat] ?? ''));
      const setFormat = (x: PayloadFormat) => {
        as.value = x;
        t.placeholder = PAYLOAD_HINTS[x];
      };
      return {
        el: h('div', { class: 'pc-payload' }, field(`${f.label} as`, as), field(f.label, t, { wide: true })),
        get: () => t.value,
        set: (v) => {
          setFormat('text');
          t.value = String(v);
        },
        read: () => payloadValue(t.value, (as.value as PayloadFormat) || 'text'),
        write: (v) => {
          const shown = payloadText(v);
          setFormat(shown.format);
          t.value = shown.text;
        },
      };
    }
    if (f.type === 'bool') {
      const c = checkbox(f.label, { id, checked: f.default === true });
      return { el: c.label, get: () => c.box.checked, set: (v) => (c.box.checked = v === true) };
    }
    if (f.type === 'select') {
      const s = select(f.options!.map((o) => [o, o]), { id });
      return { el: field(f.label, s), get: () => s.value, set: (v) => (s.value = String(v)) };
    }
    const multi = f.type === 'area' || f.type === 'json' || f.type === 'lines';
    const t = multi ? textarea({ id, rows: '2', placeholder: f.placeholder ?? '' }) : input({ id, placeholder: f.placeholder ?? '' });
    return { el: field(f.label, t, { wide: multi }), get: () => t.value, set: (v) => (t.value = String(v)) };
  }

  /** Shows the forms of `protocol` (undefined, auto or raw: hides the composer). */
  setProtocol(protocol: string | undefined): void {
    const p = protocol && protocol in KINDS_OF ? (protocol as ProtocolName) : undefined;
    this.el.hidden = !p;
    if (p === this.protocol) return;
    this.protocol = p;
    if (!p) return;
    const kinds = KINDS_OF[p];
    this.kindSel.options = kinds.map((k) => ({ value: k, label: KIND_LABELS[k], description: '', selected: false, disabled: false }));
    this.kindSel.value = kinds[0]!;
    this.showKind(kinds[0]!);
  }

  get kind(): Kind {
    return this.kindSel.value as Kind;
  }

  private showKind(kind: Kind): void {
    for (const [k, f] of this.forms) f.el.hidden = k !== kind;
    this.error.textContent = '';
  }

  /** The message the form describes, or undefined (the reason is shown). */
  value(): ProtocolMessage | undefined {
    const kind = this.kind;
    const form = this.forms.get(kind);
    if (!form) return undefined;
    const m: ProtocolMessage = { kind };
    for (const f of FORMS[kind]) {
      const raw = form.controls.get(f.key)!.get();
      if (f.type === 'bool') {
        if (raw !== f.default) m[f.key] = raw;
        continue;
      }
      const s = String(raw);
      const control = form.controls.get(f.key)!;
      if (control.read && s !== '') {
        const r = control.read();
        if (r.error !== undefined) return this.invalid(r.error);
        m[f.key] = r.value;
        continue;
      }
      if (!s.trim() || (f.default !== undefined && s === f.default)) {
        if (f.required) return this.invalid(`${f.label} is required`);
        continue;
      }
      if (f.type === 'json') {
        let v: unknown;
        try {
          v = JSON.parse(s);
        } catch (e) {
          return this.invalid(`${f.label}: not JSON (${(e as Error).message})`);
        }
        const isArr = Array.isArray(v);
        const isObj = typeof v === 'object' && v !== null && !isArr;
        if ((f.shape === 'array' && !isArr) || (f.shape === 'object' && !isObj) || (f.shape === 'params' && !isArr && !isObj)) return this.invalid(`${f.label}: expected ${f.shape === 'params' ? 'an array or an object' : `a JSON ${f.shape}`}`);
        m[f.key] = v;
      } else if (f.type === 'lines') {
        const headers: Record<string, string> = {};
        for (const line of s.split('\n')) {
          const i = line.indexOf(':');
          if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
        }
        if (Object.keys(headers).length) m[f.key] = headers;
      } else m[f.key] = f.numeric ? Number(s) : s;
    }
    this.error.textContent = '';
    return m;
  }

  private invalid(why: string): undefined {
    this.error.textContent = why;
    return undefined;
  }

  /** Loads a message (a saved one, or state): its kind's form is shown with its fields. */
  load(m: ProtocolMessage, name?: string): void {
    const form = this.forms.get(m.kind);
    if (!form) return;
    if (!Array.from(this.kindSel.options).some((o) => o.value === m.kind)) {
      this.kindSel.options = [...this.kindSel.options, { value: m.kind, label: KIND_LABELS[m.kind], description: '', selected: false, disabled: false }];
    }
    this.kindSel.value = m.kind;
    this.showKind(m.kind);
    for (const f of FORMS[m.kind]) {
      const c = form.controls.get(f.key)!;
      const v = m[f.key];
      if (f.type === 'bool') c.set(v === undefined ? f.default === true : v === true);
      else if (c.write && v !== undefined) c.write(v);
      else if (v === undefined) c.set(typeof f.default === 'string' ? f.default : f.type === 'select' ? f.options![0]! : '');
      else if (f.type === 'json') c.set(JSON.stringify(v));
      else if (f.type === 'lines') c.set(Object.entries(v as Record<string, string>).map(([k, x]) => `${k}:${x}`).join('\n'));
      else c.set(String(v));
    }
    if (name !== undefined) this.saveName.value = name;
  }

  private submit(): void {
    const m = this.value();
    if (m) this.deps.send(m);
  }
}
