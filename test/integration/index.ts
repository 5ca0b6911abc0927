/**
 * Entry that VS Code loads inside its extension host (extensionTestsPath). Runs every bundled
 * suite in ./suite (or ./untrusted, see WSWB_INTEGRATION_DIR) with mocha; the spec output goes to the host's console and, line by line, to
 * $WSWB_TEST_LOG so the outer runner can show it; the counts go to $WSWB_RESULTS_FILE.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export async function run(): Promise<void> {
  // Loaded at run time from the project's node_modules (kept external by the bundler).
  const Mocha = require('mocha');
  const logFile = process.env.WSWB_TEST_LOG;
  if (logFile) {
    const base = Mocha.reporters.Base;
    const original = base.consoleLog;
    base.consoleLog = (...args: unknown[]) => {
      const line = require('node:util').format(...args);
      fs.appendFileSync(logFile, line + '\n');
      original(...args);
    };
  }
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 60_000,
    // As in every mocha configuration: a stray `.only` or `.skip` fails the run instead of shrinking it.
    forbidOnly: true,
    forbidPending: true,
    reporter: path.resolve(__dirname, '../../../test/support/countingReporter.cjs'),
  });
  // WSWB_INTEGRATION_DIR=untrusted: the Restricted Mode suite (its runner keeps Workspace Trust on).
  const suiteDir = path.join(__dirname, process.env.WSWB_INTEGRATION_DIR === 'untrusted' ? 'untrusted' : 'suite');
  const grep = process.env.WSWB_GREP;
  if (grep) mocha.grep(grep);
  for (const f of fs.readdirSync(suiteDir).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(suiteDir, f));
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures: number) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
