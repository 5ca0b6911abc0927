/** A mock's TLS material: certificate files relative to the definition, or a generated self-signed one. */
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as path from 'node:path';
import type { MockDefinition } from './definition';
import { MockError } from './errors';

let generatedCert: Promise<{ cert: string; key: string }> | undefined;

/** The key pair of a wss:// mock (a `generate`d certificate without extra hostnames is made once per process). */
export async function loadMockTls(name: string, tls: NonNullable<MockDefinition['tls']>, baseDir: string | undefined): Promise<{ cert: string; key: string; passphrase?: string }> {
  try {
    if ('generate' in tls) {
      const hostnames = tls.hostnames ?? [];
      if (hostnames.length > 0) return await generateCertificate(hostnames);
      generatedCert ??= generateCertificate([]);
      return await generatedCert;
    }
    const base = baseDir ?? process.cwd();
    return {
      cert: await fs.promises.readFile(path.resolve(base, tls.certFile), 'utf8'),
      key: await fs.promises.readFile(path.resolve(base, tls.keyFile), 'utf8'),
      ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    };
  } catch (e) {
    if ('generate' in tls) generatedCert = undefined;
    throw new MockError('WSWB_MOCK_TLS_FAILED', `mock "${name}": TLS: ${(e as Error).message}`, { cause: e });
  }
}

/** A self-signed certificate for localhost, 127.0.0.1 and ::1 (plus `hostnames`), via `selfsigned`. */
async function generateCertificate(hostnames: string[]): Promise<{ cert: string; key: string }> {
  // Loaded lazily: only a wss:// mock with `generate` pays for it.
  const selfsigned = require('selfsigned') as { generate(attrs: unknown, opts: unknown): Promise<{ cert: string; private: string }> };
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + 30 * 24 * 3600 * 1000);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }, ...hostnames.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }))],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
