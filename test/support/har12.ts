/**
 * An independent check of HAR files: a JSON Schema written from the HAR 1.2 specification
 * (http://www.softwareishard.com/blog/har-12-spec/, W3C Web Performance draft of the same text),
 * plus the `_webSocketMessages` entries Chrome DevTools writes and reads back (devtools-frontend
 * HARFormat: type 'send' | 'receive', time in seconds, opcode, data). Shares nothing with our
 * importer or exporter (src/core/collections/har.ts), so a HAR that passes our own round trip but
 * breaks the format fails here.
 *
 * Spec rules encoded: every field the spec marks required, with its type; `-1` only where the spec
 * allows "not available" (sizes, optional timings); `send`/`wait`/`receive` non-negative; dates in
 * ISO 8601 with a time zone; objects closed to the spec's fields, except `comment` and custom
 * fields, which the spec requires to start with an underscore.
 */
import Ajv, { type ErrorObject } from 'ajv';

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const num: Schema = { type: 'number' };
const int: Schema = { type: 'integer' };
/** A size or count that is -1 when unknown. */
const sizeOrUnknown: Schema = { type: 'number', minimum: -1 };
/** ISO 8601 date and time with a time zone (YYYY-MM-DDThh:mm:ss.sTZD). */
const dateTime: Schema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$' };

/** A HAR object: the spec's fields, `comment`, and custom `_fields`; nothing else. */
function obj(required: string[], properties: Record<string, Schema>): Schema {
  return {
    type: 'object',
    required,
    properties: { ...properties, comment: str },
    patternProperties: { '^_': {} },
    additionalProperties: false,
  };
}

const nameValue = obj(['name', 'value'], { name: str, value: str });
const cookie = obj(['name', 'value'], { name: str, value: str, path: str, domain: str, expires: { anyOf: [dateTime, { type: 'null' }] }, httpOnly: { type: 'boolean' }, secure: { type: 'boolean' } });
const postData = obj(['mimeType'], {
  mimeType: str,
  params: { type: 'array', items: obj(['name'], { name: str, value: str, fileName: str, contentType: str }) },
  text: str,
});
const cacheEntry = obj(['lastAccess', 'eTag', 'hitCount'], { expires: dateTime, lastAccess: dateTime, eTag: str, hitCount: int });

/** Chrome DevTools' WebSocket message (not in HAR 1.2, hence the underscore). */
const webSocketMessage: Schema = {
  type: 'object',
  required: ['type', 'time', 'opcode', 'data'],
  properties: { type: { enum: ['send', 'receive'] }, time: num, opcode: num, data: str },
};

const entry = {
  ...obj(['startedDateTime', 'time', 'request', 'response', 'cache', 'timings'], {
    pageref: str,
    startedDateTime: dateTime,
    time: { type: 'number', minimum: 0 },
    request: obj(['method', 'url', 'httpVersion', 'cookies', 'headers', 'queryString', 'headersSize', 'bodySize'], {
      method: str,
      url: str,
      httpVersion: str,
      cookies: { type: 'array', items: cookie },
      headers: { type: 'array', items: nameValue },
      queryString: { type: 'array', items: nameValue },
      postData,
      headersSize: sizeOrUnknown,
      bodySize: sizeOrUnknown,
    }),
    response: obj(['status', 'statusText', 'httpVersion', 'cookies', 'headers', 'content', 'redirectURL', 'headersSize', 'bodySize'], {
      status: int,
      statusText: str,
      httpVersion: str,
      cookies: { type: 'array', items: cookie },
      headers: { type: 'array', items: nameValue },
      content: obj(['size', 'mimeType'], { size: num, compression: num, mimeType: str, text: str, encoding: str }),
      redirectURL: str,
      headersSize: sizeOrUnknown,
      bodySize: sizeOrUnknown,
    }),
    cache: obj([], { beforeRequest: { anyOf: [cacheEntry, { type: 'null' }] }, afterRequest: { anyOf: [cacheEntry, { type: 'null' }] } }),
    timings: obj(['send', 'wait', 'receive'], {
      blocked: sizeOrUnknown,
      dns: sizeOrUnknown,
      connect: sizeOrUnknown,
      send: { type: 'number', minimum: 0 },
      wait: { type: 'number', minimum: 0 },
      receive: { type: 'number', minimum: 0 },
      ssl: sizeOrUnknown,
    }),
    serverIPAddress: str,
    connection: str,
  }),
};
// Chrome's field, typed: present on WebSocket entries.
(entry.properties as Record<string, Schema>)._webSocketMessages = { type: 'array', items: webSocketMessage };

export const har12Schema: Schema = {
  type: 'object',
  required: ['log'],
  properties: {
    log: obj(['version', 'creator', 'entries'], {
      version: { type: 'string', pattern: '^1\\.[12]$' },
      creator: obj(['name', 'version'], { name: str, version: str }),
      browser: obj(['name', 'version'], { name: str, version: str }),
      pages: {
        type: 'array',
        items: obj(['startedDateTime', 'id', 'title', 'pageTimings'], {
          startedDateTime: dateTime,
          id: str,
          title: str,
          pageTimings: obj([], { onContentLoad: sizeOrUnknown, onLoad: sizeOrUnknown }),
        }),
      },
      entries: { type: 'array', items: entry },
    }),
  },
};

const validator = new Ajv({ allErrors: true, strict: false }).compile(har12Schema);

/** Problems with a parsed HAR, as `path: message` lines; empty when it is valid HAR 1.2. */
export function harProblems(har: unknown): string[] {
  // Validate the JSON text a user would save, not the in-memory object (no undefined, no typed arrays).
  const parsed = JSON.parse(JSON.stringify(har));
  if (validator(parsed)) return [];
  return (validator.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}
