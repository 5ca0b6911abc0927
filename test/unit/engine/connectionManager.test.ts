import assert from 'node:assert/strict';
import { ConnectionManager, type ConnectionManagerChange } from '../../../src/core/engine/connectionManager';
import { Cleanup, echoServer, events, waitFor } from './helpers';

describe('ConnectionManager', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('runs many connections at once, each with its own timeline, and disposes them all', async () => {
    const { url } = await echoServer(cleanup);
    const m = new ConnectionManager();
    cleanup.add(() => m.disposeAll());
    const changes: ConnectionManagerChange[] = [];
    m.onDidChange((c) => changes.push(c));
    const conns = [0, 1, 2].map((i) => m.create({ url, proxy: 'none' }, { id: `k${i}` }));
    assert.deepEqual(m.list().map((c) => c.id), ['k0', 'k1', 'k2']);
    assert.equal(m.get('k1'), conns[1]);
    assert.throws(() => m.create({ url }, { id: 'k1' }), /already exists/);
    await Promise.all(conns.map((c) => c.connect()));
    conns.forEach((c, i) => c.sendText(`from ${i}`));
    await Promise.all(conns.map((c) => waitFor(c, (e) => e.kind === 'message' && e.dir === 'in')));
    for (const [i, c] of conns.entries()) {
      const texts = events(c).filter((e) => e.kind === 'message').map((e) => (e.kind === 'message' ? Buffer.from(e.data).toString() : ''));
      assert.deepEqual(texts, [`from ${i}`, `from ${i}`], 'own timeline only');
      assert.notEqual(c.store, conns[(i + 1) % 3]!.store);
    }
    assert.equal(changes.filter((c) => c.type === 'added').length, 3);
    assert.ok(changes.some((c) => c.type === 'state' && c.connection.state === 'open'));
    await m.disposeAll();
    assert.equal(m.list().length, 0);
    assert.equal(changes.filter((c) => c.type === 'removed').length, 3);
    assert.ok(conns.every((c) => c.state === 'closed'), 'closed with a handshake before disposal');
  });
});
