/**
 * Stand-ins for PayPal, shared by the tests and the local runtime: a certificate chain made on this
 * machine (a root CA and a leaf named like PayPal's signing certificate) and a signer that signs
 * transmissions exactly as PayPal documents. These are NOT PayPal's certificates; a stand-in root
 * is trusted only through local-mode configuration (never outside HOOKBRIDGE_LOCAL). node:crypto makes the keys and signs, but cannot issue certificates, so the few
 * DER structures of an X.509 v3 certificate (RFC 5280) are written here: no openssl CLI, no
 * library, and still synchronous.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { parseSecretValue } from '../../shared/secrets.js';

export interface StandInChain {
  rootPem: string;
  leafPem: string;
  leafKeyPem: string;
  /** A self-signed certificate with PayPal's name that chains to nothing trusted. */
  rogueLeafPem: string;
  rogueKeyPem: string;
}

// --- DER, only what a certificate needs ---
const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const len: number[] = [];
  for (let n = body.length; n > 0; n = Math.floor(n / 256)) len.unshift(n & 0xff);
  const head = body.length < 0x80 ? [body.length] : [0x80 | len.length, ...len];
  return Buffer.concat([Buffer.from([tag, ...head]), body]);
};
const seq = (...parts: Buffer[]) => der(0x30, ...parts);
const uint = (bytes: Buffer) =>
  der(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
const oid = (dotted: string): Buffer => {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const arcs = [40 * a + b, ...rest].flatMap((v) => {
    const out = [v & 0x7f];
    for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) out.unshift(0x80 | (v & 0x7f));
    return out;
  });
  return der(0x06, Buffer.from(arcs));
};
const bits = (unused: number, bytes: Buffer) => der(0x03, Buffer.from([unused]), bytes);
/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 4.1.2.5 says. */
const time = (d: Date): Buffer => {
  const iso = d.toISOString().replace(/[-:T]|\.\d{3}/g, ''); // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
};
const name = (cn: string) => seq(der(0x31, seq(oid('2.5.4.3'), der(0x0c, Buffer.from(cn)))));
const extension = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value));
const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), der(0x05));

/** The root's and the leaf's extensions (RFC 5280 4.2.1.9 basicConstraints, 4.2.1.3 keyUsage). */
const CA_EXTENSIONS = [
  extension('2.5.29.19', true, seq(der(0x01, Buffer.from([0xff])))), // basicConstraints=critical,CA:TRUE
  extension('2.5.29.15', true, bits(2, Buffer.from([0x04]))), // keyUsage=critical,keyCertSign
];
const LEAF_EXTENSIONS = [
  extension('2.5.29.19', false, seq()), // basicConstraints=CA:FALSE
  extension('2.5.29.15', false, bits(7, Buffer.from([0x80]))), // keyUsage=digitalSignature
];

/** An X.509 v3 certificate for `subjectKey`, signed by `issuerKey`, valid from now for `days`. */
function certificate(opts: {
  subject: string;
  issuer: string;
  subjectKey: KeyObject;
  issuerKey: KeyObject;
  days: number;
  extensions: Buffer[];
}): string {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, no leading zero
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + opts.days * 86_400_000);
  const tbs = seq(
    der(0xa0, uint(Buffer.from([2]))), // v3
    uint(serial),
    SHA256_WITH_RSA,
    name(opts.issuer),
    seq(time(notBefore), time(notAfter)),
    name(opts.subject),
    opts.subjectKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(...opts.extensions)),
  );
  const cert = seq(tbs, SHA256_WITH_RSA, bits(0, sign('sha256', tbs, opts.issuerKey)));
  const b64 = cert.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
  new X509Certificate(pem); // throws if anything above is malformed
  return pem;
}

const rsaKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const pkcs8 = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();

const ROOT_CN = 'Hookbridge Test Root CA';
const selfSigned = (k: ReturnType<typeof rsaKey>, subject: string, days: number, extensions: Buffer[]) =>
  certificate({
    subject,
    issuer: subject,
    subjectKey: k.publicKey,
    issuerKey: k.privateKey,
    days,
    extensions,
  });

/** A root CA valid for `days` + 1 and a leaf it issued, valid for `days`, named `cn`. */
function rootAndLeaf(cn: string, days: number): Pick<StandInChain, 'rootPem' | 'leafPem' | 'leafKeyPem'> {
  const root = rsaKey();
  const leaf = rsaKey();
  return {
    rootPem: selfSigned(root, ROOT_CN, days + 1, CA_EXTENSIONS),
    leafPem: certificate({
      subject: cn,
      issuer: ROOT_CN,
      subjectKey: leaf.publicKey,
      issuerKey: root.privateKey,
      days,
      extensions: LEAF_EXTENSIONS,
    }),
    leafKeyPem: pkcs8(leaf.privateKey),
  };
}

/**
 * A root CA valid for 2 days and a leaf it issued, valid for 1 day, named `cn`; and a rogue
 * self-signed leaf with the same name, valid for 1 day. RSA 2048 and SHA-256, as PayPal's are.
 */
export function makeStandInChain(cn = 'messageverificationcerts.paypal.com'): StandInChain {
  const rogue = rsaKey();
  return {
    ...rootAndLeaf(cn, 1),
    rogueLeafPem: selfSigned(rogue, cn, 1, CA_EXTENSIONS.slice(0, 1)), // CA:TRUE, as a bare self-signed certificate has
    rogueKeyPem: pkcs8(rogue.privateKey),
  };
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

/** The secrets-file entry holding the local runtime's PayPal stand-in (dev root, leaf and its key). */
export const LOCAL_PAYPAL_SECRET_NAME = 'hookbridge/local/paypal-standin';
/** Where the local gateway serves the stand-in's chain (local runtime only, never a Lambda route). */
export const LOCAL_PAYPAL_CERT_PATH = '/__local/paypal/cert.pem';

export interface LocalPayPalStandIn {
  rootPem: string;
  leafPem: string;
  leafKeyPem: string;
}

let made: LocalPayPalStandIn | undefined;

/**
 * A dev chain for the local runtime, valid ten years, made on the first `npm start` (one per
 * process: the tests start many runtimes, and RSA keys take a while).
 */
export function makeLocalPayPalStandIn(): LocalPayPalStandIn {
  made ??= rootAndLeaf('messageverificationcerts.paypal.com', 3650);
  return made;
}

/** The stand-in from a secrets-file value (an object or its JSON text), or undefined when absent or malformed. */
export function localPayPalStandIn(value: unknown): LocalPayPalStandIn | undefined {
  const { rootPem, leafPem, leafKeyPem } = (parseSecretValue(value) ?? {}) as Record<string, unknown>;
  return typeof rootPem === 'string' && typeof leafPem === 'string' && typeof leafKeyPem === 'string'
    ? { rootPem, leafPem, leafKeyPem }
    : undefined;
}
