/**
 * The mock's security defaults hold for every protocol mock: loopback bind, a foreign Origin and a
 * rebinding Host refused with 403 before any protocol byte, a loopback page let in.
 */
import assert from 'node:assert/strict';
import { PROTOCOLS } from '../../../../src/core/protocols/types';
import { Resources } from '../helpers';

describe('mock protocols: security defaults for every protocol', function () {
  const r = new Resources();
  afterEach(() => r.dispose());

  for (const protocol of PROTOCOLS) {
    it(`${protocol}: binds 127.0.0.1, refuses a foreign Origin and a rebinding Host, accepts a loopback page`, async () => {
      const { url, port, server, events } = await r.mock({ protocol });
      assert.equal(server.gatePolicy().boundHost, '127.0.0.1');
      assert.match(url, /^ws:\/\/127\.0\.0\.1:/);
      const evil = r.rawClient(url, undefined, { headers: { Origin: 'https://evil.example' } });
      assert.equal((await evil.refused).status, 403);
      const rebound = r.rawClient(url, undefined, { headers: { Host: `attacker.example:${port}` } });
      assert.equal((await rebound.refused).status, 403);
      assert.equal(events.filter((e) => e.kind === 'message').length, 0, 'no protocol byte reached a refused client');
      const page = await r.client(url, undefined, { headers: { Origin: `http://localhost:5173` } });
      assert.equal(page.ws.readyState, 1);
    });
  }
});
