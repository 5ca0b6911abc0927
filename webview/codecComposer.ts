/**
 * The codec message composer: a binary payload written as a JSON tree and encoded by the host as
 * MessagePack, CBOR or Protobuf (`{"kind":"msgpack"|"cbor","data":…}`,
 * `{"kind":"protobuf","type":"feed.Envelope","data":…}`, as in collection files). The Protobuf
 * type list comes from the `.proto` files of the connection's codecs rules; any type may be typed.
 * Shown for every request (codec messages go whatever the protocol), folded until opened.
 */
import type { CodecComposerMessage } from '../src/shared/protocolContract';
import { button, field, h, input, select, textarea } from './dom';
import { onSaveAs } from './protocolComposer';

type CodecKind = CodecComposerMessage['kind'];

/** What the composer asks of the panel. */
export interface CodecComposerDeps {
  send(m: CodecComposerMessage): void;
  /** Saves the message under `name` in the panel's saved request. */
  save(name: string, m: CodecComposerMessage): void;
  /** The Protobuf types the connection's codecs rules know. */
  types(): Promise<string[]>;
}

/** Parses the form: the message, or why not. */
export function buildCodecMessage(kind: CodecKind, type: string, dataText: string): { message: CodecComposerMessage } | { error: string } {
  if (kind === 'protobuf' && !type.trim()) return { error: 'Type is required for a Protobuf message (e.g. feed.Envelope)' };
  if (!dataText.trim()) return { error: 'Data is required (JSON; bytes as {"$binary":"<base64>"})' };
  let data: unknown;
  try {
    data = JSON.parse(dataText);
  } catch (e) {
    return { error: `Data: not JSON (${(e as Error).message})` };
  }
  if (kind === 'protobuf' && (typeof data !== 'object' || data === null || Array.isArray(data))) return { error: 'Data: a Protobuf message is a JSON object' };
  return { message: kind === 'protobuf' ? { kind, type: type.trim(), data } : { kind, data } };
}

export class CodecComposer {
  readonly el: HTMLDetailsElement;
  readonly kindSel = select([['msgpack', 'MessagePack'], ['cbor', 'CBOR'], ['protobuf', 'Protobuf']], { id: 'cc-kind', 'aria-label': 'Codec' });
  readonly typeIn = input({ id: 'cc-type', placeholder: 'feed.Envelope' });
  readonly typeList = select([], { id: 'cc-type-list', 'aria-label': 'Protobuf types from the .proto files' });
  readonly data = textarea({ id: 'cc-data', rows: '3', placeholder: '{"hello": "feed", "token": {"$binary": "3q2+7w=="}}' });
  readonly sendBtn = button('Send', { icon: 'send', primary: true, id: 'cc-send' });
  readonly saveName = input({ id: 'cc-save-name', placeholder: 'message name', 'aria-label': 'Message name' });
  readonly saveBtn = button('Save as message', { icon: 'save', id: 'cc-save' });
  private readonly error = h('div', { class: 'error', id: 'cc-error', role: 'alert' });
  private readonly typeRow: HTMLElement;
  private readonly typeListField: HTMLElement;
  private readonly typeHint = h('span', { class: 'muted', id: 'cc-type-hint' });

  constructor(private readonly deps: CodecComposerDeps) {
    this.typeListField = field('Known types', this.typeList);
    this.typeListField.hidden = true;
    this.typeRow = h('div', { class: 'cc-type-row', hidden: true }, field('Type', this.typeIn), this.typeListField, this.typeHint);
    this.kindSel.addEventListener('change', () => this.kindChanged());
    this.typeList.addEventListener('change', () => {
      if (this.typeList.value) this.typeIn.value = this.typeList.value;
    });
    this.sendBtn.addEventListener('click', () => {
      const m = this.value();
      if (m) this.deps.send(m);
    });
    onSaveAs(this.saveBtn, this.saveName, this.error, () => this.value(), (name, m) => this.deps.save(name, m));
    this.el = h('details', { class: 'codec-composer', id: 'codec-composer' },
      h('summary', { text: 'Binary payload (MessagePack, CBOR, Protobuf)' }),
      field('Codec', this.kindSel), this.typeRow, field('Data (JSON)', this.data, { wide: true }), this.error,
      h('div', { class: 'pc-actions' }, this.sendBtn, this.saveName, this.saveBtn),
    );
    this.el.addEventListener('toggle', () => {
      if (this.el.open && this.kind === 'protobuf') void this.refreshTypes();
    });
  }

  get kind(): CodecKind {
    return this.kindSel.value as CodecKind;
  }

  private kindChanged(): void {
    this.typeRow.hidden = this.kind !== 'protobuf';
    this.error.textContent = '';
    if (this.kind === 'protobuf') void this.refreshTypes();
  }

  /** Asks the host for the types of the bound `.proto` files. */
  async refreshTypes(): Promise<void> {
    let types: string[] = [];
    try {
      types = await this.deps.types();
    } catch {
      // no connection or no rules: typed by hand
    }
    this.typeList.options = types.map((t) => ({ value: t, label: t, description: '', selected: false, disabled: false }));
    this.typeListField.hidden = types.length === 0;
    this.typeHint.textContent = types.length ? '' : 'No .proto bound: add a "codecs" rule with "proto" to the collection, or type the full name';
    if (types.length && !this.typeIn.value) this.typeIn.value = types[0]!;
  }

  /** The message the form describes, or undefined (the reason is shown). */
  value(): CodecComposerMessage | undefined {
    const r = buildCodecMessage(this.kind, this.typeIn.value, this.data.value);
    this.error.textContent = 'error' in r ? r.error : '';
    return 'message' in r ? r.message : undefined;
  }

  /** Loads a saved codec message (its kind, type and data) to edit or resend. */
  load(kind: CodecKind, fields: Record<string, unknown>, name: string): void {
    this.el.open = true;
    this.kindSel.value = kind;
    this.kindChanged();
    this.typeIn.value = typeof fields.type === 'string' ? fields.type : '';
    this.data.value = JSON.stringify(fields.data ?? null, null, 2);
    this.saveName.value = name;
  }
}
