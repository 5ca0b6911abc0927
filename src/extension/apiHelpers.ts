/** Normalizes what API callers pass to send(): a string is text; bytes are sent as binary. */
export function hexOrText(data: string | Uint8Array | ArrayBuffer): string | Uint8Array {
  if (typeof data === 'string') return data;
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}
