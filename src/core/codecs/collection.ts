/**
 * The `codecs` rules of a collection file: a request's own rules first, then the collection's,
 * loaded relative to the file (for connecting: `run`, the panel), and checked with positions (for
 * `validate` and the editor's problems): a rule's own problem at the rule in the collection, a
 * `.proto` problem at its line and column in the `.proto`.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { LineIndex, locate } from '../collections/parse';
import { parseTree } from '../collections/jsonc';
import type { Collection, CollectionDiagnostic } from '../collections/types';
import { loadCodecs, type CodecProblem, type CodecSet } from './bindings';
import type { ReadText } from './protobuf';
import type { CodecRule } from './types';

const readUtf8: ReadText = (f) => fs.readFile(f, 'utf8');

/** The rules that apply to a request (its own, then the collection's), with where each is in the file. */
export function rulesOf(c: Collection, requestName?: string): Array<{ rule: CodecRule; path: Array<string | number> }> {
  const out: Array<{ rule: CodecRule; path: Array<string | number> }> = [];
  const ri = requestName === undefined ? -1 : (c.requests ?? []).findIndex((r) => r.name === requestName);
  if (ri >= 0) (c.requests![ri]!.codecs ?? []).forEach((rule, j) => out.push({ rule, path: ['requests', ri, 'codecs', j] }));
  (c.codecs ?? []).forEach((rule, j) => out.push({ rule, path: ['codecs', j] }));
  return out;
}

/** Loads the codecs a request uses; `problems` say what was left out (connect anyway, or refuse: the caller's choice). */
export async function loadRequestCodecs(c: Collection, file: string, requestName: string | undefined, readText: ReadText = readUtf8): Promise<{ codecs: CodecSet; problems: CodecProblem[] }> {
  const rules = rulesOf(c, requestName);
  return loadCodecs(rules.map((r) => r.rule), { baseDir: path.dirname(file), readText });
}

/** One line for a problem (`feed.proto:3:7 illegal token…`, or the rule's message). */
export function describeCodecProblem(p: CodecProblem, shown: (file: string) => string = (f) => f): string {
  return p.proto ? `${shown(p.proto.file)}:${p.proto.line}:${p.proto.column} ${p.message}` : p.message;
}

/**
 * Diagnostics of every rule in a parsed collection (each request's own rules and the collection's),
 * `.proto` problems once per file position. `text` is the collection file's text (for positions).
 */
export async function codecDiagnostics(c: Collection, text: string, file: string, readText: ReadText = readUtf8): Promise<CollectionDiagnostic[]> {
  const groups: Array<Array<{ rule: CodecRule; path: Array<string | number> }>> = [];
  (c.requests ?? []).forEach((r, i) => {
    if (r.codecs?.length) groups.push(r.codecs.map((rule, j) => ({ rule, path: ['requests', i, 'codecs', j] })));
  });
  if (c.codecs?.length) groups.push(c.codecs.map((rule, j) => ({ rule, path: ['codecs', j] })));
  if (!groups.length) return [];
  const root = parseTree(text);
  const lines = new LineIndex(text);
  const out: CollectionDiagnostic[] = [];
  const seen = new Set<string>();
  for (const g of groups) {
    const { problems } = await loadCodecs(g.map((x) => x.rule), { baseDir: path.dirname(file), readText });
    for (const p of problems) {
      const at = g[p.rule]!.path;
      if (p.proto) {
        const key = `${p.proto.file}\0${p.proto.line}\0${p.proto.column}\0${p.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ code: p.code, file: p.proto.file, line: p.proto.line, column: p.proto.column, offset: 0, length: 0, message: p.message, path: pointer([...at, 'proto']) });
        continue;
      }
      const field = p.code === 'WSWB_CODEC_PROTO_TYPE' ? 'type' : undefined;
      const loc = locate(root, field ? [...at, field] : at);
      out.push({ code: p.code, file, ...lines.position(loc.offset), offset: loc.offset, length: loc.length, message: p.message, path: pointer(field ? [...at, field] : at) });
    }
  }
  return out;
}

function pointer(p: Array<string | number>): string {
  return p.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
