import assert from 'node:assert/strict';
import { Resources, delay } from './helpers';
import { renderTemplate, renderJson, getJsonPath, parseHex } from '../../../src/core/engine/mock/template';
import type { TemplateContext } from '../../../src/core/engine/mock/template';
import { compileRules, findRule } from '../../../src/core/engine/mock/rules';

function ctx(over: Partial<TemplateContext> = {}): TemplateContext {
  let n = 0;
  return {
    connection: { id: 'm#1', path: '/p', query: { room: 'a' } },
    count: 3,
    counter: () => ++n,
    uuid: () => '00000000-0000-4000-8000-000000000000',
    now: () => 1_700_000_000_000,
    random: () => 0.5,
    ...over,
  };
}

describe('mock templates', () => {
  it('renders message, captures, json paths, connection, counters, time and randoms', () => {
    const captures = /^(?<verb>\w+) (\d+)$/.exec('get 42');
    const c = ctx({ message: 'get 42', captures, json: () => ({ a: { b: [10, { c: 'x' }] } }) });
    assert.equal(renderTemplate('{{message}}|{{1}}|{{2}}|{{verb}}', c), 'get 42|get|42|get');
    assert.equal(renderTemplate('{{json.a.b[1].c}} {{json.a.b.0}} {{json.a}}', c), 'x 10 {"b":[10,{"c":"x"}]}');
    assert.equal(renderTemplate('{{connection.id}} {{connection.path}} {{connection.query.room}} {{count}}', c), 'm#1 /p a 3');
    assert.equal(renderTemplate('{{counter}},{{counter}},{{ counter }}', c), '1,2,3');
    assert.equal(renderTemplate('{{uuid}} {{now}} {{now.iso}}', c), '00000000-0000-4000-8000-000000000000 1700000000000 2023-11-14T22:13:20.000Z');
    assert.equal(renderTemplate('{{random.int 1 100}} {{random.float}} {{random.hex 4}}', c), '51 0.5 8888');
  });

  it('leaves unknown placeholders as written', () => {
    assert.equal(renderTemplate('{{nope}} {{secret:x}} {{3}}', ctx()), '{{nope}} {{secret:x}} {{3}}');
  });

  it('keeps the JSON type of a sole placeholder inside JSON responses', () => {
    const c = ctx({ json: () => ({ id: 7, tags: ['a'] }) });
    assert.deepEqual(renderJson({ id: '{{json.id}}', tags: '{{json.tags}}', s: 'id={{json.id}}', missing: '{{json.zz}}' }, c), { id: 7, tags: ['a'], s: 'id=7', missing: null });
  });

  it('json paths and hex parse', () => {
    assert.deepEqual(getJsonPath({ a: [{ b: 1 }] }, 'a[0].b'), { found: true, value: 1 });
    assert.equal(getJsonPath({ a: 1 }, 'b').found, false);
    assert.deepEqual([...parseHex('0x01 ff 0A')], [1, 255, 10]);
    assert.throws(() => parseHex('abc'));
    assert.throws(() => parseHex('zz'));
  });
});

describe('mock rule matching', () => {
  const m = (data: string | Buffer, over: Partial<{ binary: boolean; count: number; path: string; query: Record<string, string> }> = {}) => {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const input = { data: buf, binary: typeof data !== 'string', count: 1, path: '/', query: {}, ...over };
    return [input, () => buf.toString(), () => { try { return JSON.parse(buf.toString()); } catch { return undefined; } }] as const;
  };
  const rules = compileRules([
    { name: 'text', match: { text: 'hi' } },
    { name: 'regex', match: { regex: '^add (\\d+) (\\d+)$' } },
    { name: 'json-eq', match: { json: { path: 'type', equals: 'sub' } } },
    { name: 'json-exists', match: { json: { path: 'auth.token', exists: true } } },
    { name: 'prefix', match: { binaryPrefix: 'CAFE' } },
    { name: 'path', match: { path: '/admin/*', query: { key: '*' } } },
    { name: 'count', match: { count: { min: 5, every: 5 } } },
  ]);
  const which = (...a: ReturnType<typeof m>) => findRule(rules, ...a)?.rule.rule.name ?? null;

  it('first match wins, each kind', () => {
    assert.equal(which(...m('hi')), 'text');
    assert.equal(which(...m('add 2 3')), 'regex');
    assert.equal(findRule(rules, ...m('add 2 3'))?.result.captures?.[2], '3');
    assert.equal(which(...m('{"type":"sub"}')), 'json-eq');
    assert.equal(which(...m('{"type":"pub","auth":{"token":null}}')), 'json-exists');
    assert.equal(which(...m(Buffer.from([0xca, 0xfe, 1]))), 'prefix');
    assert.equal(which(...m(Buffer.from([0xca]))), null);
    assert.equal(which(...m('x', { path: '/admin/users', query: { key: '1' } })), 'path');
    assert.equal(which(...m('x', { path: '/admin/users' })), null);
    assert.equal(which(...m('x', { count: 5 })), 'count');
    assert.equal(which(...m('x', { count: 10 })), 'count');
    assert.equal(which(...m('x', { count: 6 })), null);
    assert.equal(which(...m('hi', { binary: true })), null);
  });

  it('rejects a bad regex with the rule index', () => {
    assert.throws(() => compileRules([{}, { match: { regex: '(' } }]), /rules\[1\]/);
  });
});

describe('mock rules over real sockets', () => {
  const r = new Resources();
  afterEach(() => r.dispose());

  it('responds with templated text, JSON and hex; no-match echoes; empty respond does nothing', async () => {
    const { url } = await r.mock({
      rules: [
        { match: { regex: '^hello (?<who>\\w+)$' }, respond: ['hi {{who}} on {{connection.id}} #{{count}}'] },
        { match: { json: { path: 'op', equals: 'add' } }, respond: [{ json: { sum: '{{json.a}}', echo: '{{message}}' } }] },
        { match: { text: 'bin' }, respond: [{ hex: 'de ad be ef' }, { base64: 'AQI=' }] },
        { match: { text: 'silence' } },
      ],
    });
    const c = await r.client(url);
    c.send('hello bob');
    assert.equal(await c.nextText(), 'hi bob on test#1 #1');
    c.send('{"op":"add","a":3}');
    assert.deepEqual(JSON.parse(await c.nextText()), { sum: 3, echo: '{"op":"add","a":3}' });
    c.send('bin');
    assert.deepEqual([...(await c.next()).data], [0xde, 0xad, 0xbe, 0xef]);
    assert.deepEqual([...(await c.next()).data], [1, 2]);
    c.send('silence');
    c.send('other');
    assert.equal(await c.nextText(), 'other');
  });

  it('delays (fixed and range), broadcasts to the endpoint, closes with code and reason', async () => {
    const { url } = await r.mock({
      rules: [
        { match: { text: 'slow' }, respond: ['late'], delay: { min: 60, max: 80 } },
        { match: { text: 'all' }, respond: ['to everyone from {{connection.id}}'], broadcast: true },
        { match: { text: 'bye' }, respond: ['ciao'], close: { code: 4001, reason: 'asked to leave' } },
      ],
    });
    const a = await r.client(url);
    const b = await r.client(url);
    const t0 = Date.now();
    a.send('slow');
    a.send('quick');
    assert.equal(await a.nextText(), 'quick');
    assert.equal(await a.nextText(), 'late');
    assert.ok(Date.now() - t0 >= 55);
    b.send('all');
    assert.equal(await a.nextText(), 'to everyone from test#2');
    assert.equal(await b.nextText(), 'to everyone from test#2');
    a.send('bye');
    assert.equal(await a.nextText(), 'ciao');
    assert.deepEqual(await a.closed, { code: 4001, reason: 'asked to leave' });
  });

  it('routes paths to endpoints with their own rules and 404s others', async () => {
    const { url, port } = await r.mock({
      endpoints: [
        { path: '/chat', greeting: ['welcome to chat'] },
        { path: '/rooms/*', rules: [{ match: { query: { user: '*' } }, respond: ['{{connection.path}} {{connection.query.user}}'] }] },
      ],
    });
    assert.equal(url, `ws://127.0.0.1:${port}/chat`);
    const chat = await r.client(`ws://127.0.0.1:${port}/chat`);
    assert.equal(await chat.nextText(), 'welcome to chat');
    const room = await r.client(`ws://127.0.0.1:${port}/rooms/7?user=ann`);
    room.send('x');
    assert.equal(await room.nextText(), '/rooms/7 ann');
    const nope = r.rawClient(`ws://127.0.0.1:${port}/elsewhere`);
    assert.equal((await nope.refused).status, 404);
  });

  it('greets, runs per-client and broadcast schedules with counts', async () => {
    const { url } = await r.mock({
      greeting: ['hello {{connection.id}}'],
      schedules: [
        { everyMs: 20, count: 3, messages: ['tick {{counter}}'] },
        { everyMs: 30, count: 2, broadcast: true, messages: [{ json: { type: 'news' } }] },
      ],
      echo: false,
    });
    const c = await r.client(url);
    assert.equal(await c.nextText(), 'hello test#1');
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push(await c.nextText());
    assert.equal(got.filter((g) => g.startsWith('tick')).length, 3);
    assert.equal(got.filter((g) => g === '{"type":"news"}').length, 2);
    await delay(100);
    assert.equal(c.queue.length, 0);
  });

  it('negotiates subprotocols from its list, and rejects when required', async () => {
    const { url } = await r.mock({ subprotocols: ['v2.chat', 'v1.chat'], requireSubprotocol: true });
    const c = await r.client(url, ['v1.chat', 'v2.chat']);
    assert.equal(c.ws.protocol, 'v2.chat');
    const bad = r.rawClient(url, ['mqtt']);
    assert.equal((await bad.refused).status, 400);
    const none = r.rawClient(url);
    assert.equal((await none.refused).status, 400);
  });
});
