/**
 * HTTP/1.1 message head parser (RFC 9112 §2–§5) for the captured upgrade request and response
 * (RFC 6455 §4.1, §4.2). Header names keep their case, order and repeats, as on the wire. Pure:
 * no Node imports.
 */
import { protocolError } from './errors';

/** A parsed request or response head. */
export interface HttpHead {
  kind: 'request' | 'response';
  method?: string;
  path?: string;
  status?: number;
  statusText?: string;
  /** e.g. 'HTTP/1.1'. */
  version: string;
  /** Name/value pairs in wire order; names as sent, values trimmed of surrounding whitespace. */
  headers: Array<[string, string]>;
  /** Bytes through the empty line that ends the head (CRLFCRLF). */
  headSize: number;
}

/** Largest head accepted; larger is WSWB_HTTP_PARSE_ERROR (Node's default is 16 KiB). */
export const MAX_HEAD_SIZE = 64 * 1024;

// RFC 9110 §5.6.2: token characters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VERSION = /^HTTP\/\d\.\d$/;

/** Index just past the blank line ending the head (CRLF CRLF, or bare LF LF per RFC 9112 §2.2), or -1. */
function findHeadEnd(b: Uint8Array): number {
  const n = Math.min(b.length, MAX_HEAD_SIZE + 4);
  for (let i = 0; i < n; i++) {
    if (b[i] !== 0x0a) continue;
    if (b[i + 1] === 0x0a) return i + 2;
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, Array.from(b.subarray(i, Math.min(end, i + 4096))));
  }
  return s;
}

/** Parses an HTTP/1.x head: null while incomplete; throws ProtocolError WSWB_HTTP_PARSE_ERROR on garbage or a head over 64 KiB. */
export function parseHttpHead(b: Uint8Array): HttpHead | null {
  const end = findHeadEnd(b);
  if (end < 0) {
    if (b.length > MAX_HEAD_SIZE) throw protocolError('WSWB_HTTP_PARSE_ERROR', `HTTP head larger than ${MAX_HEAD_SIZE} bytes`);
    // Fail early on bytes that cannot start an HTTP message (e.g. a TLS record on a plain port).
    if (b.length > 0 && !/^[A-Za-z]/.test(String.fromCharCode(b[0]!))) {
      throw protocolError('WSWB_HTTP_PARSE_ERROR', 'not an HTTP message');
    }
    return null;
  }
  if (end > MAX_HEAD_SIZE) throw protocolError('WSWB_HTTP_PARSE_ERROR', `HTTP head larger than ${MAX_HEAD_SIZE} bytes`);
  const text = latin1(b, 0, end);
  const lines = text.split(/\r?\n/);
  // The split leaves two empty strings after the final blank line.
  lines.length -= 2;
  const start = lines[0] ?? '';
  let head: HttpHead;
  if (start.startsWith('HTTP/')) {
    // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(start);
    if (!m) throw protocolError('WSWB_HTTP_PARSE_ERROR', `bad status line: ${JSON.stringify(start.slice(0, 100))}`);
    head = { kind: 'response', version: m[1]!, status: Number(m[2]), statusText: m[3] ?? '', headers: [], headSize: end };
  } else {
    // RFC 9112 §3: request-line = method SP request-target SP HTTP-version
    const parts = start.split(' ');
    if (parts.length !== 3 || !TOKEN.test(parts[0]!) || parts[1]!.length === 0 || !VERSION.test(parts[2]!)) {
      throw protocolError('WSWB_HTTP_PARSE_ERROR', `bad request line: ${JSON.stringify(start.slice(0, 100))}`);
    }
    head = { kind: 'request', method: parts[0]!, path: parts[1]!, version: parts[2]!, headers: [], headSize: end };
  }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // RFC 9112 §5.2: obsolete line folding; a recipient may replace it with a space.
      const last = head.headers[head.headers.length - 1];
      if (!last) throw protocolError('WSWB_HTTP_PARSE_ERROR', 'folded line before the first header');
      last[1] = (last[1] + ' ' + line.trim()).trim();
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    // RFC 9112 §5.1: no whitespace between the field name and the colon.
    if (!TOKEN.test(name)) throw protocolError('WSWB_HTTP_PARSE_ERROR', `bad header line: ${JSON.stringify(line.slice(0, 100))}`);
    head.headers.push([name, line.slice(colon + 1).trim()]);
  }
  return head;
}
