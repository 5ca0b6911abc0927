/**
 * The transcript reader's fast path for message lines gives exactly the event the generic path
 * gives (and the event that was written), for any message: text or binary, valid UTF-8 or not,
 * with or without the optional fields; a line with a field we do not know keeps it.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEvent, encodeEvent, encodeEventLine, makeHeader as header, parseTranscript as parse, serializeTranscript as serialize } from '../../../src/core/collections/transcript';
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

describe('collections: the transcript line scanner matches the JSON.parse path', () => {
  const frameArb = fc
    .record(
      { id: fc.nat(), time: fc.nat(), connection: fc.string(), dir: fc.constantFrom('in' as const, 'out' as const), fin: fc.boolean(), rsv1: fc.boolean(), rsv2: fc.boolean(), rsv3: fc.boolean(), opcode: fc.nat(15), masked: fc.boolean(), maskKey: fc.string({ maxLength: 8 }), wireSize: fc.nat(), payload: fc.uint8Array({ maxLength: 60 }), truncated: fc.boolean(), spilled: fc.boolean() },
      { requiredKeys: ['id', 'time', 'connection', 'dir', 'fin', 'rsv1', 'rsv2', 'rsv3', 'opcode', 'masked', 'wireSize', 'payload'] },
    )
    .map((f) => ({ ...f, kind: 'frame' as const, length: f.payload.length }) as TimelineEvent);
  // Edits aimed at what the scanner checks: quotes, escapes, digits, signs, base64 and JSON syntax.
  const edit = fc.record({ at: fc.nat(), cut: fc.nat(3), put: fc.constantFrom('', '"', '\\', '\\u00', '\\x', '0', '01', '-', '.5', 'e3', '=', '-_', '@', ',', '}', '{', ' ', '\r', '\u0001', 'é', 'true', 'null', '"x":1,') });

  it('lines with random edits read exactly as JSON.parse + decodeEvent read them (events, errors, truncation)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(messageArb, frameArb), { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(fc.nat(), edit), { maxLength: 4 }), fc.boolean(), (events, edits, cutEnd) => {
        const lines = serialize({ header: header({ createdAt: 0 }), events }).split('\n');
        for (const [li, { at, cut, put }] of edits) {
          const i = 1 + (li % events.length);
          const l = lines[i]!;
          const p = at % (l.length + 1);
          lines[i] = l.slice(0, p) + put + l.slice(p + cut);
        }
        let text = lines.join('\n');
        if (cutEnd) text = text.slice(0, -Math.min(text.length, 1 + (edits.length * 7) % 20));
        assert.deepEqual(parse(text), parse(text, { scan: false }));
      }),
      { numRuns: 500 },
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
