/**
 * The workbench panel's implementation as one lazily loaded unit (see loadPanel in
 * src/extension/lazy.ts): the webview panel, its RPC binding (rows, filters, protocol tracks, saved
 * requests, export), protocol sessions and transcripts. The shipped extension bundles it as
 * dist/chunks/panel.js: activation registers the panel's commands and serializer and loads this
 * when the first panel opens or is restored.
 */
export { WorkbenchPanel, titleFor } from './panel/workbenchPanel';
export { sessionFor } from './panel/protocolSession';
export { loadTranscript, transcriptTitle } from './panel/transcriptPanel';
