/**
 * Issue 10 §2: user-supplied patterns run on a linear-time engine. Each case here stalled for
 * seconds to minutes on JS RegExp: `(a+)+$` against 28 `a` then `!` backtracks 2^28 times.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import fc from 'fast-check';
import { compilePattern, prefilter } from '../../../src/core/pattern';
import { loadRe2 } from '../../../src/core/lazy';
import { parseCollection } from '../../../src/core/collections/parse';
import { TimelineStore } from '../../../src/core/engine/timelineStore';
import { compileFilter } from '../../../src/extension/panel/rows';
import { run } from '../../../src/cli/run';
import { captureIO } from '../collections/fixtures/captureIO';
import { Resources } from '../mock/helpers';

const EVIL = '(a+)+$';
const ATTACK = 'a'.repeat(28) + '!';

describe('security: user patterns run in linear time (issue 10 §2)', () => {
  describe('compilePattern', () => {
    it('matches with JS flags and escapes, and exposes groups like RegExp#exec', () => {
      const c = compilePattern('^(?<verb>\\w+) (\\d+)\\u0021$', 'i');
      assert.ok(c.ok);
      const m = c.pattern.exec('GET 42!');
      assert.ok(m);
      assert.equal(m[0], 'GET 42!');
      assert.equal(m[1], 'GET');
      assert.equal(m[2], '42');
      assert.equal(m.groups?.verb, 'GET');
      assert.equal(c.pattern.test('get x!'), false);
      assert.ok(compilePattern('^b', 'm').ok && compilePattern('^b', 'm').ok);
      const ms = compilePattern('^b$', 'm');
      assert.ok(ms.ok && ms.pattern.test('a\nb\nc'));
      const dot = compilePattern('a.b', 's');
      assert.ok(dot.ok && dot.pattern.test('a\nb'));
      const nodot = compilePattern('a.b');
      assert.ok(nodot.ok && !nodot.pattern.test('a\nb'));
      const lb = compilePattern('(?<=x)b');
      assert.ok(lb.ok && lb.pattern.test('xb') && !lb.pattern.test('yb'));
    });

    it('is stateless: g and y are ignored, repeated calls agree', () => {
      const c = compilePattern('a', 'gy');
      assert.ok(c.ok);
      assert.equal(c.pattern.test('ba'), true);
      assert.equal(c.pattern.test('ba'), true);
    });

    it('refuses what has no linear-time form, saying so, and never throws', () => {
      const err = (src: string, flags?: string) => {
        const c = compilePattern(src, flags);
        assert.equal(c.ok, false, src);
        return (c as { error: string }).error;
      };
      assert.match(err('(a)\\1'), /backreferences .* not supported: patterns run on a linear-time engine/);
      assert.match(err('(?<n>a)\\k<n>'), /backreferences/);
      assert.match(err('a(?=b)'), /lookahead .* not supported/);
      assert.match(err('a(?!b)'), /lookahead/);
      assert.match(err('(?<=(x))b'), /lookbehind cannot contain a capturing group/);
      assert.match(err('('), /^invalid regular expression: missing closing \)/);
      assert.match(err('a', 'x'), /unknown regular expression flag "x"/);
      assert.ok(compilePattern('\\\\1').ok, 'an escaped backslash then 1 is not a backreference');
    });

    it('matches the catastrophic pattern against a long input in linear time', () => {
      const c = compilePattern(EVIL);
      assert.ok(c.ok);
      const t0 = performance.now();
      assert.equal(c.pattern.test(ATTACK), false);
      assert.equal(c.pattern.test('a'.repeat(200_000) + '!'), false);
      assert.equal(c.pattern.test('a'.repeat(200_000)), true);
      assert.ok(performance.now() - t0 < 1000, `took ${performance.now() - t0} ms`);
    });
  });

  describe('mock rules', () => {
    const res = new Resources();
    afterEach(() => res.dispose());

    it('a ReDoS rule answers promptly and does not block other clients', async () => {
      const { url } = await res.mock({
        port: 0,
        rules: [
          { name: 'evil', match: { regex: EVIL }, respond: ['matched'] },
          { name: 'other', match: { text: 'ping' }, respond: ['pong'] },
        ],
      } as never);
      const attacker = await res.client(url);
      const bystander = await res.client(url);
      const t0 = performance.now();
      attacker.ws.send(ATTACK);
      attacker.ws.send('a'.repeat(100_000) + '!');
      bystander.ws.send('ping');
      const reply = await bystander.next();
      assert.equal(reply.data.toString(), 'pong');
      attacker.ws.send('aaaa');
      // Unmatched messages are echoed: both attack strings come back, in order, then the match.
      assert.equal(await attacker.nextText(), ATTACK);
      assert.equal((await attacker.nextText()).length, 100_001);
      assert.equal(await attacker.nextText(), 'matched');
      assert.ok(performance.now() - t0 < 1500, `took ${Math.round(performance.now() - t0)} ms`);
    });

    it('a rule pattern RE2 cannot run is a diagnostic with file:line:column', () => {
      const text = JSON.stringify({ version: 1, name: 'x', mocks: [{ name: 'm', rules: [{ match: { regex: '(a)\\1' }, respond: ['x'] }] }] }, null, 2);
      const r = parseCollection(text, 'evil.websocket.json');
      assert.equal(r.ok, false);
      const d = r.errors[0]!;
      assert.equal(d.file, 'evil.websocket.json');
      const line = text.split('\n').findIndex((l) => l.includes('"regex"'));
      assert.equal(d.line, line + 1);
      assert.equal(d.column, text.split('\n')[line]!.indexOf('"(a)') + 1);
      assert.match(d.message, /mocks\[0\]\.rules\[0\]\.match\.regex: backreferences/);
    });

    it('an expect pattern RE2 cannot run is a diagnostic at the pattern', () => {
      const text = JSON.stringify({ version: 1, name: 'x', requests: [{ name: 'a', url: 'ws://h', messages: [{ name: 'm', kind: 'text', data: '', expect: [{ regex: 'a(?=b)' }] }] }] }, null, 2);
      const r = parseCollection(text, 'evil.websocket.json');
      assert.equal(r.ok, false);
      const d = r.errors[0]!;
      assert.equal(d.line, text.split('\n').findIndex((l) => l.includes('"regex"')) + 1);
      assert.match(d.message, /is not a valid regular expression: lookahead/);
    });
  });

  describe('expect rules (cli run, real server)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-redos-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a ReDoS expect fails within its timeout', async () => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      wss.on('connection', (ws) => {
        ws.on('error', () => undefined);
        ws.on('message', () => {
          ws.send(ATTACK);
          ws.send('a'.repeat(100_000) + '!');
        });
      });
      await new Promise<void>((r) => wss.once('listening', () => r()));
      try {
        const port = (wss.address() as AddressInfo).port;
        const file = path.join(dir, 'redos.websocket.json');
        fs.writeFileSync(
          file,
          JSON.stringify({ version: 1, name: 'r', requests: [{ name: 'main', url: `ws://127.0.0.1:${port}/`, messages: [{ name: 'm', kind: 'text', data: 'go', expect: [{ regex: EVIL, timeoutMs: 500 }] }] }] }),
        );
        const io = captureIO(dir, {});
        const t0 = performance.now();
        assert.equal(await run([file, '--output', 'ndjson', '--no-frames'], io), 1);
        const ms = performance.now() - t0;
        const expect = io
          .out()
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((o) => o.type === 'expect');
        assert.equal(expect?.ok, false);
        assert.equal(expect?.reason, 'no matching reply within 500 ms');
        assert.ok(ms < 3000, `run took ${Math.round(ms)} ms`);
      } finally {
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
      }
    });
  });

  describe('panel search (host timeline store)', () => {
    it('a ReDoS search over the store returns promptly', () => {
      const store = new TimelineStore();
      try {
        for (let i = 0; i < 2000; i++) store.append({ kind: 'message', dir: 'in', connection: 'c', binary: false, data: new TextEncoder().encode(ATTACK), size: ATTACK.length } as never);
        const f = compileFilter({ mode: 'messages', regex: EVIL });
        const t0 = performance.now();
        assert.deepEqual(store.query({ regex: f.regex }), []);
        assert.ok(performance.now() - t0 < 1000, `query took ${Math.round(performance.now() - t0)} ms`);
      } finally {
        store.dispose();
      }
    });

    it('a pattern RE2 cannot run is refused with WSWB_PANEL_BAD_REGEX', () => {
      assert.throws(() => compileFilter({ mode: 'all', regex: '(a)\\1' }), (e: Error & { code?: string }) => e.code === 'WSWB_PANEL_BAD_REGEX' && /backreferences/.test(e.message));
    });
  });
});

describe('security: the literal prefilter never changes a result', () => {
  // The prefilter only rejects early; every pattern must match exactly what RE2 alone matches.
  const RE2JS = loadRe2();
  const atoms = ['a', 'b', 'A', 'ab', 's', 'K', 'ſ', '\u212a', '😀', '.', '\\d', '\\w', '\\.', '\\n', '[ab]', '[^a]', '^', '$', '\\b', '"', '{', '}'];
  const atom = fc.constantFrom(...atoms.filter((a) => a !== '{'));
  const quant = fc.constantFrom('', '', '', '*', '+', '?', '{2}', '{1,3}', '+?');
  const piece = fc.tuple(atom, quant).map(([a, q]) => (a === '^' || a === '$' || a === '\\b' ? a : q && a.length > 1 && !a.startsWith('\\') && !a.startsWith('[') && a !== '😀' ? `(?:${a})${q}` : a + q));
  const seq = fc.array(piece, { minLength: 1, maxLength: 5 }).map((p) => p.join(''));
  const group = fc.tuple(seq, seq, fc.constantFrom('(', '(?:', '(?<g>', '(?<=')).map(([x, y, open]) => `${open}${x}|${y})`);
  const pattern = fc.array(fc.oneof(seq, group), { minLength: 1, maxLength: 3 }).map((p) => p.join(''));
  const input = fc.array(fc.constantFrom('a', 'b', 'A', 'B', 's', 'S', 'ſ', 'k', 'K', '\u212a', '😀', '.', '"', '\n', '1', ' ', '{', '}'), { maxLength: 12 }).map((c) => c.join(''));

  it('agrees with RE2 on random patterns, flags and inputs', () => {
    let prefiltered = 0;
    fc.assert(
      fc.property(pattern, fc.constantFrom('', 'i', 'm', 's', 'im'), fc.array(input, { minLength: 1, maxLength: 8 }), (src, flags, inputs) => {
        const c = compilePattern(src, flags);
        let bits = RE2JS.LOOKBEHINDS;
        if (flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
        if (flags.includes('m')) bits |= RE2JS.MULTILINE;
        if (flags.includes('s')) bits |= RE2JS.DOTALL;
        let raw;
        try {
          raw = RE2JS.compile(RE2JS.translateRegExp(src), bits);
        } catch {
          assert.equal(c.ok, false, src);
          return;
        }
        assert.ok(c.ok, `${src}: ${(c as { error?: string }).error}`);
        if (prefilter(src, flags.includes('i'))) prefiltered++;
        for (const s of inputs) {
          assert.equal(c.pattern.test(s), raw.test(s), `/${src}/${flags} on ${JSON.stringify(s)}`);
          assert.deepEqual(c.pattern.exec(s)?.[0], raw.exec(s)?.[0] ?? undefined, `exec /${src}/${flags} on ${JSON.stringify(s)}`);
        }
      }),
      { numRuns: 3000 },
    );
    assert.ok(prefiltered > 300, `the prefilter took part in ${prefiltered} runs`);
  });

  it('derives literal conditions from concatenations and alternations', () => {
    const f = prefilter('"value":(13|42)}', false)!;
    assert.equal(f('{"value":13}'), true);
    assert.equal(f('{"value":14}'), false);
    const g = prefilter('"USER":"u(12|345)"', true)!;
    assert.equal(g('{"user":"U345"}'), true);
    assert.equal(g('{"uſer":"U345"}'), true, 'ſ folds to s as in RE2');
    assert.equal(g('{"user":"U346"}'), false);
    assert.equal(prefilter('(?i)abc', false), undefined, 'inline flags: no prefilter');
    assert.equal(prefilter('a*', false), undefined);
    const h = prefilter('error.*time(out)?', false)!;
    assert.equal(h('error: timeout'), true);
    assert.equal(h('time error'), true);
    assert.equal(h('tim error'), false);
  });
});
