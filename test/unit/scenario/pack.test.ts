/**
 * The CLI outside a clone: `npm pack` of the project (built into a staging folder, as `prepack`
 * builds it) gives a package whose `bin` runs on this Node (20) with production dependencies only,
 * installed from the tarball into an empty folder; it runs a self-contained scenario to a JUnit file.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-pack-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('npm pack: the CLI installs and runs from the tarball', function () {
  this.timeout(240_000);

  it('packs only the CLI and schemas; installed with production dependencies it runs a scenario (exit 0, JUnit written)', () => {
    const stage = path.join(tmp, 'stage');
    fs.mkdirSync(stage);
    for (const f of ['package.json', '.npmignore', 'README.md', 'LICENSE', 'CHANGELOG.md']) fs.copyFileSync(path.join(root, f), path.join(stage, f));
    fs.cpSync(path.join(root, 'schemas'), path.join(stage, 'schemas'), { recursive: true });
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production', '--dist', path.join(stage, 'dist')], { cwd: root, stdio: 'pipe' });
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: stage, encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path).sort();
    assert.ok(files.includes('dist/cli.js'));
    assert.ok(files.includes('schemas/websocket-collection.schema.json'));
    assert.deepEqual(files.filter((f) => /^(src|test|webview|scripts)\/|^dist\/extension|\.map$/.test(f)), [], 'no sources, tests, extension bundle or maps');

    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const install = spawnSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', path.join(tmp, packed[0]!.filename)], { cwd: app, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'mocha')), 'no dev dependencies');
    const bin = path.join(app, 'node_modules', '.bin', 'websocket-workbench');
    const version = spawnSync(bin, ['--version'], { cwd: app, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);

    fs.writeFileSync(
      path.join(app, 'smoke.websocket.json'),
      JSON.stringify({
        version: 1,
        name: 'smoke',
        requests: [{ name: 'c', url: 'ws://127.0.0.1:{{mock.m.port}}/', messages: [{ name: 'hi', kind: 'text', data: 'hi' }] }],
        mocks: [{ name: 'm', echo: true }],
        scenarios: [{ name: 'echo', steps: [{ startMock: 'm' }, { connect: 'c' }, { send: 'hi' }, { expect: { regex: '^hi$' }, within: 3000 }] }],
      }),
    );
    const run = spawnSync(bin, ['run', 'smoke.websocket.json', '--reporter', 'junit', '--reporter-output', 'out/junit.xml'], { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(fs.readFileSync(path.join(app, 'out/junit.xml'), 'utf8'), /<testcase name="echo"/);
  });
});
