/**
 * Where a JSON path of a collection file is in its text (1-based line and column, and the offset),
 * so a failing step or a test item points at the right line. Pure.
 */
import { findNodeAtLocation, parseTree } from '../collections/jsonc';
import type { Node } from '../collections/jsonc';
import { LineIndex } from '../collections/parse';
import type { DocPath } from './plan';

/** A position in a file. */
export interface TextLocation {
  line: number;
  column: number;
  offset: number;
  length: number;
}

/** Locates JSON paths in one text; parse once, ask many times. */
export class PathLocator {
  private readonly root: Node | undefined;
  private readonly lines: LineIndex;

  constructor(text: string) {
    this.root = parseTree(text, [], { disallowComments: false, allowTrailingComma: true });
    this.lines = new LineIndex(text);
  }

  /** The value at `path` (an object: its opening brace), or its nearest existing ancestor. */
  locate(path: DocPath): TextLocation {
    let node: Node | undefined;
    for (let n = path.length; n >= 0 && !node; n--) node = this.root && findNodeAtLocation(this.root, path.slice(0, n));
    const offset = node?.offset ?? 0;
    const length = node ? (node.type === 'object' || node.type === 'array' ? 1 : node.length) : 0;
    return { ...this.lines.position(offset), offset, length };
  }

  /** The whole value at `path` (from its first to its last character), for a test item's range. */
  range(path: DocPath): { start: TextLocation; end: TextLocation } {
    const node = this.root && findNodeAtLocation(this.root, path);
    const start = this.locate(path);
    const endOffset = node ? node.offset + node.length : start.offset;
    return { start, end: { ...this.lines.position(endOffset), offset: endOffset, length: 0 } };
  }
}

/** Human form of a step path: `scenarios[0].steps[3]`. */
export function pathLabel(path: DocPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
