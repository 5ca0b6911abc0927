/**
 * Codec rules bound to one connection: which rules hold for its sub-protocol and URL path, then,
 * per binary message, the first rule whose prefix and direction match decodes it. The decoded form
 * is what protocol packets are (src/core/protocols/types.ts `Decoded`): `protocol` is the codec,
 * `type` the message type (`msgpack`, `cbor`, `feed.Envelope`, `raw` for schemaless Protobuf),
 * `summary` one line, `data` the JSON tree (tree.ts).
 */
import * as path from 'node:path';
import { hexToBytes } from '../protocol/hexdump';
import { LazyPacket } from '../protocols/packet';
import type { Decoded, Dir, WireMessage } from '../protocols/types';
import { short } from '../protocols/util';
import { decodeCbor } from './cbor';
import { decodeMsgpack } from './msgpack';
import { loadProtoFiles, type ProtoDiagnostic, type ProtoSchemas, type ReadText } from './protobuf';
import { decodeRawProtobuf, summarizeRaw } from './rawProtobuf';
import type { CodecMatch, CodecName, CodecRule } from './types';

/** A rule ready to match: its prefix as bytes, its schemas loaded. */
interface BoundRule {
  rule: CodecRule;
  prefix?: Uint8Array;
  schemas?: ProtoSchemas;
}

/** Whether a URL path matches a rule's `path` (exact, or a prefix when it ends in `*`). */
export function pathMatches(pattern: string, urlPath: string): boolean {
  return pattern.endsWith('*') ? urlPath.startsWith(pattern.slice(0, -1)) : urlPath === pattern;
}

function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

function connectionMatches(m: CodecMatch | undefined, subprotocol: string | undefined, urlPath: string | undefined): boolean {
  if (!m) return true;
  if (m.subprotocol !== undefined && m.subprotocol !== subprotocol) return false;
  if (m.path !== undefined && (urlPath === undefined || !pathMatches(m.path, urlPath))) return false;
  return true;
}

function startsWith(b: Uint8Array, p: Uint8Array): boolean {
  if (b.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (b[i] !== p[i]) return false;
  return true;
}

/** Decodes one message with one codec (never throws: a failure is an `invalid` packet). */
export function decodePayload(codec: CodecName, data: Uint8Array, opts: { schemas?: ProtoSchemas; type?: string } = {}): Decoded {
  try {
    switch (codec) {
      case 'msgpack':
      case 'cbor': {
        const tree = codec === 'msgpack' ? decodeMsgpack(data) : decodeCbor(data);
        return packet(codec, codec, tree, (d) => short(d.data, 100));
      }
      case 'protobuf': {
        if (opts.schemas && opts.type) {
          const tree = opts.schemas.decode(opts.type, data);
          return packet('protobuf', opts.type, tree, (d) => short(d.data, 100));
        }
        const fields = decodeRawProtobuf(data);
        return packet('protobuf', 'raw', fields, () => summarizeRaw(fields));
      }
    }
  } catch (e) {
    const why = `not ${codec === 'protobuf' && opts.type ? `a ${opts.type}` : codec}: ${(e as Error).message}`;
    const d: Decoded = { protocol: codec, type: 'invalid', summary: why, invalid: why };
    if (codec === 'protobuf' && opts.type) {
      // What the wire holds may still help: the raw fields, when they parse.
      try {
        d.data = decodeRawProtobuf(data);
      } catch {
        // not even raw protobuf
      }
    }
    return d;
  }
}

function packet(codec: CodecName, type: string, data: unknown, summarize: (d: LazyPacket) => string): Decoded {
  const p = new LazyPacket(codec, type, summarize);
  p.data = data;
  return p;
}

/** Decodes the binary messages of one connection by the rules that hold for it. */
export class PayloadDecoder {
  constructor(private readonly rules: BoundRule[]) {}

  /** The decoded form of a binary message the first matching rule gives, or undefined (text, or no rule). */
  decode(msg: WireMessage, dir: Dir): Decoded | undefined {
    if (!msg.binary) return undefined;
    for (const r of this.rules) {
      const m = r.rule.match;
      if (m?.direction !== undefined && m.direction !== dir) continue;
      if (r.prefix && !startsWith(msg.data, r.prefix)) continue;
      return decodePayload(r.rule.codec, msg.data, { ...(r.schemas ? { schemas: r.schemas } : {}), ...(r.rule.type ? { type: r.rule.type } : {}) });
    }
    return undefined;
  }
}

/** Loaded codec rules (request rules first, then the collection's), ready to bind to connections. */
export class CodecSet {
  constructor(private readonly rules: BoundRule[]) {}

  /** No rules at all. */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The schemas of every protobuf rule, first first (for protobuf messages to send). */
  schemasFor(typeName: string): ProtoSchemas | undefined {
    return this.rules.map((r) => r.schemas).find((s) => s?.type(typeName));
  }

  /** Every message type of the rules' `.proto` files, once each, sorted (the composer's type list). */
  typeNames(): string[] {
    const names = new Set<string>();
    for (const r of this.rules) for (const n of r.schemas?.typeNames() ?? []) names.add(n);
    return [...names].sort();
  }

  /** The decoder for a connection, or undefined when no rule holds for it. */
  forConnection(subprotocol: string | undefined, url: string | undefined): PayloadDecoder | undefined {
    const p = pathOf(url);
    const rules = this.rules.filter((r) => connectionMatches(r.rule.match, subprotocol, p));
    return rules.length ? new PayloadDecoder(rules) : undefined;
  }
}

/** A problem with a codec rule: its index in the list given to loadCodecs, and the `.proto` diagnostics. */
export interface CodecProblem {
  rule: number;
  code: string;
  message: string;
  /** Set for problems inside a `.proto` file. */
  proto?: ProtoDiagnostic;
}

/**
 * Loads rules: prefixes parsed, `.proto` files (relative to `baseDir`) read and parsed once per
 * distinct file set, protobuf types checked. Never throws; a rule with a problem is left out.
 */
export async function loadCodecs(rules: CodecRule[], opts: { baseDir: string; readText: ReadText; includeDirs?: string[] }): Promise<{ codecs: CodecSet; problems: CodecProblem[] }> {
  const problems: CodecProblem[] = [];
  const bound: BoundRule[] = [];
  const loaded = new Map<string, Awaited<ReturnType<typeof loadProtoFiles>>>();
  for (const [i, rule] of rules.entries()) {
    const b: BoundRule = { rule };
    if (rule.match?.prefixHex !== undefined) {
      try {
        b.prefix = hexToBytes(rule.match.prefixHex);
      } catch (e) {
        problems.push({ rule: i, code: 'WSWB_CODEC_RULE', message: `match.prefixHex: ${(e as Error).message}` });
        continue;
      }
    }
    const protos = rule.proto === undefined ? [] : Array.isArray(rule.proto) ? rule.proto : [rule.proto];
    if (rule.codec !== 'protobuf' && (protos.length || rule.type !== undefined)) {
      problems.push({ rule: i, code: 'WSWB_CODEC_RULE', message: `"proto" and "type" belong to protobuf rules, not ${rule.codec}` });
      continue;
    }
    if (protos.length) {
      const files = protos.map((p) => path.resolve(opts.baseDir, p));
      const key = files.join('\0');
      let r = loaded.get(key);
      if (!r) {
        r = await loadProtoFiles(files, opts.readText, [opts.baseDir, ...(opts.includeDirs ?? [])]);
        loaded.set(key, r);
        for (const d of r.diagnostics) problems.push({ rule: i, code: d.code, message: d.message, proto: d });
      }
      if (!r.schemas) continue;
      if (rule.type !== undefined && !r.schemas.type(rule.type)) {
        problems.push({ rule: i, code: 'WSWB_CODEC_PROTO_TYPE', message: `no message type "${rule.type}" in ${protos.join(', ')} (types: ${r.schemas.typeNames().slice(0, 12).join(', ')})` });
        continue;
      }
      b.schemas = r.schemas;
    } else if (rule.type !== undefined) {
      problems.push({ rule: i, code: 'WSWB_CODEC_RULE', message: `"type" ${rule.type} needs "proto" (the .proto file that defines it)` });
      continue;
    }
    bound.push(b);
  }
  return { codecs: new CodecSet(bound), problems };
}
