/** Timeline events as the host would post them, for the webview suites and the bench. */
const enc = new TextEncoder();
let nextId = 1;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export function resetIds(): void {
  nextId = 1;
}

export function message(dir: 'in' | 'out', text: string, extra: Record<string, unknown> = {}) {
  const data = enc.encode(text);
  const id = nextId++;
  return { kind: 'message', id, time: T0 + id * 7, connection: 'c1', dir, binary: false, data, size: data.length, wireSize: data.length + 6, ...extra };
}

export function binary(dir: 'in' | 'out', data: Uint8Array) {
  const id = nextId++;
  return { kind: 'message', id, time: T0 + id * 7, connection: 'c1', dir, binary: true, data, size: data.length };
}

export function frame(dir: 'in' | 'out', opcode: number, payload: Uint8Array, extra: Record<string, unknown> = {}) {
  const id = nextId++;
  return { kind: 'frame', id, time: T0 + id * 7, connection: 'c1', dir, fin: true, rsv1: false, rsv2: false, rsv3: false, opcode, masked: dir === 'out', ...(dir === 'out' ? { maskKey: '0a0b0c0d' } : {}), length: payload.length, wireSize: payload.length + (dir === 'out' ? 6 : 2), payload, ...extra };
}

export function handshake(status = 101, body?: string) {
  const id = nextId++;
  return {
    kind: 'handshake', id, time: T0 + id * 7, connection: 'c1',
    request: { method: 'GET', path: '/echo', url: 'ws://127.0.0.1:9/echo', headers: [['Host', '127.0.0.1:9'], ['Upgrade', 'websocket'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']] },
    response: { status, statusText: status === 101 ? 'Switching Protocols' : 'Forbidden', headers: status === 101 ? [['Upgrade', 'websocket'], ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=']] : [['Content-Type', 'text/plain']], ...(body !== undefined ? { body } : {}) },
    ...(status === 101 ? { acceptValid: true, subprotocol: 'chat.v1' } : {}),
  };
}

export function summary(extra: Record<string, unknown> = {}) {
  return {
    id: 'c1', url: 'ws://127.0.0.1:9/echo', state: 'open', total: 0,
    counters: { messagesIn: 3, messagesOut: 2, bytesIn: 120, bytesOut: 80, framesIn: 3, framesOut: 2, dropped: 0 },
    rttMs: 1.25,
    options: { url: 'ws://127.0.0.1:9/echo' },
    ...extra,
  };
}
