/**
 * The saved request's named messages (from its collection file): send one, or load it into the
 * message composer to edit and save it back. Names and payloads are rendered as text only.
 */
import type { SavedMessage, SavedRequestInfo } from '../src/shared/contract';
import { button, h, icon } from './dom';

export interface SavedDeps {
  send(name: string): void;
  edit(message: SavedMessage): void;
}

/** A one-line preview of a saved message's payload. */
export function savedPreview(m: SavedMessage): string {
  const s = m.kind === 'binary' ? (m.hex !== undefined ? `hex ${m.hex}` : `base64 ${m.base64 ?? ''}`) : (m.text ?? '');
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? one.slice(0, 79) + '…' : one;
}

export class SavedMessages {
  readonly el: HTMLElement;
  private readonly label = h('span', { class: 'saved-label', id: 'source-label' });
  private readonly list = h('div', { class: 'saved-list', id: 'saved-messages', role: 'list', 'aria-label': 'Saved messages' });
  private readonly problem = h('div', { class: 'error', id: 'source-error', role: 'alert' });
  private info: SavedRequestInfo | undefined;

  constructor(private readonly deps: SavedDeps) {
    this.el = h('section', { class: 'saved', id: 'saved', 'aria-label': 'Saved request', hidden: true },
      h('div', { class: 'saved-head' }, icon('bookmark'), this.label),
      this.problem,
      this.list,
    );
  }

  get source(): SavedRequestInfo | undefined {
    return this.info;
  }

  show(info: SavedRequestInfo | undefined): void {
    this.info = info;
    this.el.hidden = !info;
    if (!info) return;
    this.label.textContent = info.label;
    this.label.title = info.file;
    this.problem.textContent = info.error ? `${info.error.code}: ${info.error.message}` : '';
    this.list.replaceChildren();
    if (!info.error && !info.messages.length) this.list.append(h('span', { class: 'muted', text: 'No saved messages yet: compose one below and Save as message.' }));
    for (const m of info.messages) {
      const send = button(`Send ${m.name}`, { icon: 'send', iconOnly: true });
      send.classList.add('saved-send');
      send.addEventListener('click', () => this.deps.send(m.name));
      const edit = button(`Edit ${m.name}`, { icon: 'edit', iconOnly: true });
      edit.classList.add('saved-edit');
      edit.addEventListener('click', () => this.deps.edit(m));
      const item = h('div', { class: 'saved-msg', role: 'listitem', 'data-name': m.name, title: m.description ?? '' },
        h('span', { class: 'saved-name', text: m.name }),
        h('span', { class: 'chip saved-kind', text: m.kind === 'binary' ? (m.hex !== undefined ? 'hex' : 'base64') : m.kind }),
        h('span', { class: 'saved-preview muted', text: savedPreview(m) }),
        send, edit,
      );
      this.list.append(item);
    }
  }
}
