/**
 * The codec message composer (webview/codecComposer.ts) in the real bundle (headless Chromium):
 * MessagePack/CBOR data as JSON, Protobuf type (from the host's list of the bound .proto's types)
 * and data, sent as the contract's `sendCodec`, saved with its kind, loaded back by Edit; bad
 * input refused with the reason and nothing sent.
 */
import assert from 'node:assert/strict';
import { choose, fill, openWebview, serveRows, snapshot, type WebviewPage } from './harness';
import * as f from './fixtures';

const SOURCE = { file: '/ws/a.websocket.json', request: 'feed', label: 'a.websocket.json › feed', messages: [] };

async function open(): Promise<WebviewPage> {
  const w = await openWebview();
  await serveRows(w, []);
  const ready = await w.request('ready');
  await w.reply(ready, snapshot({ connection: f.summary({ request: { url: 'ws://127.0.0.1:9/feed' } }), view: { total: 0, filter: { mode: 'messages' }, unfiltered: 0 }, source: SOURCE }));
  await w.page.waitForSelector('body[data-ready="true"]');
  await w.page.click('#codec-composer > summary');
  return w;
}

describe('webview: codec message composer', () => {
  it('sends MessagePack and CBOR data written as JSON, and saves it with its kind', async () => {
    const w = await open();
    try {
      await fill(w.page, '#cc-data', '{"hello":"feed","token":{"$binary":"3q2+7w=="}}');
      await w.page.click('#cc-send');
      const sent = await w.request('sendCodec');
      assert.deepEqual(sent.params.message, { kind: 'msgpack', data: { hello: 'feed', token: { $binary: '3q2+7w==' } } });
      await w.reply(sent, { sent: 20 });
      await choose(w.page, '#cc-kind', 'cbor');
      await w.page.click('#cc-send');
      assert.deepEqual((await w.request('sendCodec')).params.message.kind, 'cbor');
      await fill(w.page, '#cc-save-name', 'hello');
      await w.page.click('#cc-save');
      const saved = await w.request('saveMessage');
      assert.deepEqual(saved.params.message, { name: 'hello', kind: 'cbor', fields: { data: { hello: 'feed', token: { $binary: '3q2+7w==' } } } });
    } finally {
      await w.close();
    }
  });

  it('Protobuf: the type list comes from the host; type and data sent; Edit on a saved message loads it back', async () => {
    const w = await open();
    try {
      await choose(w.page, '#cc-kind', 'protobuf');
      const types = await w.request('codecTypes');
      await w.reply(types, { types: ['feed.Envelope', 'feed.Subscribe'] });
      await w.page.waitForSelector('#cc-type-list:not([hidden])');
      assert.equal(await w.page.$eval('#cc-type', (e) => (e as HTMLInputElement).value), 'feed.Envelope', 'the first known type filled in');
      await choose(w.page, '#cc-type-list', 'feed.Subscribe');
      await fill(w.page, '#cc-data', '{"symbols":["ACME"],"min_priority":"HIGH"}');
      await w.page.click('#cc-send');
      const sent = await w.request('sendCodec');
      assert.deepEqual(sent.params.message, { kind: 'protobuf', type: 'feed.Subscribe', data: { symbols: ['ACME'], min_priority: 'HIGH' } });
      await w.reply(sent, { sent: 12 });
      await fill(w.page, '#cc-save-name', 'subscribe');
      await w.page.click('#cc-save');
      const saved = await w.request('saveMessage');
      const fields = { type: 'feed.Subscribe', data: { symbols: ['ACME'], min_priority: 'HIGH' } };
      assert.deepEqual(saved.params.message, { name: 'subscribe', kind: 'protobuf', fields });
      await w.reply(saved, { ...SOURCE, messages: [{ name: 'subscribe', kind: 'protobuf', fields, text: 'feed.Subscribe {"symbols":["ACME"],"min_priority":"HIGH"}' }] });
      await w.page.waitForSelector('.saved-edit');
      assert.equal(await w.page.textContent('.saved-msg .saved-kind'), 'protobuf');
      // Cleared, then Edit brings the saved message back into the codec composer.
      await choose(w.page, '#cc-kind', 'msgpack');
      await fill(w.page, '#cc-data', '1');
      await w.page.click('.saved-edit');
      await w.page.click('#cc-send');
      assert.deepEqual((await w.request('sendCodec')).params.message, { kind: 'protobuf', type: 'feed.Subscribe', data: { symbols: ['ACME'], min_priority: 'HIGH' } });
    } finally {
      await w.close();
    }
  });

  it('refuses bad JSON, a Protobuf message without a type or not an object, saying why; nothing sent', async () => {
    const w = await open();
    try {
      await fill(w.page, '#cc-data', '{not json');
      await w.page.click('#cc-send');
      assert.match(await w.page.textContent('#cc-error') ?? '', /^Data: not JSON/);
      await choose(w.page, '#cc-kind', 'protobuf');
      await w.reply(await w.request('codecTypes'), { types: [] });
      await w.page.waitForSelector('#cc-type-hint:has-text("No .proto bound")');
      await fill(w.page, '#cc-data', '{"a":1}');
      await w.page.click('#cc-send');
      assert.match(await w.page.textContent('#cc-error') ?? '', /^Type is required/);
      await fill(w.page, '#cc-type', 'x.Y');
      await fill(w.page, '#cc-data', '[1,2]');
      await w.page.click('#cc-send');
      assert.equal(await w.page.textContent('#cc-error'), 'Data: a Protobuf message is a JSON object');
      assert.ok(!(await w.posted()).some((m) => m.method === 'sendCodec'), 'nothing was sent');
    } finally {
      await w.close();
    }
  });
});
