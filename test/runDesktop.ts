/**
 * `npm run test:desktop`: the same integration suite in desktop VS Code through @vscode/test-electron.
 * Uses $VSCODE_EXECUTABLE when set, otherwise downloads a build (needs network access to VS Code's
 * update service, which the project's CI machines do not have — `npm test` uses code-server instead).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

/** `code --version`'s first line: the release the foundation test then expects to run in. */
function vscodeVersion(executable: string): string {
  return execFileSync(executable, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE || (await downloadAndUnzipVSCode(process.env.VSCODE_VERSION || 'stable'));
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/integration/index'),
    launchArgs: [path.join(root, 'examples'), '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { WSWB_SUITE: 'integration (desktop VS Code)', WSWB_VSCODE_VERSION: vscodeVersion(vscodeExecutablePath) },
  });
}

main().catch((err) => {
  console.error('[test:desktop]', err instanceof Error ? err.message : err);
  process.exit(1);
});
