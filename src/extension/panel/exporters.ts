/**
 * Exports of a panel's timeline: an NDJSON transcript (a header line, then one event per line with
 * payloads as base64) and HAR 1.2 with Chrome's `_webSocketMessages`. Pure (Buffer only).
 */
import type { TimelineEvent } from '../../core/engine/events';

function bytesField(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** One JSON line per event; Uint8Array fields become `<field>Base64`. */
export function toNdjson(events: TimelineEvent[], opts: { url: string; header: boolean }): string {
  const lines: string[] = [];
  if (opts.header) lines.push(JSON.stringify({ type: 'websocket-workbench-transcript', version: 1, url: opts.url, events: events.length }));
  for (const e of events) {
    const o: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(e)) {
      if (val instanceof Uint8Array) o[`${k}Base64`] = bytesField(val);
      else o[k] = val;
    }
    lines.push(JSON.stringify(o));
  }
  return lines.join('\n') + '\n';
}

/** HAR 1.2 with one `_resourceType: websocket` entry carrying `_webSocketMessages` (as Chrome exports). */
export function toHar(events: TimelineEvent[], url: string): string {
  const hs = events.find((e) => e.kind === 'handshake');
  const started = events[0]?.time ?? Date.now();
  const messages = events.flatMap((e) =>
    e.kind === 'message'
      ? [{
          type: e.dir === 'out' ? 'send' : 'receive',
          time: e.time / 1000,
          opcode: e.binary ? 2 : 1,
          data: e.binary ? bytesField(e.data) : new TextDecoder().decode(e.data),
        }]
      : [],
  );
  const headers = (pairs: Array<[string, string]> | undefined) => (pairs ?? []).map(([name, value]) => ({ name, value }));
  const har = {
    log: {
      version: '1.2',
      creator: { name: 'WebSocket Workbench', version: '1' },
      entries: [{
        startedDateTime: new Date(started).toISOString(),
        time: 0,
        _resourceType: 'websocket',
        request: { method: 'GET', url: hs?.kind === 'handshake' ? hs.request.url : url, httpVersion: 'HTTP/1.1', headers: headers(hs?.kind === 'handshake' ? hs.request.headers : undefined), queryString: [], cookies: [], headersSize: -1, bodySize: 0 },
        response: {
          status: hs?.kind === 'handshake' ? hs.response?.status ?? 0 : 0,
          statusText: hs?.kind === 'handshake' ? hs.response?.statusText ?? '' : '',
          httpVersion: 'HTTP/1.1',
          headers: headers(hs?.kind === 'handshake' ? hs.response?.headers : undefined),
          cookies: [], content: { size: 0, mimeType: 'x-unknown' }, redirectURL: '', headersSize: -1, bodySize: -1,
        },
        cache: {},
        timings: { send: 0, wait: 0, receive: 0 },
        _webSocketMessages: messages,
      }],
    },
  };
  return JSON.stringify(har, null, 2);
}
