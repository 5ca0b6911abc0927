/**
 * Workbench webview entry: builds the RPC client over acquireVsCodeApi(), completes the ready
 * handshake, and renders from the snapshot. A view only: all connection state comes from the host;
 * the UI's own state (drafts, filter, selection) is kept with vscode.setState and the host's
 * viewState, so a reload or hide/show brings it back.
 *
 * Over ~400 lines: the entry wires every view part (header, request and message composers, timeline,
 * detail, saved list) to the RPC client in one place; the parts themselves live in their own files.
 */
import { RpcClient, type Transport } from '../src/shared/rpc';
import { CONTRACT_VERSION, type ConnectionSummary, type HostContract, type OutgoingMessage, type RepeatStatus, type RequestDraft, type SavedMessage, type SavedRequestInfo, type Snapshot, type TimelineEvent, type ViewFilter, type WebviewEvents } from '../src/shared/contract';
import { button, checkbox, h, icon, input, select } from './dom';
import { Timeline } from './timeline';
import { Detail, type DetailTab } from './detail';
import { MessageComposer, type MessageDraft, type SendMode } from './composer';
import { RequestComposer } from './requestComposer';
import { closeText, closeTone, formatRtt, formatSize } from './format';
import { SavedMessages } from './saved';
import { SessionControls } from './session';
import { wireProtocols } from './protocolPanel';
import './styles.css';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

const vscodeApi = acquireVsCodeApi();

const transport: Transport = {
  post: (m) => vscodeApi.postMessage(m),
  onMessage: (listener) => {
    const hnd = (e: MessageEvent) => listener(e.data);
    window.addEventListener('message', hnd);
    return () => window.removeEventListener('message', hnd);
  },
};

export const rpc = new RpcClient<HostContract, WebviewEvents>(transport);

/** What the webview keeps across reloads (vscode.setState; also the panel serializer's state). */
interface UiState {
  request?: RequestDraft;
  draft?: Partial<MessageDraft>;
  filter?: ViewFilter;
  timeMode?: 'abs' | 'delta';
  autoScroll?: boolean;
  selectedRow?: number;
  detailTab?: DetailTab;
  optionsOpen?: boolean;
  search?: { q: string; regex: boolean; matchCase: boolean };
  /** The saved request shown (file and name only), so the panel serializer can bring it back. */
  source?: { file: string; request: string };
  /** The transcript shown (its file), so the panel serializer reopens it read-only. */
  transcript?: string;
}

let ui: UiState = {};
let summary: ConnectionSummary | undefined;
let filter: ViewFilter = { mode: 'messages' };
let saveTimer: ReturnType<typeof setTimeout> | undefined;
let restoring = true;

const notice = h('div', { class: 'notice', id: 'notice', role: 'status', 'aria-live': 'polite' });
let noticeTimer: ReturnType<typeof setTimeout> | undefined;
/** Says something in the panel; an `action` (e.g. Open) is a button in the notice, which then stays longer. */
function notify(text: string, kind: 'info' | 'error' = 'info', action?: { label: string; run: () => void }): void {
  const parts: Node[] = [h('span', { class: 'notice-text', text })];
  if (action) {
    const b = button(action.label, { id: 'notice-action' });
    b.addEventListener('click', () => {
      notice.hidden = true;
      action.run();
    });
    parts.push(b);
  }
  notice.replaceChildren(...parts);
  notice.className = `notice ${kind}`;
  notice.hidden = !text;
  if (noticeTimer) clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (notice.hidden = true), kind === 'error' || action ? 10_000 : 3000);
}
/** Confirms a file the host wrote, with Open. */
function notifySaved(text: string, target: string | undefined): void {
  notify(text, 'info', target ? { label: 'Open', run: () => void rpc.call('openResult', { target }).then(undefined, fail) } : undefined);
}
function fail(err: unknown): void {
  const e = err as { code?: string; message?: string };
  notify(`${e.code ? e.code + ': ' : ''}${e.message ?? String(err)}`, 'error');
}

// ------------------------------------------------------------------ components

const timeline = new Timeline({
  getRows: (from, to) => rpc.call('getRows', { from, to }),
  onSelect: (e, row) => {
    detail.show(e);
    ui.selectedRow = row;
    persist();
  },
  onActivate: (e) => {
    detail.show(e);
    (document.querySelector('.detail-body .pane:not([hidden])') as HTMLElement | null)?.focus();
  },
  onAutoScroll: (on) => {
    autoBtn.setAttribute('aria-pressed', String(on));
    autoBtn.classList.toggle('on', on);
    ui.autoScroll = on;
    persist();
  },
  onClearFilter: () => clearFilter(),
});

const detail = new Detail({
  readPayload: (id) => rpc.call('readPayload', { id }).then((r) => r.data),
  copy: (text) => rpc.call('copy', { text }).then(() => notify('Copied to the clipboard'), fail),
  save: (id) => rpc.call('savePayload', { id }).then((r) => r.saved && notifySaved(`Saved to ${r.label ?? r.target}`, r.target), fail),
  resend: (e, data) => {
    const m: OutgoingMessage = e.kind === 'message' && !e.binary ? { text: new TextDecoder().decode(data), substitute: false } : { data };
    rpc.call('send', m).then(() => notify('Sent again'), fail);
  },
  onTab: (t) => {
    ui.detailTab = t;
    persist();
  },
  protocol: {
    protocolDetail: (id) => rpc.call('protocolDetail', { id }),
    jump: (id, row) => protocols.jump(id, row),
  },
});

/** Whether the connection is open; if not, says so in the panel (Ctrl+Enter reaches here with Send disabled). */
function isOpen(): boolean {
  if (summary?.state === 'open') return true;
  notify(summary?.state === 'closed' ? 'The connection is closed: Reconnect first' : 'Not connected: Connect first');
  return false;
}

const composerDeps = {
  connect: (request: RequestDraft) => {
    rpc.call('connect', { request }).then(() => persist(), fail);
  },
  disconnect: (code: number, reason: string) => {
    rpc.call('disconnect', { code, reason }).then(undefined, fail);
  },
  terminate: () => {
    rpc.call('terminate', {}).then(undefined, fail);
  },
  send: (message: OutgoingMessage, mode: SendMode, count: number, everyMs: number) => {
    if (!isOpen()) return;
    const p = mode === 'once' ? rpc.call('send', message) : rpc.call('sendRepeat', mode === 'times' ? { message, count } : { message, everyMs });
    p.then((r) => {
      if ('active' in r) msg.setRepeat(r as RepeatStatus);
    }, fail);
  },
  stop: () => {
    rpc.call('stopRepeat', {}).then((r) => msg.setRepeat(r), fail);
  },
  control: (type: 'ping' | 'pong', payload: Uint8Array) => {
    if (!isOpen()) return;
    rpc.call('control', { type, payload }).then(undefined, fail);
  },
  pickFile: () => rpc.call('pickFile', {}, 600_000),
  changed: () => persist(),
  saveRequest: (request: RequestDraft) => {
    // The user may be asked for a collection and a name: no timeout worth having.
    rpc.call('saveRequest', { request }, 600_000).then((r) => {
      if (!r.saved) return;
      if (r.source) showSource(r.source);
      notify(`Saved to ${r.source?.label ?? 'the collection'}`);
    }, fail);
  },
  loadRequest: () => {
    rpc.call('loadRequest', {}, 600_000).then((r) => {
      if (r.request) req.setValue(r.request);
      protocols.requestChanged();
      if (r.source) showSource(r.source);
      persist();
    }, fail);
  },
  saveMessage: (message: SavedMessage, previousName: string | undefined) => {
    rpc.call('saveMessage', { message, ...(previousName !== undefined ? { previousName } : {}) }).then((info) => {
      msg.editing = message.name.trim();
      showSource(info);
      notify(`Saved message "${message.name.trim()}"`);
    }, fail);
  },
};
const savedList = new SavedMessages({
  send: (name) => {
    rpc.call('sendSaved', { name }).then(undefined, fail);
  },
  edit: (m) => {
    if (protocols.editSaved(m)) return persist();
    msg.loadSaved(m);
    persist();
    msg.body.focus();
  },
});

/** Shows the saved request behind the panel (its messages) and lets the composer save to it. */
function showSource(info: SavedRequestInfo | undefined): void {
  savedList.show(info);
  msg.saveRow.hidden = !info || !!info.error;
  protocols.setSource(!!info && !info.error);
  ui.source = info ? { file: info.file, request: info.request } : undefined;
  persist();
}
const session = new SessionControls({
  record: (on) => {
    rpc.call('record', { on }).then((r) => {
      if (r.recording) notify(`Recording to ${r.label ?? r.file}`);
    }, fail);
  },
  transcriptAction: (action) => {
    rpc.call('transcriptAction', { action }, 600_000).then(undefined, fail);
  },
  saved: (file, label) => notifySaved(`Recording saved: ${label}`, file),
});
const req = new RequestComposer(composerDeps);
const msg = new MessageComposer(composerDeps);
// Protocol column helpers, filters, latency table and composer forms (protocolPanel.ts).
const protocols = wireProtocols({ rpc, timeline, req, notify, fail, showSource: (i) => showSource(i), applyFilter: () => applyFilter(currentFilter()), reselected: (e) => detail.protocol.show(e) });
// The composer enables what is valid on each edit; what cannot work on a closed connection stays off.
const composerSync = msg.sync.bind(msg);
msg.sync = () => {
  const r = composerSync();
  syncLiveControls();
  return r;
};

// ------------------------------------------------------------------ header and toolbar

const stateBadge = h('span', { class: 'state-badge idle', id: 'state', role: 'status', text: 'idle' });
const summaryLine = h('div', { class: 'summary-line', id: 'summary' });
const connError = h('div', { class: 'error', id: 'conn-error', role: 'alert' });

const viewButtons = (['messages', 'frames', 'all'] as const).map((m) => {
  const b = h('button', { type: 'button', class: 'seg', id: `view-${m}`, 'aria-pressed': 'false', text: m === 'messages' ? 'Messages' : m === 'frames' ? 'Frames' : 'All' });
  b.addEventListener('click', () => applyFilter({ ...filter, mode: m }));
  return b;
});
const dirIn = checkbox('In ↓', { id: 'dir-in', checked: true });
const dirOut = checkbox('Out ↑', { id: 'dir-out', checked: true });
const kindSel = select([['', 'All kinds'], ['data', 'Data'], ['lifecycle', 'Lifecycle'], ['error', 'Errors'], ['rtt', 'RTT & info']], { id: 'kind-filter', 'aria-label': 'Kind filter' });
const KIND_GROUPS: Record<string, ViewFilter['kinds']> = { data: ['message', 'frame'], lifecycle: ['handshake', 'state', 'close'], error: ['error'], rtt: ['rtt', 'info'] };
const search = input({ id: 'search', type: 'search', placeholder: 'Search payloads…', 'aria-label': 'Search payloads' });
const regexBox = checkbox('.*', { id: 'search-regex', title: 'Regular expression' });
const caseBox = checkbox('Aa', { id: 'search-case', title: 'Match case' });
const searchError = h('span', { class: 'error', id: 'search-error', role: 'alert' });
const rowCount = h('span', { class: 'muted', id: 'row-count', 'aria-live': 'polite' });
const timeBtn = button('Time: absolute', { icon: 'clock', id: 'time-mode' });
const autoBtn = button('Auto-scroll', { icon: 'pinned', id: 'autoscroll', iconOnly: true });
autoBtn.setAttribute('aria-pressed', 'true');
autoBtn.classList.add('on');
const clearBtn = button('Clear', { icon: 'clear-all', id: 'clear', iconOnly: true });
const exportSel = select([['', 'Export…'], ['ndjson', 'Transcript (NDJSON)'], ['har', 'HAR'], ['clipboard', 'Selection to clipboard']], { id: 'export', 'aria-label': 'Export' });

for (const b of [dirIn.box, dirOut.box]) b.addEventListener('change', () => applyFilter(currentFilter()));
kindSel.addEventListener('change', () => applyFilter(currentFilter()));
let searchTimer: ReturnType<typeof setTimeout> | undefined;
for (const el of [search]) el.addEventListener('input', () => {
  if (searchTimer) clearTimeout(searchTimer);
  searchTimer = setTimeout(() => applyFilter(currentFilter()), 150);
});
for (const b of [regexBox.box, caseBox.box]) b.addEventListener('change', () => applyFilter(currentFilter()));
timeBtn.addEventListener('click', () => {
  timeline.setTimeMode(timeline.timeMode === 'abs' ? 'delta' : 'abs');
  syncTimeBtn();
  ui.timeMode = timeline.timeMode;
  persist();
});
function syncTimeBtn(): void {
  const label = timeline.timeMode === 'abs' ? 'Time: absolute' : 'Time: delta';
  timeBtn.textContent = label;
  timeBtn.setAttribute('aria-label', label);
}
autoBtn.addEventListener('click', () => timeline.setAutoScroll(!timeline.autoScroll));
clearBtn.addEventListener('click', () => rpc.call('clear', {}).then(() => detail.show(undefined), fail));
exportSel.addEventListener('change', () => {
  const format = exportSel.value as 'ndjson' | 'har' | 'clipboard' | '';
  exportSel.value = '';
  if (!format) return;
  const ids = format === 'clipboard' ? (timeline.selectedId !== undefined ? [timeline.selectedId] : []) : undefined;
  if (format === 'clipboard' && !ids?.length) return notify('Select a row first', 'error');
  rpc.call('export', { format, ...(ids ? { ids } : {}) }, 600_000).then((r) => {
    if (!r.saved) return;
    if (format === 'clipboard') notify('Copied the selection');
    else notifySaved(`${format === 'har' ? 'HAR' : 'Transcript'} exported to ${r.label ?? r.target}`, r.target);
  }, fail);
});

function currentFilter(): ViewFilter {
  const f: ViewFilter = { mode: filter.mode };
  const dirs = [...(dirIn.box.checked ? ['in' as const] : []), ...(dirOut.box.checked ? ['out' as const] : [])];
  if (dirs.length < 2) f.dirs = dirs;
  const kinds = KIND_GROUPS[kindSel.value];
  if (kinds) f.kinds = kinds;
  protocols.filter.apply(f);
  const q = search.value;
  if (q) {
    if (regexBox.box.checked) {
      f.regex = q;
      if (!caseBox.box.checked) f.regexFlags = 'i';
    } else if (caseBox.box.checked) f.text = q;
    else {
      f.regex = q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      f.regexFlags = 'i';
    }
  }
  return f;
}

function syncFilterControls(f: ViewFilter): void {
  for (const b of viewButtons) b.setAttribute('aria-pressed', String(b.id === `view-${f.mode}`));
  dirIn.box.checked = !f.dirs || f.dirs.includes('in');
  dirOut.box.checked = !f.dirs || f.dirs.includes('out');
  kindSel.value = Object.entries(KIND_GROUPS).find(([, k]) => JSON.stringify(k) === JSON.stringify(f.kinds))?.[0] ?? '';
  protocols.filter.sync(f);
}

let filterSeq = 0;
/** Asks the host for a new view; the timeline renumbers its rows. */
function applyFilter(f: ViewFilter): Promise<void> {
  // The host compiles the regex with the engine that runs it (RE2, linear time) and refuses what it
  // cannot run; the view goes back to the filter the host still has.
  const prev = filter;
  searchError.textContent = '';
  filter = f;
  ui.filter = f;
  syncFilterControls(f);
  timeline.setMode(f.mode);
  persist();
  const seq = ++filterSeq;
  const t0 = performance.now();
  return rpc.call('setView', { filter: f }).then(
    (r) => {
      if (seq !== filterSeq) return;
      timeline.reset(r.total);
      detail.show(undefined);
      setRowCount(r.total, r.unfiltered);
      document.body.dataset.filterMs = String(performance.now() - t0);
      document.body.dataset.filterSeq = String(seq);
    },
    (err: unknown) => {
      const e = err as { code?: string; message?: string };
      if (e.code !== 'WSWB_PANEL_BAD_REGEX') return fail(err);
      if (seq !== filterSeq) return;
      filter = prev;
      ui.filter = prev;
      syncFilterControls(prev);
      timeline.setMode(prev.mode);
      persist();
      searchError.textContent = `Invalid regex: ${regexWhy(e.message ?? '')}`;
    },
  );
}

/** The compiler's reason without the words the label already says ("Invalid regex: invalid regular expression: …") or the flags it prefixed. */
function regexWhy(message: string): string {
  return message.replace(/^(\s*invalid regular expression:\s*)+/i, '').replace(/`\(\?[imsu]+\)/g, '`');
}

/** Whether the filter narrows the mode's rows (direction, kind, search). */
function isFiltered(f: ViewFilter): boolean {
  return !!(f.text || f.regex || f.dirs?.length || f.kinds?.length || f.protocol || f.operation);
}

/** Back to every row of the current mode: the search, direction and kind filters are cleared. */
function clearFilter(): Promise<void> {
  search.value = '';
  protocols.filter.clear();
  return applyFilter({ mode: filter.mode });
}

/** Rows shown: "N rows", or "N of M rows" while a filter narrows the view (M: the mode's rows). */
let unfilteredRows: number | undefined;
function setRowCount(total: number, unfiltered?: number): void {
  if (unfiltered !== undefined) unfilteredRows = unfiltered;
  const filtered = isFiltered(filter);
  timeline.setFiltered(filtered);
  const n = total.toLocaleString('en-US');
  const noun = (k: number) => (k === 1 ? 'row' : 'rows');
  rowCount.textContent = filtered && unfilteredRows !== undefined ? `${n} of ${unfilteredRows.toLocaleString('en-US')} ${noun(unfilteredRows)}` : `${n} ${noun(total)}`;
}

/**
 * Send, Ping, Pong and Close work on an open connection only: otherwise they are disabled (the header
 * offers Connect or Reconnect). Drop TCP also works while connecting or closing. Applied after each of
 * the composer's own validations (which enable what is valid).
 */
function syncLiveControls(): void {
  const state = summary?.state ?? 'idle';
  const open = state === 'open';
  const why = open ? '' : state === 'closed' ? 'The connection is closed: Reconnect first' : state === 'idle' ? 'Not connected: Connect first' : `The connection is ${state}`;
  for (const b of [msg.sendBtn, msg.pingBtn, msg.pongBtn, msg.closeBtn]) {
    if (!open) b.disabled = true;
    b.title = why || (b === msg.sendBtn ? 'Send (Ctrl/Cmd+Enter)' : b.getAttribute('aria-label') ?? '');
  }
  const live = open || state === 'connecting' || state === 'closing';
  if (!live) msg.terminateBtn.disabled = true;
  else msg.terminateBtn.disabled = false;
  document.body.dataset.live = String(open);
}

let lastState: string | undefined;
function renderSummary(s: ConnectionSummary | undefined): void {
  summary = s;
  const state = s?.state ?? 'idle';
  stateBadge.textContent = session.isTranscript ? 'transcript' : state === 'closed' && s?.closeCode !== undefined ? `closed ${s.closeCode}` : state;
  stateBadge.className = session.isTranscript ? 'state-badge transcript' : `state-badge ${state}${state === 'closed' && s?.closeCode !== undefined ? ` ${closeTone({ code: s.closeCode, wasClean: s.closeClean ?? true })}` : ''}`;
  session.update(s);
  document.body.dataset.state = state;
  const busy = state === 'open' || state === 'connecting' || state === 'closing';
  req.disconnectBtn.hidden = !busy;
  // Only on change: rewriting a vscode-button's text re-slots and re-renders it (header updates come up to 60 times a second).
  const connectLabel = state === 'closed' ? 'Reconnect' : 'Connect';
  if (req.connectBtn.textContent !== connectLabel) req.connectBtn.textContent = connectLabel;
  req.connectBtn.hidden = busy;
  const parts: Array<Node | string> = [];
  if (s) {
    const hs = s.handshake;
    if (hs?.subprotocol) parts.push(h('span', { class: 'chip', title: 'Negotiated subprotocol', text: `protocol ${hs.subprotocol}` }));
    if (hs?.extensions) parts.push(h('span', { class: 'chip', title: 'Negotiated extensions', text: hs.extensions }));
    const c = s.counters;
    parts.push(
      h('span', { class: 'stat', title: 'Messages received' }, icon('arrow-down'), ` ${c.messagesIn} · ${formatSize(c.bytesIn)}`),
      h('span', { class: 'stat', title: 'Messages sent' }, icon('arrow-up'), ` ${c.messagesOut} · ${formatSize(c.bytesOut)}`),
      h('span', { class: 'stat', title: 'Frames in / out' }, icon('layers'), ` ${c.framesIn}/${c.framesOut} frames`),
      h('span', { class: 'stat', title: 'Dropped events (always 0: the store spills to disk)' }, `dropped ${c.dropped}`),
    );
    if (s.rttMs !== undefined) parts.push(h('span', { class: 'stat', title: 'Ping round-trip time' }, icon('pulse'), ` ${formatRtt(s.rttMs)}`));
    if (s.closeCode !== undefined) parts.push(h('span', { class: 'chip', id: 'close-info', title: 'Close code, reason and who closed the connection', text: closeText(s.closeCode, s.closeReason, s.closeInitiator, s.closeClean) }));
  }
  summaryLine.replaceChildren(...parts);
  // On a state change the composer re-validates (enabling what is valid), then the closed state disables.
  if (state !== lastState) msg.sync();
  else syncLiveControls();
  lastState = state;
  connError.textContent = s?.error && state !== 'open' ? `${s.error.code}: ${s.error.message}` : '';
  detail.setHandshake(s?.handshake);
  protocols.connection(s);
}

// ------------------------------------------------------------------ state

function persist(): void {
  if (restoring) return;
  ui.request = req.persistable();
  ui.draft = msg.draft();
  ui.optionsOpen = req.optionsOpen;
  ui.timeMode = timeline.timeMode;
  ui.search = { q: search.value, regex: regexBox.box.checked, matchCase: caseBox.box.checked };
  vscodeApi.setState(ui);
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    rpc.call('saveViewState', { state: ui as Record<string, unknown> }).catch(() => undefined);
  }, 300);
}
req.optionsBtn.addEventListener('click', () => persist());

// ------------------------------------------------------------------ layout

function layout(): HTMLElement {
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Timeline' },
    h('div', { class: 'segmented', role: 'group', 'aria-label': 'View' }, ...viewButtons),
    dirIn.label, dirOut.label, kindSel, protocols.filter.el,
    h('div', { class: 'search' }, icon('search'), search, regexBox.label, caseBox.label),
    searchError,
    h('span', { class: 'spacer' }),
    rowCount, protocols.latency.toggle, timeBtn, autoBtn, clearBtn, exportSel,
  );
  return h('div', { class: 'workbench' },
    h('header', { class: 'top' }, stateBadge, session.rec, req.bar, session.recordBtn),
    session.banner,
    req.options,
    h('div', { class: 'info-line' }, summaryLine, req.errorEl, connError),
    h('main', { class: 'split' },
      h('section', { class: 'timeline-section', 'aria-label': 'Timeline' }, toolbar, timeline.el, protocols.latency.el),
      detail.el,
    ),
    savedList.el,
    protocols.composer.el,
    protocols.codec.el,
    msg.el,
    notice,
  );
}

function render(snapshot: Snapshot): void {
  const app = document.getElementById('app')!;
  app.replaceChildren(layout());
  notice.hidden = true;
  const saved = (vscodeApi.getState() as UiState | null) ?? (snapshot.viewState as UiState | undefined) ?? {};
  ui = { ...saved };
  const request = saved.request ?? snapshot.connection?.request;
  if (request) req.setValue(request);
  protocols.requestChanged();
  if (saved.optionsOpen) req.toggleOptions(true);
  msg.setDraft(saved.draft ?? {});
  timeline.setTimeMode(saved.timeMode ?? 'abs');
  syncTimeBtn();
  if (saved.detailTab) detail.setTab(saved.detailTab);
  session.showTranscript(snapshot.transcript);
  ui.transcript = snapshot.transcript?.file;
  renderSummary(snapshot.connection);
  if (snapshot.repeat) msg.setRepeat(snapshot.repeat);
  savedList.show(snapshot.source);
  protocols.setSource(!!snapshot.source && !snapshot.source.error);
  msg.saveRow.hidden = !snapshot.source || !!snapshot.source.error;
  ui.source = snapshot.source ? { file: snapshot.source.file, request: snapshot.source.request } : undefined;
  filter = snapshot.view?.filter ?? { mode: 'messages' };
  syncFilterControls(filter);
  timeline.setMode(filter.mode);
  const wanted = saved.filter;
  if (saved.search) {
    search.value = saved.search.q;
    regexBox.box.checked = saved.search.regex;
    caseBox.box.checked = saved.search.matchCase;
  }
  const total = snapshot.view?.total ?? 0;
  timeline.reset(total);
  setRowCount(total, snapshot.view?.unfiltered);
  const auto = saved.autoScroll ?? true;
  if (!auto) timeline.setAutoScroll(false);
  if (wanted && JSON.stringify(wanted) !== JSON.stringify(filter)) void applyFilter(wanted);
  else if (saved.selectedRow !== undefined && saved.selectedRow >= 0 && saved.selectedRow < total) timeline.select(saved.selectedRow);
  document.body.dataset.ready = 'true';
  restoring = false;
  persist();
}

rpc.onEvent('events', (e) => {
  timeline.update(e.total, e.tailFrom, e.tail as TimelineEvent[], e.reset);
  setRowCount(e.total, e.unfiltered);
  if (e.reset && e.total === 0) detail.show(undefined);
  protocols.latency.changed();
});
rpc.onEvent('connection', (s) => renderSummary(s));
rpc.onEvent('repeat', (s) => msg.setRepeat(s));
rpc.onEvent('source', (s) => showSource(s));

rpc.call('ready', { contractVersion: CONTRACT_VERSION }).then(render, (err: { code?: string; message?: string }) => {
  const app = document.getElementById('app')!;
  app.textContent = `Could not start: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(err)}`;
});

/** Test and bench hooks (read-only views of the UI's internals). */
(window as unknown as { __wb: unknown }).__wb = {
  timeline,
  detail,
  get summary() {
    return summary;
  },
  domRows: () => timeline.list.domRows,
};
