/**
 * Tiny DOM helpers. Everything coming from the host or a server is set with textContent or
 * attributes, never parsed as HTML: this file has no innerHTML on purpose.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { VscodeTextarea } from '@vscode-elements/elements/dist/vscode-textarea/vscode-textarea.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';

export type { VscodeButton, VscodeTextfield, VscodeTextarea, VscodeSingleSelect, VscodeCheckbox };

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

/** A vscode-button with a codicon and a label (label hidden when `iconOnly`, but kept for screen readers). */
export function button(label: string, opts: { icon?: string; iconOnly?: boolean; primary?: boolean; id?: string; title?: string } = {}): VscodeButton {
  const b = h('vscode-button', { class: `btn${opts.primary ? ' primary' : ''}${opts.iconOnly ? ' icon-only' : ''}`, id: opts.id, title: opts.title ?? label, 'aria-label': label });
  if (opts.icon) b.icon = opts.icon;
  if (!opts.primary) b.secondary = true;
  if (opts.iconOnly) b.iconOnly = true;
  else b.textContent = label;
  return b;
}

/** A labelled form control. */
export function field(label: string, control: HTMLElement, opts: { hint?: string; wide?: boolean } = {}): HTMLLabelElement {
  return h('label', { class: `field${opts.wide ? ' wide' : ''}` }, h('span', { class: 'field-label', text: label }), control, opts.hint ? h('span', { class: 'hint', text: opts.hint }) : null);
}

/** A vscode-textfield (`.value` like an input; the native input lives in its shadow root). */
export function input(attrs: Attrs = {}): VscodeTextfield {
  const { value, ...rest } = attrs;
  const t = h('vscode-textfield', { spellcheck: 'false', ...rest });
  if (value !== undefined) t.value = String(value);
  return t;
}

/** A vscode-textarea. */
export function textarea(attrs: Attrs = {}): VscodeTextarea {
  const t = h('vscode-textarea', { spellcheck: 'false', ...attrs });
  t.resize = 'vertical';
  return t;
}

/**
 * A vscode-single-select. Options are given through the `options` property rather than slotted
 * vscode-option children: they are known synchronously (so `.value` works before the element is
 * rendered) and a later slotchange cannot reset a value set before the element was attached.
 */
export function select(options: Array<[string, string]>, attrs: Attrs = {}): VscodeSingleSelect {
  const s = h('vscode-single-select', attrs);
  s.options = options.map(([value, label]) => ({ value, label, description: '', selected: false, disabled: false }));
  if (options[0]) s.value = options[0][0];
  return s;
}

/** A vscode-checkbox; `label` and `box` are the same element (kept apart for the callers' layout code). */
export function checkbox(label: string, attrs: Attrs = {}): { label: VscodeCheckbox; box: VscodeCheckbox } {
  const { checked, ...rest } = attrs;
  const box = h('vscode-checkbox', { class: 'check', ...rest });
  box.label = label;
  box.checked = Boolean(checked);
  return { label: box, box };
}
