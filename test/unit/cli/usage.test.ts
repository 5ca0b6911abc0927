import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleCli } from './bundle';
import { parseConnectArgs, type ConnectArgs } from '../../../src/cli/connect';
import { parseRunArgs } from '../../../src/cli/run';
import { parseValidateArgs } from '../../../src/cli/validate';
import type { CliIO } from '../../../src/cli/io';

/** Every bad usage of every subcommand ends the same way: a one-line reason, the usage text, exit 2. */
describe('cli: bad usage exits 2 (bundled binary)', () => {
  let tmp: string;
  let cli: string;
  let file: string;
  before(async function () {
    this.timeout(60000);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-usage-'));
    cli = await bundleCli(tmp);
    file = path.join(tmp, 'c.websocket.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'u', requests: [{ name: 'r', url: 'ws://127.0.0.1:9/' }], mocks: [{ name: 'm' }] }));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const bad: Array<[string, string[], RegExp]> = [
    ['unknown flag', ['connect', 'ws://h/', '--bogus'], /Unknown option '--bogus'/],
    ['missing value', ['connect', 'ws://h/', '--wait'], /--wait/],
    ['bad number', ['connect', 'ws://h/', '--wait', 'soon'], /--wait must be an integer/],
    ['bad close code', ['connect', 'ws://h/', '--close', '70000'], /--close code must be an integer/],
    ['bad URL scheme', ['connect', 'ftp://h/'], /ws:\/\/ or wss:\/\//],
    ['URL that does not parse', ['connect', 'ws://[nope/'], /not a valid URL/],
    ['missing URL', ['connect', '--send', 'x'], /missing the URL/],
    ['bad output', ['connect', 'ws://h/', '--output', 'xml'], /--output must be/],
    ['a value given to a flag', ['connect', 'ws://h/', '--insecure=yes'], /does not take an argument/],
    ['mock: unknown flag', ['mock', '@FILE', '--bogus'], /Unknown option '--bogus'/],
    ['mock: missing value', ['mock', '@FILE', '--port'], /--port/],
    ['mock: bad number', ['mock', '@FILE', '--port', '70000'], /--port must be an integer from 0 to 65535/],
    ['mock: missing file', ['mock'], /missing <file>/],
    ['run: unknown flag', ['run', '@FILE', '--bogus'], /Unknown option '--bogus'/],
    ['run: missing value', ['run', '@FILE', '--request'], /--request/],
    ['run: bad --var', ['run', '@FILE', '--var', 'novalue'], /NAME=VALUE/],
    ['validate: unknown flag', ['validate', '@FILE', '--bogus'], /Unknown option '--bogus'/],
    ['validate: bad output', ['validate', '@FILE', '--output', 'xml'], /--output must be text or ndjson/],
    ['validate: no files', ['validate', '-q'], /no files given/],
    ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [name, argv, reason] of bad) {
    it(`${name}: ${argv.join(' ')}`, () => {
      const r = spawnSync(process.execPath, [cli, ...argv.map((a) => (a === '@FILE' ? file : a))], { encoding: 'utf8', timeout: 15000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, reason);
      assert.match(r.stderr, /Usage: websocket-workbench/);
      assert.equal(r.stdout, '');
    });
  }

  it('--help anywhere prints the usage on stdout and exits 0', () => {
    for (const argv of [['connect', 'ws://h/', '--help'], ['mock', '-h'], ['run', '--help'], ['validate', '-h']]) {
      const r = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8', timeout: 15000 });
      assert.equal(r.status, 0, argv.join(' '));
      assert.match(r.stdout, new RegExp(`Usage: websocket-workbench ${argv[0]}`));
    }
  });
});

describe('cli: parseArgs keeps the flags as they were', () => {
  const io = { stdout: { isTTY: false } } as unknown as CliIO;
  const connectArgs = (argv: string[]) => parseConnectArgs(argv, io) as ConnectArgs;

  it('a value starting with a dash is still the value of the flag before it', () => {
    const a = connectArgs(['ws://h/', '--send', '-1', '--send', '--not-a-flag', '--header', 'X-N: -2']);
    assert.deepEqual(a.steps, [{ kind: 'text', text: '-1' }, { kind: 'text', text: '--not-a-flag' }]);
    assert.deepEqual(a.options.headers, [['X-N', '-2']]);
    assert.deepEqual(parseRunArgs(['f', '--var', 'n=-1']), { file: 'f', vars: { n: '-1' }, frames: true });
  });

  it('keeps --send/--send-hex/--ping in command-line order, with --name=value and a trailing --ping', () => {
    const a = connectArgs(['--send=a', 'ws://h/', '--send-hex', '0102', '--ping', '--send', 'b', '--ping']);
    assert.deepEqual(
      a.steps.map((s) => (s.kind === 'text' ? s.text : s.kind === 'binary' ? Buffer.from(s.data).toString('hex') : s.kind === 'ping' ? `ping:${Buffer.from(s.payload).toString()}` : s.kind)),
      ['a', '0102', 'ping:', 'b', 'ping:'],
    );
  });

  it('validate takes -q and --output=ndjson, and several files', () => {
    assert.deepEqual(parseValidateArgs(['a', '-q', '--output=ndjson', 'b']), { targets: ['a', 'b'], output: 'ndjson', quiet: true });
  });
});
