import assert from 'node:assert/strict';
import { CodedError } from '../../../src/core/errors';
import { method, RpcClient, RpcError, RpcServer, memoryTransportPair } from '../../../src/shared/rpc';
import { v } from '../../../src/shared/validate';

/** The contract's error replies: one code per failure, the same in-process (invoke) and over the wire. */
describe('shared/rpc error codes', () => {
  const contract = {
    add: method<{ a: number; b: number }, number>(v.object({ a: v.number(), b: v.number() })),
    fail: method<{ coded: boolean }, void>(v.object({ coded: v.boolean() })),
  };
  function pair() {
    const [a, b] = memoryTransportPair();
    const server = new RpcServer(contract, a);
    server.handle('add', ({ a: x, b: y }) => x + y);
    server.handle('fail', ({ coded }) => {
      throw coded ? new CodedError('WSWB_PANEL_NO_EVENT', 'gone') : new Error('a bug');
    });
    const client = new RpcClient<typeof contract, Record<string, never>>(b, { timeoutMs: 2000 });
    return { server, client };
  }
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof CodedError, String(e));
      return e.code;
    }
    return 'resolved';
  };

  it('invoke validates like a request from the webview: unknown method, invalid params, then the handler', async () => {
    const { server } = pair();
    assert.equal(await server.invoke('add', { a: 1, b: 2 }), 3);
    assert.equal(await codeOf(server.invoke('nope', {})), 'WSWB_RPC_UNKNOWN_METHOD');
    assert.equal(await codeOf(server.invoke('add', { a: 'x', b: 2 })), 'WSWB_RPC_INVALID_PARAMS');
    assert.equal(await codeOf(server.invoke('fail', { coded: true })), 'WSWB_PANEL_NO_EVENT');
  });

  it('over the wire: the same codes, WSWB_INTERNAL for an error without one, RpcError on the client', async () => {
    const { client } = pair();
    assert.equal(await client.call('add', { a: 2, b: 2 }), 4);
    assert.equal(await codeOf(client.call('add', { a: 1 } as never)), 'WSWB_RPC_INVALID_PARAMS');
    assert.equal(await codeOf(client.call('fail', { coded: true })), 'WSWB_PANEL_NO_EVENT');
    assert.equal(await codeOf(client.call('fail', { coded: false })), 'WSWB_INTERNAL');
    client.dispose();
    assert.equal(await codeOf(client.call('add', { a: 1, b: 1 })), 'WSWB_RPC_DISPOSED');
    await assert.rejects(client.call('add', { a: 1, b: 1 }), RpcError);
  });
});
