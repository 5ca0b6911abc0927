import * as path from 'node:path';

/**
 * Bundles the CLI like scripts/build.mjs does, into `outfile` (a private file, so a concurrent build
 * of dist/ cannot interfere), so tests cover what esbuild makes of the schema imports and of
 * jsonc-parser (whose UMD `main` has dynamic requires esbuild cannot follow).
 */
export async function bundleCli(outfile: string): Promise<string> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.resolve(__dirname, '../../../src/cli/cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    external: ['bufferutil', 'utf-8-validate'],
    mainFields: ['module', 'main'],
    logLevel: 'error',
  });
  return outfile;
}
