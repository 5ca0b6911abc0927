/**
 * Edits to collection text that keep the user's key order, indentation and line endings: each change
 * becomes the smallest jsonc-parser `modify` we can find (a changed leaf, an added or removed key or
 * array item), applied with `applyEdits`. Every function refuses text that does not parse, so an
 * invalid file is never rewritten.
 */
import { applyEdits, findNodeAtLocation, modify, parseTree } from './jsonc';
import type { FormattingOptions, JSONPath, Node } from './jsonc';
import { parseCollection } from './parse';
import { CollectionError } from './types';
import type { Collection, MessageDef, RequestDef } from './types';

/** Guesses indentation and line ending from the text, so inserted JSON looks like the rest. */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const m = /\n([ \t]+)\S/.exec(text);
  const indent = m?.[1] ?? '  ';
  const insertSpaces = !indent.startsWith('\t');
  return { insertSpaces, tabSize: insertSpaces ? indent.length : 4, eol, insertFinalNewline: text.endsWith('\n') };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** One-line JSON with a space after `:` and `,` and inside brackets, like hand-written compact JSON. */
function inline(v: unknown): string {
  if (Array.isArray(v)) return v.length ? `[ ${v.map((x) => inline(x === undefined ? null : x)).join(', ')} ]` : '[]';
  if (isPlainObject(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    return entries.length ? `{ ${entries.map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`).join(', ')} }` : '{}';
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * Applies changes as the smallest text edits: removals via jsonc-parser `modify` (which removes
 * cleanly), insertions and replacements rendered here in the style of the surrounding text (one line
 * when the container is on one line, otherwise indented like its siblings). jsonc-parser's own
 * formatting would reformat whole neighbouring lines, which is what we must not do.
 */
class TextEditor {
  constructor(
    public text: string,
    private readonly fmt: FormattingOptions,
  ) {}

  private get unit(): string {
    return this.fmt.insertSpaces ? ' '.repeat(this.fmt.tabSize ?? 2) : '\t';
  }

  private lineIndent(offset: number): string {
    const start = this.text.lastIndexOf('\n', offset - 1) + 1;
    return /^[ \t]*/.exec(this.text.slice(start))![0];
  }

  private render(value: unknown, indent: string, multiline: boolean): string {
    if (!multiline || (!Array.isArray(value) && !isPlainObject(value))) return inline(value);
    return JSON.stringify(value, null, this.unit).split('\n').join((this.fmt.eol ?? '\n') + indent);
  }

  private splice(offset: number, length: number, content: string): void {
    this.text = this.text.slice(0, offset) + content + this.text.slice(offset + length);
  }

  /** Sets (or with `undefined` removes) the value at `path`; `insertAt` inserts into an array. */
  set(path: JSONPath, value: unknown, insertAt?: number): void {
    const eol = this.fmt.eol ?? '\n';
    const root = parseTree(this.text);
    if (!root) throw new CollectionError('WSWB_REFUSE_WRITE_INVALID', 'text does not parse');
    if (value === undefined) {
      this.remove(root, path);
      return;
    }
    const existing = insertAt === undefined ? findNodeAtLocation(root, path) : undefined;
    if (existing) {
      const old = this.text.slice(existing.offset, existing.offset + existing.length);
      const parent = existing.parent?.type === 'property' ? existing.parent.parent : existing.parent;
      const parentMulti = parent ? this.text.slice(parent.offset, parent.offset + parent.length).includes('\n') : false;
      const multi = old.includes('\n') || (existing.type !== 'object' && existing.type !== 'array' && parentMulti);
      this.splice(existing.offset, existing.length, this.render(value, this.lineIndent(existing.offset), multi));
      return;
    }
    const container = findNodeAtLocation(root, path.slice(0, -1));
    const last = path[path.length - 1]!;
    if (!container || (container.type !== 'object' && container.type !== 'array')) {
      // Parent missing: fall back to jsonc-parser, which creates the intermediate objects.
      this.text = applyEdits(this.text, modify(this.text, path, value, { formattingOptions: this.fmt, isArrayInsertion: insertAt !== undefined }));
      return;
    }
    const children = container.children ?? [];
    const containerText = this.text.slice(container.offset, container.offset + container.length);
    const containerIndent = this.lineIndent(container.offset);
    const multi = children.length ? containerText.includes('\n') : this.text.includes('\n') && (isPlainObject(value) || Array.isArray(value) || container.type === 'object');
    const childIndent = children.length && multi ? this.lineIndent(children[0]!.offset) : containerIndent + this.unit;
    const body = this.render(value, childIndent, multi);
    const elem = container.type === 'object' ? `${JSON.stringify(String(last))}: ${body}` : body;
    const sep = multi ? eol + childIndent : ' ';
    if (!children.length) {
      const inner = multi ? `${eol}${childIndent}${elem}${eol}${containerIndent}` : `${elem}`;
      this.splice(container.offset + 1, container.length - 2, inner);
      return;
    }
    const index = container.type === 'array' && insertAt !== undefined ? insertAt : children.length;
    if (index < children.length) {
      this.splice(children[index]!.offset, 0, `${elem},${sep}`);
    } else {
      const tail = children[children.length - 1]!;
      this.splice(tail.offset + tail.length, 0, `,${sep}${elem}`);
    }
  }

  /**
   * Removes a property or array item with its separator, keeping the neighbours' layout: after the
   * previous sibling up to the end of the item, or (first item) up to the next sibling's start.
   */
  private remove(root: Node, path: JSONPath): void {
    const node = findNodeAtLocation(root, path);
    if (!node) return;
    const item = node.parent?.type === 'property' ? node.parent : node;
    const container = item.parent;
    const siblings = container?.children ?? [];
    const i = siblings.indexOf(item);
    if (!container || i < 0) return;
    if (siblings.length === 1) {
      this.splice(container.offset + 1, container.length - 2, '');
    } else if (i > 0) {
      const prev = siblings[i - 1]!;
      const from = prev.offset + prev.length;
      this.splice(from, item.offset + item.length - from, '');
    } else {
      const next = siblings[1]!;
      this.splice(item.offset, next.offset - item.offset, '');
    }
  }

  /** Applies the difference between two values at `path`, as locally as possible. */
  diff(path: JSONPath, before: unknown, after: unknown): void {
    if (deepEqual(before, after)) return;
    if (isPlainObject(before) && isPlainObject(after)) {
      for (const k of Object.keys(before)) if (!(k in after) || after[k] === undefined) this.set([...path, k], undefined);
      for (const k of Object.keys(after)) {
        if (after[k] === undefined) continue;
        if (!(k in before)) this.set([...path, k], after[k]);
        else this.diff([...path, k], before[k], after[k]);
      }
      return;
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
      after.forEach((v, i) => this.diff([...path, i], before[i], v));
      return;
    }
    this.set(path, after);
  }
}

function open(text: string): { c: Collection; ed: TextEditor } {
  const r = parseCollection(text);
  if (!r.ok || !r.collection) {
    const first = r.errors[0];
    throw new CollectionError(
      'WSWB_REFUSE_WRITE_INVALID',
      `refusing to edit a collection that does not validate${first ? ` (line ${first.line}: ${first.message})` : ''}`,
      { errors: r.errors },
    );
  }
  return { c: r.collection, ed: new TextEditor(text, detectFormatting(text)) };
}

function requestIndex(c: Collection, name: string): number {
  const i = (c.requests ?? []).findIndex((r) => r.name === name);
  if (i < 0) throw new CollectionError('WSWB_REQUEST_NOT_FOUND', `no request named "${name}"`, { name });
  return i;
}

function messageIndex(r: RequestDef, name: string): number {
  const i = (r.messages ?? []).findIndex((m) => m.name === name);
  if (i < 0) throw new CollectionError('WSWB_MESSAGE_NOT_FOUND', `no message named "${name}" in request "${r.name}"`, { name });
  return i;
}

/** Replaces the request named `name` with `request` (which may carry a new name). */
export function updateRequest(text: string, name: string, request: RequestDef): string {
  const { c, ed } = open(text);
  const i = requestIndex(c, name);
  if (request.name !== name && (c.requests ?? []).some((r) => r.name === request.name)) {
    throw new CollectionError('WSWB_DUPLICATE_NAME', `a request named "${request.name}" already exists`);
  }
  ed.diff(['requests', i], c.requests![i], request);
  return ed.text;
}

/** Appends a request (creating `requests` if needed). */
export function addRequest(text: string, request: RequestDef): string {
  const { c, ed } = open(text);
  if ((c.requests ?? []).some((r) => r.name === request.name)) {
    throw new CollectionError('WSWB_DUPLICATE_NAME', `a request named "${request.name}" already exists`);
  }
  if (!c.requests) ed.set(['requests'], [request]);
  else ed.set(['requests', c.requests.length], request, c.requests.length);
  return ed.text;
}

export function removeRequest(text: string, name: string): string {
  const { c, ed } = open(text);
  ed.set(['requests', requestIndex(c, name)], undefined);
  return ed.text;
}

export function renameRequest(text: string, from: string, to: string): string {
  const { c, ed } = open(text);
  const i = requestIndex(c, from);
  if (from !== to && (c.requests ?? []).some((r) => r.name === to)) {
    throw new CollectionError('WSWB_DUPLICATE_NAME', `a request named "${to}" already exists`);
  }
  ed.set(['requests', i, 'name'], to);
  return ed.text;
}

/** Appends a message to a request (creating `messages` if needed). */
export function addMessage(text: string, requestName: string, message: MessageDef): string {
  const { c, ed } = open(text);
  const i = requestIndex(c, requestName);
  const r = c.requests![i]!;
  if ((r.messages ?? []).some((m) => m.name === message.name)) {
    throw new CollectionError('WSWB_DUPLICATE_NAME', `request "${requestName}" already has a message named "${message.name}"`);
  }
  if (!r.messages) ed.set(['requests', i, 'messages'], [message]);
  else ed.set(['requests', i, 'messages', r.messages.length], message, r.messages.length);
  return ed.text;
}

export function updateMessage(text: string, requestName: string, name: string, message: MessageDef): string {
  const { c, ed } = open(text);
  const i = requestIndex(c, requestName);
  const r = c.requests![i]!;
  const j = messageIndex(r, name);
  if (message.name !== name && (r.messages ?? []).some((m) => m.name === message.name)) {
    throw new CollectionError('WSWB_DUPLICATE_NAME', `request "${requestName}" already has a message named "${message.name}"`);
  }
  ed.diff(['requests', i, 'messages', j], r.messages![j], message);
  return ed.text;
}

export function removeMessage(text: string, requestName: string, name: string): string {
  const { c, ed } = open(text);
  const i = requestIndex(c, requestName);
  ed.set(['requests', i, 'messages', messageIndex(c.requests![i]!, name)], undefined);
  return ed.text;
}

export function renameMessage(text: string, requestName: string, from: string, to: string): string {
  const { c } = open(text);
  const r = c.requests![requestIndex(c, requestName)]!;
  const m = r.messages![messageIndex(r, from)]!;
  return updateMessage(text, requestName, from, { ...m, name: to });
}

/** Replaces the whole collection value, keeping formatting where values did not change. */
export function updateCollection(text: string, next: Collection): string {
  const { c, ed } = open(text);
  ed.diff([], c, next);
  return ed.text;
}

/** Text of a new, empty collection. */
export function newCollectionText(name: string): string {
  return JSON.stringify({ version: 1, name, variables: {}, environments: {}, requests: [] }, null, 2) + '\n';
}

/**
 * Appends origins to a mock's `allowedOrigins` and Host names to its `allowedHosts` (creating either
 * list when missing), skipping values already listed (case-insensitively). Only these array items
 * are inserted: the rest of the file keeps its text.
 */
export function allowInMock(text: string, mockName: string, add: { origins?: readonly string[]; hosts?: readonly string[] }): string {
  const { c, ed } = open(text);
  const i = (c.mocks ?? []).findIndex((m) => m.name === mockName);
  if (i < 0) throw new CollectionError('WSWB_MOCK_NOT_FOUND', `no mock named "${mockName}"`, { name: mockName });
  const mock = c.mocks![i]!;
  const append = (key: 'allowedOrigins' | 'allowedHosts', values: readonly string[] | undefined) => {
    const have = [...(mock[key] ?? [])];
    const fresh = (values ?? []).filter((v, j, all) => !have.some((h) => h.toLowerCase() === v.toLowerCase()) && all.findIndex((x) => x.toLowerCase() === v.toLowerCase()) === j);
    if (!fresh.length) return;
    if (!mock[key]) {
      ed.set(['mocks', i, key], fresh);
      return;
    }
    for (const v of fresh) {
      ed.set(['mocks', i, key, have.length], v, have.length);
      have.push(v);
    }
  };
  append('allowedOrigins', add.origins);
  append('allowedHosts', add.hosts);
  return ed.text;
}
