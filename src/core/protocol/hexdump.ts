/**
 * Hex dump formatting (offset | hex | ASCII, like `hexdump -C`) and hex ⇄ bytes helpers. Lines
 * can be produced for a window only (startLine/lineCount), so a 16 MiB message renders what is on
 * screen. Pure (used by the webview too): no Node imports.
 */
import { protocolError } from './errors';

/** Options for hexdumpLines. */
export interface HexdumpOptions {
  /** Address printed for b[0] (default 0). */
  offset?: number;
  /** Bytes per line (default 16); an extra space separates each group of 8. */
  width?: number;
  /** First line to produce (default 0). */
  startLine?: number;
  /** Number of lines to produce (default: to the end). */
  lineCount?: number;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Formats bytes as `00000010  48 65 6c 6c 6f 20 77 6f  72 6c 64 00 01 02 03 04  |Hello world.....|` lines. */
export function hexdumpLines(b: Uint8Array, opts: HexdumpOptions = {}): string[] {
  const width = opts.width !== undefined && opts.width >= 1 ? Math.floor(opts.width) : 16;
  const base = opts.offset ?? 0;
  const total = Math.ceil(b.length / width);
  const first = Math.max(0, Math.floor(opts.startLine ?? 0));
  const last = opts.lineCount === undefined ? total : Math.min(total, first + Math.max(0, Math.floor(opts.lineCount)));
  // Width of the hex column when the line is full, so short last lines keep the ASCII column aligned.
  const hexWidth = width * 3 + Math.floor((width - 1) / 8);
  const out: string[] = [];
  for (let line = first; line < last; line++) {
    const start = line * width;
    const end = Math.min(b.length, start + width);
    let hex = '';
    let ascii = '';
    for (let i = start; i < end; i++) {
      const c = b[i]!;
      const col = i - start;
      if (col > 0 && col % 8 === 0) hex += ' ';
      hex += HEX[c]! + ' ';
      ascii += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
    }
    out.push(`${(base + start).toString(16).padStart(8, '0')}  ${hex.padEnd(hexWidth)} |${ascii}|`);
  }
  return out;
}

/** Parses hex text into bytes; accepts whitespace, commas, colons and `0x` prefixes; throws ProtocolError WSWB_HEX_PARSE_ERROR on odd length or a non-hex digit. */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/0[xX]/g, '').replace(/[\s,:]+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    const bad = /[^0-9a-fA-F]/.exec(clean)?.[0] ?? '';
    throw protocolError('WSWB_HEX_PARSE_ERROR', `not a hex digit: ${JSON.stringify(bad)}`);
  }
  if (clean.length % 2 !== 0) throw protocolError('WSWB_HEX_PARSE_ERROR', 'odd number of hex digits');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** Lower-case hex of the bytes, no separators. */
export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]!;
  return s;
}
