/**
 * Detail pane for the selected event: text, pretty JSON, hex dump, header fields, and the
 * handshake (raw request and response; for a refused upgrade, the server's status, headers, body).
 */
import type { HandshakeEvent, TimelineEvent } from '../src/shared/contract';
import { button, h } from './dom';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { VscodeTabs } from '@vscode-elements/elements/dist/vscode-tabs/vscode-tabs.js';
import { HexView } from './hexView';
import { ProtocolPane, type ProtocolPaneDeps } from './protocolDetail';
import { jsonTree } from './jsonTree';
import { closeName, decodeText, formatSize, formatTime, isUtf8, kindLabel, opcodeName, summaryText, toBase64, toHex } from './format';

export type DetailTab = 'text' | 'json' | 'hex' | 'header' | 'handshake' | 'protocol';
const TABS: Array<[DetailTab, string]> = [['text', 'Text'], ['json', 'JSON'], ['hex', 'Hex'], ['header', 'Fields'], ['handshake', 'Handshake'], ['protocol', 'Protocol']];
const TEXT_LIMIT = 2 * 1024 * 1024;

export interface DetailDeps {
  readPayload(id: number): Promise<Uint8Array>;
  copy(text: string): void;
  save(id: number): void;
  resend(e: TimelineEvent, data: Uint8Array): void;
  onTab(tab: DetailTab): void;
  /** The Protocol tab's requests (protocolDetail.ts). */
  protocol?: ProtocolPaneDeps;
}

export class Detail {
  readonly el: HTMLElement;
  readonly hex = new HexView();
  readonly protocol: ProtocolPane;
  private readonly tabHeaders = new Map<DetailTab, HTMLElement>();
  private readonly tabs: VscodeTabs;
  private readonly panes = new Map<DetailTab, HTMLDivElement>();
  private readonly title: HTMLDivElement;
  private readonly actions: HTMLDivElement;
  private event: TimelineEvent | undefined;
  private data: Uint8Array | undefined;
  private handshake: HandshakeEvent | undefined;
  tab: DetailTab = 'text';
  private seq = 0;
  /** Resolves when the last selected payload has been shown (tests, bench). */
  loaded: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DetailDeps) {
    // vscode-tabs gives the tablist its roles, ids and keyboard use (←/→, Home/End); the panes stay plain
    // DOM inside each vscode-tab-panel (the hex view is virtualized). The label span keeps the
    // `tab-<name>` id the tests and benches click, since vscode-tabs assigns the headers' own ids.
    const tabs = h('vscode-tabs', { class: 'detail-tabs', 'aria-label': 'Detail views' });
    for (const [t, label] of TABS) {
      const header = h('vscode-tab-header', { slot: 'header', class: 'tab', 'data-tab': t }, h('span', { id: `tab-${t}`, text: label }));
      this.tabHeaders.set(t, header);
      tabs.append(header);
    }
    for (const [t] of TABS) {
      const p = h('div', { class: `pane pane-${t}`, tabindex: '0' });
      if (t === 'hex') p.append(this.hex.el);
      this.panes.set(t, p);
      tabs.append(h('vscode-tab-panel', { 'data-tab': t }, p));
    }
    tabs.addEventListener('vsc-tabs-select', (e) => {
      const t = TABS[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex]?.[0];
      if (t && t !== this.tab) this.setTab(t, true);
    });
    this.tabs = tabs;
    this.protocol = new ProtocolPane(this.panes.get('protocol')!, deps.protocol);
    this.title = h('div', { class: 'detail-title', text: 'Select an event' });
    const copyText = button('Copy text', { icon: 'copy', id: 'copy-text' });
    const copyHex = button('Copy hex', { icon: 'symbol-numeric', id: 'copy-hex' });
    const copyB64 = button('Copy base64', { icon: 'file-binary', id: 'copy-b64' });
    const save = button('Save payload', { icon: 'save', iconOnly: true, id: 'save-payload' });
    const resend = button('Resend', { icon: 'debug-restart', id: 'resend' });
    copyText.addEventListener('click', () => this.data && this.deps.copy(decodeText(this.hex.selectedBytes())));
    copyHex.addEventListener('click', () => this.data && this.deps.copy(toHex(this.hex.selectedBytes())));
    copyB64.addEventListener('click', () => this.data && this.deps.copy(toBase64(this.hex.selectedBytes())));
    save.addEventListener('click', () => this.event && this.deps.save(this.event.id));
    resend.addEventListener('click', () => this.event && this.data && this.deps.resend(this.event, this.data));
    this.actions = h('div', { class: 'detail-actions' }, copyText, copyHex, copyB64, save, resend);
    this.el = h('section', { class: 'detail', 'aria-label': 'Selected event' }, h('div', { class: 'detail-top' }, this.title, this.actions), this.tabs);
    this.setTab('text');
    this.renderEmpty();
  }

  setTab(t: DetailTab, user = false): void {
    this.tab = t;
    const i = TABS.findIndex(([x]) => x === t);
    if (this.tabs.selectedIndex !== i) this.tabs.selectedIndex = i;
    for (const [k, p] of this.panes) p.hidden = k !== t;
    if (t === 'hex') this.hex.render();
    if (t === 'text' || t === 'json') this.flushPanes();
    if (t === 'handshake') this.renderHandshake();
    if (user) this.deps.onTab(t);
  }

  /** The connection's handshake, for the Handshake tab when no handshake row is selected. */
  setHandshake(hs: HandshakeEvent | undefined): void {
    this.handshake = hs;
    if (this.tab === 'handshake') this.renderHandshake();
  }

  private renderEmpty(): void {
    this.actions.hidden = true;
    for (const t of ['text', 'json', 'header'] as const) this.panes.get(t)!.replaceChildren(h('p', { class: 'muted', text: 'Select a row in the timeline (↑/↓, Enter).' }));
    this.hex.setData(new Uint8Array(0));
  }

  /** Shows an event; payloads are fetched in full from the host. */
  show(e: TimelineEvent | undefined): void {
    const seq = ++this.seq;
    this.event = e;
    this.data = undefined;
    this.pendingPanes = undefined;
    this.protocol.show(e);
    if (!e) {
      this.title.textContent = 'Select an event';
      this.renderEmpty();
      this.loaded = Promise.resolve();
      return;
    }
    this.title.textContent = `${kindLabel(e)} · #${e.id} · ${formatTime(e.time)}`;
    this.renderFields(e);
    if (e.kind === 'handshake') {
      this.handshake = e;
      if (this.tab !== 'header') this.setTab('handshake');
    }
    const hasPayload = e.kind === 'message' || e.kind === 'frame';
    this.actions.hidden = !hasPayload;
    if (!hasPayload) {
      const text = summaryText(e);
      this.panes.get('text')!.replaceChildren(h('pre', { class: 'text-view', text }));
      this.panes.get('json')!.replaceChildren(h('p', { class: 'muted', text: 'No payload.' }));
      this.hex.setData(new Uint8Array(0));
      this.loaded = Promise.resolve();
      return;
    }
    this.panes.get('text')!.replaceChildren(h('p', { class: 'muted', text: 'Loading…' }));
    this.loaded = this.deps.readPayload(e.id).then(
      (data) => {
        if (seq !== this.seq) return;
        this.data = data;
        this.renderPayload(e, data);
        this.protocol.setRaw(data);
      },
      (err: Error) => {
        if (seq !== this.seq) return;
        this.panes.get('text')!.replaceChildren(h('p', { class: 'error', text: `Could not load the payload: ${err.message}` }));
      },
    );
  }

  private pendingPanes: (() => void) | undefined;

  private renderPayload(e: TimelineEvent, data: Uint8Array): void {
    this.hex.setData(data);
    // Text and JSON of a large payload cost a full decode: build them only when one of them is shown.
    this.pendingPanes = () => this.renderTextPanes(e, data);
    if (this.tab === 'text' || this.tab === 'json' || data.length < 256 * 1024) this.flushPanes();
    else for (const t of ['text', 'json'] as const) this.panes.get(t)!.replaceChildren(h('p', { class: 'muted', text: 'Rendering…' }));
  }

  private flushPanes(): void {
    const f = this.pendingPanes;
    this.pendingPanes = undefined;
    f?.();
  }

  private renderTextPanes(e: TimelineEvent, data: Uint8Array): void {
    const binary = e.kind === 'message' ? e.binary : e.kind === 'frame' && e.opcode === 2;
    const textPane = this.panes.get('text')!;
    const jsonPane = this.panes.get('json')!;
    const shown = data.length > TEXT_LIMIT ? data.subarray(0, TEXT_LIMIT) : data;
    const valid = isUtf8(data);
    const notes: HTMLElement[] = [];
    if (binary || !valid) notes.push(h('p', { class: 'muted', text: valid ? 'Binary message shown as UTF-8 text.' : 'Not valid UTF-8: invalid sequences shown as �. See the Hex view.' }));
    if (shown !== data) notes.push(h('p', { class: 'muted', text: `Showing the first ${formatSize(TEXT_LIMIT)} of ${formatSize(data.length)}.` }));
    textPane.replaceChildren(...notes, h('pre', { class: 'text-view', text: decodeText(shown) }));
    if (data.length > 32 * 1024 * 1024) {
      jsonPane.replaceChildren(h('p', { class: 'muted', text: 'Too large to parse as JSON here.' }));
    } else {
      try {
        const v = JSON.parse(decodeText(data));
        jsonPane.replaceChildren(jsonTree(v));
      } catch (err) {
        jsonPane.replaceChildren(h('p', { class: 'muted', text: `Not JSON: ${(err as Error).message}` }));
      }
    }
    if (this.tab === 'json' && !(jsonPane.firstElementChild?.classList.contains('json-tree'))) this.setTab('text');
  }

  private renderFields(e: TimelineEvent): void {
    const rows: Array<[string, string]> = [['Event id', String(e.id)], ['Kind', e.kind], ['Time', `${new Date(e.time).toISOString()}`], ['Connection', e.connection]];
    switch (e.kind) {
      case 'frame':
        rows.push(
          ['Direction', e.dir === 'out' ? 'sent ↑' : 'received ↓'],
          ['FIN', String(e.fin)],
          ['RSV1 / RSV2 / RSV3', `${e.rsv1 ? 1 : 0} / ${e.rsv2 ? 1 : 0} / ${e.rsv3 ? 1 : 0}`],
          ['Opcode', `${e.opcode} (${opcodeName(e.opcode)})`],
          ['Masked', e.masked ? `yes, key ${e.maskKey ?? '?'}` : 'no'],
          ['Payload length', `${e.length} bytes`],
          ['Wire size', `${e.wireSize} bytes (header ${e.wireSize - e.length})`],
        );
        if (e.opcode === 8 && e.payload.length >= 2) {
          const code = (e.payload[0]! << 8) | e.payload[1]!;
          rows.push(['Close code', `${code} ${closeName(code)}`], ['Close reason', decodeText(e.payload.subarray(2))]);
        }
        if (e.truncated) rows.push(['Preview', 'truncated in the store; the full payload is read on demand']);
        break;
      case 'message':
        rows.push(['Direction', e.dir === 'out' ? 'sent ↑' : 'received ↓'], ['Type', e.binary ? 'binary' : 'text'], ['Size', `${e.size} bytes`]);
        if (e.wireSize !== undefined) rows.push(['Wire size', `${e.wireSize} bytes`]);
        rows.push(['Compressed', e.compressed ? 'yes (permessage-deflate)' : 'no']);
        if (e.spilled) rows.push(['Stored', 'on disk (spilled)']);
        break;
      case 'close':
        rows.push(['Code', `${e.code} ${closeName(e.code)}`], ['Reason', e.reason], ['Initiator', e.initiator], ['Clean', String(e.wasClean)]);
        break;
      case 'error':
        rows.push(['Code', e.code], ['Message', e.message]);
        if (e.closeCode !== undefined) rows.push(['Close code', `${e.closeCode} ${closeName(e.closeCode)}`]);
        break;
      case 'state':
        rows.push(['State', e.state]);
        if (e.initiator) rows.push(['Initiator', e.initiator]);
        if (e.detail) rows.push(['Detail', e.detail]);
        break;
      case 'rtt':
        rows.push(['Round trip', `${e.ms} ms`]);
        break;
      case 'info':
        rows.push(['Message', e.message]);
        if (e.data) rows.push(['Data', JSON.stringify(e.data)]);
        break;
      case 'handshake':
        rows.push(['Request', `${e.request.method} ${e.request.url}`]);
        if (e.response) rows.push(['Status', `${e.response.status} ${e.response.statusText}`]);
        break;
    }
    this.panes.get('header')!.replaceChildren(kvTable(rows));
  }

  private renderHandshake(): void {
    const pane = this.panes.get('handshake')!;
    const hs = this.handshake;
    if (!hs) {
      pane.replaceChildren(h('p', { class: 'muted', text: 'No handshake yet.' }));
      return;
    }
    const req = hs.request;
    const reqRaw = [`${req.method} ${req.path} HTTP/1.1`, ...req.headers.map(([k, v]) => `${k}: ${v}`)].join('\n');
    const parts: HTMLElement[] = [];
    const ok = hs.response?.status === 101;
    const facts: Array<[string, string]> = [['URL', req.url]];
    if (hs.response) facts.push(['Status', `${hs.response.status} ${hs.response.statusText}`]);
    if (hs.subprotocol) facts.push(['Subprotocol', hs.subprotocol]);
    if (hs.extensions) facts.push(['Extensions', hs.extensions]);
    if (hs.acceptValid !== undefined) facts.push(['Sec-WebSocket-Accept', hs.acceptValid ? 'valid' : 'INVALID']);
    parts.push(h('div', { class: `hs-status ${hs.response ? (ok ? 'ok' : 'bad') : ''}`, text: hs.response ? (ok ? 'Upgraded (101 Switching Protocols)' : `Upgrade refused: ${hs.response.status} ${hs.response.statusText}`) : 'Waiting for the response…' }));
    parts.push(kvTable(facts));
    parts.push(h('h4', { text: 'Request' }), h('pre', { class: 'raw', text: reqRaw }));
    if (hs.response) {
      const resRaw = [`HTTP/1.1 ${hs.response.status} ${hs.response.statusText}`, ...hs.response.headers.map(([k, v]) => `${k}: ${v}`)].join('\n');
      parts.push(h('h4', { text: 'Response' }), h('pre', { class: 'raw', text: resRaw }));
      if (hs.response.body !== undefined) {
        parts.push(h('h4', { text: `Response body${hs.response.bodyTruncated ? ' (truncated)' : ''}` }), h('pre', { class: 'raw body', text: hs.response.body }));
      }
    }
    pane.replaceChildren(...parts);
  }
}

function kvTable(rows: Array<[string, string]>): HTMLTableElement {
  const t = h('table', { class: 'kv' });
  for (const [k, v] of rows) t.append(h('tr', {}, h('th', { scope: 'row', text: k }), h('td', { text: v })));
  return t;
}
