/**
 * `websocket-workbench validate` (dist/cli.js) on codecs rules: a .proto that fails to parse is a
 * problem at the .proto's file:line:column, an unknown type is a problem at the rule's `type` in the
 * collection, and both keep the file invalid (exit 1).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const cli = path.resolve(__dirname, '../../../dist/cli.js');

describe('codecs: validate reports .proto problems with their positions (CLI)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-codec-validate-'));
    fs.mkdirSync(path.join(dir, 'protos'));
    fs.writeFileSync(path.join(dir, 'protos', 'ok.proto'), 'syntax = "proto3";\npackage ok;\nmessage Ping { int32 n = 1; }\n');
    fs.writeFileSync(path.join(dir, 'protos', 'broken.proto'), 'syntax = "proto3";\npackage b;\n\nmessage Bad {\n  string name = 1;\n  int32 count = two;\n}\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('file:line:column in the .proto, and the unknown type at the rule', () => {
    const collection = {
      version: 1,
      name: 'c',
      codecs: [{ codec: 'protobuf', proto: 'protos/broken.proto', type: 'b.Bad' }],
      requests: [{ name: 'r', url: 'ws://h/', codecs: [{ codec: 'protobuf', proto: 'protos/ok.proto', type: 'ok.Pong' }] }],
    };
    const text = JSON.stringify(collection, null, 2) + '\n';
    fs.writeFileSync(path.join(dir, 'c.websocket.json'), text);
    // Where the request rule's "type" value is written.
    const typeLine = text.split('\n').findIndex((l) => l.includes('"ok.Pong"'));
    const typeColumn = text.split('\n')[typeLine]!.indexOf('"ok.Pong"') + 1;
    const r = spawnSync(process.execPath, [cli, 'validate', 'c.websocket.json', '--quiet'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.equal(lines[0], `c.websocket.json:${typeLine + 1}:${typeColumn} no message type "ok.Pong" in protos/ok.proto (types: ok.Ping) [WSWB_CODEC_PROTO_TYPE]`);
    assert.equal(lines[1], `${path.join('protos', 'broken.proto')}:6:17 illegal id 'two' [WSWB_CODEC_PROTO_SYNTAX]`);
  });

  it('a valid rule set validates', () => {
    fs.writeFileSync(path.join(dir, 'v.websocket.json'), JSON.stringify({ version: 1, name: 'v', codecs: [{ codec: 'protobuf', proto: 'protos/ok.proto', type: 'ok.Ping' }, { match: { prefixHex: '82' }, codec: 'msgpack' }] }));
    const r = spawnSync(process.execPath, [cli, 'validate', 'v.websocket.json'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
