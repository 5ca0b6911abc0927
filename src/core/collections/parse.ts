/**
 * Parsing and validation of collection files with positions: plain JSON (comments and trailing
 * commas are errors), then the JSON Schema, then checks a schema cannot express (unique names,
 * duplicate keys). Never throws on bad input; every problem carries file, line and column.
 */
import { findNodeAtLocation, parseTree, printParseErrorCode } from './jsonc';
import type { Node, ParseError } from './jsonc';
import type { Collection, CollectionDiagnostic, ParseResult } from './types';
import { collectionValidator } from './schema';
import { checkMockDefinition } from '../engine/mock/validate';
import { checkScenarios, STEP_ACTIONS } from './scenario';
import { checkRequestProtocol } from './protocolChecks';
import { compilePattern } from '../pattern';
import type { ErrorObject } from './schema';

/** Maps offsets to 1-based line/column. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'invalid symbol',
  InvalidNumberFormat: 'invalid number format',
  PropertyNameExpected: 'property name expected',
  ValueExpected: 'value expected',
  ColonExpected: 'colon expected',
  CommaExpected: 'comma expected',
  CloseBraceExpected: 'closing brace expected',
  CloseBracketExpected: 'closing bracket expected',
  EndOfFileExpected: 'end of file expected',
  InvalidCommentToken: 'comments are not allowed in collection files (plain JSON)',
  UnexpectedEndOfComment: 'unexpected end of comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unexpected end of number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
};

/** JSON pointer (`/requests/0/url`) → jsonc-parser path segments. */
function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function pathToPointer(path: Array<string | number>): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Human form of a path: `requests[0].messages[1].data`. */
export function describePath(path: Array<string | number>): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || '(root)';
}

/** Messages for patterns, keyed by the property they constrain. */
const PATTERN_MESSAGES: Record<string, string> = {
  url: 'must be a ws:// or wss:// URL',
  hex: 'must be hex digits (pairs, spaces and 0x prefixes allowed)',
  base64: 'must be base64',
  jsonPath: 'must be a JSON path starting with $',
  flags: 'must only contain the regex flags i, m, s, u',
};

function schemaMessage(e: ErrorObject, path: Array<string | number>, value: unknown): string {
  const last = path[path.length - 1];
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required property "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown property "${String(p.additionalProperty)}"`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `must be ${String(p.type).replace(',', ' or ')}`;
    case 'pattern':
      if (typeof last === 'string' && PATTERN_MESSAGES[last]) return PATTERN_MESSAGES[last];
      if (e.schemaPath.includes('propertyNames')) return `invalid name "${String(p.propertyName ?? last)}"`;
      return `must match ${String(p.pattern)}`;
    case 'propertyNames': {
      const what = last === 'headers' ? 'header name' : last === 'environments' ? 'environment name' : last === 'variables' || typeof last === 'string' ? 'variable name' : 'name';
      return `invalid ${what} "${String(p.propertyName)}"`;
    }
    case 'false schema':
      return path.includes('steps') ? 'does not go with this step (see the step\'s action)' : 'not allowed here for this kind';
    case 'format':
      return p.format === 'regex' ? regexMessage(valueAt(value, path)) : `must be a ${String(p.format)}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must have at least ${String(p.limit)} characters`;
    case 'oneOf':
      return 'must match exactly one of the allowed shapes';
    case 'minProperties':
      return path.includes('steps') ? `a step needs one of ${STEP_ACTIONS.join(', ')}` : 'must not be empty';
    default:
      return e.message ?? e.keyword;
  }
}

/** Why a pattern does not compile on the engine that runs it (RE2: no backreferences, no lookahead). */
function regexMessage(v: unknown): string {
  const c = typeof v === 'string' ? compilePattern(v) : undefined;
  return c && !c.ok ? `is not a valid regular expression: ${c.error.replace(/^invalid regular expression: /, '')}` : 'is not a valid regular expression';
}

/** The value at a path of the parsed document (own properties only). */
function valueAt(root: unknown, path: Array<string | number>): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/**
 * Ajv reports every failed branch of a `oneOf`. When a branch was ruled out by its `type`/`kind`
 * discriminator, the value was meant for another branch: keep that branch's specific errors and drop
 * the `oneOf` itself. Otherwise keep the `oneOf` (with a message naming the shapes) and drop the
 * branch-level `required`/`not` noise.
 */
function pruneErrors(errors: ErrorObject[]): ErrorObject[] {
  const key = (e: ErrorObject) => e.instancePath + '|';
  const dead: Array<{ at: string; branch: string }> = [];
  for (const e of errors) {
    const m = /^(.*\/oneOf\/\d+)\/properties\/(type|kind)\/const$/.exec(e.schemaPath);
    if (m) dead.push({ at: e.instancePath.replace(/\/(type|kind)$/, '') + '|', branch: m[1]! + '/' });
  }
  const inDead = (e: ErrorObject) => dead.some((d) => e.schemaPath.startsWith(d.branch) && (key(e).startsWith(d.at.slice(0, -1))));
  // A bad property name yields a `pattern` error and a `propertyNames` error; keep the latter.
  let kept = errors.filter((e) => !inDead(e) && e.keyword !== 'if' && !(e.keyword === 'pattern' && e.schemaPath.includes('/propertyNames/')));
  const drop = new Set<ErrorObject>();
  for (const e of kept) {
    if (e.keyword !== 'oneOf') continue;
    const prefix = e.schemaPath + '/';
    const inner = kept.filter((x) => x !== e && x.schemaPath.startsWith(prefix) && x.instancePath.startsWith(e.instancePath));
    const discriminated = dead.some((d) => d.branch.startsWith(prefix) && d.at === key(e));
    if (discriminated && inner.length > 0) drop.add(e);
    else for (const x of inner) if (x.keyword === 'required' || x.keyword === 'not' || x.keyword === 'anyOf') drop.add(x);
  }
  // `anyOf` of a string and an object (a step's `send`): an object was meant for the object
  // branch, so its own errors say what is wrong, not "must be string" nor "must match anyOf".
  for (const e of kept) {
    if (e.keyword !== 'anyOf' || drop.has(e)) continue;
    const under = kept.filter((x) => x !== e && !drop.has(x) && (x.instancePath === e.instancePath || x.instancePath.startsWith(e.instancePath + '/')));
    const typeHere = under.filter((x) => x.keyword === 'type' && x.instancePath === e.instancePath);
    if (under.length > typeHere.length) {
      drop.add(e);
      for (const x of typeHere) drop.add(x);
    }
  }
  kept = kept.filter((e) => !drop.has(e));
  return kept;
}

function oneOfMessage(e: ErrorObject): string | undefined {
  if (e.keyword !== 'oneOf') return undefined;
  const p = e.instancePath;
  if (/\/expect\/\d+$/.test(p) || /\/(expect|expectNone)$/.test(p)) {
    return 'must have either "regex" or "jsonPath", or a "shape", and/or a protocol term "event", "ack" or "type" (equals/exists go with jsonPath, flags with regex)';
  }
  if (/\/messages\/\d+$/.test(p)) return 'a binary message needs exactly one of "hex" or "base64"';
  if (/\/auth$/.test(p)) return 'must be {"type":"basic","username","password"} or {"type":"bearer","token"}';
  return undefined;
}

interface Located {
  offset: number;
  length: number;
}

/** Where a path of the parsed file is (its key, or the nearest existing ancestor). */
export function locate(root: Node | undefined, path: Array<string | number>, keyOf?: string): Located {
  if (!root) return { offset: 0, length: 0 };
  const node = findNodeAtLocation(root, path);
  if (node && keyOf && node.type === 'object') {
    const prop = node.children?.find((c) => c.children?.[0]?.value === keyOf);
    const key = prop?.children?.[0];
    if (key) return { offset: key.offset, length: key.length };
  }
  if (node) {
    // Point at the property key when the value belongs to a property: that is where people look.
    if (node.parent?.type === 'property' && node.parent.children?.[0] && node.type !== 'object' && node.type !== 'array') {
      return { offset: node.offset, length: node.length };
    }
    return { offset: node.offset, length: node.type === 'object' || node.type === 'array' ? 1 : node.length };
  }
  // Fall back to the nearest existing ancestor.
  for (let n = path.length - 1; n >= 0; n--) {
    const anc = findNodeAtLocation(root, path.slice(0, n));
    if (anc) return { offset: anc.offset, length: 1 };
  }
  return { offset: root.offset, length: 1 };
}

function walkDuplicateKeys(node: Node, path: Array<string | number>, out: Array<{ node: Node; path: Array<string | number>; key: string }>): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const keyNode = prop.children?.[0];
      const valueNode = prop.children?.[1];
      if (!keyNode) continue;
      const key = String(keyNode.value);
      if (seen.has(key)) out.push({ node: keyNode, path, key });
      seen.add(key);
      if (valueNode) walkDuplicateKeys(valueNode, [...path, key], out);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((c, i) => walkDuplicateKeys(c, [...path, i], out));
  }
}

/** Parses and validates the text of a collection file. Never throws. */
export function parseCollection(text: string, file = '<input>'): ParseResult {
  const errors: CollectionDiagnostic[] = [];
  const lines = new LineIndex(text);
  const diag = (code: string, loc: Located, message: string, path: Array<string | number>): CollectionDiagnostic => {
    const { line, column } = lines.position(loc.offset);
    return { code, file, line, column, offset: loc.offset, length: loc.length, message, path: pathToPointer(path) };
  };

  let root: Node | undefined;
  const syntax: ParseError[] = [];
  try {
    root = parseTree(text, syntax, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch (err) {
    errors.push(diag('WSWB_COLLECTION_SYNTAX', { offset: 0, length: 0 }, `cannot parse: ${String(err)}`, []));
    return { ok: false, errors };
  }
  const seenOffsets = new Set<number>();
  for (const s of syntax) {
    if (seenOffsets.has(s.offset)) continue; // one message per spot: the first is the cause
    seenOffsets.add(s.offset);
    const name = printParseErrorCode(s.error);
    errors.push(diag('WSWB_COLLECTION_SYNTAX', s, SYNTAX_MESSAGES[name] ?? name, []));
  }
  if (!root) {
    if (!errors.length) errors.push(diag('WSWB_COLLECTION_SYNTAX', { offset: 0, length: 0 }, 'empty file', []));
    return { ok: false, errors };
  }
  if (errors.length) return { ok: false, errors };

  const dups: Array<{ node: Node; path: Array<string | number>; key: string }> = [];
  walkDuplicateKeys(root, [], dups);
  for (const d of dups) {
    errors.push(diag('WSWB_DUPLICATE_KEY', { offset: d.node.offset, length: d.node.length }, `duplicate property "${d.key}"`, [...d.path, d.key]));
  }

  const value = JSON.parse(text) as unknown;
  const validate = collectionValidator();
  if (!validate(value)) {
    for (const e of pruneErrors(validate.errors ?? [])) {
      const path = pointerToPath(e.instancePath);
      const p = e.params as Record<string, unknown>;
      const keyOf =
        e.keyword === 'additionalProperties'
          ? String(p.additionalProperty)
          : e.keyword === 'propertyNames' || (e.keyword === 'pattern' && e.schemaPath.includes('propertyNames'))
            ? String(p.propertyName ?? '')
            : e.keyword === 'false schema'
              ? undefined
              : undefined;
      const loc = locate(root, path, keyOf || undefined);
      const fullPath = keyOf ? [...path, keyOf] : path;
      const message = oneOfMessage(e) ?? schemaMessage(e, path, value);
      errors.push(diag('WSWB_COLLECTION_SCHEMA', loc, `${describePath(fullPath)}: ${message}`, fullPath));
    }
  }

  if (errors.length === 0) {
    const c = value as Collection;
    const names = new Map<string, number>();
    (c.requests ?? []).forEach((r, i) => {
      if (names.has(r.name)) {
        const path = ['requests', i, 'name'];
        errors.push(diag('WSWB_DUPLICATE_NAME', locate(root, path), `${describePath(path)}: duplicate request name "${r.name}"`, path));
      }
      names.set(r.name, i);
      const msgNames = new Set<string>();
      (r.messages ?? []).forEach((m, j) => {
        if (msgNames.has(m.name)) {
          const path = ['requests', i, 'messages', j, 'name'];
          errors.push(diag('WSWB_DUPLICATE_NAME', locate(root, path), `${describePath(path)}: duplicate message name "${m.name}" in request "${r.name}"`, path));
        }
        msgNames.add(m.name);
      });
      for (const p of checkRequestProtocol(r)) {
        const path = ['requests', i, ...p.path];
        errors.push(diag(p.code, locate(root, path), `${describePath(path)}: ${p.message}`, path));
      }
    });
    const mockNames = new Set<string>();
    (c.mocks ?? []).forEach((m, i) => {
      // What the mock schema cannot say (regexes compile, close codes valid…), from the mock engine.
      for (const p of checkMockDefinition(m)) {
        const path = ['mocks', i, ...pointerToPath(p.pointer === '/' ? '' : p.pointer)];
        errors.push(diag('WSWB_MOCK_INVALID', locate(root, path), `${describePath(path)}: ${p.message}`, path));
      }
      if (typeof m?.name !== 'string') return;
      if (mockNames.has(m.name)) {
        const path = ['mocks', i, 'name'];
        errors.push(diag('WSWB_DUPLICATE_NAME', locate(root, path), `${describePath(path)}: duplicate mock name "${m.name}"`, path));
      }
      mockNames.add(m.name);
    });
    for (const p of checkScenarios(c)) errors.push(diag(p.code, locate(root, p.path), `${describePath(p.path)}: ${p.message}`, p.path));
  }

  errors.sort((a, b) => a.offset - b.offset);
  if (errors.length) return { ok: false, errors };
  return { ok: true, collection: value as Collection, errors };
}

/** Formats a diagnostic the way compilers do: `file:line:column message`. */
export function formatDiagnostic(d: CollectionDiagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.message}`;
}
