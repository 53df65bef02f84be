import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The openssl binary the TLS specs use; they skip when it is missing. */
export const OPENSSL = '/usr/bin/openssl';

/** A self-signed certificate and its key, written to a temporary directory. */
export interface SelfSignedCert {
  /** PEM certificate; being self-signed, it is also the CA to trust. */
  readonly cert: Buffer;
  /** PEM private key. */
  readonly key: Buffer;
  /** Path of the certificate file (give it as `tls.ca_file`). */
  readonly certPath: string;
  /** Removes the temporary directory. */
  cleanup(): void;
}

/**
 * Generates a P-256 self-signed certificate for CN=localhost with SANs
 * `DNS:localhost` and `IP:127.0.0.1`, valid for one day, with /usr/bin/openssl.
 */
export function generateSelfSignedCert(): SelfSignedCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowgen-e2e-tls-'));
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  try {
    execFileSync(
      OPENSSL,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: fs.readFileSync(certPath),
      key: fs.readFileSync(keyPath),
      certPath,
      cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
