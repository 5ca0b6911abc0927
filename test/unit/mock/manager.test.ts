import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { MockManager } from '../../../src/core/engine/mock/mockManager';
import type { MockManagerChange } from '../../../src/core/engine/mock/mockManager';

describe('mock manager', () => {
  const manager = new MockManager({ closeGraceMs: 200 });
  afterEach(() => manager.disposeAll());

  it('starts by definition, lists, refuses duplicates per source, stops by key with 1001', async () => {
    const changes: MockManagerChange[] = [];
    const off = manager.onDidChange((c) => changes.push(c));
    const a = await manager.start({ name: 'chat' }, { source: '/w/a.websocket.json' });
    const b = await manager.start({ name: 'chat' }, { source: '/w/b.websocket.json' });
    assert.notEqual(a.port, b.port);
    await assert.rejects(manager.start({ name: 'chat' }, { source: '/w/a.websocket.json' }), (e: { code?: string }) => e.code === 'WSWB_MOCK_ALREADY_STARTED');
    assert.deepEqual(manager.list().map((m) => m.key).sort(), ['/w/a.websocket.json::chat', '/w/b.websocket.json::chat']);
    const ws = new WebSocket(a.url);
    ws.on('error', () => undefined);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    assert.equal(await manager.stop(a.key), true);
    assert.equal(await closed, 1001);
    assert.equal(await manager.stop(a.key), false);
    assert.deepEqual(changes.map((c) => c.type), ['started', 'started', 'stopped']);
    off();
  });

  it('a failed start leaves nothing running', async () => {
    const a = await manager.start({ name: 'one' });
    await assert.rejects(manager.start({ name: 'two', port: a.port }), (e: { code?: string }) => e.code === 'WSWB_MOCK_LISTEN_FAILED');
    assert.deepEqual(manager.list().map((m) => m.name), ['one']);
    await manager.disposeAll();
    assert.equal(manager.list().length, 0);
  });
});
