import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { MockRegistry } from '../../../src/extension/workflow/mockRegistry';

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('error', reject);
    ws.on('open', () => resolve(ws));
  });
}

describe('workflow MockRegistry', () => {
  let reg: MockRegistry;
  beforeEach(() => (reg = new MockRegistry(() => 42)));
  afterEach(() => reg.stopAll());

  it('starts a definition once per file+name, lists it, and it echoes', async () => {
    let changes = 0;
    const off = reg.onDidChange(() => changes++);
    const [a, b] = await Promise.all([reg.start({ name: 'echo', port: 0 }, { file: '/x/a.websocket.json' }), reg.start({ name: 'echo', port: 0 }, { file: '/x/a.websocket.json' })]);
    assert.equal(a.id, b.id);
    assert.match(a.url, /^ws:\/\/127\.0\.0\.1:\d+/);
    assert.equal(a.startedAt, 42);
    assert.equal(reg.list().length, 1);
    assert.equal(reg.find('echo', '/x/a.websocket.json')?.id, a.id);
    const ws = await open(a.url);
    const reply = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    ws.send('hello');
    assert.equal(await reply, 'hello');
    ws.close();
    off();
    assert.equal(changes, 1);
  });

  it('stop terminates connected clients and forgets the mock', async () => {
    const m = await reg.start({ name: 'm', port: 0 });
    const ws = await open(m.url);
    ws.on('error', () => undefined);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    assert.equal(await reg.stop(m.id), true);
    const code = await closed;
    // The mock says goodbye with 1001 (going away) before it terminates the socket.
    assert.equal(code, 1001);
    assert.equal(reg.list().length, 0);
    assert.equal(await reg.stop(m.id), false);
  });

  // Moved from the removed core MockManager's tests: the registry is the one holder of running mocks.
  it('keys by file and name: same name in two files runs twice, the same file once; stop closes clients with 1001', async () => {
    let changes = 0;
    const off = reg.onDidChange(() => changes++);
    const deps = { closeGraceMs: 200 };
    const a = await reg.start({ name: 'chat' }, { file: '/w/a.websocket.json', deps });
    const b = await reg.start({ name: 'chat' }, { file: '/w/b.websocket.json', deps });
    assert.notEqual(a.port, b.port);
    // Starting a running definition again does not start a second server: it is the same mock.
    assert.equal((await reg.start({ name: 'chat' }, { file: '/w/a.websocket.json', deps })).id, a.id);
    assert.deepEqual(reg.list().map((m) => MockRegistry.key(m.name, m.file)).sort(), [MockRegistry.key('chat', '/w/a.websocket.json'), MockRegistry.key('chat', '/w/b.websocket.json')].sort());
    const ws = await open(a.url);
    ws.on('error', () => undefined);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    assert.equal(await reg.stop(a.id), true);
    assert.equal(await closed, 1001);
    assert.equal(await reg.stop(a.id), false);
    assert.equal(changes, 3, 'started, started, stopped');
    off();
  });

  it('a failed start leaves nothing running; stopAll stops the rest', async () => {
    const a = await reg.start({ name: 'one' });
    await assert.rejects(reg.start({ name: 'two', port: a.port }), (e: { code?: string }) => e.code === 'MOCK_LISTEN_FAILED');
    assert.deepEqual(reg.list().map((m) => m.name), ['one']);
    await reg.stopAll();
    assert.equal(reg.list().length, 0);
  });

  it('rejects an invalid definition with a coded error and keeps nothing', async () => {
    await assert.rejects(reg.start({ name: 'bad', port: -5 } as never), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'MOCK_INVALID_DEFINITION');
      assert.match(e.message, /\/port: must be >= 0/);
      return true;
    });
    assert.equal(reg.list().length, 0);
  });
});
