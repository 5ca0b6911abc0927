import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { exportHar, importHar, transcriptsToEvents } from '../../../src/core/collections/har';
import type { HandshakeEvent, MessageEvent } from '../../../src/core/engine/events';
import { sampleEvents } from './fixtures/events';
import { harProblems } from '../../support/har12';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const text = (m: MessageEvent) => new TextDecoder().decode(m.data);

describe('collections: HAR', () => {
  it('imports a Chrome DevTools HAR: only the websocket entry, headers, messages, base64 binary', () => {
    const r = importHar(fixture('chrome.har'));
    assert.deepEqual(r.errors, []);
    assert.equal(r.transcripts.length, 1);
    const t = r.transcripts[0]!;
    assert.equal(t.header.source, 'har');
    const hs = t.events[0] as HandshakeEvent;
    assert.equal(hs.kind, 'handshake');
    assert.equal(hs.request.url, 'ws://localhost:3000/socket?room=lobby');
    assert.equal(hs.request.path, '/socket?room=lobby');
    assert.equal(hs.response?.status, 101);
    assert.equal(hs.subprotocol, 'chat.v2');
    assert.equal(hs.extensions, 'permessage-deflate');
    assert.equal(hs.time, Date.parse('2026-03-02T10:15:30.250Z'));
    const msgs = t.events.filter((e): e is MessageEvent => e.kind === 'message');
    assert.deepEqual(msgs.map((m) => [m.dir, m.binary]), [
      ['out', false],
      ['in', false],
      ['in', true],
      ['out', false],
    ]);
    assert.equal(text(msgs[0]!), '{"type":"join","room":"lobby"}');
    assert.deepEqual([...msgs[2]!.data], [0, 1, 2, 3, 255]);
    assert.equal(text(msgs[3]!), 'héllo ✓');
    assert.equal(msgs[1]!.time, 1772446530269.4);
    assert.deepEqual(t.events.map((e) => e.id), t.events.map((_e, i) => i + 1), 'ids are monotonic');
  });

  it('imports a Firefox HAR (lower-case response headers, offsets in dates, entries out of order)', () => {
    const r = importHar(fixture('firefox.har'));
    assert.deepEqual(r.errors, []);
    assert.equal(r.transcripts.length, 1);
    const ev = r.transcripts[0]!.events;
    const hs = ev[0] as HandshakeEvent;
    assert.equal(hs.request.url, 'wss://echo.example.org/ws');
    assert.equal(hs.time, Date.parse('2026-03-02T10:00:01.500Z'));
    const msgs = ev.filter((e): e is MessageEvent => e.kind === 'message');
    assert.equal(msgs.length, 4);
    assert.deepEqual([...msgs[2]!.data], [0xde, 0xad, 0xbe, 0xef]);
    assert.equal(msgs[3]!.dir, 'in');
  });

  it('the independent HAR 1.2 validator accepts the Chrome and Firefox fixtures and rejects broken HARs', () => {
    // The validator is only evidence if it accepts real exports and refuses what the spec forbids.
    assert.deepEqual(harProblems(JSON.parse(fixture('chrome.har'))), []);
    assert.deepEqual(harProblems(JSON.parse(fixture('firefox.har'))), []);
    const good = exportHar(sampleEvents);
    const broken = (edit: (h: any) => void) => {
      const h = JSON.parse(JSON.stringify(good));
      edit(h);
      return harProblems(h);
    };
    assert.match(broken((h) => delete h.log.entries[0].timings.wait).join(), /\/log\/entries\/0\/timings: must have required property 'wait'/);
    assert.match(broken((h) => (h.log.entries[0].response.status = '101')).join(), /response\/status: must be integer/);
    assert.match(broken((h) => (h.log.entries[0].startedDateTime = '2023-11-14 22:13:20')).join(), /startedDateTime: must match pattern/);
    assert.match(broken((h) => (h.log.entries[0].request.extra = 1)).join(), /must NOT have additional properties \(extra\)/);
    assert.match(broken((h) => delete h.log.creator).join(), /must have required property 'creator'/);
    assert.match(broken((h) => (h.log.entries[0]._webSocketMessages[0].type = 'sent')).join(), /_webSocketMessages\/0\/type: must be equal to one of the allowed values/);
    assert.match(broken((h) => (h.log.entries[0]._webSocketMessages[1].opcode = '2')).join(), /_webSocketMessages\/1\/opcode: must be number/);
    assert.match(broken((h) => delete h.log.entries[0]._webSocketMessages[2].data).join(), /_webSocketMessages\/2: must have required property 'data'/);
  });

  it('exports a timeline Chrome can import (valid HAR 1.2 with Chrome\'s WebSocket fields), and imports it back to the same messages', () => {
    const har = exportHar(sampleEvents, { creator: { name: 'wswb', version: '1' } });
    // Checked against the HAR 1.2 structure by a validator that shares nothing with our importer.
    assert.deepEqual(harProblems(har), []);
    assert.deepEqual(harProblems(exportHar(transcriptsToEvents([{ header: { type: 'websocket-workbench-transcript', version: 1, createdAt: '', tool: { name: 't', version: '1' } }, events: sampleEvents }]), { secrets: ['tok-123'] })), []);
    assert.equal(har.log.version, '1.2');
    const e = har.log.entries[0]!;
    assert.equal(e._resourceType, 'websocket');
    assert.equal(e.response.status, 101);
    assert.equal(e.request.url, 'ws://127.0.0.1:1/echo');
    assert.deepEqual(e.request.headers[0], { name: 'Host', value: '127.0.0.1:1' });
    assert.equal(e.startedDateTime, new Date(1_700_000_000_000).toISOString());
    // Chrome reads message times as seconds since the epoch, like startedDateTime's clock.
    for (const m of e._webSocketMessages!) assert.ok(Math.abs(m.time * 1000 - Date.parse(e.startedDateTime)) < 60_000, `message time ${m.time} s`);
    assert.deepEqual(e._webSocketMessages, [
      { type: 'send', time: 1_700_000_000.002, opcode: 1, data: 'hi ✓' },
      { type: 'receive', time: 1_700_000_000.003, opcode: 2, data: 'AP+A' },
      { type: 'receive', time: 1_700_000_000.004, opcode: 1, data: '\ufffd(' },
    ]);
    const back = importHar(JSON.stringify(har));
    assert.deepEqual(back.errors, []);
    const msgs = back.transcripts[0]!.events.filter((x): x is MessageEvent => x.kind === 'message');
    const orig = sampleEvents.filter((x): x is MessageEvent => x.kind === 'message');
    assert.deepEqual(msgs.slice(0, 2).map((m) => [m.dir, m.binary, [...m.data]]), orig.slice(0, 2).map((m) => [m.dir, m.binary, [...m.data]]));
    assert.deepEqual(msgs.map((m) => m.time), orig.map((m) => m.time));
  });

  it('masks secrets on export when given them', () => {
    const har = exportHar(sampleEvents, { secrets: ['tok-123'] });
    assert.equal(JSON.stringify(har).includes('tok-123'), false);
    assert.deepEqual(har.log.entries[0]!.request.headers[1], { name: 'Authorization', value: 'Bearer ••••' });
  });

  it('exports one entry per connection from several transcripts', () => {
    const a = { header: { type: 'websocket-workbench-transcript' as const, version: 1, createdAt: '', tool: { name: 't', version: '1' } }, events: sampleEvents };
    const har = exportHar(transcriptsToEvents([a, a]));
    assert.equal(har.log.entries.length, 2);
  });

  it('reports non-HAR input, HARs without websockets and malformed messages with codes, never throwing', () => {
    assert.equal(importHar('nope').errors[0]!.code, 'WSWB_HAR_INVALID');
    assert.equal(importHar({ log: {} }).errors[0]!.code, 'WSWB_HAR_INVALID');
    assert.match(importHar({ log: { entries: [{ request: { url: 'http://x/' }, response: { status: 200 } }] } }).errors[0]!.message, /no WebSocket entries/);
    const bad = importHar({
      log: {
        entries: [
          {
            _resourceType: 'websocket',
            request: { url: 'https://h/ws' },
            _webSocketMessages: [{ type: 'send', time: 1, opcode: 2, data: '!!' }, { type: 'sideways' }, { type: 'receive', time: 2, opcode: 9, data: 'p' }],
          },
        ],
      },
    });
    assert.deepEqual(bad.errors.map((e) => e.code), ['WSWB_HAR_BAD_MESSAGE', 'WSWB_HAR_BAD_MESSAGE']);
    const t = bad.transcripts[0]!;
    assert.equal((t.events[0] as HandshakeEvent).request.url, 'wss://h/ws', 'https:// becomes wss://');
    assert.equal(t.events[1]!.kind, 'frame', 'a ping becomes a frame event');
  });
});
