/**
 * The JSON-RPC decoder's hot path (scanRpc: the header read without parsing params/result/error)
 * gives what the full parse (JSON.parse + describeRpc) gives, for every shape a peer may send:
 * member orders, whitespace, escapes, nested values holding quotes and brackets, every kind of id,
 * extra and repeated members. What it does not take (doubtful input) goes through the full parse.
 */
import assert from 'node:assert/strict';
import { describeRpc, JsonRpcDecoder, scanRpc } from '../../../src/core/protocols/jsonrpc';
import { publicDecoded } from '../../../src/core/protocols/monitor';
import { PairingTable } from '../../../src/core/protocols/pairing';

const decode = (text: string) => new JsonRpcDecoder().decode({ binary: false, data: Buffer.from(text) })!;
const full = (text: string) => publicDecoded(describeRpc(JSON.parse(text)));

const SCANNED = [
  '{"jsonrpc":"2.0","id":1,"method":"sum","params":[1,2]}',
  '{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}',
  '{"method":"sum","params":{"a":[1,{"b":"}]\\"["}]},"id":"abc","jsonrpc":"2.0"}',
  ' { "jsonrpc" : "2.0" ,\n\t"id" : -7 , "method" : "chat" , "params" : [ "a\\\\" , "\\"" ] } ',
  '{"jsonrpc":"2.0","method":"tick"}',
  '{"jsonrpc":"2.0","method":"tick","params":null}',
  '{"jsonrpc":"2.0","id":null,"method":"odd"}',
  '{"jsonrpc":"2.0","id":0,"result":null}',
  '{"jsonrpc":"2.0","id":12,"result":{"deep":[[["x"]]],"s":"]}"}}',
  '{"jsonrpc":"2.0","id":"r-1","result":false}',
  '{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found"}}',
  '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}',
  '{"jsonrpc":"2.0","id":4,"result":1,"error":{"code":1,"message":"both"}}',
  '{"jsonrpc":"2.0","id":5,"method":"m","params":[],"result":"ignored"}',
  '{"jsonrpc":"2.0","id":6,"result":7,"extra":{"x":"y"},"more":[1]}',
  '{"jsonrpc":"2.0","id":7,"result":"é ü 😀 \\u00e9"}',
  // The header read by one expression (HEAD): every id kind, the method there or not, members after it.
  '{"jsonrpc":"2.0","id":"a,b","method":"x,y","params":["\\",\\""]}',
  '{"jsonrpc":"2.0","id":-42,"method":"neg"}',
  '{"jsonrpc":"2.0","id":null,"method":"n","params":{}}',
  '{"jsonrpc":"2.0","id":0,"method":"","params":[0]}',
  '  {"jsonrpc":"2.0","id":9,"method":"lead","params":[]}',
  '{"jsonrpc":"2.0","id":"","error":{"code":1,"message":"m"}}',
  '{"jsonrpc":"2.0","id":123456789012345,"result":[]}',
  '{"jsonrpc":"2.0","id":1,"method":"a","params":[1],"extra":true}',
];
/** Doubtful: left to the full parse (which then decides). */
const DOUBTFUL = [
  '{"jsonrpc":"2.0","id":1,"method":"a","params":[],"params":[1]}',
  '{"jsonrpc":"2.0","id":1,"result":1,"result":2}',
  '{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m"},"error":null}',
  '{"jsonrpc":"2.0","id":1,"method":"a","params":[],"id":2}',
  '{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}',
  '{"jsonrpc":"2.0","id":1,"method":"a\u0001","params":[]}',
  '{"jsonrpc":"2.0","id":"a\u0001","result":1}',
  '{"jsonrpc":"2.0","id":1.5,"result":1}',
  '{"jsonrpc":"2.0","id":1e3,"result":1}',
  '{"jsonrpc":"2.0","id":007,"result":1}',
  '{"jsonrpc":"2.0","id":-0,"result":1}',
  '{"jsonrpc":"2.0","id":12345678901234567,"result":1}',
  '{"jsonrpc":"2.0","id":"a\\"b","result":1}',
  '{"jsonrpc":"2.0","id":1,"method":"a\\u0062","params":[]}',
  '{"jsonrpc":"2.0","id":1,"\\u006dethod":"hidden","params":[]}',
  '{"jsonrpc":"2.0","id":1,"id":2,"result":1}',
  '{"jsonrpc":"2.0","jsonrpc":"1.0","id":1,"result":1}',
  '{"jsonrpc":"1.0","id":1,"result":1}',
  '{"jsonrpc":2,"id":1,"result":1}',
  '{"id":1,"result":1}',
  '{"jsonrpc":"2.0","id":1}',
  '{"jsonrpc":"2.0","id":1,"method":5}',
  '{}',
  '{"jsonrpc":"2.0","id":1,"result":1}x',
  '{"jsonrpc":"2.0","id":1,"result":"unterminated}',
];
const TEXTS = [...SCANNED, ...DOUBTFUL];

describe('protocols: JSON-RPC decoding without parsing the payload (scanRpc)', () => {
  for (const text of TEXTS) {
    it(`decodes ${text} as the full parse does`, () => {
      let expected: Record<string, unknown>;
      try {
        expected = full(text);
      } catch {
        // Not JSON at all: the decoder says so.
        const d = decode(text);
        assert.equal(d.type, 'invalid');
        assert.match(String(d.invalid), /not JSON/);
        assert.equal(d.key, undefined);
        return;
      }
      const d = decode(text);
      assert.deepEqual(publicDecoded(d), expected);
      assert.equal(d.summary, expected.summary);
      assert.deepEqual([d.key, d.role], [describeRpc(JSON.parse(text)).key, describeRpc(JSON.parse(text)).role]);
    });
  }

  it('takes the common shapes itself (the hot path), whatever the member order', () => {
    for (const text of SCANNED) assert.ok(scanRpc(text), `scanned: ${text}`);
    for (const text of DOUBTFUL) assert.equal(scanRpc(text), undefined, `left to JSON.parse: ${text}`);
  });

  it('params that are not JSON: the pair stands, `invalid` says so when read', () => {
    const req = decode('{"jsonrpc":"2.0","id":9,"method":"m","params":[1,,2]}');
    const res = decode('{"jsonrpc":"2.0","id":9,"result":{"a":}}');
    const table = new PairingTable();
    assert.deepEqual(table.observe(req, 'out', 1, 10), []);
    assert.equal(table.observe(res, 'in', 2, 15).length, 1);
    assert.equal(req.params, undefined);
    assert.match(String(req.invalid), /JSON-RPC: invalid params \[1,,2\]/);
    assert.match(String(res.invalid), /JSON-RPC: invalid result/);
    assert.equal(publicDecoded(res).invalid, res.invalid);
    // A valid one has no `invalid` field at all.
    assert.equal('invalid' in publicDecoded(decode('{"jsonrpc":"2.0","id":9,"result":1}')), false);
  });
});
