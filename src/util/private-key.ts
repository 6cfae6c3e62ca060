import { createPrivateKey, type KeyObject } from "node:crypto";

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

/**
 * The RSA private key from `credentials.private_key` (PEM, PKCS#8 or PKCS#1, not encrypted). Keys
 * pasted with `\n` escapes or with their line breaks lost are rebuilt first. Throws an Error whose
 * message says what is wrong with the key, never quoting it.
 */
export function readPrivateKey(text: string): KeyObject {
  const pem = PEM.exec(text.replace(/\\n/g, "\n"));
  if (!pem) {
    throw new Error(
      "is not a PEM private key (it should start with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)",
    );
  }
  const [, label, body] = pem as unknown as [string, string, string];
  if (label === "CERTIFICATE") {
    throw new Error("is a certificate; give the private key whose certificate is uploaded to the connected app");
  }
  if (label === "ENCRYPTED PRIVATE KEY" || /Proc-Type:\s*4,ENCRYPTED/.test(body)) {
    throw new Error("is encrypted; give it without a passphrase (openssl pkey -in server.key -out server-plain.key)");
  }
  if (label !== "PRIVATE KEY" && label !== "RSA PRIVATE KEY") {
    throw new Error(`is a PEM "${label}"; give the RSA private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)`);
  }
  const base64 = body.replace(/\s+/g, "");
  const lines = base64.match(/.{1,64}/g) ?? [];
  let key: KeyObject;
  try {
    key = createPrivateKey(`-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`);
  } catch {
    throw new Error(
      `is not a valid ${label === "PRIVATE KEY" ? "PKCS#8" : "PKCS#1"} private key (the PEM body does not decode)`,
    );
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new Error(
      `is a ${key.asymmetricKeyType ?? "non-RSA"} key; Salesforce's JWT bearer flow needs an RSA key (RS256)`,
    );
  }
  return key;
}
