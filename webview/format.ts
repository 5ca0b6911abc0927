/** Formatting helpers for the timeline and detail views. Pure (no DOM), so they are easy to reason about. */
import type { TimelineEvent } from '../src/shared/contract';
import { CLOSE_CODES } from '../src/core/protocol/closeCodes';
import { formatRtt } from '../src/shared/units';

export { formatRtt };

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export const OPCODE_NAMES: Record<number, string> = { 0: 'CONT', 1: 'TEXT', 2: 'BINARY', 8: 'CLOSE', 9: 'PING', 10: 'PONG' };

export function opcodeName(op: number): string {
  return OPCODE_NAMES[op] ?? `0x${op.toString(16)}`;
}

const closeNames = new Map(CLOSE_CODES.map((c) => [c.code, c.name]));
export function closeName(code: number): string {
  return closeNames.get(code) ?? (code >= 4000 && code <= 4999 ? 'Private use' : code >= 3000 && code <= 3999 ? 'Registered' : 'Unknown');
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
export function formatTime(t: number): string {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatDelta(ms: number): string {
  if (ms < 1000) return `+${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(2)} s`;
  return `+${(ms / 60_000).toFixed(1)} min`;
}

/** Whether bytes decode as UTF-8. */
export function isUtf8(b: Uint8Array): boolean {
  try {
    utf8Strict.decode(b);
    return true;
  } catch {
    return false;
  }
}

export function decodeText(b: Uint8Array): string {
  return utf8.decode(b);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
export function toHex(b: Uint8Array, sep = ' '): string {
  const parts = new Array<string>(b.length);
  for (let i = 0; i < b.length; i++) parts[i] = HEX[b[i]!]!;
  return parts.join(sep);
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  const CH = 0x8000;
  for (let i = 0; i < b.length; i += CH) s += String.fromCharCode(...b.subarray(i, i + CH));
  return btoa(s);
}

/** Parses base64 (standard or URL-safe, whitespace allowed); throws with a message on bad input. */
export function fromBase64(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new Error('not base64: only A–Z, a–z, 0–9, +, / and = padding are allowed');
  const padded = clean + '='.repeat((4 - (clean.length % 4)) % 4);
  if (clean.length % 4 === 1) throw new Error('not base64: the length is impossible');
  const bin = atob(padded);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** One-line preview of a payload: text with control characters shown as symbols, or hex for binary. */
export function previewBytes(b: Uint8Array, binary: boolean, max = 200): string {
  if (b.length === 0) return '';
  if (binary || !isUtf8(b.subarray(0, Math.min(b.length, max + 4))) && !isUtf8(b)) return toHex(b.subarray(0, Math.min(b.length, 48)));
  return decodeText(b.subarray(0, max)).replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '·');
}

/** Short label of an event's kind for the timeline's type column. */
export function kindLabel(e: TimelineEvent): string {
  switch (e.kind) {
    case 'message':
      return e.binary ? 'BINARY' : 'TEXT';
    case 'frame':
      return opcodeName(e.opcode);
    case 'handshake':
      return 'HANDSHAKE';
    case 'state':
      return e.state.toUpperCase();
    case 'close':
      return 'CLOSED';
    case 'error':
      return 'ERROR';
    case 'rtt':
      return 'RTT';
    case 'info':
      // An `expect` result says pass or fail in words (not by colour alone).
      return e.data?.expect === 'pass' ? 'EXPECT ✓' : e.data?.expect === 'fail' ? 'EXPECT ✗' : 'INFO';
  }
}

/** The timeline's summary text for an event. */
export function summaryText(e: TimelineEvent): string {
  switch (e.kind) {
    case 'message':
      if (e.spilled && e.data.length === 0 && e.size > 0) return '(payload on disk: select the row to load it)';
      return previewBytes(e.data, e.binary);
    case 'frame': {
      if (e.spilled && e.payload.length === 0 && e.length > 0) return '(payload on disk: select the row to load it)';
      if (e.opcode === 8) {
        if (e.payload.length >= 2) {
          const code = (e.payload[0]! << 8) | e.payload[1]!;
          return `${code} ${closeName(code)}${e.payload.length > 2 ? ' · ' + decodeText(e.payload.subarray(2)) : ''}`;
        }
        return 'no status';
      }
      return previewBytes(e.payload, e.opcode === 2 || (e.opcode !== 1 && e.opcode !== 0 && !isUtf8(e.payload)));
    }
    case 'handshake':
      return e.response ? `${e.response.status} ${e.response.statusText} · ${e.request.method} ${e.request.url}` : `${e.request.method} ${e.request.url}`;
    case 'state':
      return `${e.state}${e.initiator ? ` (by ${e.initiator})` : ''}${e.detail ? ' · ' + e.detail : ''}`;
    case 'close':
      return closeText(e.code, e.reason, e.initiator, e.wasClean);
    case 'error':
      return `${e.code}: ${e.message}`;
    case 'rtt':
      return `${formatRtt(e.ms)} round trip`;
    case 'info':
      return e.message;
  }
}

/** A close, said once: code, name, reason, who closed it, and whether the closing handshake completed. */
export function closeText(code: number, reason: string | undefined, initiator: string | undefined, wasClean: boolean | undefined): string {
  return `${code} ${closeName(code)}${reason ? ' · ' + reason : ''}${initiator ? ` · closed by ${initiator}` : ''}${wasClean === false ? ' · no closing handshake' : ''}`;
}

/**
 * How a close should look: `close-normal` (a clean 1000: nothing went wrong, neutral), `close-abnormal`
 * (no closing handshake, or a code that reports a failure), else `close-other`.
 */
export function closeTone(e: { code: number; wasClean: boolean }): 'close-normal' | 'close-abnormal' | 'close-other' {
  if (e.wasClean && e.code === 1000) return 'close-normal';
  if (!e.wasClean || e.code === 1002 || e.code === 1003 || (e.code >= 1006 && e.code <= 1015)) return 'close-abnormal';
  return 'close-other';
}

/** Frame header flags, compact: `FIN RSV1 MASK`. */
export function frameFlags(e: TimelineEvent): string {
  if (e.kind !== 'frame') return '';
  return [e.fin ? 'FIN' : '—', e.rsv1 ? 'RSV1' : '', e.rsv2 ? 'RSV2' : '', e.rsv3 ? 'RSV3' : '', e.masked ? 'MASK' : ''].filter(Boolean).join(' ');
}

/** Size column: payload size, and wire size when it differs (compression, headers). */
export function sizeText(e: TimelineEvent): string {
  if (e.kind === 'message') return e.wireSize !== undefined && e.wireSize !== e.size ? `${formatSize(e.size)} · ${formatSize(e.wireSize)} wire` : formatSize(e.size);
  if (e.kind === 'frame') return `${formatSize(e.length)} · ${formatSize(e.wireSize)} wire`;
  return '';
}

/** UTF-8 byte length of a string. */
export function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}
