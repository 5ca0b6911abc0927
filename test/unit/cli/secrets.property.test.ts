/**
 * Property (issue 10 §1): random secrets × every place a request can use a secret × every output
 * (run's NDJSON and pretty stdout, stderr, the run transcript, the core's HAR export, a panel-style
 * transcript export, the extension's log line) → the secret appears in none of its forms. Real
 * server and CONNECT proxy on 127.0.0.1, real collection and transcript files in a temp dir.
 * Runs per place: WSWB_PROPERTY_RUNS (default 2, so the whole file stays within a few seconds).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Cleanup, connectProxy, echoServer } from '../engine/helpers';
import { assertHidden, recordWithCore, runRequest } from './secretHarness';
import type { RequestDef } from '../../../src/core/collections/types';

const RUNS = Number(process.env.WSWB_PROPERTY_RUNS ?? 2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-secret-prop-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Characters that change under some encoding, plus enough letters that a secret is distinctive. */
const CHARS = [..." '\"\\:+/=?#&%@;,é中😀~!*()", ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const secretArb = fc
  .array(fc.constantFrom(...CHARS), { minLength: 8, maxLength: 24 })
  .map((a) => a.join(''))
  .filter((s) => (s.match(/[A-Za-z0-9]/g) ?? []).length >= 4 && new Set(s).size >= 6);

interface Place {
  /** The secret's value for this place (e.g. hex of the generated string for valid hex data). */
  value?: (generated: string) => string;
  request(port: number, proxyPort: number): Omit<RequestDef, 'name'>;
}

const ws = (port: number) => `ws://127.0.0.1:${port}`;
const PLACES: Record<string, Place> = {
  'URL userinfo': { request: (p) => ({ url: `ws://ada:{{secret:s}}@127.0.0.1:${p}/` }) },
  'URL path': { request: (p) => ({ url: `${ws(p)}/a/{{secret:s}}/b` }) },
  'URL query': { request: (p) => ({ url: `${ws(p)}/?q={{secret:s}}&x=1` }) },
  'query object': { request: (p) => ({ url: `${ws(p)}/`, query: { token: '{{secret:s}}', other: 'x' } }) },
  header: { request: (p) => ({ url: `${ws(p)}/`, headers: { 'X-Token': 'k={{secret:s}}' } }) },
  'header through a variable': { request: (p) => ({ url: `${ws(p)}/`, variables: { tok: 'pre-{{secret:s}}-post' }, headers: { 'X-Token': '{{tok}}' } }) },
  'auth basic': { request: (p) => ({ url: `${ws(p)}/`, auth: { type: 'basic', username: 'ada', password: '{{secret:s}}' } }) },
  'auth bearer': { request: (p) => ({ url: `${ws(p)}/`, auth: { type: 'bearer', token: '{{secret:s}}' } }) },
  'text message': { request: (p) => ({ url: `${ws(p)}/`, messages: [{ name: 'm', kind: 'text', data: 'before {{secret:s}} after' }] }) },
  'JSON message': { request: (p) => ({ url: `${ws(p)}/`, messages: [{ name: 'm', kind: 'json', data: { password: '{{secret:s}}', list: ['x{{secret:s}}y'], '{{secret:s}}': 1 } }] }) },
  'hex message (malformed)': { request: (p) => ({ url: `${ws(p)}/`, messages: [{ name: 'm', kind: 'binary', hex: '{{secret:s}}' }] }) },
  'hex message (valid)': {
    value: (g) => Buffer.from(g).toString('hex'),
    request: (p) => ({ url: `${ws(p)}/`, messages: [{ name: 'm', kind: 'binary', hex: '0a{{secret:s}}0b' }] }),
  },
  'base64 message (malformed)': { request: (p) => ({ url: `${ws(p)}/`, messages: [{ name: 'm', kind: 'binary', base64: '{{secret:s}}' }] }) },
  'base64 message (valid)': {
    value: (g) => Buffer.from(g).toString('base64'),
    request: (p) => ({ url: `${ws(p)}/`, messages: [{ name: 'm', kind: 'binary', base64: '{{secret:s}}' }] }),
  },
  'TLS file path': { request: (p) => ({ url: `wss://127.0.0.1:${p}/`, tls: { caFile: 'certs/{{secret:s}}.pem' } }) },
  proxy: { request: (p, pp) => ({ url: `${ws(p)}/`, proxy: `http://u:{{secret:s}}@127.0.0.1:${pp}` }) },
};

describe('property: a secret reaches no output in any form (issue 10 §1)', () => {
  const cleanup = new Cleanup();
  let port = 0;
  let proxyPort = 0;
  before(async () => {
    port = (await echoServer(cleanup)).port;
    proxyPort = (await connectProxy(cleanup)).port;
  });
  after(() => cleanup.run());

  for (const [name, place] of Object.entries(PLACES)) {
    it(`secret in the ${name}`, async () => {
      await fc.assert(
        fc.asyncProperty(secretArb, fc.constantFrom<'ndjson' | 'pretty'>('ndjson', 'pretty'), async (generated, mode) => {
          const secret = place.value ? place.value(generated) : generated;
          const request = { name: 'r', ...place.request(port, proxyPort) } as RequestDef;
          const r = await runRequest(dir, request, { s: secret }, mode);
          assertHidden(secret, r, await recordWithCore(dir, request, { s: secret }), mode);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
