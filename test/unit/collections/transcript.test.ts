import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  TranscriptWriter,
  encodeEvent,
  encodeEventLine,
  makeHeader,
  parseTranscript,
  readTranscript,
  serializeTranscript,
  withPayloads,
} from '../../../src/core/collections/transcript';
import { sampleEvents } from './fixtures/events';
import { CollectionError } from '../../../src/core/collections/types';
import { atomicWriteFile } from '../../../src/core/collections/fsio';

describe('collections: transcripts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wswb-tr-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('encodes bytes as base64 fields and text messages also as text', () => {
    const o = encodeEvent(sampleEvents[3]!);
    assert.equal(o.dataBase64, Buffer.from('hi ✓').toString('base64'));
    assert.equal(o.text, 'hi ✓');
    assert.equal('data' in o, false);
    assert.equal(encodeEvent(sampleEvents[2]!).payloadBase64, 'aGk=');
    assert.equal(encodeEvent(sampleEvents[4]!).text, undefined, 'binary has no text');
    assert.equal(encodeEvent(sampleEvents[5]!).text, undefined, 'invalid UTF-8 has no text');
  });

  it('the fast line encoder writes exactly what the generic encoder would', () => {
    const odd = { ...sampleEvents[3]!, extra: 'field' } as unknown as (typeof sampleEvents)[number];
    const spilled = { ...sampleEvents[3]!, data: new Uint8Array(0), spilled: true } as (typeof sampleEvents)[number];
    const compressed = { ...sampleEvents[4]!, wireSize: 9, compressed: true } as (typeof sampleEvents)[number];
    const truncated = { ...sampleEvents[2]!, truncated: true } as (typeof sampleEvents)[number];
    for (const e of [...sampleEvents, odd, spilled, compressed, truncated]) {
      assert.deepEqual(JSON.parse(encodeEventLine(e)), JSON.parse(JSON.stringify(encodeEvent(e))), e.kind);
    }
    assert.equal(JSON.parse(encodeEventLine(spilled)).text, undefined);
  });

  it('the fast line encoder follows changing connection names and directions (quotes and unicode escaped)', () => {
    const names = ['a', 'a', 'mock "x"#1', 'b\\c\n', 'a', 'ü\u2028'];
    for (const [i, connection] of names.entries()) {
      for (const base of [sampleEvents[2]!, sampleEvents[3]!]) {
        const e = { ...base, connection, dir: i % 2 ? 'in' : 'out' } as (typeof sampleEvents)[number];
        const back = JSON.parse(encodeEventLine(e)) as { connection: string; dir: string };
        assert.deepEqual([back.connection, back.dir], [connection, i % 2 ? 'in' : 'out']);
        assert.deepEqual(JSON.parse(encodeEventLine(e)), JSON.parse(JSON.stringify(encodeEvent(e))));
      }
    }
  });

  it('withPayloads reads spilled payloads back before export', async () => {
    const spilled = { ...sampleEvents[3]!, data: new Uint8Array(0), spilled: true } as (typeof sampleEvents)[number];
    const asked: number[] = [];
    const out = await withPayloads([sampleEvents[1]!, spilled], async (id) => (asked.push(id), new TextEncoder().encode('back')));
    assert.deepEqual(asked, [4]);
    assert.equal(out[0], sampleEvents[1]);
    assert.equal('spilled' in out[1]!, false);
    assert.equal(JSON.parse(encodeEventLine(out[1]!)).text, 'back');
  });

  it('round-trips every event kind through NDJSON text', () => {
    const header = makeHeader({ createdAt: 0, request: { name: 'r', url: 'ws://x' }, tool: { name: 't', version: '1' } });
    const text = serializeTranscript({ header, events: sampleEvents });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, sampleEvents.length + 1);
    assert.deepEqual(JSON.parse(lines[0]!), { type: 'websocket-workbench-transcript', version: 1, createdAt: '1970-01-01T00:00:00.000Z', request: { name: 'r', url: 'ws://x' }, tool: { name: 't', version: '1' } });
    const r = parseTranscript(text);
    assert.deepEqual(r.errors, []);
    assert.equal(r.truncated, false);
    assert.deepEqual(r.events, sampleEvents);
  });

  it('streams with TranscriptWriter and survives a crash mid-line', async () => {
    const file = path.join(dir, 's.ndjson');
    const w = await TranscriptWriter.create(file, makeHeader({ createdAt: 5 }));
    for (const e of sampleEvents.slice(0, 4)) w.append(e);
    await w.flush();
    assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, 5, 'flushed lines are on disk before close');
    for (const e of sampleEvents.slice(4)) w.append(e);
    await w.close();
    await w.close();
    w.append(sampleEvents[0]!); // ignored after close
    assert.equal(w.eventsWritten, sampleEvents.length);
    appendFileSync(file, '{"id":11,"time":1,"connection":"c1","kind":"mess');
    const r = await readTranscript(file);
    assert.equal(r.truncated, true);
    assert.deepEqual(r.errors, []);
    assert.equal(r.events.length, sampleEvents.length);
    assert.equal(r.header?.createdAt, '1970-01-01T00:00:00.005Z');
  });

  it('reports bad lines with their line numbers and keeps the good ones', () => {
    const header = JSON.stringify(makeHeader({ createdAt: 0 }));
    const good = JSON.stringify(encodeEvent(sampleEvents[1]!));
    const text = [header, good, '{oops', '{"kind":"bogus","id":1,"time":1,"connection":"c"}', '[1]', '{"kind":"message","id":1,"time":1,"connection":"c","dataBase64":"@@"}', good, ''].join('\n');
    const r = parseTranscript(text);
    assert.equal(r.events.length, 2);
    assert.deepEqual(r.errors.map((e) => [e.line, e.code]), [
      [3, 'WSWB_TRANSCRIPT_BAD_LINE'],
      [4, 'WSWB_TRANSCRIPT_BAD_LINE'],
      [5, 'WSWB_TRANSCRIPT_BAD_LINE'],
      [6, 'WSWB_TRANSCRIPT_BAD_LINE'],
    ]);
    assert.match(r.errors[1]!.message, /line 4: unknown event kind "bogus"/);
  });

  it('flags a missing header and a newer version', () => {
    const noHeader = parseTranscript(JSON.stringify(encodeEvent(sampleEvents[1]!)) + '\n');
    assert.equal(noHeader.errors[0]!.code, 'WSWB_TRANSCRIPT_HEADER');
    assert.equal(noHeader.events.length, 1);
    const newer = parseTranscript(JSON.stringify({ ...makeHeader(), version: 2 }) + '\n');
    assert.equal(newer.errors[0]!.code, 'WSWB_TRANSCRIPT_VERSION');
    assert.deepEqual(parseTranscript('').errors.map((e) => e.code), ['WSWB_TRANSCRIPT_HEADER']);
  });

  it('a serialized transcript written to a file reads back; unwritable paths give a coded error', async () => {
    const file = path.join(dir, 'w.ndjson');
    await atomicWriteFile(file, serializeTranscript({ header: makeHeader({ createdAt: 1 }), events: sampleEvents }));
    assert.deepEqual((await readTranscript(file)).events, sampleEvents);
    await assert.rejects(TranscriptWriter.create(path.join(dir, 'missing', 'x.ndjson'), makeHeader()), (e: CollectionError) => e.code === 'WSWB_TRANSCRIPT_WRITE');
    writeFileSync(path.join(dir, 'crlf.ndjson'), serializeTranscript({ header: makeHeader(), events: sampleEvents.slice(0, 2) }).replace(/\n/g, '\r\n'));
    const crlf = await readTranscript(path.join(dir, 'crlf.ndjson'));
    assert.deepEqual(crlf.errors, []);
    assert.equal(crlf.events.length, 2);
  });
});
