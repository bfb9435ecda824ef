import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

/**
 * A throwaway certificate authority and a server certificate it signed, made at start.
 *
 * X.509 is written here by hand (a few DER encoders) rather than by `openssl` or a package: a
 * fresh clone must start the emulator with nothing but Node, and ECDSA P-256 keys make it take
 * about a millisecond.
 */
export interface ServerCertificates {
  /** The CA clients must trust (PEM). */
  readonly caCertPem: string;
  /** The server's own certificate (PEM), issued by the CA for 127.0.0.1 and localhost. */
  readonly serverCertPem: string;
  /** The server's private key (PKCS#8 PEM). */
  readonly serverKeyPem: string;
}

const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extendedKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

const ONE_HOUR_MS = 60 * 60 * 1000;
const VALIDITY_MS = 30 * 24 * ONE_HOUR_MS;

/**
 * `dnsNames` are the host names the server certificate covers besides 127.0.0.1: `localhost`,
 * and names that only a test's proxy resolves (see proxy.ts).
 */
export function createServerCertificates(
  dnsNames: readonly string[] = ["localhost"],
): ServerCertificates {
  const ca = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const server = generateKeyPairSync("ec", { namedCurve: "P-256" });
  // Backdated an hour so a client whose clock lags a little still accepts the certificates.
  const notBefore = new Date(Date.now() - ONE_HOUR_MS);
  const notAfter = new Date(notBefore.getTime() + VALIDITY_MS);
  const caName = distinguishedName("aks-attach-acr emulator CA");
  const caKeyId = keyIdentifier(ca.publicKey);

  const caCert = signCertificate(ca.privateKey, {
    issuer: caName,
    subject: caName,
    subjectPublicKey: ca.publicKey,
    notBefore,
    notAfter,
    extensions: [
      extension(OID.basicConstraints, true, sequence(booleanTrue())),
      extension(OID.keyUsage, true, keyUsageBits({ digitalSignature: true, keyCertSign: true })),
      extension(OID.subjectKeyIdentifier, false, octetString(caKeyId)),
    ],
  });
  const serverCert = signCertificate(ca.privateKey, {
    issuer: caName,
    subject: distinguishedName("127.0.0.1"),
    subjectPublicKey: server.publicKey,
    notBefore,
    notAfter,
    extensions: [
      extension(OID.basicConstraints, true, sequence()),
      extension(OID.keyUsage, true, keyUsageBits({ digitalSignature: true, keyCertSign: false })),
      extension(OID.extendedKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))),
      extension(OID.subjectAltName, false, subjectAltNames(dnsNames, [127, 0, 0, 1])),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(server.publicKey))),
      extension(OID.authorityKeyIdentifier, false, sequence(contextPrimitive(0, caKeyId))),
    ],
  });
  return {
    caCertPem: toPem("CERTIFICATE", caCert),
    serverCertPem: toPem("CERTIFICATE", serverCert),
    serverKeyPem: server.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

interface CertificateFields {
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly subjectPublicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly Buffer[];
}

function signCertificate(issuerKey: KeyObject, fields: CertificateFields): Buffer {
  const signatureAlgorithm = sequence(objectIdentifier(OID.ecdsaWithSha256));
  const tbsCertificate = sequence(
    contextConstructed(0, integer(Buffer.from([2]))), // X.509 v3
    integer(serialNumber()),
    signatureAlgorithm,
    fields.issuer,
    sequence(utcTime(fields.notBefore), utcTime(fields.notAfter)),
    fields.subject,
    fields.subjectPublicKey.export({ type: "spki", format: "der" }),
    contextConstructed(3, sequence(...fields.extensions)),
  );
  const signature = sign("sha256", tbsCertificate, { key: issuerKey, dsaEncoding: "der" });
  return sequence(tbsCertificate, signatureAlgorithm, bitString(signature));
}

function serialNumber(): Buffer {
  const serial = randomBytes(16);
  // Positive (top bit clear, RFC 5280) and minimal in DER (first byte not zero): 0x40-0x7f.
  serial[0] = (serial[0] & 0x3f) | 0x40;
  return serial;
}

function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash("sha1")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest();
}

function distinguishedName(commonName: string): Buffer {
  return sequence(
    set(sequence(objectIdentifier(OID.organization), utf8String("aks-attach-acr"))),
    set(sequence(objectIdentifier(OID.commonName), utf8String(commonName))),
  );
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  const parts = [objectIdentifier(oid)];
  if (critical) parts.push(booleanTrue());
  parts.push(octetString(value));
  return sequence(...parts);
}

function keyUsageBits(usage: { digitalSignature: boolean; keyCertSign: boolean }): Buffer {
  // KeyUsage is a named BIT STRING: digitalSignature is bit 0 (0x80), keyCertSign bit 5 (0x04).
  // DER drops trailing zero bits, so the unused-bit count depends on the last bit set.
  if (usage.keyCertSign) {
    const bits = (usage.digitalSignature ? 0x80 : 0) | 0x04;
    return tlv(0x03, Buffer.from([2, bits]));
  }
  return tlv(0x03, Buffer.from([7, 0x80]));
}

function subjectAltNames(dnsNames: readonly string[], ipv4: readonly number[]): Buffer {
  return sequence(
    ...dnsNames.map((name) => contextPrimitive(2, Buffer.from(name, "ascii"))),
    contextPrimitive(7, Buffer.from(ipv4)),
  );
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

// --- DER encoding (ITU-T X.690), only the types a certificate needs ---

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function sequence(...contents: Buffer[]): Buffer {
  return tlv(0x30, ...contents);
}

function set(...contents: Buffer[]): Buffer {
  return tlv(0x31, ...contents);
}

function contextConstructed(tagNumber: number, content: Buffer): Buffer {
  return tlv(0xa0 | tagNumber, content);
}

function contextPrimitive(tagNumber: number, content: Buffer): Buffer {
  return tlv(0x80 | tagNumber, content);
}

function booleanTrue(): Buffer {
  return tlv(0x01, Buffer.from([0xff]));
}

function integer(unsignedBigEndian: Buffer): Buffer {
  // A leading 0x00 keeps a value whose top bit is set from reading as negative.
  const needsPad = unsignedBigEndian[0] >= 0x80;
  return tlv(0x02, needsPad ? Buffer.from([0]) : Buffer.alloc(0), unsignedBigEndian);
}

function bitString(content: Buffer): Buffer {
  return tlv(0x03, Buffer.from([0]), content);
}

function octetString(content: Buffer): Buffer {
  return tlv(0x04, content);
}

function utf8String(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, "utf8"));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2025-01-31T12:34:56.789Z
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, "ascii"));
}

function objectIdentifier(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) bytes.push(...base128(arc));
  return tlv(0x06, Buffer.from(bytes));
}

function base128(value: number): number[] {
  const bytes = [value & 0x7f];
  for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) {
    bytes.unshift((rest & 0x7f) | 0x80);
  }
  return bytes;
}
