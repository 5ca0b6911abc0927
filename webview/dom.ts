/**
 * Tiny DOM helpers. Everything coming from the host or a server is set with textContent or
 * attributes, never parsed as HTML: this file has no innerHTML on purpose.
 */
type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element with attributes (class, aria-*, data-*, …), text and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Node | string | null | undefined | false>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, val] of Object.entries(attrs)) {
    if (val === undefined || val === false) continue;
    if (k === 'class') el.className = String(val);
    else if (k === 'text') el.textContent = String(val);
    else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(val);
    else if (k === 'checked' && 'checked' in el) (el as HTMLInputElement).checked = Boolean(val);
    else el.setAttribute(k, val === true ? '' : String(val));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** A codicon span (decorative). */
export function icon(name: string, extra = ''): HTMLSpanElement {
  return h('span', { class: `codicon codicon-${name}${extra ? ' ' + extra : ''}`, 'aria-hidden': 'true' });
}

/** A button with a codicon and a label (label hidden when `iconOnly`, but kept for screen readers). */
export function button(label: string, opts: { icon?: string; iconOnly?: boolean; primary?: boolean; id?: string; title?: string } = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', class: `btn${opts.primary ? ' primary' : ''}${opts.iconOnly ? ' icon-only' : ''}`, id: opts.id, title: opts.title ?? label, 'aria-label': label });
  if (opts.icon) b.append(icon(opts.icon));
  if (!opts.iconOnly) b.append(h('span', { text: label }));
  return b;
}

/** A labelled form control. */
export function field(label: string, control: HTMLElement, opts: { hint?: string; wide?: boolean } = {}): HTMLLabelElement {
  return h('label', { class: `field${opts.wide ? ' wide' : ''}` }, h('span', { class: 'field-label', text: label }), control, opts.hint ? h('span', { class: 'hint', text: opts.hint }) : null);
}

export function input(attrs: Attrs = {}): HTMLInputElement {
  return h('input', { type: 'text', spellcheck: 'false', ...attrs });
}

export function select(options: Array<[string, string]>, attrs: Attrs = {}): HTMLSelectElement {
  const s = h('select', attrs);
  for (const [value, label] of options) s.append(h('option', { value, text: label }));
  return s;
}

export function checkbox(label: string, attrs: Attrs = {}): { label: HTMLLabelElement; box: HTMLInputElement } {
  const box = h('input', { type: 'checkbox', ...attrs });
  return { label: h('label', { class: 'check' }, box, h('span', { text: label })), box };
}
