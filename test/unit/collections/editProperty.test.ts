import assert from 'node:assert/strict';
import fc from 'fast-check';
import { updateRequest, addRequest, removeRequest, updateCollection } from '../../../src/core/collections/edit';
import { parseCollection } from '../../../src/core/collections/parse';
import { findNodeAtLocation, parseTree } from '../../../src/core/collections/jsonc';
import type { Collection, RequestDef } from '../../../src/core/collections/types';

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _-]{0,8}$/);
const headerName = fc.stringMatching(/^X-[A-Za-z0-9]{1,6}$/);
const text = fc.string({ maxLength: 12 });

const message = fc.oneof(
  fc.record({ name, kind: fc.constant('text' as const), data: text }),
  fc.record({ name, kind: fc.constant('json' as const), data: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ name, kind: fc.constant('binary' as const), hex: fc.constantFrom('00', 'de ad', '0x01 0x02') }),
);

const request: fc.Arbitrary<RequestDef> = fc.record(
  {
    name,
    url: fc.constantFrom('ws://a', 'wss://b/c', 'ws://{{host}}/x'),
    headers: fc.dictionary(headerName, text, { maxKeys: 3 }),
    subprotocols: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
    origin: text,
    deflate: fc.boolean(),
    messages: fc.uniqueArray(message, { maxLength: 3, selector: (m) => m.name }),
  },
  { requiredKeys: ['name', 'url'] },
) as fc.Arbitrary<RequestDef>;

/** `{"a": 1, "b": [1, 2]}`: one line with spaces after separators, built structurally. */
function oneLine(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(oneLine).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${oneLine(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

/** Formats a collection in one of the styles people write by hand. */
function format(c: Collection, style: number): string {
  if (style === 0) return JSON.stringify(c, null, 2) + '\n';
  if (style === 1) return JSON.stringify(c, null, '\t');
  if (style === 2) return oneLine(c);
  return (JSON.stringify(c, null, 4) + '\n').replace(/\n/g, '\r\n');
}

const normalize = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

describe('collections: edits (property)', () => {
  it('updateRequest always yields exactly the new request and leaves the others byte-identical in value', () => {
    fc.assert(
      fc.property(request, request, request, fc.integer({ min: 0, max: 3 }), (a, b, other, style) => {
        fc.pre(a.name !== other.name && b.name !== other.name);
        const c: Collection = { version: 1, name: 'p', requests: [a, other] };
        const text0 = format(c, style);
        fc.pre(parseCollection(text0).ok);
        const otherNode = findNodeAtLocation(parseTree(text0)!, ['requests', 1])!;
        const otherText = text0.slice(otherNode.offset, otherNode.offset + otherNode.length);
        const text1 = updateRequest(text0, a.name, b);
        assert.ok(text1.includes(otherText), 'the untouched request keeps its exact text');
        const r = parseCollection(text1);
        assert.equal(r.ok, true, JSON.stringify(r.errors) + '\n' + text1);
        assert.deepEqual(normalize(r.collection!.requests![0]), normalize(b));
        assert.deepEqual(normalize(r.collection!.requests![1]), normalize(other));
        assert.equal(text1.includes('\r\n'), style === 3, 'line endings kept');
      }),
      { numRuns: 150 },
    );
  });

  it('add then remove returns to the same value; updateCollection reaches any valid target', () => {
    fc.assert(
      fc.property(request, request, fc.integer({ min: 0, max: 3 }), (a, b, style) => {
        fc.pre(a.name !== b.name);
        const c: Collection = { version: 1, name: 'p', requests: [a] };
        const text0 = format(c, style);
        fc.pre(parseCollection(text0).ok);
        const added = addRequest(text0, b);
        assert.deepEqual(normalize(parseCollection(added).collection!.requests), normalize([a, b]));
        const removed = removeRequest(added, b.name);
        assert.deepEqual(normalize(parseCollection(removed).collection), normalize(c));
        const target: Collection = { version: 1, name: 'q', variables: { v: '1' }, requests: [b] };
        assert.deepEqual(normalize(parseCollection(updateCollection(text0, target)).collection), normalize(target));
      }),
      { numRuns: 100 },
    );
  });
});
