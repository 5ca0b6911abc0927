/**
 * Prints TimelineEvents for the CLI: NDJSON (one object per line, the shapes in docs/cli-ndjson.md),
 * pretty (for a person in a terminal; colored when stdout is a TTY and NO_COLOR is unset) or none.
 * Shared by `connect`, `mock` and `run`.
 */
import type { HeaderPair, TimelineEvent } from '../core/engine/events';
import type { CliIO } from './io';

/** How events are printed. */
export type OutputMode = 'ndjson' | 'pretty' | 'none';

/** A printer bound to one CliIO. */
export interface Printer {
  /** Prints one timeline event; `extra` fields are merged into the NDJSON object. */
  event(e: TimelineEvent, extra?: object): void;
  /** Prints an arbitrary object (a summary, a status line). */
  line(obj: object): void;
}

/** Options of a printer. */
export interface PrinterOptions {
  /** Frame payload bytes printed as hex before `truncated` is set (default 4096). */
  payloadHexLimit?: number;
  /** Whether to print frame events (default true). */
  frames?: boolean;
  /** Force colors on or off (default: stdout is a TTY and NO_COLOR is unset). */
  color?: boolean;
}

const OPCODES: Record<number, string> = { 0: 'CONT', 1: 'TEXT', 2: 'BINARY', 8: 'CLOSE', 9: 'PING', 10: 'PONG' };

/** Whether a mode string is valid. */
export function isOutputMode(s: string): s is OutputMode {
  return s === 'ndjson' || s === 'pretty' || s === 'none';
}

/** Headers as an object: names as first seen on the wire, repeated headers joined with ", ". */
export function headersObject(pairs: HeaderPair[]): Record<string, string> {
  // No prototype: a `__proto__` header from the wire is printed, not turned into a prototype.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const byLower = new Map<string, string>();
  for (const [k, v] of pairs) {
    const lower = k.toLowerCase();
    const name = byLower.get(lower);
    if (name === undefined) {
      byLower.set(lower, k);
      out[k] = v;
    } else out[name] = `${out[name]}, ${v}`;
  }
  return out;
}

/** Maps a TimelineEvent to its NDJSON object (see docs/cli-ndjson.md). */
export function toNdjson(e: TimelineEvent, opts: PrinterOptions = {}): Record<string, unknown> {
  const limit = opts.payloadHexLimit ?? 4096;
  const base = { type: e.kind, id: e.id, time: e.time, connection: e.connection };
  switch (e.kind) {
    case 'handshake': {
      const o: Record<string, unknown> = {
        ...base,
        request: { method: e.request.method, path: e.request.path, url: e.request.url, headers: headersObject(e.request.headers) },
      };
      if (e.response) {
        const r: Record<string, unknown> = { status: e.response.status, statusText: e.response.statusText, headers: headersObject(e.response.headers) };
        if (e.response.body !== undefined) r.body = e.response.body;
        if (e.response.bodyTruncated) r.bodyTruncated = true;
        o.response = r;
      }
      if (e.subprotocol !== undefined) o.subprotocol = e.subprotocol;
      if (e.extensions !== undefined) o.extensions = e.extensions;
      if (e.acceptValid !== undefined) o.acceptValid = e.acceptValid;
      return o;
    }
    case 'frame': {
      const shown = e.payload.length > limit ? e.payload.subarray(0, limit) : e.payload;
      const o: Record<string, unknown> = {
        ...base, dir: e.dir, fin: e.fin, rsv1: e.rsv1, rsv2: e.rsv2, rsv3: e.rsv3, opcode: e.opcode, masked: e.masked,
      };
      if (e.maskKey) o.maskKey = e.maskKey;
      o.length = e.length;
      o.wireSize = e.wireSize;
      o.payloadHex = Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('hex');
      if (shown.length < e.length) o.truncated = true;
      return o;
    }
    case 'message': {
      const o: Record<string, unknown> = { ...base, dir: e.dir, binary: e.binary };
      const b = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
      if (e.binary) o.dataHex = b.toString('hex');
      else o.text = b.toString('utf8');
      o.length = e.size;
      if (e.wireSize !== undefined) o.wireSize = e.wireSize;
      if (e.compressed !== undefined) o.compressed = e.compressed;
      if (e.spilled) o.spilled = true;
      return o;
    }
    case 'close':
      return { ...base, code: e.code, reason: e.reason, initiator: e.initiator, wasClean: e.wasClean };
    case 'error': {
      const o: Record<string, unknown> = { ...base, code: e.code, message: e.message };
      if (e.closeCode !== undefined) o.closeCode = e.closeCode;
      return o;
    }
    case 'state': {
      const o: Record<string, unknown> = { ...base, state: e.state };
      if (e.initiator) o.initiator = e.initiator;
      if (e.detail) o.detail = e.detail;
      return o;
    }
    case 'rtt':
      return { ...base, ms: e.ms };
    case 'info': {
      const o: Record<string, unknown> = { ...base, message: e.message };
      if (e.data) o.data = e.data;
      return o;
    }
  }
}

interface Palette {
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  bold(s: string): string;
}

function palette(on: boolean): Palette {
  const w = (open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { dim: w(2, 22), red: w(31, 39), green: w(32, 39), yellow: w(33, 39), cyan: w(36, 39), magenta: w(35, 39), bold: w(1, 22) };
}

/**
 * Text from a peer or a file made safe for a terminal: C0 and C1 control characters, DEL and the
 * bidirectional controls are written as escapes (`\x1b`, `\u202e`), so a server's close reason, error
 * body or header cannot set the window title, clear the screen or reorder what is shown.
 */
export function visible(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const n = ch.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** Printable preview of bytes: text when it decodes cleanly and has no control characters, else hex. */
function preview(b: Uint8Array, binary: boolean, max = 200): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!binary) {
    const s = buf.toString('utf8');
    const clean = visible(s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '·').replace(/\n/g, '⏎'));
    return clean.length > max ? clean.slice(0, max) + '…' : clean;
  }
  const hex = buf.subarray(0, Math.ceil(max / 3)).toString('hex').replace(/(..)/g, '$1 ').trim();
  return buf.length > Math.ceil(max / 3) ? hex + ' …' : hex;
}

function size(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

/** One human-readable line for an event. Every string that came from the wire or a file goes through `visible`. */
export function toPretty(e: TimelineEvent, c: Palette = palette(false), opts: PrinterOptions = {}): string | undefined {
  const v = visible;
  const arrow = (dir: 'in' | 'out') => (dir === 'out' ? c.cyan('→') : c.green('←'));
  switch (e.kind) {
    case 'handshake': {
      const r = e.response;
      const status = r ? (r.status === 101 ? c.green(`${r.status} ${v(r.statusText)}`) : c.red(`${r.status} ${v(r.statusText)}`)) : c.yellow('no response');
      const parts = [`${c.bold('handshake')} ${v(e.request.method)} ${v(e.request.url)} → ${status}`];
      if (e.subprotocol) parts.push(`subprotocol=${v(e.subprotocol)}`);
      if (e.extensions) parts.push(`extensions=${v(e.extensions)}`);
      if (e.acceptValid === false) parts.push(c.red('accept INVALID'));
      let s = '  ' + parts.join('  ');
      if (r && r.status !== 101) {
        for (const [name, value] of r.headers) s += `\n    ${c.dim(v(name) + ':')} ${v(value)}`;
        if (r.body) s += `\n    ${c.dim('body:')} ${v(r.body.slice(0, 500))}${r.bodyTruncated ? '…' : ''}`;
      }
      return s;
    }
    case 'frame': {
      if (opts.frames === false) return undefined;
      const flags = [e.fin ? 'FIN' : 'fin=0', e.rsv1 ? 'RSV1' : '', e.rsv2 ? 'RSV2' : '', e.rsv3 ? 'RSV3' : '', e.masked ? `mask=${v(e.maskKey ?? '')}` : ''].filter(Boolean).join(' ');
      const op = OPCODES[e.opcode] ?? `0x${e.opcode.toString(16)}`;
      return c.dim(`${e.dir === 'out' ? '→' : '←'} frame ${op.padEnd(6)} ${flags}  len=${e.length} wire=${e.wireSize}`);
    }
    case 'message': {
      const kind = e.binary ? 'binary' : 'text';
      const wire = e.wireSize !== undefined && e.compressed ? c.dim(` (wire ${size(e.wireSize)})`) : '';
      return `${arrow(e.dir)} ${kind.padEnd(6)} ${c.dim(size(e.size).padStart(9))}${wire}  ${e.spilled ? c.dim('[on disk]') : preview(e.data, e.binary)}`;
    }
    case 'close': {
      const how = `${e.initiator}, ${e.wasClean ? 'clean' : 'not clean'}`;
      return `${c.magenta('■')} close ${e.code}${e.reason ? ` "${v(e.reason)}"` : ''} ${c.dim(`(${how})`)}`;
    }
    case 'error':
      return `${c.red('✖')} ${c.red(v(e.code))} ${v(e.message)}${e.closeCode ? c.dim(` (close ${e.closeCode})`) : ''}`;
    case 'state':
      return c.dim(`· ${e.state}${e.initiator ? ` (${e.initiator})` : ''}${e.detail ? ` ${v(e.detail)}` : ''}`);
    case 'rtt':
      return `${c.yellow('⏱')} rtt ${e.ms} ms`;
    case 'info':
      return c.dim(`ℹ ${v(e.message)}`);
  }
}

/** Creates a printer writing to io.stdout. */
export function createPrinter(mode: OutputMode, io: CliIO, opts: PrinterOptions = {}): Printer {
  if (mode === 'none') return { event() {}, line() {} };
  if (mode === 'ndjson') {
    return {
      event(e, extra) {
        io.stdout.write(JSON.stringify(extra ? { ...toNdjson(e, opts), ...extra } : toNdjson(e, opts)) + '\n');
      },
      line(obj) {
        io.stdout.write(JSON.stringify(obj) + '\n');
      },
    };
  }
  const color = opts.color ?? (!!io.stdout.isTTY && !io.env.NO_COLOR);
  const c = palette(color);
  return {
    event(e, extra) {
      const s = toPretty(e, c, opts);
      if (s === undefined) return;
      const tag = extra && Object.keys(extra).length ? c.dim(`[${visible(Object.values(extra).join(' '))}] `) : '';
      io.stdout.write(tag + s + '\n');
    },
    line(obj) {
      const parts = Object.entries(obj).map(([k, v]) => `${c.dim(visible(k) + ':')} ${visible(typeof v === 'string' ? v : JSON.stringify(v))}`);
      io.stdout.write(parts.join('  ') + '\n');
    },
  };
}
