/**
 * Test stand-ins for PayPal: a certificate chain the tests make themselves (a root CA and a leaf
 * named like PayPal's signing certificate, made with the openssl CLI, since node:crypto cannot
 * issue certificates) and a signer that signs transmissions exactly as PayPal documents. These
 * are NOT PayPal's certificates; the stand-in root is trusted only through test configuration.
 */
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface StandInChain {
  rootPem: string;
  leafPem: string;
  leafKeyPem: string;
  /** A self-signed certificate with PayPal's name that chains to nothing trusted. */
  rogueLeafPem: string;
  rogueKeyPem: string;
}

export function makeStandInChain(cn = 'messageverificationcerts.paypal.com'): StandInChain {
  const dir = mkdtempSync(join(tmpdir(), 'hb-paypal-ca-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    ossl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'root.key',
      '-out',
      'root.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Hookbridge Test Root CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    );
    ossl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      `/CN=${cn}`,
    );
    writeFileSync(join(dir, 'ext.cnf'), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n');
    ossl(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'root.pem',
      '-CAkey',
      'root.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      '-days',
      '1',
      '-extfile',
      'ext.cnf',
    );
    ossl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'rogue.key',
      '-out',
      'rogue.pem',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
    );
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return {
      rootPem: read('root.pem'),
      leafPem: read('leaf.pem'),
      leafKeyPem: read('leaf.key'),
      rogueLeafPem: read('rogue.pem'),
      rogueKeyPem: read('rogue.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** PayPal's transmission headers for a body, signed as PayPal signs them. */
export function paypalHeaders(opts: {
  body: string;
  webhookId: string;
  keyPem: string;
  certUrl: string;
  time?: Date;
  transmissionId?: string;
}): Record<string, string> {
  const id = opts.transmissionId ?? `tx-${Math.random().toString(36).slice(2)}`;
  const time = (opts.time ?? new Date()).toISOString();
  const message = `${id}|${time}|${opts.webhookId}|${crc32(Buffer.from(opts.body)) >>> 0}`;
  return {
    'content-type': 'application/json',
    'paypal-transmission-id': id,
    'paypal-transmission-time': time,
    'paypal-transmission-sig': sign('sha256', Buffer.from(message), opts.keyPem).toString('base64'),
    'paypal-cert-url': opts.certUrl,
    'paypal-auth-algo': 'SHA256withRSA',
  };
}
