/**
 * Pretty JSON as a collapsible tree (<details>/<summary>, so it is keyboard accessible for free).
 * Children are built when a node is first opened, so a large document costs only what is shown.
 * Values are text nodes: a string like "<img onerror=…>" shows as those characters.
 */
import { h } from './dom';

const OPEN_DEPTH = 2;
const MAX_CHILDREN = 1000;

function scalar(v: unknown): HTMLSpanElement {
  if (v === null) return h('span', { class: 'j-null', text: 'null' });
  switch (typeof v) {
    case 'string':
      return h('span', { class: 'j-str', text: JSON.stringify(v) });
    case 'number':
      return h('span', { class: 'j-num', text: String(v) });
    case 'boolean':
      return h('span', { class: 'j-bool', text: String(v) });
    default:
      return h('span', { text: String(v) });
  }
}

function node(key: string | undefined, v: unknown, depth: number): HTMLElement {
  const label = key === undefined ? null : h('span', { class: 'j-key', text: `${JSON.stringify(key)}: ` });
  if (v === null || typeof v !== 'object') return h('div', { class: 'j-leaf' }, label, scalar(v));
  const isArr = Array.isArray(v);
  const entries: Array<[string, unknown]> = isArr ? (v as unknown[]).map((x, i) => [String(i), x]) : Object.entries(v as object);
  const summary = h('summary', {}, label, h('span', { class: 'j-brace', text: isArr ? `[${entries.length}]` : `{${entries.length}}` }));
  const d = h('details', { class: 'j-node' }, summary);
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    const box = h('div', { class: 'j-children' });
    for (const [k, x] of entries.slice(0, MAX_CHILDREN)) box.append(node(isArr ? undefined : k, x, depth + 1));
    if (entries.length > MAX_CHILDREN) box.append(h('div', { class: 'j-more', text: `… ${entries.length - MAX_CHILDREN} more` }));
    d.append(box);
  };
  d.addEventListener('toggle', () => d.open && build());
  if (depth < OPEN_DEPTH) {
    d.open = true;
    build();
  }
  return d;
}

/** Renders parsed JSON as a tree. */
export function jsonTree(value: unknown): HTMLElement {
  return h('div', { class: 'json-tree', role: 'tree' }, node(undefined, value, 0));
}
