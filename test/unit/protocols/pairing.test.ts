/** The pairing table: keys per direction, partial replies, timeouts, the end of a connection. */
import assert from 'node:assert/strict';
import { PairingTable } from '../../../src/core/protocols/pairing';
import type { Decoded } from '../../../src/core/protocols/types';

const p = (key: string, role: Decoded['role'], protocol: Decoded['protocol'] = 'json-rpc'): Decoded => ({ protocol, type: 't', summary: '', key, role });

describe('protocols: pairing table', () => {
  it('pairs a request with the reply travelling the other way, with the latency', () => {
    const t = new PairingTable();
    assert.deepEqual(t.observe(p('1', 'request'), 'out', 10, 1000), []);
    assert.deepEqual(t.observe(p('1', 'reply'), 'out', 11, 1001), [], 'same direction is not a reply');
    assert.deepEqual(t.observe(p('1', 'reply'), 'in', 12, 1001.75), [{ type: 'exchange', protocol: 'json-rpc', key: '1', request: 10, response: 12, latencyMs: 1.75 }]);
    assert.deepEqual(t.observe(p('1', 'reply'), 'in', 13, 1002), [], 'a second reply pairs nothing');
  });

  it('keeps directions apart (a server request and a client request with the same key)', () => {
    const t = new PairingTable();
    t.observe(p('1', 'request'), 'out', 1, 0);
    t.observe(p('1', 'request'), 'in', 2, 0);
    assert.equal(t.observe(p('1', 'reply'), 'out', 3, 5)[0]!.request, 2);
    assert.equal(t.observe(p('1', 'reply'), 'in', 4, 6)[0]!.request, 1);
  });

  it('keeps protocols apart', () => {
    const t = new PairingTable();
    t.observe(p('1', 'request', 'socket.io'), 'out', 1, 0);
    assert.deepEqual(t.observe(p('1', 'reply', 'json-rpc'), 'in', 2, 1), []);
  });

  it('a partial reply completes the pair once and keeps it open until the final reply', () => {
    const t = new PairingTable({ timeoutMs: 10 });
    t.observe(p('s', 'request', 'graphql-ws'), 'out', 1, 0);
    assert.equal(t.observe(p('s', 'partial', 'graphql-ws'), 'in', 2, 3).length, 1);
    assert.equal(t.observe(p('s', 'partial', 'graphql-ws'), 'in', 3, 4).length, 0);
    assert.deepEqual(t.expire(100), [], 'an answered subscription is never unanswered');
    assert.equal(t.observe(p('s', 'reply', 'graphql-ws'), 'in', 4, 5).length, 0);
    assert.equal(t.waiting, 0);
  });

  it('reports a request unanswered once after the timeout, and what is left at the end as closed', () => {
    const t = new PairingTable({ timeoutMs: 100 });
    t.observe(p('a', 'request'), 'out', 1, 0);
    t.observe(p('b', 'request'), 'out', 2, 50);
    assert.equal(t.nextDeadline(), 100);
    assert.deepEqual(t.expire(99), []);
    assert.deepEqual(t.expire(100), [{ type: 'unanswered', protocol: 'json-rpc', key: 'a', request: 1, afterMs: 100 }]);
    assert.deepEqual(t.expire(120), []);
    assert.deepEqual(t.observe(p('a', 'reply'), 'in', 3, 130), [], 'a late reply pairs nothing');
    assert.deepEqual(t.drain(130), [{ type: 'unanswered', protocol: 'json-rpc', key: 'b', request: 2, afterMs: 80, closed: true }]);
    assert.deepEqual(t.drain(140), []);
  });

  it('pairs the items of a batch one by one', () => {
    const t = new PairingTable();
    t.observe({ protocol: 'json-rpc', type: 'batch', summary: '', items: [p('1', 'request'), p('2', 'request'), { protocol: 'json-rpc', type: 'notification', summary: '' }] }, 'out', 1, 0);
    const x = t.observe({ protocol: 'json-rpc', type: 'batch', summary: '', items: [p('2', 'reply'), p('1', 'reply')] }, 'in', 2, 4);
    assert.deepEqual(x.map((e) => e.key), ['2', '1']);
  });

  it('a repeated request key replaces the older one; the table is bounded', () => {
    const t = new PairingTable({ maxEntries: 2 });
    t.observe(p('1', 'request'), 'out', 1, 0);
    t.observe(p('1', 'request'), 'out', 2, 1);
    assert.equal(t.observe(p('1', 'reply'), 'in', 3, 2)[0]!.request, 2);
    for (let i = 0; i < 5; i++) t.observe(p(`k${i}`, 'request'), 'out', 10 + i, 0);
    assert.equal(t.waiting, 2);
  });
});
