/**
 * A virtualized list with fixed row height: a pool of row elements (about one screenful) moved over
 * a spacer. Nothing here is O(total): adding rows changes one number and the spacer's height.
 *
 * Browsers cap an element's height (~33M px in Chromium), so past MAX_SPACER_PX the scroll
 * position maps linearly onto row indices instead of one pixel per pixel:
 *
 *   scrollTop ∈ [0, spacer − viewport]  ──▶  first row ∈ [0, total − rowsPerScreen]
 */
import { h } from './dom';

const MAX_SPACER_PX = 8_000_000;

export interface VirtualListOptions {
  rowHeight: number;
  className: string;
  createRow(): HTMLElement;
  renderRow(el: HTMLElement, index: number): void;
  /** Called after each render with the visible range [first, last). */
  onRange?(first: number, last: number): void;
  /** Called on user scroll (not on programmatic scroll). */
  onUserScroll?(atEnd: boolean): void;
  /** Whether a resize of the viewport should keep it scrolled to the end (auto-scroll on). */
  stickToEnd?: () => boolean;
}

export class VirtualList {
  readonly viewport: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  readonly layer: HTMLDivElement;
  private readonly inner: HTMLDivElement;
  private readonly pool: HTMLElement[] = [];
  private _total = 0;
  private height = 0;
  private raf = 0;
  private expectTop = -1;
  private _first = 0;

  constructor(private readonly o: VirtualListOptions) {
    this.spacer = h('div', { class: 'vl-spacer' });
    // The layer is sticky and exactly one viewport tall, so it never adds to the scroll height;
    // the spacer pulls itself up under it by the same amount.
    this.inner = h('div', { class: 'vl-inner' });
    this.layer = h('div', { class: 'vl-layer' }, this.inner);
    this.viewport = h('div', { class: `vl-viewport ${o.className}` }, this.layer, this.spacer);
    this.viewport.addEventListener('scroll', () => {
      // A scroll we caused lands where we put it; anything else is the user.
      if (Math.abs(this.viewport.scrollTop - this.expectTop) >= 1) this.o.onUserScroll?.(this.atEnd());
      this.schedule();
    }, { passive: true });
    new ResizeObserver(() => {
      this.height = this.viewport.clientHeight;
      this.layer.style.height = `${this.height}px`;
      this.spacer.style.marginTop = `-${this.height}px`;
      // Components above the list render after it (Lit updates are async) and shrink it: stay pinned.
      if (this.o.stickToEnd?.()) this.scrollToEnd();
      this.render();
    }).observe(this.viewport);
  }

  get total(): number {
    return this._total;
  }

  /** First row index currently rendered at the top. */
  get first(): number {
    return this._first;
  }

  /** Rows that fit in the viewport. */
  get rowsPerScreen(): number {
    return Math.max(1, Math.floor((this.height || this.viewport.clientHeight) / this.o.rowHeight));
  }

  /** Number of row elements in the DOM (bounded by the screen, not by total). */
  get domRows(): number {
    return this.pool.length;
  }

  setTotal(n: number): void {
    this._total = n;
    this.spacer.style.height = `${Math.min(n * this.o.rowHeight, MAX_SPACER_PX)}px`;
    this.schedule();
  }

  private scaled(): { scale: boolean; maxScroll: number; maxFirst: number } {
    const vh = this.height || this.viewport.clientHeight;
    const content = this._total * this.o.rowHeight;
    const spacerH = Math.min(content, MAX_SPACER_PX);
    return { scale: content > MAX_SPACER_PX, maxScroll: Math.max(0, spacerH - vh), maxFirst: Math.max(0, this._total - vh / this.o.rowHeight) };
  }

  /** Fractional first row for the current scrollTop. */
  private firstFloat(): number {
    const st = this.viewport.scrollTop;
    const s = this.scaled();
    if (!s.scale) return st / this.o.rowHeight;
    return s.maxScroll > 0 ? (st / s.maxScroll) * s.maxFirst : 0;
  }

  private scrollTopFor(firstRow: number): number {
    const s = this.scaled();
    if (!s.scale) return firstRow * this.o.rowHeight;
    return s.maxFirst > 0 ? (firstRow / s.maxFirst) * s.maxScroll : 0;
  }

  private setScrollTop(top: number): void {
    const clamped = Math.max(0, Math.min(top, this.viewport.scrollHeight - this.viewport.clientHeight));
    if (Math.abs(this.viewport.scrollTop - clamped) >= 1) {
      this.viewport.scrollTop = clamped;
      this.expectTop = this.viewport.scrollTop;
    }
    this.render();
  }

  /** Whether the view shows the last row. */
  atEnd(): boolean {
    const v = this.viewport;
    return v.scrollTop + v.clientHeight >= v.scrollHeight - 2;
  }

  scrollToEnd(): void {
    this.setScrollTop(this.viewport.scrollHeight);
  }

  /** Scrolls so that row `i` is visible (only if it is not already). */
  scrollToIndex(i: number, align: 'nearest' | 'start' = 'nearest'): void {
    const first = this.firstFloat();
    const rows = this.rowsPerScreen;
    if (align === 'start') this.setScrollTop(this.scrollTopFor(i));
    else if (i < first) this.setScrollTop(this.scrollTopFor(i));
    else if (i >= first + rows - 0.01) this.setScrollTop(this.scrollTopFor(i - rows + 1));
    else this.render();
  }

  schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.render();
    });
  }

  /** Re-renders the visible rows now. */
  render(): void {
    const rh = this.o.rowHeight;
    const vh = this.height || this.viewport.clientHeight;
    const need = Math.min(this._total, Math.ceil(vh / rh) + 2);
    while (this.pool.length < need) {
      const el = this.o.createRow();
      el.style.top = `${this.pool.length * rh}px`;
      this.pool.push(el);
      this.inner.append(el);
    }
    while (this.pool.length > need) this.pool.pop()!.remove();
    const ff = Math.max(0, Math.min(this.firstFloat(), Math.max(0, this._total - 1)));
    const first = Math.floor(ff);
    this._first = first;
    this.inner.style.transform = `translateY(${-(ff - first) * rh}px)`;
    let last = first;
    for (let k = 0; k < this.pool.length; k++) {
      const idx = first + k;
      const el = this.pool[k]!;
      if (idx < this._total) {
        el.hidden = false;
        this.o.renderRow(el, idx);
        last = idx + 1;
      } else el.hidden = true;
    }
    this.o.onRange?.(first, last);
  }
}
