import assert from 'node:assert/strict';
import { Resources, until } from './helpers';
import { gateReasons, hostAllowed, normaliseHost, normaliseOrigin, originAllowed, MAX_REFUSAL_FIELD } from '../../../src/core/engine/mock/gate';
import type { GatePolicy, MockRefusal } from '../../../src/core/engine/mock/gate';
import { upgradeStatus as upgrade } from '../../support/upgradeStatus';

const policy = (over: Partial<GatePolicy> = {}): GatePolicy => ({ boundHost: '127.0.0.1', boundPort: 8765, tls: false, checkHost: true, allowedHosts: [], allowedOrigins: [], ...over });

describe('mock gate (pure)', () => {
  it('accepts the bound address, loopback and localhost at the bound port only', () => {
    const p = policy();
    for (const h of ['127.0.0.1:8765', 'localhost:8765', '[::1]:8765', '127.0.0.2:8765']) assert.ok(hostAllowed(p, h), h);
    for (const h of ['127.0.0.1:8080', 'localhost', 'rebind.example:8765', 'localhost.rebind.example:8765', '', 'a b:8765', '127.0.0.1:99999']) assert.ok(!hostAllowed(p, h), h);
  });

  it('an allowedHosts entry with a port matches that host and port only; without one, the name as sent or at the bound port', () => {
    const p = policy({ allowedHosts: ['127.0.0.1:8080', 'app-8765.example.dev'] });
    assert.ok(hostAllowed(p, '127.0.0.1:8080'));
    assert.ok(!hostAllowed(p, '127.0.0.1:8081'));
    assert.ok(hostAllowed(p, 'app-8765.example.dev'));
    assert.ok(hostAllowed(p, 'APP-8765.example.dev:8765'));
    assert.ok(!hostAllowed(p, 'app-8765.example.dev:9999'));
    assert.ok(!hostAllowed(p, 'evil.app-8765.example.dev'));
  });

  it('origins: loopback any port, listed exactly or with :*, "*" for any', () => {
    assert.ok(originAllowed(policy(), 'http://localhost:3000'));
    assert.ok(!originAllowed(policy(), 'http://localhost.evil.example:3000'));
    assert.ok(originAllowed(policy({ allowedOrigins: ['http://app.test:5173'] }), 'http://APP.test:5173'));
    assert.ok(!originAllowed(policy({ allowedOrigins: ['http://app.test:5173'] }), 'http://app.test:5174'));
    assert.ok(originAllowed(policy({ allowedOrigins: ['https://app.test:*'] }), 'https://app.test:1'));
    assert.ok(originAllowed(policy({ allowedOrigins: ['*'] }), 'null'));
  });

  it('reports every failed check, Host first', () => {
    assert.deepEqual(gateReasons(policy(), '127.0.0.1:8080', 'http://app.test:5173'), ['host', 'origin']);
    assert.deepEqual(gateReasons(policy(), '127.0.0.1:8765', 'http://app.test:5173'), ['origin']);
    assert.deepEqual(gateReasons(policy({ checkHost: false }), 'anything', undefined), []);
  });

  it('normalises what may be allowed, and refuses what is not an origin or a host', () => {
    assert.equal(normaliseOrigin('HTTP://App.Test:5173'), 'http://app.test:5173');
    assert.equal(normaliseOrigin('https://app.test:443'), 'https://app.test');
    for (const bad of ['*', 'null', 'file://', 'http://u:p@app.test', 'http://app.test/path', 'javascript:alert(1)', 'http://' + 'a'.repeat(300)]) assert.equal(normaliseOrigin(bad), undefined, bad);
    assert.equal(normaliseHost('127.0.0.1:8080'), '127.0.0.1:8080');
    assert.equal(normaliseHost('App.Example.dev'), 'app.example.dev');
    assert.equal(normaliseHost('[::1]:80'), '[::1]:80');
    for (const bad of ['', 'a b', 'x:1:2', '-x.example', 'x_y.example', '*.example', 'h:70000']) assert.equal(normaliseHost(bad), undefined, bad);
  });
});

describe('mock refusals and run-time allowances', () => {
  const r = new Resources();
  afterEach(() => r.dispose());

  it('emits one bounded refusal per refused handshake, with both failed checks, and no payload', async () => {
    const { server, port } = await r.mock({});
    const refusals: MockRefusal[] = [];
    server.onRefusal((x) => refusals.push(x));
    assert.match(await upgrade(port, { Host: '127.0.0.1:8080', Origin: 'http://app.test:5173' }), / 403 /);
    assert.match(await upgrade(port, { Host: `127.0.0.1:${port}`, Origin: 'http://' + 'x'.repeat(1000) }), / 403 /);
    assert.match(await upgrade(port, { Host: `127.0.0.1:${port}`, Origin: 'http://localhost:1' }), / 101 /);
    await until(() => refusals.length === 2);
    assert.deepEqual({ ...refusals[0], time: 0, connection: '' }, { mock: 'test', connection: '', time: 0, reasons: ['host', 'origin'], origin: 'http://app.test:5173', host: '127.0.0.1:8080' });
    assert.equal(refusals[1]!.origin!.length, MAX_REFUSAL_FIELD);
    assert.equal(refusals[1]!.truncated, true);
    assert.equal(server.stats().rejected, 2);
  });

  it('accepts a forwarded host and a page origin only after they are allowed; DNS-rebinding names stay refused', async () => {
    const { server, port, events } = await r.mock({});
    const forwarded = { Host: '127.0.0.1:8080', Origin: 'http://app.test:5173' };
    assert.match(await upgrade(port, forwarded), / 403 /);
    assert.deepEqual(server.allow({ origins: ['http://app.test:5173', '*', 'not an origin'], hosts: ['127.0.0.1:8080', 'bad host'] }), { origins: ['http://app.test:5173'], hosts: ['127.0.0.1:8080'] });
    assert.match(await upgrade(port, forwarded), / 101 /);
    assert.ok(events.some((e) => e.kind === 'info' && (e.data as { type?: string } | undefined)?.type === 'allowed'));
    // Still refused: a rebinding name at the mock's own port, the forwarded host's other ports, other origins.
    assert.match(await upgrade(port, { Host: `rebind.example:${port}`, Origin: `http://rebind.example:${port}` }), / 403 /);
    assert.match(await upgrade(port, { Host: '127.0.0.1:8081', Origin: 'http://app.test:5173' }), / 403 /);
    assert.match(await upgrade(port, { Host: '127.0.0.1:8080', Origin: 'http://other.test:5173' }), / 403 /);
    assert.deepEqual(server.allow({ origins: ['http://APP.test:5173'] }), { origins: [], hosts: [] });
  });
});
