/**
 * `websocket-workbench run` as a suite, through the bundled CLI as a process: reporters, exit codes,
 * --scenario/--request selection, --parallel, secrets, and the JUnit report validated against a
 * JUnit XML schema (junit.xsd beside this file) with libxml2 (xmllint-wasm).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { chatCollection } from './fixtures';
import { bundleCli } from '../cli/bundle';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-suite-'));
const cli = path.join(dir, 'cli.js');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

before(async function () {
  this.timeout(60000);
  assert.equal(await bundleCli(dir), cli);
});

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'run', ...args], { cwd: dir, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err, ms: Date.now() - started }));
  });
}

const schema = fs.readFileSync(path.join(__dirname, 'junit.xsd'), 'utf8');
async function assertValidJunit(xml: string): Promise<void> {
  const r = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
  assert.equal(r.valid, true, `${r.rawOutput}\n${xml}`);
}

const start = [{ startMock: 'chat' }, { connect: 'chat', as: 'alice', env: 'alice' }, { connect: 'chat', as: 'bob', env: 'bob' }];
const passing = {
  name: 'alice talks to bob',
  steps: [...start, { send: 'join', on: 'alice' }, { expect: { jsonPath: '$.type', equals: 'joined' }, on: 'alice', within: 2000 }, { capture: { var: 'roomId', jsonPath: '$.room' }, on: 'alice' }, { send: 'say', on: 'alice' }, { expect: { jsonPath: '$.text', equals: 'hi lobby' }, on: 'bob', within: 2000 }],
};
const failing = {
  name: 'bob hears <nothing> & "fails"',
  steps: [...start, { send: { kind: 'text', data: 'key={{secret:apiKey}}' }, on: 'bob' }, { expect: { regex: '^never$' }, on: 'alice', within: 200 }],
};

function write(name: string, doc: unknown): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

describe('cli: run scenarios as tests (dist bundle)', function () {
  this.timeout(30000);
  const file = 'suite/chat.websocket.json';
  before(() => {
    const doc = chatCollection([passing, failing]);
    (doc.mocks as Array<Record<string, unknown>>)[0]!.echo = true;
    write(file, doc);
  });

  it('a passing run: exit 0, JUnit report valid, one testsuite for the file and a testcase for the scenario', async () => {
    const r = await runCli([file, '--scenario', passing.name, '--reporter', 'junit', '--reporter-output', 'out/pass.xml']);
    assert.equal(r.code, 0, r.err + r.out);
    const xml = fs.readFileSync(path.join(dir, 'out/pass.xml'), 'utf8');
    await assertValidJunit(xml);
    assert.match(xml, /<testsuite name="suite\/chat\.websocket\.json" tests="1" failures="0" errors="0"/);
    assert.match(xml, /<testcase name="alice talks to bob" classname="suite\.chat" time="\d+\.\d{3}">/);
    assert.match(r.out, /^PASS suite\/chat\.websocket\.json › alice talks to bob/m);
  });

  it('a failing run: exit 1, JUnit report valid, failure with step, expected, actual, location; the secret masked', async () => {
    const r = await runCli([file, '--reporter', 'junit', '--reporter-output', 'out/fail.xml'], { WSWB_SECRET_APIKEY: 'k3y-s3cr3t-v4lue' });
    assert.equal(r.code, 1, r.err + r.out);
    const xml = fs.readFileSync(path.join(dir, 'out/fail.xml'), 'utf8');
    await assertValidJunit(xml);
    assert.match(xml, /tests="2" failures="1"/);
    assert.match(xml, /<testcase name="bob hears &lt;nothing&gt; &amp; &quot;fails&quot;"/);
    const text = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    const line = text.findIndex((l) => l.includes('"^never$"')) + 1;
    assert.ok(line > 0);
    const failure = /<failure message="([^"]*)" type="WSWB_EXPECT_FAILED">([^<]*)<\/failure>/.exec(xml);
    assert.ok(failure, xml);
    assert.match(failure[1]!, /expect on alice: regex \/\^never\$\/: no message matching/);
    // The failing step's object starts two lines above its rule's "regex".
    assert.match(failure[2]!, new RegExp(`at: suite/chat\\.websocket\\.json:${line - 2}:9\n`));
    assert.match(failure[2]!, /expected: regex \/\^never\$\//);
    assert.match(failure[2]!, /actual: nothing received/);
    assert.doesNotMatch(xml + r.out + r.err, /k3y-s3cr3t-v4lue/);
  });

  it('ndjson (default) streams step and test lines and a summary; tap prints a plan and a YAML block', async () => {
    const r = await runCli([file], { WSWB_SECRET_APIKEY: 'xyz-123-secret' });
    assert.equal(r.code, 1, r.err);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines[0]!.type, 'run-start');
    assert.deepEqual(lines.filter((l) => l.type === 'test').map((l) => [l.test, l.ok]), [[passing.name, true], [failing.name, false]]);
    const last = lines[lines.length - 1]!;
    assert.deepEqual([last.type, last.ok, last.passed, last.failed], ['summary', false, 1, 1]);
    const step = lines.find((l) => l.type === 'step' && l.ok === false)!;
    assert.equal(step.action, 'expect');
    assert.equal(typeof step.line, 'number');
    const tap = await runCli([file, '--reporter', 'tap'], { WSWB_SECRET_APIKEY: 'xyz-123-secret' });
    assert.equal(tap.code, 1);
    assert.match(tap.out, /^TAP version 14\n1\.\.2\nok 1 - suite\/chat\.websocket\.json › alice talks to bob # time=\d+ms\nnot ok 2 - /);
    assert.match(tap.out, /\n {2}---\n {2}message: .*\n {2}severity: fail\n/);
  });

  it('exit 2: bad usage, an invalid file (with file:line:column), an unknown scenario, nothing to run', async () => {
    const usage = await runCli([file, '--reporter', 'xml']);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--reporter must be ndjson, junit or tap/);
    assert.equal((await runCli([file, '--parallel', '0'])).code, 2);
    assert.equal((await runCli([file, '--bogus'])).code, 2);
    const bad = write('bad/bad.websocket.json', chatCollection([{ name: 'x', steps: [{ connect: 'nope' }] }]));
    const invalid = await runCli([path.relative(dir, bad)]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.err, /^bad\/bad\.websocket\.json:\d+:\d+ scenarios\[0\]\.steps\[0\]\.connect: no request named "nope"/m);
    const unknown = await runCli([file, '--scenario', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no scenario named "nope"/);
    write('empty/e.websocket.json', { version: 1, name: 'e', requests: [{ name: 'r', url: 'ws://127.0.0.1:1/' }] });
    const nothing = await runCli(['empty', '--reporter', 'tap']);
    assert.equal(nothing.code, 2);
    assert.match(nothing.err, /nothing to run/);
  });

  it('a folder runs every file; --parallel runs independent tests at once; requests with expectations are tests', async () => {
    const waitSteps = (n: string) => ({ name: n, steps: [{ startMock: 'chat' }, { connect: 'chat', env: 'alice' }, { wait: 400 }] });
    const doc = chatCollection([waitSteps('w1'), waitSteps('w2'), waitSteps('w3')]);
    (doc.requests as unknown[]).push({ name: 'outside', url: 'ws://127.0.0.1:{{port}}/', messages: [{ name: 'join', kind: 'json', data: { type: 'join' }, expect: [{ jsonPath: '$.type', equals: 'joined' }] }] });
    write('par/a.websocket.json', doc);
    write('par/node_modules/skip.websocket.json', { version: 1, name: 'broken' });
    const serial = await runCli(['par', '--scenario', 'w1', '--scenario', 'w2', '--scenario', 'w3', '--reporter', 'tap']);
    assert.equal(serial.code, 0, serial.err + serial.out);
    assert.match(serial.out, /^1\.\.3$/m);
    // In parallel the run takes about as long as one test, not the sum (measured by the run itself,
    // so a loaded machine's process start-up does not count).
    const par = await runCli(['par', '--scenario', 'w1', '--scenario', 'w2', '--scenario', 'w3', '--parallel', '3']);
    assert.equal(par.code, 0, par.err + par.out);
    const lines = par.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; durationMs: number });
    const sum = lines.filter((l) => l.type === 'test').reduce((ms, l) => ms + l.durationMs, 0);
    const total = lines.find((l) => l.type === 'summary')!.durationMs;
    assert.ok(sum >= 1200 && total < sum * 0.75, `run ${total} ms, tests ${sum} ms in all`);
    // The request test needs the mock's port from outside: --var; it has no mock of its own, so it fails to connect without one.
    const reqRun = await runCli(['par/a.websocket.json', '--request', 'outside', '--var', 'port=1', '--reporter', 'tap']);
    assert.equal(reqRun.code, 1, reqRun.err + reqRun.out);
    assert.match(reqRun.out, /1\.\.1\nnot ok 1 - par\/a\.websocket\.json › outside/);
  });
});
