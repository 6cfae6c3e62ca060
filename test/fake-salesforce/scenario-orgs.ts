// Orgs for the sync-engine scenarios: many small custom objects whose changes spread over the last
// N days (the `many-small` benchmark), a wide object whose full REST SELECT does not fit in a URI,
// and the "N updates per object" step between syncs.
import { CONTENT_DOCUMENT_LINK_FILTER } from "./default-org.js";
import { hashString, makeId, mix } from "./ids.js";
import type { ObjectSpecInternal } from "./org.js";
import type { FakeFieldSpec, FakeObjectSpec, FakeSalesforce } from "./types.js";

const DAY_MS = 86_400_000;
/** The describe builder's default picklist values. */
const STATUSES = ["Alpha", "Beta", "Gamma, Delta", "Ünïcode"];

const SYSTEM_FIELDS: FakeFieldSpec[] = [
  { name: "IsDeleted", type: "boolean" },
  { name: "CreatedDate", type: "datetime" },
  { name: "LastModifiedDate", type: "datetime" },
  { name: "SystemModstamp", type: "datetime" },
];

/** Second precision, like Salesforce's stored timestamps. */
const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString();

export interface ManySmallOptions {
  /** Default 20. */
  objects?: number;
  /** Rows per object, default 300. */
  rows?: number;
  /** SystemModstamp of every row falls in the `days` days before `now`; default 100. */
  days?: number;
  /** Epoch ms the window ends at; default Date.now(). */
  now?: number;
  /** Object names are `${prefix}01__c`, ...; default "Small". */
  prefix?: string;
}

/**
 * Custom objects with a handful of typed fields and `rows` rows each, every row's
 * CreatedDate <= LastModifiedDate <= SystemModstamp inside the last `days` days (second precision,
 * deterministic per object and row). Pass them as `extraObjects` (or `objects`).
 */
export function buildManySmallObjects(options: ManySmallOptions = {}): FakeObjectSpec[] {
  const count = options.objects ?? 20;
  const rows = options.rows ?? 300;
  const until = options.now ?? Date.now();
  const from = until - (options.days ?? 100) * DAY_MS;
  const spanSeconds = Math.max(1, Math.floor((until - from) / 1000) - 1);
  const width = String(count).length < 2 ? 2 : String(count).length;
  return Array.from({ length: count }, (_, k) => {
    const name = `${options.prefix ?? "Small"}${String(k + 1).padStart(width, "0")}__c`;
    const seed = hashString(name);
    return {
      name,
      fields: [
        { name: "Id", type: "id" },
        { name: "Name", type: "string", length: 80 },
        { name: "Status__c", type: "picklist" },
        { name: "Amount__c", type: "currency" },
        { name: "Quantity__c", type: "int" },
        { name: "Active__c", type: "boolean" },
        { name: "Due__c", type: "date" },
        ...SYSTEM_FIELDS,
      ],
      records: () =>
        Array.from({ length: rows }, (_, i) => {
          const h = mix(seed, i);
          const stamp = from + 1000 + (h % spanSeconds) * 1000;
          const created = from + (mix(seed ^ 0x1111, i) % Math.max(1, Math.floor((stamp - from) / 1000))) * 1000;
          return {
            Name: `${name.slice(0, -3)} row ${i}`,
            Status__c: STATUSES[h % STATUSES.length],
            Amount__c: (mix(seed ^ 0x2222, i) % 10_000_000) / 100,
            Quantity__c: mix(seed ^ 0x3333, i) % 1000,
            Active__c: (h & 1) === 1,
            Due__c: new Date(from + (mix(seed ^ 0x4444, i) % 200) * DAY_MS).toISOString().slice(0, 10),
            CreatedDate: isoSeconds(created),
            LastModifiedDate: isoSeconds(stamp),
            SystemModstamp: isoSeconds(stamp),
          };
        }),
    };
  });
}

/**
 * Updates `perObject` rows of each object, spread over its rows, one `fake.update` call per row (so
 * each gets its own SystemModstamp, now()). Returns the updated Ids by object.
 */
export function updateRowsPerObject(
  fake: FakeSalesforce,
  objects: string[],
  perObject = 5,
  changes: Record<string, unknown> = {},
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const object of objects) {
    const ids = [...fake.records(object)].filter((r) => r.IsDeleted !== true).map((r) => r.Id as string);
    const step = Math.max(1, Math.floor(ids.length / perObject));
    const picked = ids.filter((_, i) => i % step === 0).slice(0, perObject);
    for (const id of picked) fake.update(object, [id], changes);
    out[object] = picked;
  }
  return out;
}

const WIDE_TYPES = ["string", "double", "boolean", "date", "datetime", "picklist", "currency", "textarea"];

/**
 * A custom object with `fieldCount` custom fields named like real ones (`Customer_Attribute_0001__c`,
 * 26 characters), so a REST `SELECT` of all of them is longer than the 16,384-byte URI limit from
 * about 520 fields on. Pair with `records` for its rows (default 50 generated).
 */
export function buildWideObject(name = "Wide__c", fieldCount = 600, records = 50): FakeObjectSpec {
  const fields: FakeFieldSpec[] = [
    { name: "Id", type: "id" },
    { name: "Name", type: "string", length: 80 },
  ];
  for (let i = 1; i <= fieldCount; i++) {
    const type = WIDE_TYPES[i % WIDE_TYPES.length]!;
    fields.push({ name: `Customer_Attribute_${String(i).padStart(4, "0")}__c`, type });
  }
  return { name, fields: [...fields, ...SYSTEM_FIELDS], records };
}

export interface TiedStampsOptions {
  name?: string;
  /** Default 2,500. */
  rows?: number;
  /** Rows `[tiedFrom, tiedFrom + tiedCount)` (in Id and cursor order) share one SystemModstamp. */
  tiedFrom?: number;
  /** Default 21: with the defaults rows 1,990..2,010 tie, across the first 2,000-row REST page. */
  tiedCount?: number;
  /** The last row's stamp is one second before this; default Date.now(). */
  now?: number;
}

/**
 * An object whose rows' SystemModstamp rise one second per row in Id order, except a block of rows
 * that share one stamp: with the defaults, the block straddles the boundary of the first 2,000-row
 * REST page of `ORDER BY SystemModstamp, Id`, so a client that resumes with `> last cursor` loses rows.
 */
export function buildTiedStampsObject(options: TiedStampsOptions = {}): FakeObjectSpec {
  const rows = options.rows ?? 2_500;
  const tiedFrom = options.tiedFrom ?? 1_990;
  const tiedCount = options.tiedCount ?? 21;
  const first = (options.now ?? Date.now()) - rows * 1000;
  const stampOf = (i: number): number =>
    first + (i < tiedFrom ? i : i < tiedFrom + tiedCount ? tiedFrom : i - tiedCount + 1) * 1000;
  return {
    name: options.name ?? "Tied__c",
    fields: [{ name: "Id", type: "id" }, { name: "Name", type: "string", length: 80 }, ...SYSTEM_FIELDS],
    records: () =>
      Array.from({ length: rows }, (_, i) => {
        const stamp = isoSeconds(stampOf(i));
        return { Name: `Tied row ${i}`, CreatedDate: stamp, LastModifiedDate: stamp, SystemModstamp: stamp };
      }),
  };
}

export interface ContentDocumentsOptions {
  /** Default 500. */
  documents?: number;
  /** ContentDocumentLink rows per document (each document shared with this many records); default 2. */
  linksPerDocument?: number;
  /** Stamps fall in the `days` days before `now`; defaults 30 and Date.now(). */
  days?: number;
  now?: number;
}

/**
 * Files: `documents` ContentDocument rows (key prefix 069) and `linksPerDocument` ContentDocumentLink
 * rows (06A) per document, linked to Accounts (001...) by LinkedEntityId. ContentDocumentLink refuses a
 * query without a filter on Id, ContentDocumentId or LinkedEntityId, as Salesforce does. Pass both as
 * `extraObjects` (they replace the default org's ContentDocumentLink).
 */
export function buildContentDocuments(options: ContentDocumentsOptions = {}): FakeObjectSpec[] {
  const documents = options.documents ?? 500;
  const perDocument = options.linksPerDocument ?? 2;
  const until = options.now ?? Date.now();
  const span = (options.days ?? 30) * DAY_MS;
  const stamp = (seed: number, i: number): string => isoSeconds(until - 1000 - (mix(seed, i) % span));
  const documentSeed = hashString("ContentDocument");
  const linkSeed = hashString("ContentDocumentLink");
  const document: FakeObjectSpec = {
    name: "ContentDocument",
    fields: [
      { name: "Id", type: "id" },
      { name: "Title", type: "string", length: 255 },
      { name: "FileType", type: "string", length: 20 },
      { name: "ContentSize", type: "int" },
      ...SYSTEM_FIELDS,
    ],
    globalAttributes: { keyPrefix: "069" },
    records: () =>
      Array.from({ length: documents }, (_, i) => {
        const at = stamp(documentSeed, i);
        return {
          Title: `Document ${i}`,
          FileType: ["PDF", "PNG", "WORD_X"][i % 3],
          ContentSize: mix(documentSeed, i) % 5_000_000,
          CreatedDate: at,
          LastModifiedDate: at,
          SystemModstamp: at,
        };
      }),
  };
  const link: ObjectSpecInternal = {
    name: "ContentDocumentLink",
    fields: [
      { name: "Id", type: "id" },
      {
        name: "LinkedEntityId",
        type: "reference",
        referenceTo: ["Account", "User"],
        relationshipName: "LinkedEntity",
        polymorphicForeignKey: true,
        nillable: false,
      },
      {
        name: "ContentDocumentId",
        type: "reference",
        referenceTo: ["ContentDocument"],
        relationshipName: "ContentDocument",
        nillable: false,
      },
      { name: "IsDeleted", type: "boolean" },
      { name: "SystemModstamp", type: "datetime" },
      { name: "ShareType", type: "picklist" },
      { name: "Visibility", type: "picklist" },
    ],
    globalAttributes: { keyPrefix: "06A" },
    requiredFilter: CONTENT_DOCUMENT_LINK_FILTER,
    records: () =>
      Array.from({ length: documents * perDocument }, (_, i) => ({
        ContentDocumentId: makeId("069", Math.floor(i / perDocument)),
        LinkedEntityId: makeId("001", i % 50),
        ShareType: "V",
        Visibility: "AllUsers",
        SystemModstamp: stamp(linkSeed, i),
      })),
  };
  return [document, link];
}

export interface FormulaObjectOptions {
  /** Default "Deal__c". */
  name?: string;
  /** Default 200. */
  rows?: number;
  /** Stamps fall in the `days` days before an hour before `now`; defaults 10 and Date.now(). */
  days?: number;
  now?: number;
}

/**
 * A custom object with two formula fields (describe `calculated: true` with its `calculatedFormula`):
 * `Discounted__c` (Amount__c times the parent Account's discount: changes when the Account does) and
 * `Age_Days__c` (days since creation: changes every day). `fake.recalculate(name, ids, values)` gives
 * them new values without moving SystemModstamp, as Salesforce computes formulas when they are read.
 */
export function buildFormulaObject(options: FormulaObjectOptions = {}): FakeObjectSpec {
  const name = options.name ?? "Deal__c";
  const rows = options.rows ?? 200;
  const until = options.now ?? Date.now();
  const span = (options.days ?? 10) * DAY_MS;
  const seed = hashString(name);
  return {
    name,
    fields: [
      { name: "Id", type: "id" },
      { name: "Name", type: "string", length: 80 },
      { name: "Amount__c", type: "currency" },
      {
        name: "Discounted__c",
        type: "currency",
        calculated: true,
        calculatedFormula: "Amount__c * (1 - Account__r.Discount__c)",
        createable: false,
        updateable: false,
      },
      {
        name: "Age_Days__c",
        type: "double",
        calculated: true,
        calculatedFormula: "TODAY() - DATEVALUE(CreatedDate)",
        createable: false,
        updateable: false,
      },
      ...SYSTEM_FIELDS,
    ],
    records: () =>
      Array.from({ length: rows }, (_, i) => {
        // At least an hour old: outside a later sync's default 10-minute lookback.
        const at = isoSeconds(until - 3_600_000 - (mix(seed, i) % span));
        const amount = (mix(seed ^ 0x2222, i) % 1_000_000) / 100;
        return {
          Name: `${name.slice(0, -3)} ${i}`,
          Amount__c: amount,
          Discounted__c: Math.round(amount * 90) / 100,
          Age_Days__c: Math.floor((until - Date.parse(at)) / DAY_MS),
          CreatedDate: at,
          LastModifiedDate: at,
          SystemModstamp: at,
        };
      }),
  };
}
