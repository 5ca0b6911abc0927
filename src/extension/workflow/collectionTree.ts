/**
 * What the Collections view shows for a collection file, without `vscode` (unit-tested in
 * test/unit/collections/lastValidTree.test.ts): the index entry a fresh read turns into (an invalid
 * file keeps its last valid collection, marked), the nodes under a file or request, and the file
 * row's description. views.ts turns these into TreeItems; collectionIndex.ts keeps the entries.
 */
import type { Collection, CollectionDiagnostic } from '../../core/collections/types';

/** Tree nodes of the Collections view (also the arguments context-menu commands receive). */
export type CollectionNode =
  | { type: 'file'; file: string }
  | { type: 'request'; file: string; request: string }
  | { type: 'message'; file: string; request: string; message: string }
  | { type: 'mock'; file: string; mock: string };

/** The parts of an index entry the tree reads. */
export interface CollectionState {
  ok: boolean;
  collection?: Collection;
  errors: CollectionDiagnostic[];
  /** While the file is invalid: its last valid content (the tree keeps showing it, marked). Never used to run anything. */
  lastValid?: Collection;
}

/** A file as just read (readCollectionFile's result). */
export interface CollectionRead {
  ok: boolean;
  collection?: Collection;
  errors: CollectionDiagnostic[];
  text?: string;
}

/**
 * The entry for a file just read, given the one before it: a valid read replaces everything; an
 * invalid one keeps the previous valid collection (or the one it was already keeping) as `lastValid`.
 */
export function nextState<B extends object>(base: B, prev: CollectionState | undefined, read: CollectionRead): B & CollectionState & { text?: string } {
  const entry: B & CollectionState & { text?: string } = { ...base, ok: read.ok, errors: read.errors };
  if (read.collection && read.ok) entry.collection = read.collection;
  else {
    const last = prev?.collection ?? prev?.lastValid;
    if (last) entry.lastValid = last;
  }
  if (read.text !== undefined) entry.text = read.text;
  return entry;
}

/** The collection the tree shows for an entry: the valid one, else the last valid one. */
export function shownCollection(entry: CollectionState | undefined): Collection | undefined {
  return entry?.collection ?? entry?.lastValid;
}

/** The nodes under a file (its requests, then its mocks) or a request (its messages). */
export function childNodes(entry: CollectionState | undefined, node: CollectionNode): CollectionNode[] {
  const c = shownCollection(entry);
  if (!c) return [];
  if (node.type === 'file') {
    return [
      ...(c.requests ?? []).map((r): CollectionNode => ({ type: 'request', file: node.file, request: r.name })),
      ...(c.mocks ?? []).map((m): CollectionNode => ({ type: 'mock', file: node.file, mock: m.name })),
    ];
  }
  if (node.type === 'request') {
    const r = c.requests?.find((x) => x.name === node.request);
    return (r?.messages ?? []).map((m) => ({ type: 'message', file: node.file, request: node.request, message: m.name }));
  }
  return [];
}

/** The file row: its label, whether it is marked invalid, and its description (`relPath` is the path shown). */
export function fileRow(entry: CollectionState | undefined, baseName: string, relPath: string): { label: string; invalid: boolean; expandable: boolean; description: string } {
  const label = shownCollection(entry)?.name ?? baseName;
  if (entry && !entry.ok) {
    const n = entry.errors.length;
    return { label, invalid: true, expandable: !!entry.lastValid, description: `${relPath} · ${n} problem${n === 1 ? '' : 's'}${entry.lastValid ? ' · last valid version shown' : ''}` };
  }
  return { label, invalid: false, expandable: !!entry?.ok, description: relPath };
}
