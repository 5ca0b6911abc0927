/**
 * The detail pane's Protocol tab: the decoded packet as a JSON tree next to the raw payload (text,
 * or a hex dump for binary messages), and its pair: "Reply #12 after 1.7 ms" (a button that selects
 * the other side) or "No reply after 10000 ms". The packet is fetched from the host when the tab
 * shows a row (the timeline's rows carry only a one-line summary).
 */
import type { TimelineEvent } from '../src/shared/contract';
import type { ProtocolDetail } from '../src/shared/protocolContract';
import { hexdumpLines } from '../src/core/protocol/hexdump';
import { button, h } from './dom';
import { jsonTree } from './jsonTree';
import { decodeText } from './format';
import { formatLatency, protoOf } from './protocolCells';

/** What the pane asks of the panel. */
export interface ProtocolPaneDeps {
  protocolDetail(id: number): Promise<ProtocolDetail | undefined>;
  /** Selects the event `id` (shown at view row `row`, or -1 when the view hides it). */
  jump(id: number, row: number | undefined): void;
}

const RAW_LIMIT = 64 * 1024;

export class ProtocolPane {
  private seq = 0;
  private event: TimelineEvent | undefined;
  private detail: ProtocolDetail | undefined;
  private raw: Uint8Array | undefined;
  /** Resolves when the last shown event's packet has been rendered (tests). */
  loaded: Promise<void> = Promise.resolve();

  constructor(private readonly pane: HTMLElement, private readonly deps: ProtocolPaneDeps | undefined) {
    this.empty('Select a decoded message (the Protocol column).');
  }

  private empty(text: string): void {
    this.pane.replaceChildren(h('p', { class: 'muted', text }));
  }

  /** A new selection, or the same event with new protocol facts (its payload stays). */
  show(e: TimelineEvent | undefined): void {
    const seq = ++this.seq;
    if (e?.id !== this.event?.id) this.raw = undefined;
    this.event = e;
    this.detail = undefined;
    if (!e || !protoOf(e) || !this.deps) {
      this.empty(e?.kind === 'message' ? 'Not decoded: set the request’s Protocol (Options), or leave it on auto to decode what is recognised.' : 'Select a decoded message (the Protocol column).');
      this.loaded = Promise.resolve();
      return;
    }
    this.empty('Loading…');
    this.loaded = this.deps.protocolDetail(e.id).then(
      (d) => {
        if (seq !== this.seq) return;
        this.detail = d;
        this.render();
      },
      (err: Error) => {
        if (seq === this.seq) this.pane.replaceChildren(h('p', { class: 'error', text: `Could not load the packet: ${err.message}` }));
      },
    );
  }

  /** The selected event's full payload, once loaded. */
  setRaw(data: Uint8Array): void {
    this.raw = data;
    if (this.detail) this.render();
  }

  private render(): void {
    const e = this.event!;
    const d = this.detail;
    const p = d?.row ?? protoOf(e)!;
    const parts: HTMLElement[] = [];
    const pairLine = h('div', { class: `proto-pair${p.unanswered ? ' unanswered' : ''}`, id: 'proto-pair' });
    if (p.pair) {
      const label = `${p.pair.request ? 'Reply' : 'Request'} #${p.pair.peer} · ${formatLatency(p.pair.latencyMs)}`;
      const go = button(p.pair.request ? 'Go to reply' : 'Go to request', { icon: 'arrow-swap', id: 'proto-jump' });
      go.addEventListener('click', () => this.deps?.jump(p.pair!.peer, d?.peerRow));
      pairLine.append(h('span', { text: label }), go);
    } else if (p.unanswered) {
      pairLine.append(h('span', { text: `No reply after ${Math.round(p.unanswered.afterMs)} ms${p.unanswered.closed ? ' (the connection ended)' : ''}` }));
    } else pairLine.append(h('span', { class: 'muted', text: `${p.protocol} ${p.type}${p.name ? ` · ${p.name}` : ''}` }));
    parts.push(pairLine);
    parts.push(d ? h('div', { class: 'proto-tree' }, jsonTree(d.decoded)) : h('p', { class: 'muted', text: 'This packet is no longer kept (only the newest ones are): the row keeps its type.' }));
    const raw = this.raw;
    const binary = e.kind === 'message' && e.binary;
    const shown = raw ? (raw.length > RAW_LIMIT ? raw.subarray(0, RAW_LIMIT) : raw) : undefined;
    const rawText = !shown ? 'Loading…' : binary ? hexdumpLines(shown).join('\n') : decodeText(shown).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    parts.push(h('pre', { class: 'proto-raw', id: 'proto-raw', text: rawText }));
    this.pane.replaceChildren(h('div', { class: 'proto-detail' }, ...parts));
  }
}
