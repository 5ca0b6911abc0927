/**
 * The request composer's Protocol settings (issue 13): the request's `protocol` (auto, raw or one
 * protocol), its `protocolOptions` as JSON (namespace and auth, connectionParams, STOMP login, MQTT
 * clientId…; `{{variables}}` and `{{secret:name}}` allowed), and "Answer heartbeats" (the options'
 * `autoAnswer`, as the CLI's --no-auto-answer). Literal secrets in the options never reach webview
 * state: `withoutProtocolSecrets` keeps only `{{…}}` references in secret-looking keys.
 */
import type { RequestDraft } from '../src/shared/contract';
import { isReference } from '../src/core/collections/template';
import { checkbox, field, h, select, textarea } from './dom';

type Draft = RequestDraft;

const PROTOCOLS: Array<[string, string]> = [
  ['auto', 'auto (decode what is recognised)'], ['raw', 'raw (no decoding)'], ['socket.io', 'Socket.IO'], ['graphql-ws', 'GraphQL over WebSocket'],
  ['signalr', 'SignalR (JSON hub)'], ['stomp', 'STOMP'], ['mqtt', 'MQTT'], ['json-rpc', 'JSON-RPC 2.0'],
];

/** Keys of protocolOptions whose values are secrets (STOMP passcode, MQTT password, tokens in auth/connectionParams). */
const SECRET_KEY = /pass(word|code|phrase)?|token|secret|authorization/i;

/** The draft without literal secrets in its protocolOptions (references stay). */
export function withoutProtocolSecrets<T extends RequestDraft>(d: T): T {
  const po = (d as Draft).protocolOptions;
  if (!po) return d;
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(strip);
    if (!x || typeof x !== 'object') return x;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (SECRET_KEY.test(k) && typeof v === 'string' && !isReference(v)) continue;
      out[k] = strip(v);
    }
    return out;
  };
  return { ...d, protocolOptions: strip(po) } as T;
}

/** A control of the request composer (see requestComposer.ts). */
export interface SettingControl {
  load(d: RequestDraft): void;
  store(base: RequestDraft, into: RequestDraft): void;
}

export class ProtocolSettings {
  readonly protocol = select(PROTOCOLS, { id: 'protocol' });
  readonly options = textarea({ id: 'protocol-options', rows: '3', placeholder: '{"namespace": "/chat", "auth": {"token": "{{secret:token}}"}}' });
  readonly autoAnswer = checkbox('Answer heartbeats and pings (auto-answer)', { id: 'protocol-auto-answer', checked: true });
  private readonly error = h('div', { class: 'error', id: 'protocol-options-error', role: 'alert' });
  readonly el: HTMLElement;

  constructor() {
    this.el = h('div', { class: 'protocol-settings' },
      h('h3', { text: 'Protocol' }), field('Protocol', this.protocol), field('Protocol options (JSON)', this.options, { hint: '{{variables}} and {{secret:name}} allowed' }), this.autoAnswer.label, this.error,
    );
  }

  /** The protocol chosen. */
  get value(): string {
    return this.protocol.value;
  }

  /** The options as typed, without `autoAnswer` (the checkbox holds it); undefined when invalid (the error is shown). */
  private readOptions(): Record<string, unknown> | undefined | null {
    const s = this.options.value.trim();
    this.error.textContent = '';
    if (!s) return undefined;
    try {
      const v = JSON.parse(s) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected a JSON object');
      return v as Record<string, unknown>;
    } catch (e) {
      this.error.textContent = `Protocol options: ${(e as Error).message}`;
      return null;
    }
  }

  /** The request composer's controls for these fields (written back only when changed). */
  controls(): SettingControl[] {
    const shownOptions = (d: Draft) => {
      const { autoAnswer: _a, ...rest } = d.protocolOptions ?? {};
      return Object.keys(rest).length ? JSON.stringify(rest, null, 2) : '';
    };
    return [
      {
        load: (d) => (this.protocol.value = (d as Draft).protocol ?? 'auto'),
        store: (base, into) => {
          const v = this.protocol.value;
          if (v !== ((base as Draft).protocol ?? 'auto')) {
            if (v === 'auto') delete (into as Draft).protocol;
            else (into as Draft).protocol = v as Draft['protocol'];
          }
        },
      },
      {
        load: (d) => {
          this.options.value = shownOptions(d as Draft);
          this.autoAnswer.box.checked = (d as Draft).protocolOptions?.autoAnswer !== false;
        },
        store: (base, into) => {
          const b = base as Draft;
          const typed = this.options.value.trim() !== shownOptions(b).trim();
          const answer = this.autoAnswer.box.checked;
          if (!typed && answer === (b.protocolOptions?.autoAnswer !== false)) return;
          const opts = typed ? this.readOptions() : (() => {
            const { autoAnswer: _a, ...rest } = b.protocolOptions ?? {};
            return rest;
          })();
          if (opts === null) return; // invalid JSON: keep the request's options (the error is shown)
          const next: Record<string, unknown> = { ...(opts ?? {}) };
          if (!answer) next.autoAnswer = false;
          if (Object.keys(next).length) (into as Draft).protocolOptions = next;
          else delete (into as Draft).protocolOptions;
        },
      },
    ];
  }
}
