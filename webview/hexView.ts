/**
 * Virtualized hex dump (offset | hex | ASCII, 16 bytes a line, or 8 or 4 when the pane is too
 * narrow for 16: the ASCII column always stays on screen): only the lines on screen exist in the
 * DOM, so a 16 MiB payload paints as fast as 16 bytes. Dragging over bytes selects a range,
 * highlighted in both the hex and the ASCII columns.
 */
import { h } from './dom';
import { VirtualList } from './virtualList';

export const HEX_ROW_HEIGHT = 18;
/** Bytes a line, widest first: the first whose line fits the pane is used. */
const WIDTHS = [16, 8, 4] as const;
/** Characters of a line of `w` bytes: offset, gaps, `w` hex pairs with spaces, the ASCII column, padding. */
const lineChars = (w: number) => 8 + 2 + w * 3 + 1 + 1 + w + 3;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const ASCII = Array.from({ length: 256 }, (_, i) => (i >= 0x20 && i < 0x7f ? String.fromCharCode(i) : '.'));

export class HexView {
  readonly el: HTMLDivElement;
  private readonly list: VirtualList;
  private data: Uint8Array = new Uint8Array(0);
  private anchor = -1;
  private focus = -1;
  private dragging = false;
  private readonly status: HTMLDivElement;
  private readonly head: HTMLDivElement;
  /** Bytes a line now. */
  private w = 16;
  onSelection?: (from: number, to: number) => void;

  constructor() {
    this.list = new VirtualList({
      rowHeight: HEX_ROW_HEIGHT,
      className: 'hex',
      createRow: () => this.createRow(),
      renderRow: (el, i) => this.renderRow(el, i),
    });
    this.list.viewport.setAttribute('role', 'table');
    this.list.viewport.setAttribute('aria-label', 'Hex dump');
    this.list.viewport.tabIndex = 0;
    this.status = h('div', { class: 'hex-status', 'aria-live': 'polite' });
    this.head = h('div', { class: 'hex-head', 'aria-hidden': 'true', text: headText(16) });
    this.el = h('div', { class: 'hex-wrap' }, this.head, this.list.viewport, this.status);
    // Narrow pane (side bars open at 1440 px): fewer bytes a line rather than an ASCII column off the edge.
    new ResizeObserver(() => this.fit()).observe(this.list.viewport);
    const v = this.list.viewport;
    v.addEventListener('mousedown', (e) => {
      const o = this.offsetOf(e.target);
      if (o === undefined) return;
      e.preventDefault();
      this.dragging = true;
      this.anchor = this.focus = o;
      this.changed();
    });
    v.addEventListener('mouseover', (e) => {
      if (!this.dragging) return;
      const o = this.offsetOf(e.target);
      if (o === undefined || o === this.focus) return;
      this.focus = o;
      this.changed();
    });
    window.addEventListener('mouseup', () => (this.dragging = false));
  }

  /** Picks the widest line that fits the pane; re-lays the lines when that changes. */
  private fit(): void {
    const px = this.list.viewport.clientWidth;
    if (!px) return;
    const probe = h('span', { class: 'hx-probe', text: '0'.repeat(10) });
    this.head.append(probe);
    const ch = probe.getBoundingClientRect().width / 10 || 7.2;
    probe.remove();
    const w: number = WIDTHS.find((n) => lineChars(n) * ch <= px) ?? 4;
    if (w === this.w) return;
    this.w = w;
    this.head.textContent = headText(w);
    this.el.dataset.bytesPerLine = String(w);
    this.list.setTotal(Math.ceil(this.data.length / w));
    this.list.render();
  }

  /** Bytes a line now (16, 8 or 4). */
  get bytesPerLine(): number {
    return this.w;
  }

  private offsetOf(t: EventTarget | null): number | undefined {
    const o = (t as HTMLElement | null)?.dataset?.o;
    return o === undefined || o === '' ? undefined : Number(o);
  }

  private changed(): void {
    this.list.render();
    const [a, b] = this.selection();
    this.status.textContent = a < 0 ? `${this.data.length} bytes` : `Selected 0x${a.toString(16)}–0x${b.toString(16)} (${b - a + 1} bytes) of ${this.data.length}`;
    if (a >= 0) this.onSelection?.(a, b + 1);
  }

  /** Selected byte range [from, to] inclusive, or [-1, -1]. */
  selection(): [number, number] {
    if (this.anchor < 0) return [-1, -1];
    return [Math.min(this.anchor, this.focus), Math.max(this.anchor, this.focus)];
  }

  /** Selects bytes [from, to) (tests, keyboard). */
  select(from: number, to: number): void {
    this.anchor = from;
    this.focus = Math.max(from, to - 1);
    this.changed();
  }

  selectedBytes(): Uint8Array {
    const [a, b] = this.selection();
    return a < 0 ? this.data : this.data.subarray(a, b + 1);
  }

  setData(b: Uint8Array): void {
    this.data = b;
    this.anchor = this.focus = -1;
    this.list.setTotal(Math.ceil(b.length / this.w));
    this.list.viewport.scrollTop = 0;
    this.list.render();
    this.status.textContent = `${b.length} bytes`;
  }

  private createRow(): HTMLElement {
    const off = h('span', { class: 'hx-off' });
    const hex = h('span', { class: 'hx-hex' });
    const asc = h('span', { class: 'hx-ascii' });
    for (let k = 0; k < WIDTHS[0]; k++) {
      hex.append(h('span', { class: k === 7 ? 'b gap' : 'b' }));
      asc.append(h('span', { class: 'a' }));
    }
    return h('div', { class: 'hx-row', role: 'row' }, off, hex, asc);
  }

  private renderRow(el: HTMLElement, line: number): void {
    const w = this.w;
    const base = line * w;
    const [sa, sb] = this.selection();
    const [off, hex, asc] = el.children as unknown as [HTMLElement, HTMLElement, HTMLElement];
    off.textContent = base.toString(16).padStart(8, '0');
    for (let k = 0; k < WIDTHS[0]; k++) {
      const i = base + k;
      const hb = hex.children[k] as HTMLElement;
      const ab = asc.children[k] as HTMLElement;
      // Spans past this line's width are not shown at all (not blank: they would take room).
      hb.hidden = ab.hidden = k >= w;
      if (k >= w) {
        hb.textContent = ab.textContent = '';
        continue;
      }
      if (i < this.data.length) {
        const c = this.data[i]!;
        hb.textContent = HEX[c]!;
        ab.textContent = ASCII[c]!;
        hb.dataset.o = ab.dataset.o = String(i);
        const s = i >= sa && i <= sb;
        hb.classList.toggle('sel', s);
        ab.classList.toggle('sel', s);
        ab.classList.toggle('np', c < 0x20 || c >= 0x7f);
      } else {
        hb.textContent = '  ';
        ab.textContent = '';
        hb.dataset.o = ab.dataset.o = '';
        hb.classList.remove('sel');
        ab.classList.remove('sel');
      }
    }
  }

  /** The text of the lines currently in the DOM (tests). */
  visibleLines(): string[] {
    return [...this.list.layer.querySelectorAll<HTMLElement>('.hx-row')].filter((r) => !r.hidden).map((r) => r.textContent ?? '');
  }

  render(): void {
    this.list.render();
  }
}

/** The column header for `w` bytes a line. */
function headText(w: number): string {
  const cols = Array.from({ length: w }, (_, k) => k.toString(16).padStart(2, '0'));
  const hex = w > 8 ? `${cols.slice(0, 8).join(' ')}  ${cols.slice(8).join(' ')}` : cols.join(' ');
  return `Offset    ${hex}  ASCII`;
}
