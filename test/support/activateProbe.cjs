/**
 * Loads a built extension bundle against the fake `vscode` (fakeVscode.cjs) and runs activate(),
 * then prints one JSON line: the modules required during load and activation (besides Node's
 * built-ins and `vscode`), the chunk files among them, what activation registered, and times.
 * Usage: node test/support/activateProbe.cjs dist/extension.js   (also under `node --cpu-prof`).
 * Waits a moment after activate() so work deferred past activation (setImmediate, timers) runs
 * and is reported separately as `deferred`. Then shows each tree view once (fires its visibility)
 * and reports the views whose provider redraws as `redrawnWhenShown`. With WSWB_PROBE_RUN=<command
 * id>, then runs that command's handler and reports what it required as `onCommand` (its outcome is
 * not checked: the fake `vscode` answers with inert stubs).
 */
'use strict';
const Module = require('node:module');
const path = require('node:path');
const fake = require('./fakeVscode.cjs');

const bundle = path.resolve(process.argv[2] ?? 'dist/extension.js');
const registered = fake.install();
// The host has Node's built-ins loaded before any extension: load the bundle's first, as the bench does.
const source = require('node:fs').readFileSync(bundle, 'utf8');
for (const [, name] of source.matchAll(/require\(["'](?:node:)?([a-z_/]+)["']\)/g)) if (Module.builtinModules.includes(name)) require(name);

const required = [];
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request !== 'vscode' && !Module.builtinModules.includes(request.replace(/^node:/, ''))) required.push(request);
  return load.call(this, request, ...rest);
};
const t0 = performance.now();
const ext = require(bundle);
const t1 = performance.now();
const atLoad = required.splice(0);
const ctx = fake.context(path.dirname(path.dirname(bundle)));
let error;
try {
  ext.activate(ctx);
} catch (e) {
  error = String(e && e.stack);
}
const t2 = performance.now();
const atActivate = required.splice(0);
setTimeout(async () => {
  const deferred = required.splice(0);
  // Each tree view shown once (its visibility fired): which of them redraw (their provider fires).
  const redrawnWhenShown = [];
  for (const [id, { provider, visibility }] of registered.treeViewObjects) {
    let fired = false;
    const sub = provider && provider.onDidChangeTreeData ? provider.onDidChangeTreeData(() => (fired = true)) : undefined;
    visibility.fire({ visible: true });
    sub?.dispose();
    if (fired) redrawnWhenShown.push(id);
  }
  const run = process.env.WSWB_PROBE_RUN;
  if (run) {
    try {
      await registered.commands.get(run)?.();
    } catch {
      // the stubs answer nothing useful; what was required is the point
    }
  }
  process.stdout.write(JSON.stringify({
    requireMs: t1 - t0,
    activateMs: t2 - t1,
    error,
    atLoad,
    atActivate,
    deferred,
    onCommand: required.splice(0),
    commands: [...registered.commands.keys()],
    treeViews: registered.treeViews,
    redrawnWhenShown,
    treeDataProviders: registered.treeDataProviders,
    codeLensProviders: registered.codeLensProviders.length,
    serializers: registered.serializers,
    taskProviders: registered.taskProviders,
    testControllers: registered.testControllers,
  }) + '\n');
  process.exit(0);
}, Number(process.env.WSWB_PROBE_WAIT_MS ?? 300));
