/**
 * The codec options of `connect`: `--codec '<rule json>'` (repeatable, the `codecs` rules of
 * collection files, `proto` relative to the current directory) and `--message` with a codec kind
 * (`{"kind":"msgpack"|"cbor","data":…}`, `{"kind":"protobuf","type":"feed.Envelope","data":…}`),
 * which sends an encoded binary message whatever the protocol.
 */
import * as fs from 'node:fs/promises';
import { loadCodecs, type CodecSet } from '../core/codecs/bindings';
import { describeCodecProblem } from '../core/codecs/collection';
import { CodecMessageError, parseCodecMessage } from '../core/codecs/encode';
import { CODECS, isCodecKind, type CodecMessage, type CodecRule } from '../core/codecs/types';
import { isObject } from '../core/protocols/util';

/** Usage lines of the codec options. */
export const CODEC_USAGE = `  --codec JSON           decode binary messages with a codec rule (repeatable, first match wins), e.g.
                         '{"codec":"protobuf","proto":"protos/feed.proto","type":"feed.Envelope"}',
                         '{"match":{"prefixHex":"82"},"codec":"msgpack"}', '{"codec":"cbor"}';
                         NDJSON message lines then carry "decoded"
  --message JSON         also sends an encoded binary message: '{"kind":"msgpack","data":{…}}',
                         '{"kind":"cbor","data":…}', '{"kind":"protobuf","type":"feed.Envelope","data":{…}}'
`;

/** Parses one `--codec` value; throws with what is wrong. */
export function parseCodecRule(v: string): CodecRule {
  let o: unknown;
  try {
    o = JSON.parse(v);
  } catch (e) {
    throw new Error(`--codec is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(o)) throw new Error('--codec must be a JSON object');
  for (const k of Object.keys(o)) if (!['match', 'codec', 'proto', 'type'].includes(k)) throw new Error(`--codec: unknown field "${k}" (allowed: match, codec, proto, type)`);
  if (!CODECS.includes(o.codec as never)) throw new Error(`--codec: "codec" must be one of ${CODECS.join(', ')}`);
  if (o.match !== undefined) {
    if (!isObject(o.match)) throw new Error('--codec: "match" must be an object');
    for (const [k, x] of Object.entries(o.match)) {
      if (!['subprotocol', 'path', 'prefixHex', 'direction'].includes(k)) throw new Error(`--codec: unknown match term "${k}" (allowed: subprotocol, path, prefixHex, direction)`);
      if (typeof x !== 'string') throw new Error(`--codec: match.${k} must be a string`);
    }
    if (o.match.direction !== undefined && o.match.direction !== 'in' && o.match.direction !== 'out') throw new Error('--codec: match.direction must be in or out');
  }
  if (o.proto !== undefined && typeof o.proto !== 'string' && !(Array.isArray(o.proto) && o.proto.every((p) => typeof p === 'string'))) throw new Error('--codec: "proto" must be a path or a list of paths');
  if (o.type !== undefined && typeof o.type !== 'string') throw new Error('--codec: "type" must be a string');
  return o as unknown as CodecRule;
}

/** A `--message` value with a codec kind, or undefined for other kinds; throws with what is wrong. */
export function codecMessageOf(v: string): CodecMessage | undefined {
  let o: unknown;
  try {
    o = JSON.parse(v);
  } catch {
    return undefined; // the protocol options report it
  }
  if (!isObject(o) || !isCodecKind(o.kind)) return undefined;
  try {
    return parseCodecMessage(o);
  } catch (e) {
    throw new Error(`--message ${e instanceof CodecMessageError ? e.message : String(e)}`);
  }
}

/** Loads the `--codec` rules (relative to `cwd`); a problem (a .proto that does not parse) is thrown as one message. */
export async function loadCliCodecs(rules: CodecRule[], cwd: string): Promise<CodecSet> {
  const { codecs, problems } = await loadCodecs(rules, { baseDir: cwd, readText: (f) => fs.readFile(f, 'utf8') });
  if (problems.length) throw new Error(problems.map((p) => `--codec ${p.rule + 1}: ${describeCodecProblem(p)} [${p.code}]`).join('\n'));
  return codecs;
}
