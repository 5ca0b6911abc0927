/**
 * The codecs of a mock started from VS Code (src/extension/workflow/mockCodecs.ts): `.proto` files
 * relative to the collection, the loaded set answering with the type's bytes, problems as
 * `file:line:column`, and in a restricted workspace no `.proto` read outside the workspace (nor
 * through a symlink or an import that leads out).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Collection } from '../../../src/core/collections/types';
import { loadMockCodecs, UNTRUSTED_PROTO } from '../../../src/extension/workflow/mockCodecs';

const PROTO = 'syntax = "proto3";\npackage t;\nmessage Ping { string id = 1; }\n';

describe('workflow: the codecs of a mock started from VS Code', () => {
  let tmp: string;
  let ws: string;
  let file: string;
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wswb-mockcodecs-'));
    ws = path.join(tmp, 'ws');
    await fs.mkdir(path.join(ws, 'protos'), { recursive: true });
    await fs.mkdir(path.join(tmp, 'outside'));
    await fs.writeFile(path.join(ws, 'protos', 'ping.proto'), PROTO);
    await fs.writeFile(path.join(ws, 'protos', 'broken.proto'), 'syntax = "proto3";\nmessage X {\n  string = 1;\n}\n');
    await fs.writeFile(path.join(tmp, 'outside', 'secret.proto'), PROTO.replace('t;', 'o;'));
    await fs.writeFile(path.join(ws, 'protos', 'leads-out.proto'), 'syntax = "proto3";\nimport "../../outside/secret.proto";\n');
    await fs.symlink(path.join(tmp, 'outside', 'secret.proto'), path.join(ws, 'protos', 'link.proto'));
    file = path.join(ws, 'c.websocket.json');
  });
  after(() => fs.rm(tmp, { recursive: true, force: true }));

  const coll = (proto: string, type = 't.Ping'): Collection => ({ version: 1, codecs: [{ match: { path: '/feed' }, codec: 'protobuf', proto, type }] }) as Collection;

  it('loads .proto files relative to the collection; the set knows the type', async () => {
    const r = await loadMockCodecs(coll('protos/ping.proto'), file, { isTrusted: false, workspaceRoots: [ws] });
    assert.deepEqual(r.problems, []);
    const schemas = r.codecs?.schemasFor('t.Ping');
    assert.ok(schemas, 'the type is known');
    assert.ok(r.codecs?.forConnection(undefined, 'ws://127.0.0.1/feed'), 'the rule holds for /feed');
  });

  it('no codecs rules: nothing to load, no problems', async () => {
    assert.deepEqual(await loadMockCodecs({ version: 1 } as Collection, file, { isTrusted: true, workspaceRoots: [ws] }), { problems: [] });
  });

  it('reports a syntax error at file:line:column relative to the collection, and leaves the rule out', async () => {
    const r = await loadMockCodecs(coll('protos/broken.proto'), file, { isTrusted: true, workspaceRoots: [ws] });
    assert.equal(r.codecs, undefined);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!, /^protos\/broken\.proto:3:\d+ .*\[WSWB_CODEC_PROTO_SYNTAX\]$/);
  });

  it('restricted workspace: a .proto outside the workspace is not read, directly, by symlink or by import; trusted reads them', async () => {
    for (const p of ['../outside/secret.proto', 'protos/link.proto', 'protos/leads-out.proto']) {
      const type = 'o.Ping';
      const untrusted = await loadMockCodecs(coll(p, type), file, { isTrusted: false, workspaceRoots: [ws] });
      assert.equal(untrusted.codecs, undefined, `${p}: left out`);
      // An import's candidates are probed, so one that may not be read is reported as not found there.
      const why = p.includes('leads-out') ? new RegExp(`import "../../outside/secret.proto" not found`) : new RegExp(UNTRUSTED_PROTO);
      assert.ok(untrusted.problems.some((l) => why.test(l)), `${p}: says why: ${untrusted.problems.join(' | ')}`);
      const trusted = await loadMockCodecs(coll(p, type), file, { isTrusted: true, workspaceRoots: [ws] });
      assert.deepEqual(trusted.problems, [], `${p}: read when trusted`);
      assert.ok(trusted.codecs?.schemasFor('o.Ping'), `${p}: its type known when trusted`);
    }
  });
});
