/**
 * Virtualized hex dump (offset | hex | ASCII, 16 bytes a line): only the lines on screen exist in
 * the DOM, so a 16 MiB payload paints as fast as 16 bytes. Dragging over bytes selects a range,
 * highlighted in both the hex and the ASCII columns.
 */
import { h } from './dom';
import { VirtualList } from './virtualList';

export const HEX_ROW_HEIGHT = 18;
const W = 16;
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
    this.el = h('div', { class: 'hex-wrap' }, h('div', { class: 'hex-head', 'aria-hidden': 'true', text: 'Offset    00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  ASCII' }), this.list.viewport, this.status);
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
    this.list.setTotal(Math.ceil(b.length / W));
    this.list.viewport.scrollTop = 0;
    this.list.render();
    this.status.textContent = `${b.length} bytes`;
  }

  private createRow(): HTMLElement {
    const off = h('span', { class: 'hx-off' });
    const hex = h('span', { class: 'hx-hex' });
    const asc = h('span', { class: 'hx-ascii' });
    for (let k = 0; k < W; k++) {
      hex.append(h('span', { class: k === 7 ? 'b gap' : 'b' }));
      asc.append(h('span', { class: 'a' }));
    }
    return h('div', { class: 'hx-row', role: 'row' }, off, hex, asc);
  }

  private renderRow(el: HTMLElement, line: number): void {
    const base = line * W;
    const [sa, sb] = this.selection();
    const [off, hex, asc] = el.children as unknown as [HTMLElement, HTMLElement, HTMLElement];
    off.textContent = base.toString(16).padStart(8, '0');
    for (let k = 0; k < W; k++) {
      const i = base + k;
      const hb = hex.children[k] as HTMLElement;
      const ab = asc.children[k] as HTMLElement;
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
