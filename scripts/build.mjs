// Bundles every target with esbuild (type-checking is separate: `npm run typecheck`).
//   dist/extension.js  node/cjs, `vscode` external   (the extension host adapter)
//   dist/cli.js        node/cjs, with a shebang       (`websocket-workbench` bin)
//   dist/webview.js    browser/iife (+ dist/webview.css, codicons)
//   out/test/…         test bundles that must run inside the VS Code extension host
// Flags: --production (minify, no source maps), --watch.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync, chmodSync, readdirSync, rmSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// --dist DIR: write the shipped bundles elsewhere (the bench measures a production build without touching dist/).
const distArg = process.argv.indexOf('--dist');
const dist = distArg > 0 ? path.resolve(process.argv[distArg + 1]) : path.join(root, 'dist');

// ws optionally requires these native helpers; without them it uses its JS fallbacks.
const wsOptional = ['bufferutil', 'utf-8-validate'];

// Heavy libraries used only on some paths (schema validation, generating a wss:// certificate, the
// linear-time engine for user regexes) are bundled as separate chunks next to the bundle that needs
// them, and required on first use
// (src/core/lazy.ts, the mock's certificate generator): activation neither parses nor runs them.
const lazyChunks = ['ajv', 'selfsigned', 're2js', 'socket.io-parser', 'engine.io-parser', 'mqtt-packet', 'aedes', '@msgpack/msgpack', 'cbor2', 'protobufjs'];
// A chunk's file name: scoped packages flattened (`@msgpack/msgpack` → `msgpack-msgpack.js`).
const chunkFile = (name) => `${name.replace(/^@/, '').replace(/\//g, '-')}.js`;
// Parts of this project the extension loads on first use the same way: the loaders in
// src/core/lazy.ts (the protocol layer, the codecs, the socket engine, HAR and session conversions, transcripts, collection edits, the scenario runner, the JSON
// Schemas ajv compiles) and src/extension/lazy.ts (the panel: webview binding, transcripts, export)
// require them by these paths, relative to the loader. Only the extension splits them out (its
// activation budget); the CLI bundles them inline.
const lazyLoaders = { 'src/core/lazy.ts': { './protocolsChunk': 'protocols', './codecsChunk': 'codecs', './engineChunk': 'engine', './sessionToolsChunk': 'sessionTools', './collectionEditChunk': 'collectionEdit', './transcriptsChunk': 'transcripts', './scenario/runner': 'scenario', './schemasChunk': 'schemas' }, 'src/extension/lazy.ts': { './panelChunk': 'panel' } };
/** Each own chunk's name → its entry source file. */
const ownChunks = Object.fromEntries(Object.entries(lazyLoaders).flatMap(([loader, paths]) => Object.entries(paths).map(([p, name]) => [name, `${path.posix.join(path.posix.dirname(loader), p)}.ts`])));
/** Loader file (absolute) → its own chunks by require path. */
const loaderPaths = new Map(Object.entries(lazyLoaders).map(([loader, paths]) => [path.join(root, loader), paths]));
const escape = (s) => s.replace(/[.\/]/g, '\\$&');
/** Maps lazy `require`s to chunks, as paths relative to the bundle: `./chunks/` from dist/, `./` inside dist/chunks/. */
const lazyChunkPlugin = (dir = './chunks/', own = false) => ({
  name: 'lazy-chunks',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${lazyChunks.map(escape).join('|')})$`) }, (args) =>
      args.kind === 'require-call' ? { path: `${dir}${chunkFile(args.path)}`, external: true } : undefined,
    );
    if (!own) return;
    const requirePaths = [...new Set([...loaderPaths.values()].flatMap((paths) => Object.keys(paths)))];
    build.onResolve({ filter: new RegExp(`^(${requirePaths.map(escape).join('|')})$`) }, (args) => {
      const name = args.kind === 'require-call' ? loaderPaths.get(args.importer)?.[args.path] : undefined;
      return name ? { path: `${dir}${name}.js`, external: true } : undefined;
    });
  },
});

const common = {
  bundle: true,
  logLevel: 'warning',
  sourcemap: production ? false : 'linked',
  minify: production,
  absWorkingDir: root,
  define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
};

const targets = [
  {
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: path.join(dist, 'extension.js'),
    // Lets activate() report how long loading the bundle took (api.activation).
    banner: { js: 'var __wswbLoadStart = typeof performance === "object" ? performance.now() : 0;' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', ...wsOptional],
    plugins: [lazyChunkPlugin('./chunks/', true)],
  },
  {
    ...common,
    entryPoints: ['src/cli/cli.ts'],
    outfile: path.join(dist, 'cli.js'),
    // `websocket-workbench --version` (and transcripts' tool.version) print the package's version.
    define: { ...common.define, __VERSION__: JSON.stringify(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version) },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: wsOptional,
    banner: { js: '#!/usr/bin/env node' },
    plugins: [lazyChunkPlugin()],
  },
  ...lazyChunks.map((name) => ({
    ...common,
    stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: 'js' },
    outfile: path.join(dist, 'chunks', chunkFile(name)),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  })),
  ...Object.entries(ownChunks).map(([name, entry]) => ({
    ...common,
    entryPoints: [entry],
    outfile: path.join(dist, 'chunks', `${name}.js`),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', ...wsOptional],
    plugins: [lazyChunkPlugin('./', true)],
  })),
  {
    // The transcript writer's worker thread (TranscriptWriter, worker mode), loaded by path.
    ...common,
    entryPoints: ['src/core/collections/transcriptWorker.ts'],
    outfile: path.join(dist, 'chunks', 'transcriptWorker.js'),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: { webview: 'webview/main.ts' },
    outdir: dist,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    loader: { '.ttf': 'file' },
  },
];

if (!production && distArg < 0) {
  // Integration tests run inside the real extension host; they are bundled like the extension.
  targets.push({
    ...common,
    sourcemap: 'inline',
    entryPoints: ['test/integration/index.ts', ...listSuites('test/integration/suite'), ...listSuites('test/integration/untrusted')],
    outdir: 'out/test/integration',
    outbase: 'test/integration',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha', ...wsOptional],
  });
  if (existsSync(path.join(root, 'test/runDesktop.ts'))) {
    targets.push({
      ...common,
      entryPoints: ['test/runDesktop.ts'],
      outfile: 'out/test/runDesktop.js',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
    });
  }
}

/** Every *.test.ts in a folder: each suite is its own bundle, so helpers add files without touching a list. */
function listSuites(dir) {
  const abs = path.join(root, dir);
  return existsSync(abs) ? readdirSync(abs).filter((f) => f.endsWith('.test.ts')).map((f) => `${dir}/${f}`) : [];
}

function copyAssets() {
  mkdirSync(path.join(dist, 'codicons'), { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) {
    cpSync(path.join(root, 'node_modules/@vscode/codicons/dist', f), path.join(dist, 'codicons', f));
  }
}

const started = Date.now();
if (watch) {
  for (const t of targets) {
    const ctx = await esbuild.context(t);
    await ctx.watch();
  }
  copyAssets();
  console.log('[build] watching…');
} else {
  if (!production && distArg < 0) rmSync(path.join(root, 'out/test/integration'), { recursive: true, force: true });
  await Promise.all(targets.map((t) => esbuild.build(t)));
  copyAssets();
  chmodSync(path.join(dist, 'cli.js'), 0o755);
  console.log(`[build] ${targets.length} bundles${production ? ' (production)' : ''} in ${Date.now() - started} ms`);
}
