/**
 * The protocol core: RFC 6455 framing, close codes, handshake, UTF-8, HTTP heads and hex dumps.
 * Pure (no vscode, no DOM). handshake.ts uses node:crypto, so browser code (the webview) imports
 * the individual files it needs (hexdump, closeCodes, utf8) rather than this index.
 */
export * from './errors';
export * from './frameDecoder';
export * from './frameEncoder';
export * from './messageAssembler';
export * from './closeCodes';
export * from './handshake';
export * from './utf8';
export * from './http';
export * from './hexdump';
