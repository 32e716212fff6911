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
    // `openssl req` with a fresh RSA key written to <name>.key: `-x509` self-signs <name>.pem, else a CSR <name>.csr.
    const req = (name: string, subject: string, selfSigned: { days: string; ext?: string[] } | undefined) =>
      ossl(
        'req',
        ...(selfSigned ? ['-x509'] : []),
        ...['-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`],
        ...['-out', selfSigned ? `${name}.pem` : `${name}.csr`],
        ...(selfSigned ? ['-days', selfSigned.days] : []),
        ...['-subj', subject],
        ...(selfSigned?.ext ?? []).flatMap((e) => ['-addext', e]),
      );
    req('root', '/CN=Hookbridge Test Root CA', {
      days: '2',
      ext: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign'],
    });
    req('leaf', `/CN=${cn}`, undefined);
    writeFileSync(join(dir, 'ext.cnf'), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n');
    ossl(
      ...['x509', '-req', '-in', 'leaf.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial'],
      ...['-out', 'leaf.pem', '-days', '1', '-extfile', 'ext.cnf'],
    );
    req('rogue', `/CN=${cn}`, { days: '1' });
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
