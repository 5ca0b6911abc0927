/** Test PKI made on the fly with the openssl CLI: a CA, a server cert for 127.0.0.1/localhost, a client cert, a PFX. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Pki {
  dir: string;
  caCert: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
  clientPfx: Buffer;
  pfxPassphrase: string;
  /** Paths, for the CLI. */
  files: { ca: string; clientCert: string; clientKey: string };
}

export function makePki(): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wwb-pki-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const f = (n: string) => path.join(dir, n);
  const ecKey = (name: string) => run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  ecKey('ca.key');
  run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=Workbench Test CA', '-days', '2', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, cn: string, ext: string) => {
    ecKey(`${name}.key`);
    run('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
    fs.writeFileSync(f(`${name}.ext`), ext);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
  };
  leaf('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'workbench-client', 'extendedKeyUsage=clientAuth\n');
  const pass = 'p4ss';
  run('pkcs12', '-export', '-inkey', 'client.key', '-in', 'client.crt', '-out', 'client.p12', '-passout', `pass:${pass}`);
  const read = (n: string) => fs.readFileSync(f(n), 'utf8');
  return {
    dir,
    caCert: read('ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    clientKey: read('client.key'),
    clientCert: read('client.crt'),
    clientPfx: fs.readFileSync(f('client.p12')),
    pfxPassphrase: pass,
    files: { ca: f('ca.crt'), clientCert: f('client.crt'), clientKey: f('client.key') },
  };
}
