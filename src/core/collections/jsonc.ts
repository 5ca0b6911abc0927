/**
 * jsonc-parser through its ES module build. The package's `main` is a UMD bundle whose internal
 * `require('./impl/…')` calls esbuild cannot follow, so a bundled CLI/extension importing
 * 'jsonc-parser' fails at run time with "Cannot find module './impl/format'".
 */
export { applyEdits, findNodeAtLocation, modify, parseTree, printParseErrorCode } from 'jsonc-parser/lib/esm/main.js';
export type { EditResult, FormattingOptions, JSONPath, Node, ParseError } from 'jsonc-parser/lib/esm/main.js';
