/**
 * Parts of the extension adapter loaded on first use, like src/core/lazy.ts's: the build bundles
 * each as dist/chunks/<name>.js (scripts/build.mjs, whose `lazyLoaders` lists these require paths),
 * so activation neither parses nor runs them. A chunk carries its own copy of the modules it uses:
 * nothing may rely on sharing a class or module state with it (instanceof, counters).
 */

/** The workbench panel (webview, binding, protocol sessions, transcripts), loaded when a panel first opens. */
export function loadPanel(): typeof import('./panelChunk') {
  return require('./panelChunk') as typeof import('./panelChunk');
}
