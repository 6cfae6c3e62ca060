import { generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { jwtAssertion } from "../../src/salesforce/jwt-assertion.js";
import { readPrivateKey } from "../../src/util/private-key.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }) as string;

describe("jwtAssertion", () => {
  it("is base64url(header).base64url(claims).signature, RS256 over the first two, exp 3 minutes ahead", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const token = jwtAssertion(
      { clientId: "3MVGcid", username: "u@x.test", audience: "https://login.salesforce.com" },
      privateKey,
      now,
    );
    const [header, claims, signature] = token.split(".") as [string, string, string];
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toEqual({ alg: "RS256" });
    expect(JSON.parse(Buffer.from(claims, "base64url").toString())).toEqual({
      iss: "3MVGcid",
      sub: "u@x.test",
      aud: "https://login.salesforce.com",
      exp: now / 1000 + 180,
    });
    expect(token).not.toMatch(/[=+/]/);
    expect(
      verify("RSA-SHA256", Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, "base64url")),
    ).toBe(true);
  });
});

describe("readPrivateKey", () => {
  it.each([
    ["PKCS#8", pkcs8],
    ["PKCS#1", pkcs1],
    ["with \\n escapes", pkcs8.replace(/\n/g, "\\n")],
    ["with its line breaks lost", pkcs1.replace(/\n/g, " ")],
    ["with CRLF line ends and text around it", `key:\r\n${pkcs8.replace(/\n/g, "\r\n")}\r\n`],
  ])("reads an RSA key %s", (_label, text) => {
    const key = readPrivateKey(text);
    expect(key.asymmetricKeyType).toBe("rsa");
    expect(key.export({ type: "pkcs8", format: "pem" })).toBe(pkcs8);
  });

  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
  const encrypted = privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "p" });
  const legacyEncrypted = privateKey.export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "p" });
  it.each([
    ["text that is not PEM", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", /^is not a PEM private key/],
    [
      "a certificate",
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
      /^is a certificate; give the private key/,
    ],
    ["a public key", publicKey.export({ type: "spki", format: "pem" }), /^is a PEM "PUBLIC KEY"/],
    ["an encrypted PKCS#8 key", encrypted, /^is encrypted/],
    ["an encrypted PKCS#1 key", legacyEncrypted, /^is encrypted/],
    ["an EC key", ec, /^is a ec key; Salesforce's JWT bearer flow needs an RSA key/],
    [
      "a body that does not decode",
      "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
      /^is not a valid PKCS#1/,
    ],
  ])("refuses %s, saying why without quoting it", (_label, text, message) => {
    expect(() => readPrivateKey(text as string)).toThrow(message);
    try {
      readPrivateKey(text as string);
    } catch (error) {
      expect((error as Error).message).not.toContain((text as string).slice(30, 60));
    }
  });
});
