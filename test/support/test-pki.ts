import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface TestPki {
  dir: string;
  /** PEM file paths; the keys are unencrypted PKCS#8. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  remove: () => Promise<void>;
}

/**
 * A throwaway PKI made with the `openssl` CLI (node:crypto reads X.509 but cannot issue it): a CA, a
 * server certificate for 127.0.0.1 and localhost, and a client certificate for mTLS, both signed by
 * the CA. P-256 keys, explicit key usages and subject alternative names, because rustls (the
 * worker's core connection) accepts nothing less, unlike OpenSSL itself.
 */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(path.join(tmpdir(), 'billflow-pki-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = async (...args: string[]) => {
    try {
      await execFileAsync('openssl', args, { cwd: dir });
    } catch (error) {
      throw new Error(`openssl ${args[0]} failed (the TLS tests need the openssl CLI): ${(error as Error).message}`, { cause: error });
    }
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  await openssl('req', '-x509', ...newKey, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=billflow test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const issue = async (name: string, subject: string, extensions: string[]) => {
    await writeFile(file(`${name}.ext`), `${extensions.join('\n')}\n`);
    await openssl('req', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    await openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-days', '1', '-extfile', file(`${name}.ext`), '-out', file(`${name}.pem`));
  };
  const endEntity = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature'];
  await issue('server', '/CN=localhost', [...endEntity, 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  await issue('client', '/CN=billflow-client', [...endEntity, 'extendedKeyUsage=clientAuth']);

  return {
    dir,
    caCert: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
