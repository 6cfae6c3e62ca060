// Deterministic value generators: each field gets a closure (row number) => typed value,
// so a 2M-row object costs nothing until a row is read. Text deliberately contains commas,
// quotes, newlines and non-ASCII on some rows to exercise CSV/JSON handling.
import { hashString, mix } from "./ids.js";
import type { FieldModel, ObjectModel, Org } from "./org.js";

/** Generated timestamps fall in [GENERATED_FROM, GENERATED_UNTIL), second precision like real data. */
export const GENERATED_FROM = Date.UTC(2023, 0, 1);
export const GENERATED_UNTIL = Date.UTC(2026, 0, 1);
const SPAN_SECONDS = (GENERATED_UNTIL - GENERATED_FROM) / 1000;

export type Generator = (index: number) => unknown;

const WORDS = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Stark",
  "Wayne",
  "Wonka",
  "Tyrell",
  "Cyberdyne",
  "Soylent",
  "Hooli",
  "Vandelay",
  "Massive",
  "Dynamic",
  "Pied",
  "Piper",
  "North",
  "South",
  "Blue",
  "Red",
];
const FIRST = ["Ada", "Grace", "Linus", "Zoë", "Ángel", "Mei", "Olu", "Priya", "Sven", "Tom"];
const LAST = ["Lovelace", "Hopper", "O'Brien", "Ångström", "Nguyen", "Okafor", "Müller", "Smith", "Kowalski", "Tanaka"];
const CITIES = ["San Francisco", "Paris", "München", "Tokyo", "São Paulo", "Lagos"];
const STATES = ["CA", "NY", "Île-de-France", "Bayern", "東京都"];
const COUNTRIES = ["United States", "France", "Deutschland", "日本", "Brasil", "Nigeria"];

const pad = (n: number, w: number): string => String(n).padStart(w, "0");

// Lookup tables make second-precision ISO strings cheap: 2M-row pages render many of them.
let DAY_PREFIX: string[] | undefined;
let TIME_SUFFIX: string[] | undefined;
const TABLE_FROM_DAY = Math.floor(GENERATED_FROM / 86_400_000) - 30 * 366;
const TABLE_DAYS = 40 * 366;

export function isoSeconds(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  const k = day - TABLE_FROM_DAY;
  if (k < 0 || k >= TABLE_DAYS) return new Date(Math.floor(ms / 1000) * 1000).toISOString();
  DAY_PREFIX ??= Array.from({ length: TABLE_DAYS }, (_, d) =>
    new Date((TABLE_FROM_DAY + d) * 86_400_000).toISOString().slice(0, 11),
  );
  TIME_SUFFIX ??= Array.from(
    { length: 86_400 },
    (_, s) => `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}.000Z`,
  );
  return DAY_PREFIX[k]! + TIME_SUFFIX[Math.floor((ms - day * 86_400_000) / 1000)]!;
}

function words(h: number, i: number): string {
  return `${WORDS[h % WORDS.length]} ${WORDS[(h >>> 5) % WORDS.length]} ${i}`;
}

function truncate(s: string, len: number): string {
  return len > 0 && s.length > len ? s.slice(0, len) : s;
}

/** Created <= LastModified <= SystemModstamp, all inside the generation window. */
export function systemTimes(objSeed: number, i: number): { created: number; modified: number; stamp: number } {
  const created = GENERATED_FROM + (mix(objSeed ^ 0x1111, i) % SPAN_SECONDS) * 1000;
  const room = Math.max(1, Math.floor((GENERATED_UNTIL - created) / 1000));
  const modified = created + (mix(objSeed ^ 0x2222, i) % room) * 1000;
  const h = mix(objSeed ^ 0x3333, i);
  const extra = h % 5 === 0 ? Math.min((h >>> 4) % 600, Math.floor((GENERATED_UNTIL - 1000 - modified) / 1000)) : 0;
  return { created, modified, stamp: modified + Math.max(0, extra) * 1000 };
}

function picklistValues(field: FieldModel): string[] {
  return field.picklist.length ? field.picklist : ["Alpha", "Beta", "Gamma"];
}

/** Number generator of a field; the latitude/longitude decision is made once, not per row. */
function numberGenerator(name: string, type: string): (h: number, i: number) => number {
  const n = name.toLowerCase();
  if (n.includes("latitude")) return (h) => Math.round(((h % 180_000_000) / 1_000_000 - 90) * 1e6) / 1e6;
  if (n.includes("longitude")) return (h) => Math.round(((h % 360_000_000) / 1_000_000 - 180) * 1e6) / 1e6;
  switch (type) {
    case "int":
      return (h) => h % 100_000;
    case "long":
      return (h, i) => i * 1_000_003 + (h % 1000);
    case "percent":
      return (h) => (h % 10_000) / 100;
    default:
      return (h) => (h % 100_000_000) / 100;
  }
}

function textValue(field: FieldModel, h: number, i: number): string {
  const special = (h >>> 3) % 13;
  if (special === 0) return truncate(`${words(h, i)}, "quoted", and more`, field.length);
  if (special === 1) return truncate(`Zoë Ångström ${i} — 日本語`, field.length);
  if (special === 2 && field.type === "textarea")
    return truncate(`Line one of ${i}, "first"\nLine two — Ünïcødé\r\nLine three`, field.length);
  return truncate(words(h, i), field.length);
}

const LATITUDE = numberGenerator("latitude", "double");
const LONGITUDE = numberGenerator("longitude", "double");

/** Builds the generator of one (non-compound-with-components) field. */
export function fieldGenerator(org: Org, obj: ObjectModel, field: FieldModel, objSeed: number): Generator {
  const seed = hashString(`${obj.name}.${field.name}`) ^ objSeed;
  const nullable = field.nillable && !["Name", "LastName", "Subject"].includes(field.name);
  const maybeNull = (g: Generator): Generator =>
    nullable ? (i) => (mix(seed ^ 0x5a5a, i) % 10 === 0 ? null : g(i)) : g;

  switch (field.name) {
    case "Id":
      return (i) => obj.store.idOf(i);
    case "IsDeleted":
      return () => false;
    case "CreatedDate":
      return (i) => isoSeconds(systemTimes(objSeed, i).created);
    case "LastModifiedDate":
      return (i) => isoSeconds(systemTimes(objSeed, i).modified);
    case "SystemModstamp":
      return (i) => isoSeconds(systemTimes(objSeed, i).stamp);
    case "MasterRecordId":
      return () => null;
    case "FirstName":
      return (i) => FIRST[mix(seed, i) % FIRST.length];
    case "LastName":
      return (i) => `${LAST[mix(seed, i) % LAST.length]} ${i}`;
  }
  // A compound Name built from FirstName/LastName, like Contact.Name and User.Name.
  if (field.name === "Name" && obj.fieldsByLower.has("firstname") && obj.fieldsByLower.has("lastname")) {
    const first = fieldGenerator(org, obj, obj.fieldsByLower.get("firstname")!, objSeed);
    const last = fieldGenerator(org, obj, obj.fieldsByLower.get("lastname")!, objSeed);
    return (i) => [first(i), last(i)].filter((v) => v != null).join(" ");
  }
  // Address components get plausible values (still with non-ASCII on some rows).
  const isText = field.type === "string" || field.type === "textarea";
  if (isText && /City(__s)?$/.test(field.name)) return maybeNull((i) => CITIES[mix(seed, i) % CITIES.length]);
  if (isText && /PostalCode(__s)?$/.test(field.name)) return maybeNull((i) => pad(mix(seed, i) % 100_000, 5));
  if (isText && /State(__s)?$/.test(field.name)) return maybeNull((i) => STATES[mix(seed, i) % STATES.length]);
  if (isText && /Country(__s)?$/.test(field.name)) return maybeNull((i) => COUNTRIES[mix(seed, i) % COUNTRIES.length]);

  switch (field.type) {
    case "id":
      return (i) => obj.store.idOf(i);
    case "boolean":
      return (i) => (mix(seed, i) & 1) === 1;
    case "int":
    case "long":
    case "double":
    case "currency":
    case "percent": {
      const num = numberGenerator(field.name, field.type);
      return maybeNull((i) => num(mix(seed, i), i));
    }
    case "date":
      return maybeNull((i) =>
        new Date(GENERATED_FROM - 20 * 365 * 86_400_000 + (mix(seed, i) % (23 * 365)) * 86_400_000)
          .toISOString()
          .slice(0, 10),
      );
    case "datetime":
      return maybeNull((i) => isoSeconds(GENERATED_FROM + (mix(seed, i) % SPAN_SECONDS) * 1000));
    case "time":
      return maybeNull((i) => {
        const s = mix(seed, i) % 86_400;
        return `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}.000Z`;
      });
    case "picklist":
    case "combobox": {
      const values = picklistValues(field);
      return maybeNull((i) => values[mix(seed, i) % values.length]);
    }
    case "multipicklist": {
      const values = picklistValues(field);
      return maybeNull((i) => {
        const h = mix(seed, i);
        const a = values[h % values.length]!;
        const b = values[(h >>> 7) % values.length]!;
        return a === b ? a : `${a};${b}`;
      });
    }
    case "reference":
      return maybeNull(referenceGenerator(org, field, seed));
    case "email":
      return maybeNull((i) => `user.${i}@example.com`);
    case "phone":
      return maybeNull((i) => {
        const h = mix(seed, i);
        return `+1 (555) ${pad(h % 1000, 3)}-${pad((h >>> 10) % 10_000, 4)}`;
      });
    case "url":
      return maybeNull((i) => `https://www.example.com/${obj.name.toLowerCase()}/${i}`);
    case "base64":
      return maybeNull((i) => Buffer.from(`blob ${obj.name} ${i}`).toString("base64"));
    case "anyType":
      return maybeNull((i) => `Value ${i}`);
    case "complexvalue":
      return maybeNull((i) => ({ label: `complex ${i}`, size: i % 7 }));
    case "json":
      return maybeNull((i) => JSON.stringify({ n: i, tag: `t${i % 5}` }));
    case "encryptedstring":
      return maybeNull((i) => `secret-${i}`);
    case "datacategorygroupreference":
      return maybeNull((i) => `Category_${i % 4}`);
    case "address":
      return maybeNull((i) => {
        const h = mix(seed, i);
        return {
          city: CITIES[h % CITIES.length],
          country: "US",
          geocodeAccuracy: null,
          latitude: LATITUDE(h, i),
          longitude: LONGITUDE(h >>> 1, i),
          postalCode: pad(h % 100_000, 5),
          state: "CA",
          street: `${i} Main St, Suite "${h % 100}"`,
        };
      });
    case "location":
      return maybeNull((i) => {
        const h = mix(seed, i);
        return {
          latitude: LATITUDE(h, i),
          longitude: LONGITUDE(h >>> 1, i),
        };
      });
    default:
      // string, textarea and any type we do not know: text.
      return maybeNull((i) => textValue(field, mix(seed, i), i));
  }
}

/** References point at existing rows of a target object in this org (null if none is in the org). */
function referenceGenerator(org: Org, field: FieldModel, seed: number): Generator {
  let targets: ObjectModel[] | undefined; // resolved on first use: the whole org exists by then
  return (i) => {
    targets ??= field.referenceTo.map((t) => org.get(t)).filter((o): o is ObjectModel => !!o && o.store.baseCount > 0);
    if (!targets.length) return null;
    const h = mix(seed, i);
    const target = targets[h % targets.length]!;
    return target.store.idOf((h >>> 3) % target.store.baseCount);
  };
}
