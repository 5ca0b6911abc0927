/**
 * The request model the panel edits: a RequestDraft is a RequestDef without name and messages
 * (types.ts). Loading a saved request into the panel and saving it back are these two functions;
 * connecting goes through the same resolution as every other caller (variables.ts
 * `resolveVariables` then `toConnectionOptions`). Secret-bearing fields are listed once here.
 * Pure: no Node API, no DOM (the webview uses `withoutSecrets` for its own state).
 */
import { CodedError } from '../errors';
import { isReference } from './template';
import type { RequestDef, RequestDraft } from './types';

/** The draft the panel shows for a saved request: everything but its name and messages. */
export function draftOf(def: RequestDef): RequestDraft {
  const { name: _name, messages: _messages, ...draft } = def;
  return structuredClone(draft);
}

/** One field that holds a secret: where it is, and how to drop or blank it. */
interface SecretField {
  what: string;
  get(d: RequestDraft): string | undefined;
  /** Removes (or blanks, where the schema requires the field) a literal value. */
  clear(d: RequestDraft): void;
}

/** A string option of a protocol's `protocolOptions`, when the draft speaks that protocol. */
function protocolOption(d: RequestDraft, protocol: string, key: string): string | undefined {
  const v = d.protocol === protocol ? d.protocolOptions?.[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

const SECRET_FIELDS: readonly SecretField[] = [
  {
    what: 'password',
    get: (d) => (d.auth?.type === 'basic' ? d.auth.password : undefined),
    clear: (d) => {
      if (d.auth?.type === 'basic') d.auth = { ...d.auth, password: '' };
    },
  },
  {
    what: 'token',
    get: (d) => (d.auth?.type === 'bearer' ? d.auth.token : undefined),
    clear: (d) => {
      if (d.auth?.type === 'bearer') d.auth = { ...d.auth, token: '' };
    },
  },
  {
    what: 'client key',
    get: (d) => d.tls?.key,
    clear: (d) => {
      if (d.tls) delete d.tls.key;
    },
  },
  {
    what: 'MQTT password',
    get: (d) => protocolOption(d, 'mqtt', 'password'),
    clear: (d) => {
      if (d.protocol === 'mqtt' && d.protocolOptions) delete d.protocolOptions.password;
    },
  },
  {
    what: 'STOMP passcode',
    get: (d) => protocolOption(d, 'stomp', 'passcode'),
    clear: (d) => {
      if (d.protocol === 'stomp' && d.protocolOptions) delete d.protocolOptions.passcode;
    },
  },
  {
    what: 'key passphrase',
    get: (d) => d.tls?.passphrase,
    clear: (d) => {
      if (d.tls) delete d.tls.passphrase;
    },
  },
];

const isLiteral = (v: string | undefined): v is string => !!v && !isReference(v);

/**
 * A copy without literal secrets (a password, token, client key or passphrase that is not a
 * `{{reference}}`; MQTT's password and STOMP's passcode in protocolOptions too): what may be kept in
 * webview state or written into a transcript header.
 */
export function withoutSecrets<T extends RequestDraft>(draft: T): T {
  const out = structuredClone(draft);
  for (const f of SECRET_FIELDS) if (isLiteral(f.get(out))) f.clear(out);
  return out;
}

/**
 * The saved request for a draft named `name`, over `existing` (whose named messages it keeps).
 * Secrets never go into the file: a literal password, token, client key or passphrase is refused
 * with WSWB_PANEL_SECRET_IN_FILE, so the user stores it with WebSocket: Set Secret… and references it.
 */
export function toRequestDef(name: string, draft: RequestDraft, existing?: RequestDef): RequestDef {
  for (const f of SECRET_FIELDS) {
    if (isLiteral(f.get(draft))) {
      throw new CodedError('WSWB_PANEL_SECRET_IN_FILE', `The ${f.what} would be written into the collection file in clear: use a reference such as {{secret:name}} (WebSocket: Set Secret…)`);
    }
  }
  const def: RequestDef = { name, ...structuredClone(draft) };
  if (existing?.messages) def.messages = existing.messages;
  return def;
}
