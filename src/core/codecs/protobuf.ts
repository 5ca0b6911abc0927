/**
 * Protobuf with `.proto` schemas from the workspace (protobufjs, loaded on first use): loading
 * files with their imports into one root (problems as file:line:column diagnostics), decoding a
 * message of a named type to a JSON tree and encoding a tree back. Field names are kept as the
 * `.proto` writes them; enums read as names, 64-bit integers as strings, bytes as `$binary`, a
 * set oneof also names its member (`"payload":"chat"`), maps are objects.
 */
import type { Root, Type, Enum as PbEnum } from 'protobufjs';
import { CodedError } from '../errors';
import { loadProtobuf } from '../lazy';
import { isObject, jsonToBytes } from '../protocols/util';
import { toTree } from './tree';
import * as path from 'node:path';

/** A problem in a `.proto` file (1-based line and column). */
export interface ProtoDiagnostic {
  code: 'WSWB_CODEC_PROTO_SYNTAX' | 'WSWB_CODEC_PROTO_FILE' | 'WSWB_CODEC_PROTO_RESOLVE';
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Reads a file's text (injected: the CLI and the host read differently). */
export type ReadText = (file: string) => Promise<string>;

const TO_OBJECT = { longs: String, enums: String, defaults: false, oneofs: true, json: true } as const;

/** The message types of a set of loaded `.proto` files. */
export class ProtoSchemas {
  constructor(readonly root: Root, readonly files: readonly string[]) {}

  /** The message type with this full name (`feed.Envelope`, a leading dot allowed), or undefined. */
  type(name: string): Type | undefined {
    const pb = loadProtobuf();
    try {
      const t = this.root.lookup(name.replace(/^\./, ''));
      return t instanceof pb.Type ? t : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every message type's full name (for error messages and completion). */
  typeNames(): string[] {
    const pb = loadProtobuf();
    const out: string[] = [];
    const walk = (ns: { nestedArray: unknown[] }) => {
      for (const n of ns.nestedArray) {
        if (n instanceof pb.Type) out.push(n.fullName.slice(1));
        if (n instanceof pb.Namespace) walk(n);
      }
    };
    walk(this.root);
    return out;
  }

  private need(name: string): Type {
    const t = this.type(name);
    if (!t) {
      const names = this.typeNames();
      throw new CodedError('WSWB_CODEC_PROTO_TYPE', `no message type "${name}" in ${this.files.map((f) => path.basename(f)).join(', ') || 'the .proto files'}${names.length ? ` (types: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})` : ''}`);
    }
    return t;
  }

  /** Decodes bytes as the named type (throws when they are not one). */
  decode(typeName: string, bytes: Uint8Array): unknown {
    const t = this.need(typeName);
    return toTree(t.toObject(t.decode(bytes), TO_OBJECT));
  }

  /** Encodes a JSON tree as the named type; unknown fields and enum names are refused, not dropped. */
  encode(typeName: string, data: unknown): Uint8Array {
    const t = this.need(typeName);
    if (!isObject(data)) throw new CodedError('WSWB_CODEC_ENCODE', `protobuf data for ${typeName} must be a JSON object`);
    checkFields(t, data, typeName);
    return t.encode(t.fromObject(jsonToBytes(data) as Record<string, unknown>)).finish();
  }
}

/** Refuses what fromObject would silently drop: unknown fields, unknown enum names, wrong containers. */
function checkFields(t: Type, o: Record<string, unknown>, where: string, depth = 0): void {
  if (depth > 64) return;
  const pb = loadProtobuf();
  const bad = (m: string) => new CodedError('WSWB_CODEC_ENCODE', `${where}: ${m}`);
  for (const [k, v] of Object.entries(o)) {
    const f = t.fields[k];
    if (!f) {
      if (t.oneofs?.[k] && typeof v === 'string') continue; // the oneof's virtual "which member" field
      throw bad(`unknown field "${k}" of ${t.fullName.slice(1)} (fields: ${Object.keys(t.fields).join(', ')})`);
    }
    if (v === null || v === undefined) continue;
    f.resolve();
    const check = (x: unknown, at: string) => {
      if (f.resolvedType instanceof pb.Type) {
        if (!isObject(x)) throw bad(`${at} must be an object (${f.resolvedType.fullName.slice(1)})`);
        checkFields(f.resolvedType, x, `${where}.${at}`, depth + 1);
      } else if (f.resolvedType instanceof pb.Enum && typeof x === 'string' && !(x in (f.resolvedType as PbEnum).values)) {
        throw bad(`${at}: "${x}" is not a value of ${f.resolvedType.fullName.slice(1)} (${Object.keys((f.resolvedType as PbEnum).values).join(', ')})`);
      }
    };
    if (f.map) {
      if (!isObject(v)) throw bad(`${k} is a map: give an object`);
      for (const [mk, mv] of Object.entries(v)) check(mv, `${k}[${JSON.stringify(mk)}]`);
    } else if (f.repeated) {
      if (!Array.isArray(v)) throw bad(`${k} is repeated: give an array`);
      v.forEach((x, i) => check(x, `${k}[${i}]`));
    } else check(v, k);
  }
}

/** 1-based line and column of a token on a line of a text (column 1 when not found). */
function positionOf(text: string, line: number, token: string | undefined): { line: number; column: number } {
  const lines = text.split(/\r\n|\r|\n/);
  const l = Math.min(Math.max(line, 1), Math.max(lines.length, 1));
  const at = token ? (lines[l - 1] ?? '').indexOf(token) : -1;
  return { line: l, column: at >= 0 ? at + 1 : 1 };
}

/** Where a name is first written as a whole word outside comments, across the loaded files. */
function findName(texts: Map<string, string>, name: string): { file: string; line: number; column: number } | undefined {
  const word = new RegExp(`(^|[^\\w.])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`);
  for (const [file, text] of texts) {
    const lines = text.split(/\r\n|\r|\n/);
    for (let i = 0; i < lines.length; i++) {
      const code = lines[i]!.replace(/\/\/.*$/, '');
      const m = word.exec(code);
      if (m) return { file, line: i + 1, column: m.index + m[1]!.length + 1 };
    }
  }
  return undefined;
}

/**
 * Loads `.proto` files (absolute paths) and what they import (relative to the importing file, then
 * to `includeDirs`; protobufjs's bundled google/protobuf types). Never throws: problems come back
 * as diagnostics, and `schemas` is undefined when there is any.
 */
export async function loadProtoFiles(files: string[], readText: ReadText, includeDirs: string[] = []): Promise<{ schemas?: ProtoSchemas; diagnostics: ProtoDiagnostic[] }> {
  const pb = loadProtobuf();
  const root = new pb.Root();
  const diagnostics: ProtoDiagnostic[] = [];
  const texts = new Map<string, string>();
  const done = new Set<string>();
  const common = pb.common as unknown as Record<string, { nested?: Record<string, unknown> } | undefined>;

  const load = async (file: string, from?: { file: string; line: number; column: number }): Promise<void> => {
    if (done.has(file)) return;
    done.add(file);
    let text: string;
    try {
      text = await readText(file);
    } catch (e) {
      diagnostics.push({ code: 'WSWB_CODEC_PROTO_FILE', ...(from ?? { file, line: 1, column: 1 }), message: `cannot read ${file}: ${(e as Error).message}` });
      return;
    }
    texts.set(file, text);
    let imports: string[] = [];
    try {
      const parsed = pb.parse(text, root, { keepCase: true, alternateCommentMode: true });
      imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
    } catch (e) {
      const msg = (e as Error).message;
      const m = /'([^']*)'.*\(line (\d+)\)\s*$/.exec(msg) ?? /\(line (\d+)\)\s*$/.exec(msg);
      const line = m ? Number(m[m.length - 1]) : 1;
      const token = m && m.length === 3 ? m[1] : undefined;
      const dup = /duplicate name '([^']+)'/.exec(msg);
      const at = dup ? (findName(new Map([[file, text]]), dup[1]!) ?? { file, line: 1, column: 1 }) : { file, ...positionOf(text, line, token) };
      diagnostics.push({ code: 'WSWB_CODEC_PROTO_SYNTAX', ...at, message: msg.replace(/\s*\((?:[^()]*, )?line \d+\)\s*$/, '') });
      return;
    }
    for (const imp of imports) {
      const c = common[imp];
      if (c?.nested) {
        if (!done.has(imp)) {
          done.add(imp);
          root.addJSON(c.nested as Parameters<Root["addJSON"]>[0]);
        }
        continue;
      }
      const candidates = [path.resolve(path.dirname(file), imp), ...includeDirs.map((d) => path.resolve(d, imp))];
      let found: string | undefined;
      for (const c2 of candidates) {
        try {
          await readText(c2);
          found = c2;
          break;
        } catch {
          // try the next include directory
        }
      }
      const lineNo = text.split(/\r\n|\r|\n/).findIndex((l) => l.includes(imp)) + 1;
      const here = { file, ...positionOf(text, lineNo || 1, `"${imp}"`) };
      if (!found) diagnostics.push({ code: 'WSWB_CODEC_PROTO_FILE', ...here, message: `import "${imp}" not found (looked in ${candidates.map((c2) => path.dirname(c2)).join(', ')})` });
      else await load(found, here);
    }
  };

  for (const f of files) await load(f);
  if (!diagnostics.length) {
    try {
      root.resolveAll();
    } catch (e) {
      const msg = (e as Error).message;
      const name = /'([^']+)'/.exec(msg)?.[1];
      const at = (name && findName(texts, name)) || { file: files[0] ?? '<proto>', line: 1, column: 1 };
      diagnostics.push({ code: 'WSWB_CODEC_PROTO_RESOLVE', ...at, message: msg });
    }
  }
  return diagnostics.length ? { diagnostics } : { schemas: new ProtoSchemas(root, files), diagnostics };
}
