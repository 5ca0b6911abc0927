/**
 * The transcript reader's fast path for message lines gives exactly the event the generic path
 * gives (and the event that was written), for any message: text or binary, valid UTF-8 or not,
 * with or without the optional fields; a line with a field we do not know keeps it.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEvent, encodeEvent, encodeEventLine } from '../../../src/core/collections/transcript';
import type { TimelineEvent } from '../../../src/core/engine/events';

const messageArb = fc
  .record(
    {
      id: fc.nat(),
      time: fc.nat(),
      connection: fc.string(),
      dir: fc.constantFrom('in' as const, 'out' as const),
      binary: fc.boolean(),
      data: fc.uint8Array({ maxLength: 100 }),
      wireSize: fc.nat(),
      compressed: fc.boolean(),
    },
    { requiredKeys: ['id', 'time', 'connection', 'dir', 'binary', 'data'] },
  )
  .map((m) => ({ ...m, kind: 'message' as const, size: m.data.length }) as TimelineEvent);

describe('collections: transcript reading (property)', () => {
  it('message lines read back to the event written, through the fast path', () => {
    fc.assert(
      fc.property(messageArb, (e) => {
        const back = decodeEvent(JSON.parse(encodeEventLine(e)));
        assert.deepEqual(back, e);
      }),
      { numRuns: 300 },
    );
  });

  it('a message line with an unknown field takes the generic path and keeps it', () => {
    fc.assert(
      fc.property(messageArb, fc.string({ minLength: 1 }).filter((k) => !/Base64$/.test(k) && !['id', 'time', 'connection', 'kind', 'dir', 'binary', 'size', 'wireSize', 'compressed', 'spilled', 'text', '__proto__'].includes(k)), (e, key) => {
        const o = { ...encodeEvent(e), [key]: 1 };
        const back = decodeEvent(JSON.parse(JSON.stringify(o))) as unknown as Record<string, unknown>;
        assert.equal(back[key], 1);
        assert.deepEqual({ ...back, [key]: undefined }, { ...e, [key]: undefined });
      }),
      { numRuns: 200 },
    );
  });
});
