/**
 * fast-check arbitraries for collection requests, derived from the JSON Schema itself
 * (schemas/websocket-collection.schema.json, `definitions.request`): every property the schema
 * declares is generated, so a field added there is exercised by the round-trip tests without
 * editing this file. Overrides keep values realistic where the schema only says "string": a URL
 * the pattern accepts, references where a literal secret would be refused, no control characters
 * (a text field in a form cannot hold a newline).
 */
import fc from 'fast-check';
import schema from '../../schemas/websocket-collection.schema.json';
import type { RequestDef } from '../../src/core/collections/types';

interface Node {
  type?: string | string[];
  $ref?: string;
  const?: unknown;
  enum?: unknown[];
  oneOf?: Node[];
  properties?: Record<string, Node>;
  required?: string[];
  additionalProperties?: boolean | Node;
  propertyNames?: { pattern?: string };
  items?: Node;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
}

const defs = (schema as unknown as { definitions: Record<string, Node> }).definitions;

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,7}$/);
/** Printable text without control characters (what a form field keeps as typed). */
const plain = fc.string({ unit: fc.constantFrom(...'abcXYZ019 _-./:;,=?&%é€{}"\''.split('')), maxLength: 16 });
const reference = fc.oneof(word.map((n) => `{{secret:${n}}}`), word.map((n) => `{{${n}}}`));

/** Paths (dotted, from the request) whose strings are overridden. */
const OVERRIDES: Record<string, fc.Arbitrary<unknown>> = {
  url: fc.tuple(fc.constantFrom('ws://', 'wss://'), fc.oneof(fc.constant('127.0.0.1:9'), word.map((w) => `${w}.test`), fc.constant('{{host}}')), fc.stringMatching(/^(\/[a-z0-9]{0,6}){0,2}$/)).map(([s, h, p]) => s + h + p),
  'auth.password': reference,
  'auth.token': reference,
  'tls.key': reference,
  'tls.passphrase': reference,
  origin: fc.constantFrom('https://app.test', 'http://localhost:3000', ''),
  proxy: fc.constantFrom('env', 'none', 'http://127.0.0.1:3128'),
  // Schema minimums of 1 exist for these; keep them inside the contract's bounds too.
  handshakeTimeoutMs: fc.integer({ min: 1, max: 3_600_000 }),
  maxPayload: fc.integer({ min: 1, max: 2 ** 31 }),
  maxRedirects: fc.integer({ min: 0, max: 1000 }),
  'reconnect.initialDelayMs': fc.integer({ min: 0, max: 3_600_000 }),
  'reconnect.maxDelayMs': fc.integer({ min: 0, max: 3_600_000 }),
  'reconnect.maxAttempts': fc.integer({ min: 0, max: 1_000_000 }),
  'keepAlive.pingIntervalMs': fc.integer({ min: 0, max: 3_600_000 }),
  // Protocol credentials are refused as literals, like auth's.
  'protocolOptions.password': reference,
  'protocolOptions.passcode': reference,
  'protocolOptions.heartBeat': fc.constantFrom('0,0', '10000,10000', '{{hb}}'),
  // Codec rules: proto and type only on protobuf rules (the schema ties them with if/then/else).
  'codecs[]': fc.record(
    {
      match: fc.record({ subprotocol: word, path: fc.constantFrom('/feed', '/feed/*'), prefixHex: fc.constantFrom('82', '0a 02'), direction: fc.constantFrom('in', 'out') }, { requiredKeys: [] }).filter((m) => Object.keys(m).length > 0),
      codec: fc.constantFrom('msgpack', 'cbor', 'protobuf'),
      proto: fc.oneof(fc.constant('protos/feed.proto'), fc.constant(['a.proto', 'b/c.proto'])),
      type: fc.constantFrom('feed.Envelope', 'A'),
    },
    { requiredKeys: ['codec'] },
  ).map((r) => {
    const { proto, type, ...rest } = r;
    if (r.codec !== 'protobuf') return rest;
    return type !== undefined ? { ...rest, proto: proto ?? 'protos/feed.proto', type } : { ...rest, ...(proto !== undefined ? { proto } : {}) };
  }),
};

function resolve(n: Node): Node {
  return n.$ref ? resolve(defs[n.$ref.replace('#/definitions/', '')]!) : n;
}

/** An arbitrary for the schema node at `at` (a dotted path from the request). */
export function fromSchema(node: Node, at: string): fc.Arbitrary<unknown> {
  const o = OVERRIDES[at];
  if (o) return o;
  const n = resolve(node);
  if (n.const !== undefined) return fc.constant(n.const);
  if (n.enum) return fc.constantFrom(...n.enum);
  if (n.oneOf) return fc.oneof(...n.oneOf.map((x) => fromSchema(x, at)));
  const type = Array.isArray(n.type) ? n.type[0] : n.type;
  switch (type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: n.minimum ?? 0, max: n.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: n.minimum ?? 0, max: n.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'string':
      return n.pattern ? fc.stringMatching(new RegExp(n.pattern)) : n.minLength ? word : plain;
    case 'array':
      return fc.array(fromSchema(n.items ?? {}, `${at}[]`), { maxLength: 3 });
    case 'object': {
      if (n.properties) {
        const shape: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, p] of Object.entries(n.properties)) shape[k] = fromSchema(p, at ? `${at}.${k}` : k);
        return fc.record(shape, { requiredKeys: n.required ?? [] });
      }
      const key = n.propertyNames?.pattern ? fc.stringMatching(new RegExp(n.propertyNames.pattern.replace('+$', '{1,12}$'))) : word;
      const value = typeof n.additionalProperties === 'object' ? fromSchema(n.additionalProperties, `${at}.*`) : plain;
      return fc.dictionary(key, value, { maxKeys: 3 });
    }
    default:
      throw new Error(`requestArbitrary: no arbitrary for ${at} (${JSON.stringify(n).slice(0, 80)})`);
  }
}

/**
 * `protocol` with `protocolOptions` as that protocol allows them (the schema ties the two with
 * if/then): unset, auto or raw without options, or a protocol with options from its definition.
 */
function protocolArbitrary(): fc.Arbitrary<Pick<RequestDef, 'protocol' | 'protocolOptions'>> {
  const options = (schema as unknown as { definitions: { protocolOptions: Record<string, Node> } }).definitions.protocolOptions;
  const settings = defs.request!.properties!.protocol!.enum as string[];
  return fc.oneof(
    fc.constant({}),
    ...settings.map((p) => {
      const own = options[p];
      if (!own) return fc.constant({ protocol: p } as Pick<RequestDef, 'protocol'>);
      return fc.record({ protocol: fc.constant(p), protocolOptions: fromSchema(own, 'protocolOptions') }, { requiredKeys: ['protocol'] }) as fc.Arbitrary<Pick<RequestDef, 'protocol' | 'protocolOptions'>>;
    }),
  );
}

/** Requests as the schema allows them, without named messages (they are not the request composer's). */
export function requestArbitrary(): fc.Arbitrary<RequestDef> {
  const { messages: _m, protocol: _p, protocolOptions: _o, ...properties } = defs.request!.properties!;
  const rest = fromSchema({ ...defs.request, properties }, '') as fc.Arbitrary<RequestDef>;
  return fc.tuple(rest, protocolArbitrary()).map(([r, p]) => ({ ...r, ...p }));
}
