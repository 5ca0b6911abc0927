import assert from 'node:assert/strict';
import { choose, fill, installRowGenerator, isDisabled, openWebview, serveRows, setChecked, snapshot, valueOf, type TestWindow, type WebviewPage } from './harness';
import type { HostContract } from '../../src/shared/contract';
import type { ParamsOf } from '../../src/shared/rpc';
import * as f from './fixtures';
import fc from 'fast-check';
import { draftOf } from '../../src/core/collections/request';
import { requestArbitrary } from '../support/requestArbitrary';

/** Opens the bundle, answers ready with a connection and `rows`, and serves rows from the page. */
async function openWith(rows: unknown[], opts: { theme?: 'dark' | 'light'; state?: unknown; extra?: Record<string, unknown> } = {}): Promise<WebviewPage> {
  const w = await openWebview({ theme: opts.theme, state: opts.state });
  await serveRows(w, rows);
  const ready = await w.request('ready');
  await w.reply(ready, snapshot({ connection: f.summary(), view: { total: rows.length, filter: { mode: 'messages' } }, ...opts.extra }));
  await w.page.waitForSelector('body[data-ready="true"]');
  return w;
}

async function lastRequest<M extends keyof HostContract & string>(w: WebviewPage, method: M): Promise<ParamsOf<HostContract[M]>> {
  return (await w.request(method)).params;
}

describe('webview: workbench panel (real bundle in headless Chromium)', () => {
  beforeEach(() => f.resetIds());

  describe('timeline', () => {
    it('renders rows with direction, type, size and preview, from windows the host serves', async () => {
      const rows = [f.handshake(), f.message('out', 'hello'), f.message('in', 'world'), f.binary('in', new Uint8Array([0, 1, 0xff]))];
      const w = await openWith(rows);
      try {
        await w.page.waitForSelector('.timeline .row[data-index="3"]:not(.loading)');
        const texts = await w.page.$$eval('.timeline .row:not([hidden])', (els) => els.map((e) => [...e.children].map((c) => c.textContent)));
        assert.equal(texts.length, 4);
        assert.deepEqual(texts[1]!.slice(2, 4), ['↑', 'TEXT']);
        assert.equal(texts[1]![6], 'hello');
        assert.deepEqual(texts[2]!.slice(2, 4), ['↓', 'TEXT']);
        assert.equal(texts[3]![3], 'BINARY');
        assert.equal(texts[3]![6], '00 01 ff');
        assert.match(texts[0]![6]!, /101 Switching Protocols/);
        assert.equal(await w.page.textContent('#row-count'), '4 rows');
        assert.equal(await w.page.getAttribute('.timeline', 'role'), 'grid');
        assert.equal(await w.page.getAttribute('.timeline .row[data-index="0"]', 'role'), 'row');
      } finally {
        await w.close();
      }
    });

    it('shows frames with FIN/RSV/mask, wire size and close codes in the frames view', async () => {
      const rows = [f.frame('out', 1, new TextEncoder().encode('hi')), f.frame('in', 8, new Uint8Array([0x0f, 0xa0, 0x62, 0x79, 0x65])), f.frame('in', 9, new Uint8Array([1, 2]), { fin: true, rsv1: true })];
      const w = await openWith(rows);
      try {
        await w.page.click('#view-frames');
        const p = await lastRequest(w, 'setView');
        assert.equal(p.filter.mode, 'frames');
        await w.page.waitForSelector('.timeline-wrap.mode-frames');
        await w.page.waitForSelector('.timeline .row[data-index="2"]:not(.loading)');
        const texts = await w.page.$$eval('.timeline .row:not([hidden])', (els) => els.map((e) => [...e.children].map((c) => c.textContent)));
        assert.equal(texts[0]![4], 'FIN MASK');
        assert.equal(texts[0]![5], '2 B · 8 B wire');
        assert.equal(texts[1]![3], 'CLOSE');
        assert.equal(texts[1]![6], '4000 Private use · bye');
        assert.equal(texts[2]![4], 'FIN RSV1');
        assert.equal(texts[2]![3], 'PING');
      } finally {
        await w.close();
      }
    });

    it('renders server data as text only: markup in payloads stays inert characters', async () => {
      const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
      const rows = [f.message('in', evil), f.message('in', JSON.stringify({ html: evil })), f.handshake(403, evil)];
      const w = await openWith(rows);
      try {
        await w.page.waitForSelector('.timeline .row[data-index="2"]:not(.loading)');
        assert.equal(await w.page.textContent('.timeline .row[data-index="0"] .c-summary'), evil);
        for (const i of [0, 1, 2]) {
          await w.page.click(`.timeline .row[data-index="${i}"]`);
          for (const tab of ['text', 'json', 'hex', 'header', 'handshake']) {
            await w.page.click(`#tab-${tab}`);
          }
          await w.page.waitForTimeout(30);
        }
        await w.page.click('.timeline .row[data-index="2"]');
        await w.page.click('#tab-handshake');
        assert.match((await w.page.textContent('.pane-handshake .body'))!, /<img src=x onerror=/);
        assert.equal(await w.page.$$eval('img, script:not([src])', (els) => els.length), 0);
        assert.equal(await w.page.evaluate(() => (window as unknown as TestWindow).__pwned), undefined);
      } finally {
        await w.close();
      }
    });

    it('keeps the DOM bounded with 100k rows and reaches the last row with End', async () => {
      const w = await openWebview();
      try {
        await installRowGenerator(w);
        await serveRows(w, { generated: 100_000 });
        const ready = await w.request('ready');
        await w.reply(ready, snapshot({ connection: f.summary(), view: { total: 100_000, filter: { mode: 'messages' } } }));
        await w.page.waitForSelector('.timeline .row[data-index]:not(.loading)');
        const dom = await w.page.$$eval('.timeline .row', (els) => els.length);
        assert.ok(dom < 80, `DOM rows ${dom} stay bounded`);
        await w.page.focus('.timeline');
        await w.page.keyboard.press('Home');
        await w.page.keyboard.press('End');
        await w.page.waitForSelector('.timeline .row[data-index="99999"]:not(.loading)');
        assert.equal(await w.page.textContent('.timeline .row[data-index="99999"] .c-idx'), '100000');
        assert.ok((await w.page.$$eval('.timeline .row', (els) => els.length)) < 80);
      } finally {
        await w.close();
      }
    });

    it('maps scrolling onto 1M rows without hitting the browser height limit', async () => {
      const w = await openWebview();
      try {
        await installRowGenerator(w);
        await serveRows(w, { generated: 1_000_000 });
        const ready = await w.request('ready');
        await w.reply(ready, snapshot({ connection: f.summary(), view: { total: 1_000_000, filter: { mode: 'messages' } } }));
        await w.page.waitForSelector('.timeline .row[data-index]:not(.loading)');
        const h = await w.page.$eval('.timeline', (el) => el.scrollHeight);
        assert.ok(h <= 8_100_000, `scroll height ${h} capped`);
        // auto-scroll starts at the end
        await w.page.waitForSelector('.timeline .row[data-index="999999"]:not(.loading)');
        await w.page.$eval('.timeline', (el) => (el.scrollTop = (el.scrollHeight - el.clientHeight) / 2));
        await w.page.waitForFunction(() => {
          const r = document.querySelector('.timeline .row:not([hidden])') as HTMLElement | null;
          return r && Math.abs(Number(r.dataset.index) - 500_000) < 1000;
        });
        assert.equal(await w.page.getAttribute('#autoscroll', 'aria-pressed'), 'false', 'scrolling up pauses auto-scroll');
      } finally {
        await w.close();
      }
    });

    it('follows new rows while auto-scrolling, without a DOM node per row', async () => {
      const w = await openWebview();
      try {
        await installRowGenerator(w);
        await serveRows(w, { generated: 0 });
        const ready = await w.request('ready');
        await w.reply(ready, snapshot({ connection: f.summary(), view: { total: 0, filter: { mode: 'messages' } } }));
        await w.page.waitForSelector('body[data-ready="true"]');
        for (let total = 500; total <= 5000; total += 500) {
          await w.page.evaluate((t) => {
            (window as unknown as TestWindow).__rowTotal = () => t;
            const tail = [];
            for (let i = t - 80; i < t; i++) tail.push((window as unknown as TestWindow).__rowAt(i));
            (window as unknown as TestWindow).__send({ kind: 'event', name: 'events', payload: { connectionId: 'c1', total: t, tailFrom: t - 80, tail, storeTotal: t } });
          }, total);
        }
        await w.page.waitForSelector('.timeline .row[data-index="4999"]:not(.loading)');
        assert.equal(await w.page.textContent('#row-count'), '5,000 rows');
        assert.ok((await w.page.$$eval('.timeline .row', (els) => els.length)) < 80);
      } finally {
        await w.close();
      }
    });

    it('filters by direction and kind and searches with text or regex on the host', async () => {
      const w = await openWith([f.message('out', 'a'), f.message('in', 'b')]);
      try {
        await setChecked(w.page, '#dir-out', false);
        assert.deepEqual((await lastRequest(w, 'setView')).filter, { mode: 'messages', dirs: ['in'] });
        await choose(w.page, '#kind-filter', 'error');
        assert.deepEqual((await lastRequest(w, 'setView')).filter, { mode: 'messages', dirs: ['in'], kinds: ['error'] });
        await setChecked(w.page, '#dir-out', true);
        await lastRequest(w, 'setView');
        await choose(w.page, '#kind-filter', '');
        await lastRequest(w, 'setView');
        await fill(w.page, '#search', 'a.b');
        assert.deepEqual((await lastRequest(w, 'setView')).filter, { mode: 'messages', regex: 'a\\.b', regexFlags: 'i' });
        await setChecked(w.page, '#search-regex', true);
        assert.deepEqual((await lastRequest(w, 'setView')).filter, { mode: 'messages', regex: 'a.b', regexFlags: 'i' });
        await setChecked(w.page, '#search-case', true);
        assert.deepEqual((await lastRequest(w, 'setView')).filter, { mode: 'messages', regex: 'a.b' });
        await setChecked(w.page, '#search-regex', false);
        assert.deepEqual((await lastRequest(w, 'setView')).filter, { mode: 'messages', text: 'a.b' });
        await setChecked(w.page, '#search-regex', true);
        await lastRequest(w, 'setView');
        // The host compiles the pattern with the engine that runs it (RE2) and refuses what it cannot run.
        await fill(w.page, '#search', '(a)\\1');
        const refused = await w.request('setView');
        assert.equal(refused.params.filter.regex, '(a)\\1');
        await w.replyError(refused, 'WSWB_PANEL_BAD_REGEX', 'Invalid regular expression: backreferences (\\1, \\k<name>) are not supported');
        await w.page.waitForFunction(() => document.querySelector('#search-error')?.textContent?.includes('Invalid regex: backreferences'));
        await fill(w.page, '#search', 'a+');
        const fixed = await w.request('setView');
        assert.equal(fixed.params.filter.regex, 'a+');
        await w.reply(fixed, { total: 0, ms: 1 });
        await w.page.waitForFunction(() => document.querySelector('#search-error')?.textContent === '');
      } finally {
        await w.close();
      }
    });
  });

  describe('keyboard', () => {
    it('moves the selection with arrows/Home/End, exposes it to assistive tech, opens with Enter', async () => {
      const rows = [f.message('out', 'one'), f.message('in', 'two'), f.message('in', 'three')];
      const w = await openWith(rows);
      try {
        await w.page.waitForSelector('.timeline .row[data-index="2"]:not(.loading)');
        await w.page.focus('.timeline');
        await w.page.keyboard.press('Home');
        await w.page.keyboard.press('ArrowDown');
        assert.equal(await w.page.getAttribute('.timeline', 'aria-activedescendant'), 'tl-selected');
        assert.equal(await w.page.getAttribute('#tl-selected', 'data-index'), '1');
        assert.equal(await w.page.getAttribute('#tl-selected', 'aria-selected'), 'true');
        await w.page.keyboard.press('Enter');
        await w.page.waitForFunction(() => document.querySelector('.pane-text .text-view')?.textContent === 'two');
        await w.page.focus('.timeline');
        await w.page.keyboard.press('End');
        assert.equal(await w.page.getAttribute('#tl-selected', 'data-index'), '2');
        const focusVisible = await w.page.evaluate(() => document.activeElement?.matches(':focus-visible'));
        assert.equal(focusVisible, true);
      } finally {
        await w.close();
      }
    });
  });

  describe('detail', () => {
    it('hex view: offsets, hex, ASCII with dots for non-printables, selection across both columns', async () => {
      const bytes = new Uint8Array(40).map((_, i) => (i < 32 ? i * 8 : 0x41 + i - 32));
      const rows = [f.binary('in', bytes)];
      const w = await openWith(rows);
      try {
        // A detail pane wide enough for 16 bytes a line (narrower panes get 8 or 4: see the next test).
        await w.page.setViewportSize({ width: 1700, height: 800 });
        await w.page.click('.timeline .row[data-index="0"]');
        await w.page.click('#tab-hex');
        await w.page.waitForSelector('.hex-wrap[data-bytes-per-line="16"] .hx-row:not([hidden]) .hx-off, .hex-wrap:not([data-bytes-per-line]) .hx-row:not([hidden]) .hx-off');
        const lines = await w.page.$$eval('.hx-row:not([hidden])', (els) => els.map((e) => [...e.children].map((c) => c.textContent)));
        assert.equal(lines.length, 3);
        assert.equal(lines[0]![0], '00000000');
        assert.equal(lines[1]![0], '00000010');
        assert.equal(lines[2]![0], '00000020');
        assert.equal(lines[0]![1], '00081018202830384048505860687078');
        assert.equal(lines[0]![2], '.... (08@HPX`hpx', 'non-printables as dots, 0x20 as a space');
        assert.equal(lines[2]![2], 'ABCDEFGH');
        await w.page.evaluate(() => (window as unknown as TestWindow).__wb.detail.hex.select(4, 20));
        const sel = await w.page.$$eval('.hx-row .sel', (els) => els.map((e) => `${e.className}:${(e as HTMLElement).dataset.o}`));
        assert.equal(sel.filter((s) => s.startsWith('b')).length, 16);
        assert.equal(sel.filter((s) => s.startsWith('a')).length, 16);
        assert.match((await w.page.textContent('.hex-status'))!, /Selected 0x4–0x13 \(16 bytes\)/);
        await w.page.click('#copy-hex');
        assert.equal((await lastRequest(w, 'copy')).text, '20 28 30 38 40 48 50 58 60 68 70 78 80 88 90 98');
      } finally {
        await w.close();
      }
    });

    it('hex view: a pane too narrow for 16 bytes a line shows 8, its ASCII column on screen (issue 17)', async () => {
      const bytes = new Uint8Array(40).map((_, i) => 0x41 + (i % 26));
      const w = await openWith([f.binary('in', bytes)]);
      try {
        await w.page.setViewportSize({ width: 1100, height: 800 });
        await w.page.click('.timeline .row[data-index="0"]');
        await w.page.click('#tab-hex');
        await w.page.waitForSelector('.hex-wrap[data-bytes-per-line="8"] .hx-row:not([hidden]) .hx-off');
        const lines = await w.page.$$eval('.hx-row:not([hidden])', (els) => els.map((e) => [...e.children].map((c) => c.textContent)));
        assert.equal(lines.length, 5);
        assert.deepEqual(lines[1], ['00000008', '494a4b4c4d4e4f50', 'IJKLMNOP']);
        assert.match((await w.page.textContent('.hex-head'))!, /^Offset {4}00 01 02 03 04 05 06 07 {2}ASCII$/);
        const right = await w.page.$eval('.hx-row:not([hidden]) .hx-ascii', (e) => e.getBoundingClientRect().right);
        assert.ok(right <= 1100, `ASCII column inside the page: ${right}`);
      } finally {
        await w.close();
      }
    });

    it('pretty JSON is collapsible; copy as base64 and save go to the host; handshake shows a refused upgrade', async () => {
      const rows = [f.message('in', '{"a":{"b":[1,2,{"c":"<b>x</b>"}]},"d":true}'), f.handshake(403, 'forbidden: bad token')];
      const w = await openWith(rows);
      try {
        await w.page.click('.timeline .row[data-index="0"]');
        await w.page.click('#tab-json');
        await w.page.waitForSelector('.json-tree');
        assert.equal(await w.page.$$eval('.json-tree details[open]', (els) => els.length), 2, 'two levels open');
        assert.equal(await w.page.$$eval('.json-tree details[open] .j-num', (els) => els.length), 0, 'deeper levels are built on demand');
        await w.page.click('.json-tree > details > summary');
        assert.equal(await w.page.$$eval('.json-tree details[open]', (els) => els.length), 1);
        assert.equal(await w.page.$$eval('.j-str', (els) => els.map((e) => e.textContent).join()), '');
        await w.page.click('#copy-b64');
        assert.equal((await lastRequest(w, 'copy')).text, Buffer.from('{"a":{"b":[1,2,{"c":"<b>x</b>"}]},"d":true}').toString('base64'));
        await w.page.click('#save-payload');
        assert.equal((await lastRequest(w, 'savePayload')).id, 1);
        await w.page.click('#resend');
        assert.deepEqual(await lastRequest(w, 'send'), { text: '{"a":{"b":[1,2,{"c":"<b>x</b>"}]},"d":true}', substitute: false });
        await w.page.click('.timeline .row[data-index="1"]');
        await w.page.waitForSelector('.pane-handshake .hs-status.bad');
        assert.equal(await w.page.textContent('.pane-handshake .hs-status'), 'Upgrade refused: 403 Forbidden');
        assert.equal(await w.page.textContent('.pane-handshake .body'), 'forbidden: bad token');
      } finally {
        await w.close();
      }
    });
  });

  describe('composer', () => {
    it('validates JSON, hex, base64, fragments, control payloads and close reasons before posting', async () => {
      const w = await openWith([]);
      try {
        const err = () => w.page.textContent('#msg-error');
        await choose(w.page, '#msg-format', 'json');
        await fill(w.page, '#msg-body', '{"a":');
        assert.match((await err())!, /Invalid JSON/);
        assert.equal(await isDisabled(w.page, '#send'), true);
        await fill(w.page, '#msg-body', '{"a":{{n}}}');
        assert.equal(await err(), '');
        await fill(w.page, '#msg-body', '{"a":1,"b":[2]}');
        await w.page.click('#msg-pretty');
        assert.equal(await valueOf(w.page, '#msg-body'), '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}');
        await choose(w.page, '#msg-format', 'hex');
        await fill(w.page, '#msg-body', '0x0g');
        assert.match((await err())!, /Invalid hex/);
        await fill(w.page, '#msg-body', 'abc');
        assert.match((await err())!, /odd number/);
        await choose(w.page, '#msg-format', 'base64');
        await fill(w.page, '#msg-body', 'a*b');
        assert.match((await err())!, /Invalid base64/);
        await choose(w.page, '#msg-format', 'text');
        await fill(w.page, '#send-fragments', '0');
        assert.match((await err())!, /Fragments/);
        await fill(w.page, '#send-fragments', '1');
        await fill(w.page, '#ctl-payload', 'x'.repeat(126));
        assert.match((await w.page.textContent('#ctl-error'))!, /at most 125 bytes/);
        assert.equal(await isDisabled(w.page, '#ping'), true);
        await fill(w.page, '#ctl-payload', '');
        await fill(w.page, '#close-reason', 'é'.repeat(62));
        assert.match((await w.page.textContent('#ctl-error'))!, /124 bytes/);
        assert.equal(await isDisabled(w.page, '#close'), true);
        const posted = (await w.posted()).filter((m) => ['send', 'sendRepeat', 'control', 'disconnect'].includes(m.method));
        assert.equal(posted.length, 0);
      } finally {
        await w.close();
      }
    });

    it('posts the right request for each send mode, format, ping/pong and close', async () => {
      const w = await openWith([]);
      try {
        await fill(w.page, '#msg-body', 'hello {{name}}');
        await w.page.click('#send');
        assert.deepEqual(await lastRequest(w, 'send'), { text: 'hello {{name}}' });
        await w.page.focus('#msg-body');
        await w.page.keyboard.press('Control+Enter');
        assert.deepEqual(await lastRequest(w, 'send'), { text: 'hello {{name}}' });
        await choose(w.page, '#msg-format', 'hex');
        await fill(w.page, '#msg-body', 'de ad 0xbe ef');
        await fill(w.page, '#send-fragments', '3');
        await w.page.click('#send');
        const hex = await lastRequest(w, 'send');
        assert.deepEqual([...hex.data!], [0xde, 0xad, 0xbe, 0xef]);
        assert.equal(hex.fragments, 3);
        await fill(w.page, '#send-fragments', '1');
        await choose(w.page, '#msg-format', 'base64');
        await fill(w.page, '#msg-body', 'AAEC/w==');
        await w.page.click('#send');
        assert.deepEqual([...(await lastRequest(w, 'send')).data!], [0, 1, 2, 255]);
        // Binary from a file: the host's file picker answers with the bytes, which are then sent as they are.
        await choose(w.page, '#msg-format', 'file');
        await w.page.click('#msg-file');
        const picked = await w.request('pickFile');
        await w.reply(picked, { name: 'blob.bin', data: new Uint8Array([9, 8, 7, 0, 255]) });
        await w.page.waitForFunction(() => document.body.textContent?.includes('blob.bin'));
        await w.page.click('#send');
        assert.deepEqual([...(await lastRequest(w, 'send')).data!], [9, 8, 7, 0, 255]);
        await choose(w.page, '#msg-format', 'text');
        await fill(w.page, '#msg-body', 'tick');
        await choose(w.page, '#send-mode', 'times');
        await fill(w.page, '#send-count', '5');
        await w.page.click('#send');
        const times = await w.request('sendRepeat');
        assert.deepEqual(times.params, { message: { text: 'tick' }, count: 5 });
        await w.reply(times, { active: false, sent: 5, count: 5 });
        await choose(w.page, '#send-mode', 'every');
        await fill(w.page, '#send-every', '250');
        await w.page.click('#send');
        const every = await w.request('sendRepeat');
        assert.deepEqual(every.params, { message: { text: 'tick' }, everyMs: 250 });
        await w.reply(every, { active: true, sent: 0, everyMs: 250 });
        await w.page.waitForSelector('#stop:not([hidden])');
        await w.emit('repeat', { active: true, sent: 3, everyMs: 250 });
        await w.page.waitForFunction(() => document.querySelector('#repeat-info')?.textContent === 'sent 3…');
        await w.page.click('#stop');
        const stop = await w.request('stopRepeat');
        await w.reply(stop, { active: false, sent: 4, everyMs: 250 });
        await w.page.waitForSelector('#stop[hidden]', { state: 'attached' });
        await fill(w.page, '#ctl-payload', 'hb');
        await w.page.click('#ping');
        assert.deepEqual(await lastRequest(w, 'control'), { type: 'ping', payload: new Uint8Array([0x68, 0x62]) });
        await fill(w.page, '#ctl-payload', '0x0102');
        await w.page.click('#pong');
        const pong = await lastRequest(w, 'control');
        assert.equal(pong.type, 'pong');
        assert.deepEqual([...pong.payload!], [1, 2]);
        await choose(w.page, '#close-code', '1001');
        await fill(w.page, '#close-reason', 'bye');
        await w.page.click('#close');
        assert.deepEqual(await lastRequest(w, 'disconnect'), { code: 1001, reason: 'bye' });
        await choose(w.page, '#close-code', 'custom');
        await fill(w.page, '#close-custom', '4321');
        await w.page.click('#close');
        assert.deepEqual(await lastRequest(w, 'disconnect'), { code: 4321, reason: 'bye' });
        await w.page.click('#terminate');
        await lastRequest(w, 'terminate');
      } finally {
        await w.close();
      }
    });

    it('connects with every request option, and refuses a non-WebSocket URL', async () => {
      const w = await openWith([], { extra: { connection: undefined } });
      try {
        await fill(w.page, '#url', 'http://example.com');
        assert.equal(await isDisabled(w.page, '#connect'), true);
        assert.match((await w.page.textContent('#url-error'))!, /ws:\/\/ or wss:\/\//);
        await fill(w.page, '#url', 'wss://{{host}}/socket?x=1');
        assert.equal(await isDisabled(w.page, '#connect'), false);
        await w.page.click('#options-toggle');
        await w.page.click('#add-header');
        await fill(w.page, '.h-row .h-name', 'X-Trace');
        await fill(w.page, '.h-row .h-value', '{{trace}}');
        await fill(w.page, '#subprotocols', 'v2, chat');
        await fill(w.page, '#origin', 'https://app.test');
        await choose(w.page, '#auth-type', 'bearer');
        await fill(w.page, '#auth-token', 's3cret');
        await setChecked(w.page, '#deflate', true);
        await setChecked(w.page, '#tls-verify', false);
        await fill(w.page, '#proxy', 'http://127.0.0.1:3128');
        await fill(w.page, '#ping-interval', '5000');
        await setChecked(w.page, '#auto-pong', false);
        await setChecked(w.page, '#reconnect', true);
        await fill(w.page, '#reconnect-max', '8000');
        await fill(w.page, '#variables', 'host=127.0.0.1:9\ntrace=abc');
        await w.page.click('#connect');
        const p = await lastRequest(w, 'connect');
        assert.deepEqual(p.request, {
          url: 'wss://{{host}}/socket?x=1', headers: { 'X-Trace': '{{trace}}' }, subprotocols: ['v2', 'chat'], origin: 'https://app.test',
          auth: { type: 'bearer', token: 's3cret' }, deflate: true, proxy: 'http://127.0.0.1:3128', tls: { rejectUnauthorized: false },
          keepAlive: { pingIntervalMs: 5000, autoPong: false }, reconnect: { enabled: true, maxDelayMs: 8000 }, variables: { host: '127.0.0.1:9', trace: 'abc' },
        });
        const saved = (await w.savedState()) as { request: { url: string; auth: { token: string } } };
        assert.equal(saved.request.auth.token, '', 'secrets are not kept in webview state');
        assert.equal(saved.request.url, 'wss://{{host}}/socket?x=1');
      } finally {
        await w.close();
      }
    });

    it('restores drafts, filter and request from the saved state after a reload', async () => {
      const state = { request: { url: 'ws://127.0.0.1:1/x' }, draft: { format: 'json', text: '{"k":1}', mode: 'times', count: 7 }, timeMode: 'delta', search: { q: 'abc', regex: false, matchCase: true }, filter: { mode: 'frames', text: 'abc' } };
      const w = await openWebview({ state });
      try {
        const ready = await w.request('ready');
        await w.reply(ready, snapshot({ view: { total: 0, filter: { mode: 'messages' } } }));
        await w.page.waitForSelector('body[data-ready="true"]');
        assert.equal(await valueOf(w.page, '#url'), 'ws://127.0.0.1:1/x');
        assert.equal(await valueOf(w.page, '#msg-format'), 'json');
        assert.equal(await valueOf(w.page, '#msg-body'), '{"k":1}');
        assert.equal(await valueOf(w.page, '#send-count'), '7');
        assert.equal(await valueOf(w.page, '#search'), 'abc');
        assert.deepEqual((await lastRequest(w, 'setView')).filter, { mode: 'frames', text: 'abc' });
        assert.match((await w.page.textContent('#time-mode'))!, /delta/);
      } finally {
        await w.close();
      }
    });
  });

  describe('saved request', () => {
    const source = {
      file: '/ws/api.websocket.json', request: 'echo', label: 'api.websocket.json › echo',
      messages: [
        { name: 'hello', kind: 'text', text: 'hi {{user}}' },
        { name: 'sub', kind: 'json', text: '{\n  "op": "sub"\n}' },
        { name: 'raw', kind: 'binary', hex: 'de ad be ef' },
        { name: '<img src=x onerror=alert(1)>', kind: 'text', text: '<b>x</b>' },
      ],
    };

    it('lists the named messages (as text), sends one, edits it into a copy and updates it', async () => {
      const w = await openWith([], { extra: { source } });
      try {
        assert.equal(await w.page.textContent('#source-label'), 'api.websocket.json › echo');
        const names = await w.page.$$eval('#saved-messages .saved-msg', (els) => els.map((e) => [e.querySelector('.saved-name')!.textContent, e.querySelector('.saved-kind')!.textContent, e.querySelector('.saved-preview')!.textContent]));
        assert.deepEqual(names, [['hello', 'text', 'hi {{user}}'], ['sub', 'json', '{ "op": "sub" }'], ['raw', 'hex', 'hex de ad be ef'], ['<img src=x onerror=alert(1)>', 'text', '<b>x</b>']]);
        assert.equal(await w.page.$$eval('#saved img, #saved b', (els) => els.length), 0, 'names and payloads are text');
        await w.page.click('.saved-msg[data-name="raw"] .saved-send');
        assert.deepEqual((await lastRequest(w, 'sendSaved')), { name: 'raw' });
        // Edit: the message goes into the composer with its kind; saving keeps track of the old name.
        await w.page.click('.saved-msg[data-name="sub"] .saved-edit');
        assert.equal(await valueOf(w.page, '#msg-format'), 'json');
        assert.equal(await valueOf(w.page, '#msg-body'), '{\n  "op": "sub"\n}');
        assert.equal(await valueOf(w.page, '#save-msg-name'), 'sub');
        await fill(w.page, '#msg-body', '{"op":"subscribe"}');
        await fill(w.page, '#save-msg-name', 'subscribe');
        await w.page.click('#save-msg');
        const save = await w.request('saveMessage');
        assert.deepEqual(save.params, { message: { name: 'subscribe', kind: 'json', text: '{"op":"subscribe"}' } }, 'a new name saves a copy');
        const next = { ...source, messages: [source.messages[0], source.messages[1], { name: 'subscribe', kind: 'json', text: '{"op":"subscribe"}' }] };
        await w.reply(save, next);
        await w.page.waitForSelector('.saved-msg[data-name="subscribe"]');
        assert.equal(await w.page.$$eval('#saved-messages .saved-msg', (els) => els.length), 3);
        // Saving again under the name being edited updates it in place.
        await fill(w.page, '#msg-body', '{"op":"subscribe","v":2}');
        await w.page.click('#save-msg');
        assert.deepEqual((await w.request('saveMessage')).params, { message: { name: 'subscribe', kind: 'json', text: '{"op":"subscribe","v":2}' }, previousName: 'subscribe' });
        // A new binary message from hex; invalid JSON is refused before anything is posted.
        await fill(w.page, '#save-msg-name', 'ping');
        await choose(w.page, '#msg-format', 'hex');
        await fill(w.page, '#msg-body', '01 02');
        await w.page.click('#save-msg');
        assert.deepEqual((await w.request('saveMessage')).params.message, { name: 'ping', kind: 'binary', hex: '01 02' });
        await choose(w.page, '#msg-format', 'json');
        await fill(w.page, '#msg-body', '{"a":{{n}}}');
        await w.page.click('#save-msg');
        assert.match((await w.page.textContent('#msg-error'))!, /Saved JSON must parse/);
        // The host's own events update the list (e.g. the file changed).
        await w.emit('source', { ...source, messages: [], error: { code: 'WSWB_REFUSE_WRITE_INVALID', message: 'bad file' } });
        await w.page.waitForFunction(() => document.querySelector('#source-error')?.textContent?.includes('bad file'));
        assert.equal(await w.page.isHidden('.save-msg'), true, 'no saving into a file that does not validate');
        assert.deepEqual(((await w.savedState()) as { source?: unknown }).source, { file: '/ws/api.websocket.json', request: 'echo' });
      } finally {
        await w.close();
      }
    });

    it('saves and loads the request from the composer', async () => {
      const w = await openWith([]);
      try {
        assert.equal(await w.page.isHidden('#saved'), true, 'no saved request, no list');
        await fill(w.page, '#url', 'ws://127.0.0.1:9/x');
        await w.page.click('#save-request');
        const save = await w.request('saveRequest');
        assert.equal(save.params.request.url, 'ws://127.0.0.1:9/x');
        await w.reply(save, { saved: true, source: { ...source, messages: [] } });
        await w.page.waitForSelector('#saved:not([hidden])');
        await w.page.click('#load-request');
        const load = await w.request('loadRequest');
        await w.reply(load, { request: { url: 'wss://{{host}}/feed', headers: { 'X-Token': '{{secret:tok}}' } }, source });
        await w.page.waitForFunction(() => (document.querySelector('#url') as unknown as { value: string }).value === 'wss://{{host}}/feed');
        assert.equal(await w.page.$$eval('#saved-messages .saved-msg', (els) => els.length), 4);
        await w.page.click('#save-request');
        const again = await w.request('saveRequest');
        assert.deepEqual(again.params.request.headers, { 'X-Token': '{{secret:tok}}' });
        await w.replyError(again, 'WSWB_PANEL_SECRET_IN_FILE', 'The token would be written into the collection file in clear');
        await w.page.waitForFunction(() => document.querySelector('#notice')?.textContent?.includes('WSWB_PANEL_SECRET_IN_FILE'));
      } finally {
        await w.close();
      }
    });

    it('the composer saves a loaded request unchanged, every schema field included (generated from the JSON Schema)', async () => {
      const w = await openWith([]);
      try {
        for (const def of fc.sample(requestArbitrary(), { numRuns: 25, seed: 11 })) {
          const draft = draftOf(JSON.parse(JSON.stringify(def)));
          await w.page.click('#load-request');
          await w.reply(await w.request('loadRequest'), { request: draft, source });
          await w.page.waitForFunction((u) => (document.querySelector('#url') as unknown as { value: string }).value === u, draft.url);
          await w.page.click('#save-request');
          const save = await w.request('saveRequest');
          assert.deepEqual(save.params.request, draft);
          await w.reply(save, { saved: true, source });
        }
      } finally {
        await w.close();
      }
    });
  });

  describe('themes', () => {
    for (const theme of ['light', 'dark'] as const) {
      it(`uses the VS Code theme variables (${theme})`, async () => {
        const w = await openWith([f.message('in', 'x')], { theme });
        try {
          const colors = await w.page.evaluate(() => ({ bg: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color }));
          assert.equal(colors.bg, theme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(31, 31, 31)');
          assert.equal(colors.fg, theme === 'light' ? 'rgb(59, 59, 59)' : 'rgb(204, 204, 204)');
        } finally {
          await w.close();
        }
      });
    }
  });
});
