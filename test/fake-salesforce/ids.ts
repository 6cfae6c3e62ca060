// Salesforce-style record Ids and cheap deterministic hashing.
// Ids are a pure function of (key prefix, row number) so millions of rows need no storage,
// and the row number can be decoded back from the Id for relationship lookups.

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
/** Two characters standing for the pod/instance part of a real Id. */
const POD = "5g";
const SERIAL_LEN = 10;

function base62(n: number, width: number): string {
  let out = "";
  let v = n;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/** The documented 15 -> 18 character case-safe checksum. */
export function caseSafeSuffix(id15: string): string {
  let suffix = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/** 18-char Id for row number `n` (0-based) of the object with this key prefix. */
export function makeId(prefix: string, n: number): string {
  const id15 = prefix + POD + base62(n + 1, SERIAL_LEN);
  return id15 + caseSafeSuffix(id15);
}

/** Row number encoded in an Id made by makeId, or undefined when it is not one of ours. */
export function decodeIdSerial(id: string): number | undefined {
  if (id.length !== 15 && id.length !== 18) return undefined;
  if (id.slice(3, 5) !== POD) return undefined;
  let v = 0;
  for (let i = 5; i < 15; i++) {
    const d = BASE62.indexOf(id.charAt(i));
    if (d < 0) return undefined;
    v = v * 62 + d;
  }
  return v - 1;
}

/** 32-bit FNV-1a. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes a seed with a row number into a well-spread uint32 (murmur3 finaliser). */
export function mix(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A deterministic 3-character key prefix for a generated object, unique within `taken`. */
export function derivePrefix(name: string, taken: Set<string>): string {
  const custom = name.endsWith("__c");
  for (let attempt = 0; ; attempt++) {
    const h = hashString(`${name}#${attempt}`);
    // Custom objects get a0X-style prefixes like real orgs; others a letter+digit mix.
    const p = custom ? "a" + BASE62[h % 62] + BASE62[(h >>> 8) % 62] : "x" + BASE62[h % 62] + BASE62[(h >>> 8) % 62];
    if (!taken.has(p)) {
      taken.add(p);
      return p;
    }
  }
}

/** Random-looking Id for server-side things (jobs, query locators, sessions). */
export function randomId(prefix: string, counter: number): string {
  return makeId(prefix, 1_000_000 + counter * 7919);
}
