/**
 * The timeline: a virtualized ARIA grid over the host's view rows. It keeps a bounded cache of rows
 * around the viewport, asks the host for missing windows, and follows new rows while auto-scroll is
 * on (scrolling up pauses it; End or scrolling back to the bottom resumes it).
 */
import type { TimelineEvent, ViewFilter } from '../src/shared/contract';
import { button, h, type VscodeButton } from './dom';
import { VirtualList } from './virtualList';
import { renderProtocolCell } from './protocolCells';
import { closeTone, formatDelta, formatTime, frameFlags, kindLabel, sizeText, summaryText } from './format';

export const ROW_HEIGHT = 22;
const OVERSCAN = 60;
const CACHE_MAX = 6000;

export interface TimelineDeps {
  getRows(from: number, to: number): Promise<{ from: number; events: TimelineEvent[]; total: number }>;
  onSelect(e: TimelineEvent | undefined, row: number): void;
  onActivate(e: TimelineEvent): void;
  onAutoScroll(on: boolean): void;
  /** The empty view's "Clear the filter" action. */
  onClearFilter?(): void;
}

const EMPTY_TEXT = 'No events yet. Connect, then send a message.';
const EMPTY_FILTERED = 'No row matches the filter.';

/** Columns the user can resize (the direction arrow is fixed; the data and protocol columns share the rest). */
const RESIZABLE = ['idx', 'time', 'type', 'flags', 'size'];

// The protocol cell comes last in the DOM (cell indexes stay stable) and is placed before Data by CSS.
const COLS = ['c-idx', 'c-time', 'c-dir', 'c-type', 'c-flags', 'c-size', 'c-summary', 'c-proto'] as const;

export class Timeline {
  readonly el: HTMLDivElement;
  readonly list: VirtualList;
  private readonly cache = new Map<number, TimelineEvent>();
  private total = 0;
  private inflight: { from: number; to: number } | undefined;
  private wanted: { from: number; to: number } | undefined;
  private range = { first: 0, last: 0 };
  selectedRow = -1;
  selectedId: number | undefined;
  autoScroll = true;
  timeMode: 'abs' | 'delta' = 'abs';
  private mode: ViewFilter['mode'] = 'messages';
  private generation = 0;
  private readonly empty: HTMLDivElement;
  private readonly emptyText: HTMLSpanElement;
  private readonly emptyClear: VscodeButton;
  private filtered = false;

  constructor(private readonly deps: TimelineDeps) {
    this.list = new VirtualList({
      rowHeight: ROW_HEIGHT,
      className: 'timeline',
      createRow: () => this.createRow(),
      renderRow: (el, i) => this.renderRow(el, i),
      onRange: (first, last) => this.onRange(first, last),
      onUserScroll: (atEnd) => this.setAutoScroll(atEnd),
      stickToEnd: () => this.autoScroll,
    });
    const v = this.list.viewport;
    v.setAttribute('role', 'grid');
    v.setAttribute('aria-label', 'Timeline');
    v.setAttribute('aria-readonly', 'true');
    v.tabIndex = 0;
    v.addEventListener('keydown', (e) => this.onKey(e));
    v.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
      if (row?.dataset.index) this.select(Number(row.dataset.index));
    });
    v.addEventListener('dblclick', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
      const ev = row?.dataset.index ? this.cache.get(Number(row.dataset.index)) : undefined;
      if (ev) this.deps.onActivate(ev);
    });
    const header = h('div', { class: 'row header', role: 'row' },
      ...[['#', 'c-idx'], ['Time', 'c-time'], ['', 'c-dir'], ['Type', 'c-type'], ['Frame', 'c-flags'], ['Size', 'c-size'], ['Data', 'c-summary'], ['Protocol', 'c-proto']].map(([t, c]) => {
        const cell = h('div', { class: `cell ${c}`, role: 'columnheader' }, h('span', { class: 'col-title', text: t! }));
        const name = c!.slice(2);
        if (RESIZABLE.includes(name)) cell.append(this.resizeHandle(name, t!));
        return cell;
      }),
    );
    this.emptyText = h('span', { id: 'timeline-empty-text', text: EMPTY_TEXT });
    this.emptyClear = button('Clear the filter', { icon: 'clear-all', id: 'clear-filter' });
    this.emptyClear.hidden = true;
    this.emptyClear.addEventListener('click', () => this.deps.onClearFilter?.());
    this.empty = h('div', { class: 'timeline-empty', id: 'timeline-empty', role: 'status' }, this.emptyText, ' ', this.emptyClear);
    this.el = h('div', { class: 'timeline-wrap mode-messages' }, h('div', { class: 'timeline-head', role: 'presentation' }, header), this.list.viewport, this.empty);
  }

  /**
   * A drag handle on a column's right edge (arrow keys move it too; double-click fits the column to
   * the rows on screen). The width lives in a CSS variable of the timeline, so every row follows.
   */
  private resizeHandle(name: string, title: string): HTMLElement {
    const handle = h('span', { class: 'col-resize', id: `resize-${name}`, role: 'separator', 'aria-orientation': 'vertical', 'aria-label': `Resize the ${title || '#'} column`, tabindex: '0' });
    const width = () => (handle.parentElement as HTMLElement).getBoundingClientRect().width;
    const set = (px: number) => {
      this.el.style.setProperty(`--w-${name}`, `${Math.round(Math.max(24, Math.min(600, px)))}px`);
      this.list.render();
    };
    handle.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      e.stopPropagation();
      const x0 = e.clientX;
      const w0 = width();
      handle.setPointerCapture(e.pointerId);
      const move = (m: PointerEvent) => set(w0 + m.clientX - x0);
      const up = () => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
    });
    handle.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        e.preventDefault();
        set(width() + (e.key === 'ArrowLeft' ? -8 : 8));
      }
    });
    handle.addEventListener('dblclick', () => {
      const cells = [...this.list.viewport.querySelectorAll<HTMLElement>(`.row:not([hidden]) .c-${name}`)];
      const fit = Math.max(24, ...cells.map((c) => c.scrollWidth)) + 2;
      set(fit);
    });
    return handle;
  }

  private createRow(): HTMLElement {
    const row = h('div', { class: 'row', role: 'row', 'aria-selected': 'false' });
    for (const c of COLS) row.append(h('div', { class: `cell ${c}`, role: 'gridcell' }));
    return row;
  }

  private renderRow(el: HTMLElement, i: number): void {
    const e = this.cache.get(i);
    el.dataset.index = String(i);
    el.setAttribute('aria-rowindex', String(i + 2));
    const sel = i === this.selectedRow;
    el.classList.toggle('selected', sel);
    el.setAttribute('aria-selected', String(sel));
    el.id = sel ? 'tl-selected' : '';
    const cells = el.children;
    const set = (k: number, t: string) => {
      const c = cells[k] as HTMLElement;
      if (c.textContent !== t) c.textContent = t;
    };
    if (!e) {
      el.className = `row loading${sel ? ' selected' : ''}`;
      set(0, '');
      for (let k = 1; k < COLS.length; k++) set(k, k === 6 ? '…' : '');
      renderProtocolCell(el, cells[7] as HTMLElement, undefined);
      return;
    }
    const dir = 'dir' in e ? e.dir : '';
    const kind = e.kind === 'frame' ? (e.opcode >= 8 ? 'control' : 'data') : e.kind;
    el.className = `row k-${e.kind} ${kind === 'control' ? 'control' : ''} ${dir ? 'd-' + dir : ''} ${e.kind === 'error' ? 'err' : ''}${e.kind === 'close' ? ` ${closeTone(e)}` : ''}${e.kind === 'info' && e.data?.expect ? ` expect-${String(e.data.expect)}` : ''}${sel ? ' selected' : ''}`;
    el.dataset.id = String(e.id);
    // One identity: the # column is the event id, the same as the detail title's and the one a
    // filtered view keeps (rows are not renumbered).
    set(0, String(e.id));
    if (this.timeMode === 'abs') set(1, formatTime(e.time));
    else {
      const prev = this.cache.get(i - 1);
      set(1, prev ? formatDelta(e.time - prev.time) : i === 0 ? '+0 ms' : '');
    }
    set(2, dir === 'out' ? '↑' : dir === 'in' ? '↓' : '•');
    (cells[2] as HTMLElement).title = dir === 'out' ? 'sent' : dir === 'in' ? 'received' : '';
    // The All view shows a message and then its frames: the frames are marked as nested under it.
    const nested = this.mode === 'all' && e.kind === 'frame';
    el.classList.toggle('nested', nested);
    set(3, nested ? `↳ ${kindLabel(e)}` : kindLabel(e));
    (cells[3] as HTMLElement).title = nested ? 'A frame of the message above' : '';
    set(4, frameFlags(e));
    set(5, sizeText(e));
    set(6, summaryText(e));
    if (renderProtocolCell(el, cells[7] as HTMLElement, e) && !this.withProtocol) {
      this.withProtocol = true;
      this.el.classList.add('with-proto');
    }
  }

  /** Whether a decoded row was shown: the Protocol column then takes its width. */
  private withProtocol = false;

  setMode(mode: ViewFilter['mode']): void {
    this.mode = mode;
    this.el.classList.toggle('mode-messages', mode === 'messages');
    this.el.classList.toggle('mode-frames', mode !== 'messages');
    this.el.classList.toggle('mode-all', mode === 'all');
  }

  /** Whether a filter (direction, kind, search) narrows the view: the empty view says so and offers to clear it. */
  setFiltered(on: boolean): void {
    this.filtered = on;
    this.syncEmpty();
  }

  private syncEmpty(): void {
    this.empty.hidden = this.total > 0;
    const text = this.filtered ? EMPTY_FILTERED : EMPTY_TEXT;
    if (this.emptyText.textContent !== text) this.emptyText.textContent = text;
    this.emptyClear.hidden = !this.filtered;
  }

  setTimeMode(m: 'abs' | 'delta'): void {
    this.timeMode = m;
    this.list.render();
  }

  setAutoScroll(on: boolean): void {
    if (this.autoScroll === on) return;
    this.autoScroll = on;
    this.deps.onAutoScroll(on);
    if (on) this.list.scrollToEnd();
  }

  /** A new total and the view's newest rows (from an `events` post or a snapshot). */
  update(total: number, tailFrom: number, tail: TimelineEvent[], reset = false): void {
    if (reset) {
      this.cache.clear();
      this.generation++;
      this.inflight = undefined;
      if (total === 0) this.select(-1);
    }
    this.total = total;
    for (let k = 0; k < tail.length; k++) this.cache.set(tailFrom + k, tail[k]!);
    this.syncEmpty();
    this.list.viewport.setAttribute('aria-rowcount', String(total + 1));
    this.list.setTotal(total);
    if (this.autoScroll) this.list.scrollToEnd();
    this.evict();
  }

  /** Forget cached rows (new filter): the host renumbers the view. */
  reset(total: number): void {
    this.update(total, 0, [], true);
    this.selectedRow = -1;
  }

  /**
   * Updates cached rows in place (`update` gets each cached event whose id is in `ids`, and returns
   * its new version) and re-renders; returns the new version of the selected row's event if it changed.
   */
  patchEvents(ids: ReadonlySet<number>, update: (e: TimelineEvent) => TimelineEvent): TimelineEvent | undefined {
    let selected: TimelineEvent | undefined;
    for (const [i, e] of this.cache) {
      if (!ids.has(e.id)) continue;
      const next = update(e);
      this.cache.set(i, next);
      if (i === this.selectedRow) selected = next;
    }
    this.list.render();
    return selected;
  }

  get rowCount(): number {
    return this.total;
  }

  rowAt(i: number): TimelineEvent | undefined {
    return this.cache.get(i);
  }

  private evict(): void {
    if (this.cache.size <= CACHE_MAX) return;
    const lo = this.range.first - 1000;
    const hi = this.range.last + 1000;
    for (const k of this.cache.keys()) if ((k < lo || k > hi) && k !== this.selectedRow) this.cache.delete(k);
  }

  private onRange(first: number, last: number): void {
    this.range = { first, last };
    let missing = false;
    for (let i = first; i < last; i++) if (!this.cache.has(i)) { missing = true; break; }
    if (!missing) return;
    const from = Math.max(0, first - OVERSCAN);
    const to = Math.min(this.total, last + OVERSCAN);
    this.wanted = { from, to };
    this.fetch();
  }

  private fetch(): void {
    if (this.inflight || !this.wanted) return;
    const w = this.wanted;
    this.wanted = undefined;
    this.inflight = w;
    const gen = this.generation;
    this.deps.getRows(w.from, w.to).then(
      (r) => {
        if (gen !== this.generation) return;
        this.inflight = undefined;
        r.events.forEach((e, k) => this.cache.set(r.from + k, e));
        this.list.render();
        if (this.selectedRow >= r.from && this.selectedRow < r.from + r.events.length) this.notifySelection();
        this.fetch();
      },
      () => {
        this.inflight = undefined;
      },
    );
  }

  /** Selects a row (−1: none) and scrolls it into view. */
  select(row: number, notify = true): void {
    if (row >= this.total) row = this.total - 1;
    this.selectedRow = row;
    const e = row >= 0 ? this.cache.get(row) : undefined;
    this.selectedId = e?.id;
    if (row >= 0) this.list.scrollToIndex(row);
    else this.list.render();
    if (row >= 0) this.list.viewport.setAttribute('aria-activedescendant', 'tl-selected');
    else this.list.viewport.removeAttribute('aria-activedescendant');
    if (notify) this.notifySelection();
  }

  private notifySelection(): void {
    const e = this.selectedRow >= 0 ? this.cache.get(this.selectedRow) : undefined;
    if (e) this.selectedId = e.id;
    this.deps.onSelect(e, this.selectedRow);
  }

  private onKey(ev: KeyboardEvent): void {
    const page = this.list.rowsPerScreen;
    let next: number | undefined;
    switch (ev.key) {
      case 'ArrowDown':
        next = Math.min(this.total - 1, this.selectedRow + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, this.selectedRow - 1);
        break;
      case 'PageDown':
        next = Math.min(this.total - 1, Math.max(0, this.selectedRow) + page);
        break;
      case 'PageUp':
        next = Math.max(0, this.selectedRow - page);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.total - 1;
        break;
      case 'Enter': {
        const e = this.cache.get(this.selectedRow);
        if (e) this.deps.onActivate(e);
        ev.preventDefault();
        return;
      }
      default:
        return;
    }
    ev.preventDefault();
    if (this.total === 0) return;
    if (ev.key !== 'End' && this.autoScroll) this.setAutoScroll(false);
    this.select(next);
    if (ev.key === 'End') this.setAutoScroll(true);
  }
}
