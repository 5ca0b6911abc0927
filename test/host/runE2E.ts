/**
 * End-to-end suite: the panel driven as a user in real VS Code (code-server + headless Chromium).
 * Runs test/e2e/*.e2e.ts with mocha; the counting reporter leaves {suite, passed, failed, pending}
 * in $WSWB_RESULTS_FILE. Needs `node scripts/build.mjs` first (it loads dist/).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const mocha = path.join(root, 'node_modules/.bin/mocha');
const res = spawnSync(mocha, ['--config', 'test/e2e/.mocharc.json', 'test/e2e/**/*.e2e.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, WSWB_SUITE: process.env.WSWB_SUITE || 'e2e (VS Code UI)' },
});
process.exit(res.status ?? 1);
