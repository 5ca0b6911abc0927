/**
 * Opening handshake helpers (RFC 6455 §4.1, §4.2.2): Sec-WebSocket-Key generation and the
 * Sec-WebSocket-Accept computation and check.
 */
import { createHash, randomBytes } from 'node:crypto';

/** The GUID appended to the key before hashing (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1). */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

/** Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2). */
export function computeAccept(key: string): string {
  return createHash('sha1').update(key.trim() + WEBSOCKET_GUID).digest('base64');
}

/** Whether a server's Sec-WebSocket-Accept matches our key (RFC 6455 §4.1, client step 4). */
export function checkAccept(key: string, accept: string): boolean {
  return computeAccept(key) === accept.trim();
}
