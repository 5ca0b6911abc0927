import assert from 'node:assert/strict';
import { isValidUtf8, Utf8Validator } from '../../../src/core/protocol/utf8';
import { parseHttpHead } from '../../../src/core/protocol/http';
import { bytesToHex, hexdumpLines, hexToBytes } from '../../../src/core/protocol/hexdump';
import { ProtocolError } from '../../../src/core/protocol/errors';
import { hex } from './helpers';

const httpError = (e: unknown) => e instanceof ProtocolError && e.code === 'HTTP_PARSE_ERROR';

describe('protocol/utf8', () => {
  it('accepts valid text, including 4-byte sequences and U+10FFFF', () => {
    for (const s of ['', 'Hello', 'κόσμε', '€', '𝄞 music', '\u{10FFFF}', '\u{D7FF}\u{E000}']) assert.equal(isValidUtf8(Buffer.from(s)), true, s);
  });
  it('rejects overlongs, surrogates, > U+10FFFF, stray continuations, truncation', () => {
    for (const h of ['c0 80', 'c1 bf', 'e0 80 80', 'e0 9f bf', 'ed a0 80', 'ed bf bf', 'f0 80 80 80', 'f4 90 80 80', 'f5 80 80 80', 'ff', '80', 'ce', 'e2 82', 'cebae1bdb9cf83cebcceb5eda080656469746564']) {
      assert.equal(isValidUtf8(hex(h)), false, h);
    }
  });
  it('streaming: a sequence split across fragments is fine; fails fast at the first impossible byte', () => {
    const v = new Utf8Validator();
    assert.equal(v.push(hex('ce ba e1'), false), true);
    assert.equal(v.push(hex('bd b9'), false), true);
    assert.equal(v.push(hex('cf 83'), true), true);
    v.reset();
    // "κόσμε" then a surrogate start: invalid at the fragment that carries ED A0, not at the end.
    assert.equal(v.push(hex('ce ba e1 bd b9 cf 83 ce bc ce b5'), false), true);
    assert.equal(v.push(hex('ed a0'), false), false);
    assert.equal(v.push(hex('41'), true), false, 'stays failed until reset');
    v.reset();
    assert.equal(v.push(hex('f4 90'), false), false, '> U+10FFFF is known after two bytes');
    v.reset();
    assert.equal(v.push(hex('e2 82'), false), true);
    assert.equal(v.push(hex(''), true), false, 'truncated at the end');
  });
  it('streaming over large fragments (native fast path on Node) keeps sequences split at any point', () => {
    const text = Buffer.from('ascii '.repeat(60) + 'κόσμε 𝄞 '.repeat(50));
    for (let cut = 300; cut < 340; cut++) {
      const v = new Utf8Validator();
      assert.equal(v.push(text.subarray(0, cut), false) && v.push(text.subarray(cut), true), true, String(cut));
    }
    const v = new Utf8Validator();
    assert.equal(v.push(Buffer.concat([Buffer.alloc(300, 0x41), hex('f4 90')]), false), false, 'fails fast on a large fragment');
    v.reset();
    assert.equal(v.push(Buffer.concat([Buffer.alloc(300, 0x41), hex('f0 9f')]), false), true);
    assert.equal(v.push(hex('84'), false), true);
    assert.equal(v.push(Buffer.concat([hex('9e'), Buffer.alloc(300, 0x41)]), true), true);
  });
});

describe('protocol/http', () => {
  const req = 'GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Dup: a\r\nx-dup:  b \r\n\r\n';
  it('parses a request head, keeping case, order and repeats', () => {
    const h = parseHttpHead(Buffer.from(req + '\x81\x00'))!;
    assert.equal(h.kind, 'request');
    assert.equal(h.method, 'GET');
    assert.equal(h.path, '/chat?x=1');
    assert.equal(h.version, 'HTTP/1.1');
    assert.equal(h.headSize, Buffer.byteLength(req));
    assert.deepEqual(h.headers.slice(-2), [['X-Dup', 'a'], ['x-dup', 'b']]);
    assert.equal(h.headers[0]![0], 'Host');
  });
  it('parses a response head, with an empty reason and bare LF line ends', () => {
    const h = parseHttpHead(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'))!;
    assert.deepEqual([h.kind, h.status, h.statusText, h.headers], ['response', 101, 'Switching Protocols', [['Upgrade', 'websocket']]]);
    const g = parseHttpHead(Buffer.from('HTTP/1.0 404\nA: 1\n\nbody'))!;
    assert.deepEqual([g.status, g.statusText, g.headers, g.headSize], [404, '', [['A', '1']], 19]);
  });
  it('returns null until the head is complete, at every prefix', () => {
    const b = Buffer.from(req);
    for (let i = 0; i < b.length; i++) assert.equal(parseHttpHead(b.subarray(0, i)), null, String(i));
    assert.notEqual(parseHttpHead(b), null);
  });
  it('joins obsolete folded lines', () => {
    assert.deepEqual(parseHttpHead(Buffer.from('HTTP/1.1 200 OK\r\nA: x\r\n  y\r\n\r\n'))!.headers, [['A', 'x y']]);
  });
  it('throws HTTP_PARSE_ERROR on garbage, bad header lines and over 64 KiB', () => {
    assert.throws(() => parseHttpHead(hex('16 03 01 00')), httpError);
    assert.throws(() => parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nBad Header: x\r\n\r\n')), httpError);
    assert.throws(() => parseHttpHead(Buffer.from('GET /\r\n\r\n')), httpError);
    assert.throws(() => parseHttpHead(Buffer.from('HTTP/1.1 abc\r\n\r\n')), httpError);
    assert.throws(() => parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(70000))), httpError);
    assert.throws(() => parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(70000) + '\r\n\r\n')), httpError);
    assert.throws(
      () => parseHttpHead(Buffer.from('nonsense\r\n\r\n')),
      (e: unknown) => httpError(e) && (e as ProtocolError).closeCode === 1006,
    );
  });
});

describe('protocol/hexdump', () => {
  it('formats like hexdump -C', () => {
    const b = Buffer.concat([Buffer.from('0123456789abcdefHello world'), hex('00 01 02 03 04')]);
    assert.deepEqual(hexdumpLines(b), [
      '00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|',
      '00000010  48 65 6c 6c 6f 20 77 6f  72 6c 64 00 01 02 03 04  |Hello world.....|',
    ]);
  });
  it('pads a short last line so the ASCII column aligns; offset, width and windows', () => {
    const lines = hexdumpLines(Buffer.from('Hi\x7f'), { offset: 0x100 });
    assert.equal(lines[0], '00000100  48 69 7f ' + ' '.repeat(49 - 9) + ' |Hi.|');
    assert.equal(lines[0]!.indexOf('|'), hexdumpLines(Buffer.alloc(16))[0]!.indexOf('|'));
    const big = new Uint8Array(1000);
    assert.deepEqual(hexdumpLines(big, { startLine: 10, lineCount: 2 }).map((l) => l.slice(0, 8)), ['000000a0', '000000b0']);
    assert.equal(hexdumpLines(big).length, 63);
    assert.deepEqual(hexdumpLines(Buffer.from('abcd'), { width: 4 }), ['00000000  61 62 63 64  |abcd|']);
    assert.deepEqual(hexdumpLines(new Uint8Array(0)), []);
  });
  it('hexToBytes accepts spaces, commas and 0x; bytesToHex round-trips', () => {
    assert.deepEqual([...hexToBytes('0x48 0x65,6C:6c 6f')], [0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    assert.equal(bytesToHex(hexToBytes('DEADbeef')), 'deadbeef');
    assert.equal(hexToBytes('').length, 0);
  });
  it('hexToBytes throws HEX_PARSE_ERROR on odd length or a non-hex digit', () => {
    for (const s of ['abc', 'zz', '12 3g']) {
      assert.throws(() => hexToBytes(s), (e: unknown) => e instanceof ProtocolError && e.code === 'HEX_PARSE_ERROR', s);
    }
  });
});
