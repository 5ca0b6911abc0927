/**
 * Editing collection files in place (add, rename, remove, update, keeping comments and layout:
 * jsonc-parser's modify and format), as one lazily loaded unit (see loadCollectionEdit in
 * src/core/lazy.ts). The shipped extension bundles it as dist/chunks/collectionEdit.js: it loads
 * with the first edit, not at activation.
 */
export { addRequest, allowInMock, newCollectionText, removeMessage, removeRequest, renameMessage, renameRequest, updateCollection } from './collections/edit';
