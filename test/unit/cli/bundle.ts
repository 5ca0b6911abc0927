/**
 * The CLI as a process: src/cli/cli.ts bundled the way scripts/build.mjs bundles dist/cli.js, but
 * freshly, into a folder of the test's own. Tests never run a dist/cli.js that an earlier build left
 * behind (it may predate the source under test), and a concurrent build cannot swap it mid-test.
 */
import * as path from 'node:path';

export async function bundleCli(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'cli.js');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.resolve(__dirname, '../../../src/cli/cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    // As in scripts/build.mjs: ws's optional native helpers stay out.
    external: ['bufferutil', 'utf-8-validate'],
    logLevel: 'error',
  });
  return outfile;
}
