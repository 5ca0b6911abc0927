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

describe('collections: transcript files are read as a stream', () => {
  it('a file of several read chunks, multi-byte characters across chunk boundaries, reads back as its text parses', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { makeHeader, parseTranscript, readTranscript, serializeTranscript } = await import('../../../src/core/collections/transcript');
    const dir = mkdtempSync(path.join(tmpdir(), 'wswb-trs-'));
    try {
      const data = new TextEncoder().encode('✓ check ✓ é ü 😀 '.repeat(40));
      const events: TimelineEvent[] = Array.from({ length: 4000 }, (_, i) => ({ id: i + 1, time: i, connection: 'c', kind: 'message', dir: 'in', binary: false, data, size: data.length }));
      const text = serializeTranscript({ header: makeHeader({ createdAt: 0 }), events }) + '{"id":9999,"time":1,"connection":"c","kind":"mess';
      assert.ok(Buffer.byteLength(text) > 3 * (1 << 20), 'spans several 1 MiB reads');
      const file = path.join(dir, 't.ndjson');
      writeFileSync(file, text);
      const streamed = await readTranscript(file);
      assert.deepEqual(streamed, parseTranscript(text));
      assert.equal(streamed.events.length, 4000);
      assert.equal(streamed.truncated, true);
      await assert.rejects(readTranscript(path.join(dir, 'missing.ndjson')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
