/**
 * Issue 13 in the panel, as a user sees it in the real bundle (headless Chromium): the Protocol
 * column with pairs and unanswered marks, the protocol filters, the Protocol tab's tree next to the
 * raw payload with a jump to the other side of the pair, the latency table, the request's Protocol
 * settings, and one composer form per protocol producing the contract's message kinds.
 */
import assert from 'node:assert/strict';
import { choose, fill, openWebview, serveRows, setChecked, snapshot, valueOf, type WebviewPage } from './harness';
import type { RowProtocol } from '../../src/shared/protocolContract';
import * as f from './fixtures';

const protoRow = (e: unknown) => (e as { proto: RowProtocol }).proto;

function decoded(dir: 'in' | 'out', text: string, proto: RowProtocol) {
  return f.message(dir, text, { proto });
}

/** A Socket.IO session as the host posts it: an event with an ack (paired), its ack, and an event nobody answered. */
function socketIoRows() {
  f.resetIds();
  const open = decoded('in', '0{"sid":"s1","pingInterval":25000}', { protocol: 'socket.io', type: 'OPEN', summary: 'open sid=s1 pingInterval=25000' });
  const ev = f.message('out', '421["sum",2,3]', {});
  const ack = f.message('in', '431[5]', {});
  const lost = f.message('out', '422["ignored"]', {});
  Object.assign(ev, { proto: { protocol: 'socket.io', type: 'EVENT', summary: 'sum(2, 3) ack 1', name: 'sum', pair: { peer: ack.id, latencyMs: 1.7, request: true } } });
  Object.assign(ack, { proto: { protocol: 'socket.io', type: 'ACK', summary: 'ack 1 [5]', pair: { peer: ev.id, latencyMs: 1.7, request: false } } });
  Object.assign(lost, { proto: { protocol: 'socket.io', type: 'EVENT', summary: 'ignored() ack 2', name: 'ignored', unanswered: { afterMs: 10000 } } });
  const plain = f.message('in', 'not decoded');
  return [open, ev, ack, lost, plain];
}

async function openWith(rows: unknown[], request: Record<string, unknown> = { url: 'ws://127.0.0.1:9/' }, extra: Record<string, unknown> = {}): Promise<WebviewPage> {
  const w = await openWebview();
  await serveRows(w, rows);
  const ready = await w.request('ready');
  await w.reply(ready, snapshot({ connection: f.summary({ request }), view: { total: rows.length, filter: { mode: 'messages' }, unfiltered: rows.length }, ...extra }));
  await w.page.waitForSelector('body[data-ready="true"]');
  return w;
}

const protoCells = (w: WebviewPage) => w.page.$$eval('.timeline .row[data-index]:not([hidden])', (els) => els.map((e) => [e.children[7]!.textContent, e.className.includes('paired'), e.className.includes('unanswered')]));

describe('webview: protocols (issue 13)', () => {
  it('shows the Protocol column: type and summary, the pair latency, and unanswered requests', async () => {
    const w = await openWith(socketIoRows());
    try {
      await w.page.waitForSelector('.timeline .row[data-index="4"]:not(.loading)');
      assert.deepEqual(await protoCells(w), [
        ['OPEN open sid=s1 pingInterval=25000', false, false],
        ['EVENT sum(2, 3) ack 1 ⇄ 1.7 ms', true, false],
        ['ACK ack 1 [5] ⇄ 1.7 ms', true, false],
        ['EVENT ignored() ack 2 ✖ no reply', false, true],
        ['', false, false],
      ]);
      assert.equal(await w.page.getAttribute('.timeline .row[data-index="1"] .c-proto', 'title'), 'socket.io EVENT · sum · reply #3 after 1.7 ms');
      // The column takes width once a decoded row was seen, and sits before Data.
      assert.ok(await w.page.$eval('.timeline-wrap', (el) => el.classList.contains('with-proto')));
      const left = (sel: string) => w.page.$eval(sel, (e) => e.getBoundingClientRect().left);
      const [proto, data] = [await left('.timeline .row[data-index="1"] .c-proto'), await left('.timeline .row[data-index="1"] .c-summary')];
      assert.ok(proto! < data!, `Protocol (${proto}) is left of Data (${data})`);
      assert.ok((await w.page.$eval('.timeline .row[data-index="1"] .c-proto', (e) => e.getBoundingClientRect().width)) > 100);
    } finally {
      await w.close();
    }
  });

  it('patches rows already shown when their pair completes, and the selected row’s Protocol tab', async () => {
    const rows = socketIoRows();
    const lost = rows[3] as unknown as { proto: RowProtocol };
    delete (lost.proto as Partial<RowProtocol>).unanswered;
    const w = await openWith(rows);
    try {
      await w.page.waitForSelector('.timeline .row[data-index="3"]:not(.loading)');
      await w.page.click('.timeline .row[data-index="3"]');
      await w.page.click('#tab-protocol');
      await w.reply(await w.request('protocolDetail'), { decoded: { type: 'EVENT' }, row: lost.proto });
      await w.page.waitForFunction(() => document.querySelector('#proto-pair')?.textContent === 'socket.io EVENT · ignored');
      await w.emit('protocolRows', { rows: [{ id: rows[3]!.id, proto: { ...lost.proto, unanswered: { afterMs: 10000 } } }] });
      await w.page.waitForSelector('.timeline .row[data-index="3"].unanswered');
      assert.equal(await w.page.textContent('.timeline .row[data-index="3"] .c-proto'), 'EVENT ignored() ack 2 ✖ no reply');
      await w.reply(await w.request('protocolDetail'), { decoded: { type: 'EVENT' }, row: { ...lost.proto, unanswered: { afterMs: 10000 } } });
      await w.page.waitForFunction(() => document.querySelector('#proto-pair')?.textContent === 'No reply after 10000 ms');
      assert.equal(await w.page.textContent('#proto-raw'), '422["ignored"]', 'the raw payload stays');
    } finally {
      await w.close();
    }
  });

  it('filters by protocol and by event/method/topic (the host gets the criteria), and Clear resets them', async () => {
    const w = await openWith(socketIoRows());
    try {
      await choose(w.page, '#proto-filter', 'socket.io');
      let req = await w.request('setView');
      assert.deepEqual(req.params.filter, { mode: 'messages', protocol: 'socket.io' });
      await w.reply(req, { total: 4, ms: 1, unfiltered: 5 });
      await w.page.waitForFunction(() => document.querySelector('#row-count')?.textContent === '4 of 5 rows');
      await fill(w.page, '#proto-op', 'sum');
      req = await w.request('setView');
      assert.deepEqual(req.params.filter, { mode: 'messages', protocol: 'socket.io', operation: 'sum' });
      await w.page.evaluate(() => ((window as unknown as { __filtered: number[] }).__filtered = [1]));
      await w.reply(req, { total: 1, ms: 1, unfiltered: 5 });
      await w.page.waitForSelector('.timeline .row[data-index="0"]:not(.loading)');
      assert.deepEqual((await protoCells(w)).map((c) => c[0]), ['EVENT sum(2, 3) ack 1 ⇄ 1.7 ms']);
      // Kept across reloads with the rest of the filter.
      assert.deepEqual((await w.savedState() as { filter: unknown }).filter, { mode: 'messages', protocol: 'socket.io', operation: 'sum' });
      await w.page.evaluate(() => ((window as unknown as { __filtered: number[] }).__filtered = []));
      await fill(w.page, '#proto-op', 'nothing');
      await w.reply(await w.request('setView'), { total: 0, ms: 1, unfiltered: 5 });
      await w.page.waitForSelector('#clear-filter:not([hidden])');
      await w.page.click('#clear-filter');
      req = await w.request('setView');
      assert.deepEqual(req.params.filter, { mode: 'messages' });
      await w.reply(req, { total: 5, ms: 1, unfiltered: 5 });
      assert.equal(await valueOf(w.page, '#proto-filter'), '');
      assert.equal(await valueOf(w.page, '#proto-op'), '');
    } finally {
      await w.close();
    }
  });

  it('shows the decoded packet as a tree next to the raw text, and jumps from a request to its reply and back', async () => {
    const rows = socketIoRows();
    const w = await openWith(rows);
    try {
      await w.page.waitForSelector('.timeline .row[data-index="1"]:not(.loading)');
      await w.page.click('.timeline .row[data-index="1"]');
      await w.page.click('#tab-protocol');
      const req = await w.request('protocolDetail');
      assert.deepEqual(req.params, { id: rows[1]!.id });
      await w.reply(req, { decoded: { protocol: 'socket.io', type: 'EVENT', summary: 'sum(2, 3) ack 1', namespace: '/', event: 'sum', args: [2, 3], ackId: 1, key: '/ 1', evil: '<img src=x onerror="window.__pwned=1">' }, row: protoRow(rows[1]), peerRow: 2 });
      await w.page.waitForSelector('.pane-protocol .json-tree');
      const tree = await w.page.textContent('.pane-protocol .json-tree');
      assert.match(tree!, /"event": "sum"/);
      assert.match(tree!, /"args": \[2\]/);
      assert.match(tree!, /<img src=x onerror=/, 'server text stays text');
      assert.equal(await w.page.$$eval('.pane-protocol img', (e) => e.length), 0);
      assert.equal(await w.page.textContent('#proto-raw'), '421["sum",2,3]');
      assert.equal(await w.page.textContent('#proto-pair span'), 'Reply #3 · 1.7 ms');
      await w.page.click('#proto-jump');
      await w.page.waitForSelector('.timeline .row[data-index="2"].selected');
      // The reply's tab points back to its request (the host is asked where it is when the row is unknown).
      const back = await w.request('protocolDetail');
      await w.reply(back, { decoded: { protocol: 'socket.io', type: 'ACK', summary: 'ack 1 [5]', args: [5] }, row: protoRow(rows[2]) });
      await w.page.waitForFunction(() => document.querySelector('#proto-pair span')?.textContent === 'Request #2 · 1.7 ms');
      await w.page.click('#proto-jump');
      const where = await w.request('rowOfEvent');
      assert.deepEqual(where.params, { id: rows[1]!.id });
      await w.reply(where, { row: 1 });
      await w.page.waitForSelector('.timeline .row[data-index="1"].selected');
      await w.reply(await w.request('protocolDetail'), { decoded: { type: 'EVENT' }, row: protoRow(rows[1]), peerRow: 2 });
      // An unanswered request says so; a plain message says it was not decoded.
      await w.page.click('.timeline .row[data-index="3"]');
      await w.reply(await w.request('protocolDetail'), { decoded: { type: 'EVENT', event: 'ignored' }, row: protoRow(rows[3]) });
      await w.page.waitForFunction(() => document.querySelector('#proto-pair')?.textContent === 'No reply after 10000 ms');
      await w.page.click('.timeline .row[data-index="4"]');
      assert.match((await w.page.textContent('.pane-protocol'))!, /Not decoded/);
    } finally {
      await w.close();
    }
  });

  it('shows binary protocol payloads as a hex dump next to the tree', async () => {
    f.resetIds();
    const mqtt = f.binary('in', new Uint8Array([0x30, 0x07, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x68, 0x69]));
    Object.assign(mqtt, { proto: { protocol: 'mqtt', type: 'PUBLISH', summary: 'PUBLISH a/b qos 0 "hi"', name: 'a/b' } });
    const w = await openWith([mqtt]);
    try {
      await w.page.click('.timeline .row[data-index="0"]');
      await w.page.click('#tab-protocol');
      await w.reply(await w.request('protocolDetail'), { decoded: { protocol: 'mqtt', type: 'PUBLISH', topic: 'a/b', payload: 'hi' }, row: protoRow(mqtt) });
      await w.page.waitForFunction(() => /^00000000  30 07 00 03 61 2f 62 68  69 /.test(document.querySelector('#proto-raw')?.textContent ?? ''));
      assert.match((await w.page.textContent('.pane-protocol .json-tree'))!, /"topic": "a\/b"/);
    } finally {
      await w.close();
    }
  });

  it('shows the latency table per operation and refreshes it as events arrive', async () => {
    const w = await openWith(socketIoRows());
    try {
      await w.page.click('#latency-toggle');
      let req = await w.request('protocolStats');
      await w.reply(req, { rows: [{ protocol: 'socket.io', name: 'sum', count: 3, p50: 1.5, p95: 4.25, max: 4.25, unanswered: 0 }, { protocol: 'socket.io', name: 'ignored', count: 0, p50: 0, p95: 0, max: 0, unanswered: 1 }], unanswered: 1 });
      await w.page.waitForSelector('#latency-table');
      const table = await w.page.$$eval('#latency-table tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      assert.deepEqual(table, [
        ['Protocol', 'Operation', 'Count', 'p50', 'p95', 'Max', 'Unanswered'],
        ['socket.io', 'sum', '3', '1.5 ms', '4.3 ms', '4.3 ms', '0'],
        ['socket.io', 'ignored', '0', '–', '–', '–', '1'],
      ]);
      assert.equal(await w.page.textContent('#latency-table caption'), 'Latency per operation · 1 unanswered');
      await w.emit('events', { connectionId: 'c1', total: 6, tailFrom: 5, tail: [f.message('in', 'x')], storeTotal: 6 });
      req = await w.request('protocolStats', 3000);
      await w.reply(req, { rows: [{ protocol: 'socket.io', name: 'sum', count: 4, p50: 1.5, p95: 4.25, max: 9, unanswered: 0 }], unanswered: 0 });
      await w.page.waitForFunction(() => document.querySelector('#latency-table tbody td:nth-child(3)')?.textContent === '4');
      await w.page.click('#latency-toggle');
      assert.equal(await w.page.$eval('#latency-panel', (e) => (e as HTMLElement).hidden), true);
    } finally {
      await w.close();
    }
  });

  it('edits the request’s Protocol, options and auto-answer; literal secrets in options stay out of webview state', async () => {
    const w = await openWith([], { url: 'ws://127.0.0.1:9/' }, { connection: f.summary({ request: { url: 'ws://127.0.0.1:9/' }, state: 'closed' }) });
    try {
      await w.page.click('#options-toggle');
      await choose(w.page, '#protocol', 'stomp');
      await fill(w.page, '#protocol-options', '{"login":"guest","passcode":"literal-pw","host":"{{vhost}}"}');
      await setChecked(w.page, '#protocol-auto-answer', false);
      await w.page.click('#connect');
      const req = await w.request('connect');
      assert.deepEqual(req.params.request, { url: 'ws://127.0.0.1:9/', protocol: 'stomp', protocolOptions: { login: 'guest', passcode: 'literal-pw', host: '{{vhost}}', autoAnswer: false } });
      await w.reply(req, { connectionId: 'c2' });
      await w.page.waitForTimeout(50);
      const state = JSON.stringify(await w.savedState());
      assert.ok(!state.includes('literal-pw'), 'the literal passcode is not in webview state');
      assert.match(state, /"protocol":"stomp"/);
      // Bad JSON says why and keeps the request's options.
      await fill(w.page, '#protocol-options', '{oops');
      await w.page.click('#connect');
      const again = await w.request('connect');
      assert.equal((again.params.request as { protocolOptions?: unknown }).protocolOptions, undefined);
      assert.match((await w.page.textContent('#protocol-options-error'))!, /Protocol options: /);
      await w.reply(again, { connectionId: 'c3' });
    } finally {
      await w.close();
    }
  });

  /** The composer's forms: fields filled as a user would → the message the host receives. */
  const FORMS: Array<{ protocol: string; kind?: string; note?: string; fill: Array<[string, string | boolean]>; expect: Record<string, unknown> }> = [
    { protocol: 'socket.io', fill: [['#pc-socketio-event', 'chat'], ['#pc-socketio-args', '["hi", {"n": 1}]'], ['#pc-socketio-ack', true], ['#pc-socketio-namespace', '/admin']], expect: { kind: 'socket.io', event: 'chat', args: ['hi', { n: 1 }], ack: true, namespace: '/admin' } },
    { protocol: 'graphql-ws', fill: [['#pc-graphql-query', 'subscription News { news { id } }'], ['#pc-graphql-variables', '{"room":"a"}'], ['#pc-graphql-operationName', 'News'], ['#pc-graphql-name', 'news']], expect: { kind: 'graphql', query: 'subscription News { news { id } }', variables: { room: 'a' }, operationName: 'News', name: 'news' } },
    { protocol: 'graphql-ws', kind: 'graphql-complete', fill: [['#pc-graphqlcomplete-of', 'news']], expect: { kind: 'graphql-complete', of: 'news' } },
    { protocol: 'signalr', fill: [['#pc-signalr-target', 'SendMessage'], ['#pc-signalr-arguments', '["alice","hi"]'], ['#pc-signalr-invocation', 'stream']], expect: { kind: 'signalr', target: 'SendMessage', arguments: ['alice', 'hi'], invocation: 'stream' } },
    { protocol: 'stomp', fill: [['#pc-stomp-command', 'SEND'], ['#pc-stomp-headers', 'destination:/queue/a\ncontent-type:text/plain'], ['#pc-stomp-body', 'hello']], expect: { kind: 'stomp', command: 'SEND', headers: { destination: '/queue/a', 'content-type': 'text/plain' }, body: 'hello' } },
    { protocol: 'mqtt', fill: [['#pc-mqtt-packet', 'publish'], ['#pc-mqtt-topic', 'a/b'], ['#pc-mqtt-qos', '1'], ['#pc-mqtt-retain', true], ['#pc-mqtt-payload', 'on']], expect: { kind: 'mqtt', packet: 'publish', topic: 'a/b', qos: 1, retain: true, payload: 'on' } },
    { protocol: 'mqtt', note: 'JSON payload', fill: [['#pc-mqtt-packet', 'publish'], ['#pc-mqtt-topic', 'a/json'], ['#pc-mqtt-payloadAs', 'json'], ['#pc-mqtt-payload', '{"temp": 21.5, "on": true}']], expect: { kind: 'mqtt', packet: 'publish', topic: 'a/json', payload: { temp: 21.5, on: true } } },
    { protocol: 'mqtt', note: 'hex payload, bytes', fill: [['#pc-mqtt-packet', 'publish'], ['#pc-mqtt-topic', 'a/hex'], ['#pc-mqtt-payloadAs', 'hex'], ['#pc-mqtt-payload', '00 01 fe FF']], expect: { kind: 'mqtt', packet: 'publish', topic: 'a/hex', payload: { $binary: 'AAH+/w==' } } },
    { protocol: 'mqtt', note: 'base64 payload, bytes', fill: [['#pc-mqtt-packet', 'publish'], ['#pc-mqtt-topic', 'a/b64'], ['#pc-mqtt-payloadAs', 'base64'], ['#pc-mqtt-payload', 'AAH+/w']], expect: { kind: 'mqtt', packet: 'publish', topic: 'a/b64', payload: { $binary: 'AAH+/w==' } } },
    { protocol: 'json-rpc', fill: [['#pc-jsonrpc-method', 'sum'], ['#pc-jsonrpc-params', '{"a":1,"b":2}'], ['#pc-jsonrpc-notification', true]], expect: { kind: 'json-rpc', method: 'sum', params: { a: 1, b: 2 }, notification: true } },
  ];

  for (const form of FORMS) {
    it(`composes a ${form.kind ?? form.protocol} message${form.note ? ` (${form.note})` : ''} with its form, sends it, and saves it with its kind`, async () => {
      const source = { file: '/ws/a.websocket.json', request: 'r', label: 'a.websocket.json › r', messages: [] };
      const w = await openWith([], { url: 'ws://127.0.0.1:9/', protocol: form.protocol }, { source });
      try {
        await w.page.waitForSelector('#proto-composer:not([hidden])');
        if (form.kind) await choose(w.page, '#pc-kind', form.kind);
        for (const [sel, v] of form.fill) {
          const tag = await w.page.$eval(sel, (e) => e.tagName.toLowerCase());
          if (typeof v === 'boolean') await setChecked(w.page, sel, v);
          else if (tag === 'vscode-single-select') await choose(w.page, sel, v);
          else await fill(w.page, sel, v);
        }
        await w.page.click('#pc-send');
        const sent = await w.request('sendProtocol');
        assert.deepEqual(sent.params.message, form.expect);
        await w.reply(sent, { sent: true });
        await fill(w.page, '#pc-save-name', 'mine');
        await w.page.click('#pc-save');
        const saved = await w.request('saveMessage');
        const { kind, ...fields } = form.expect;
        assert.deepEqual(saved.params.message, { name: 'mine', kind, fields });
        // The host answers with the saved request; Edit loads the message back into the form.
        await w.reply(saved, { ...source, messages: [{ name: 'mine', kind, fields, text: JSON.stringify(fields) }] });
        await w.page.waitForSelector('.saved-edit');
        await w.page.evaluate(() => document.querySelectorAll<HTMLInputElement>('#proto-composer vscode-textfield, #proto-composer vscode-textarea').forEach((e) => (e.value = '')));
        await w.page.click('.saved-edit');
        await w.page.click('#pc-send');
        assert.deepEqual((await w.request('sendProtocol')).params.message, form.expect, 'the saved message comes back as it was');
      } finally {
        await w.close();
      }
    });
  }

  it('refuses an MQTT payload that does not read as its format, saying why; a JSON string is text', async () => {
    const w = await openWith([], { url: 'ws://127.0.0.1:9/', protocol: 'mqtt' });
    try {
      await w.page.waitForSelector('#proto-composer:not([hidden])');
      await fill(w.page, '#pc-mqtt-topic', 't');
      for (const [as, text, why] of [['hex', 'abc', 'Payload: hex needs pairs of digits 0-9 a-f (spaces allowed)'], ['hex', 'zz', 'Payload: hex needs pairs of digits 0-9 a-f (spaces allowed)'], ['base64', 'a$b=', 'Payload: not base64'], ['json', '{oops', /^Payload: not JSON \(/]] as const) {
        await choose(w.page, '#pc-mqtt-payloadAs', as);
        await fill(w.page, '#pc-mqtt-payload', text);
        await w.page.click('#pc-send');
        const shown = (await w.page.textContent('#pc-error'))!;
        if (typeof why === 'string') assert.equal(shown, why);
        else assert.match(shown, why);
      }
      assert.ok(!(await w.posted()).some((m) => m.method === 'sendProtocol'), 'nothing was sent');
      await choose(w.page, '#pc-mqtt-payloadAs', 'json');
      await fill(w.page, '#pc-mqtt-payload', '"on"');
      await w.page.click('#pc-send');
      assert.deepEqual((await w.request('sendProtocol')).params.message, { kind: 'mqtt', packet: 'publish', topic: 't', payload: 'on' });
    } finally {
      await w.close();
    }
  });

  it('refuses a form with a required field missing or bad JSON, saying why', async () => {
    const w = await openWith([], { url: 'ws://127.0.0.1:9/', protocol: 'socket.io' });
    try {
      await w.page.waitForSelector('#proto-composer:not([hidden])');
      await w.page.click('#pc-send');
      assert.equal(await w.page.textContent('#pc-error'), 'Event is required');
      await fill(w.page, '#pc-socketio-event', 'x');
      await fill(w.page, '#pc-socketio-args', '{"not":"an array"}');
      await w.page.click('#pc-send');
      assert.equal(await w.page.textContent('#pc-error'), 'Arguments (JSON array): expected a JSON array');
      assert.ok(!(await w.posted()).some((m) => m.method === 'sendProtocol'), 'nothing was sent');
    } finally {
      await w.close();
    }
  });

  it('hides the protocol composer for auto and raw requests', async () => {
    const w = await openWith([], { url: 'ws://127.0.0.1:9/' });
    try {
      assert.equal(await w.page.$eval('#proto-composer', (e) => (e as HTMLElement).hidden), true);
      await w.page.click('#options-toggle');
      await choose(w.page, '#protocol', 'json-rpc');
      await w.page.waitForSelector('#proto-composer:not([hidden]) #pc-jsonrpc-method');
    } finally {
      await w.close();
    }
  });
});
