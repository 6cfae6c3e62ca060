// Record conversion for `read`: Bulk CSV rows and REST JSON records -> the record's data as a JSON
// string, ready for MessageWriter.record (records are serialised once, here).
//
// Both converters compile the same plan from an ordered column list (the CSV header, or the SELECT
// field list for REST) and the stream schema, and share every value encoder, so the same
// Salesforce data gives byte-identical JSON whichever API served it:
// - keys come in column order (= SELECT order: Salesforce writes Bulk columns in SELECT order); a
//   nested relationship object sits where its first column is;
// - empty CSV fields, REST nulls and REST empty strings are all `null` (CSV cannot tell them apart);
// - numbers are written as JavaScript writes the double (what JSON.parse of a REST body gives);
// - datetimes are one ISO-8601 UTC form, YYYY-MM-DDTHH:mm:ss.sssZ;
// - times are HH:mm:ss, with .sss only when the milliseconds are not zero (normalizeTime).
//
// Columns are matched to schema properties exactly, not case-insensitively: `read` builds the SELECT
// from the schema's property names, and Salesforce echoes the SELECT field names in the CSV header
// (and uses the API names as REST JSON keys), so a case mismatch means a column the schema lacks.
import type { JsonSchema, Warn } from "../catalog/json-schema.js";

/** A stream's JSON schema (the catalog's json_schema): `properties` maps field names to schemas. */
export type JsonSchemaObject = JsonSchema;
export type { Warn };

export type CsvRecordConverter = (row: readonly string[]) => string;
export type RestRecordConverter = (record: Readonly<Record<string, unknown>>) => string;

/**
 * Shape of dotted relationship columns (`Owner.Name`). Nested (`"Owner":{"Name":"x"}`, the REST
 * shape) when the stream schema declares `Owner` as an object whose `properties` has `Name`; flat
 * (`"Owner.Name":"x"`) otherwise, e.g. for query streams, whose schema declares `Owner.Name` itself.
 * A nested parent whose every column is empty is `null`, as REST returns an empty reference; REST
 * records get the same rule (a parent with only null fields is `null`) so both APIs agree.
 */
export const RELATIONSHIP_COLUMN_SHAPE = "nested-if-schema-declares-parent-else-flat-dotted-keys" as const;

/**
 * Converter for one Bulk results page: built once per header (cheap), then called per row. A row
 * shorter than the header reads the missing cells as empty (null).
 */
export function createCsvRecordConverter(
  schema: JsonSchemaObject,
  header: readonly string[],
  warn: Warn,
): CsvRecordConverter {
  // A UTF-8 byte order mark would otherwise stick to the first column's name.
  const columns = header.map((name, i) => (i === 0 && name.startsWith("\uFEFF") ? name.slice(1) : name));
  return renderObject(buildPlan(schema, columns, warn), csvLeaf, false);
}

/**
 * Every page of a Bulk job has its own header, normally the same one: this reuses the converter
 * while the header is unchanged, so encoders warn once per column per stream, not once per page.
 */
export function createCsvRecordConverterCache(
  schema: JsonSchemaObject,
  warn: Warn,
): (header: readonly string[]) => CsvRecordConverter {
  let cachedHeader: readonly string[] | undefined;
  let cached: CsvRecordConverter | undefined;
  return (header) => {
    if (cached === undefined || cachedHeader === undefined || !sameColumns(cachedHeader, header)) {
      cached = createCsvRecordConverter(schema, header, warn);
      cachedHeader = [...header];
    }
    return cached;
  };
}

/**
 * Converter for REST query records. `fields` is the SELECT field list, in SELECT order (dotted for
 * relationship fields); it decides which keys are written and in what order, as the CSV header does
 * for Bulk. `attributes` never reaches the output: relationship objects are read field by field,
 * and objects passed through whole (compound address/location, sub-query results) lose it too.
 */
export function createRestRecordConverter(
  schema: JsonSchemaObject,
  fields: readonly string[],
  warn: Warn,
): RestRecordConverter {
  return renderObject(buildPlan(schema, fields, warn), restLeaf, false);
}

/** One-off REST conversion; build the converter once per stream with createRestRecordConverter instead. */
export function convertRestRecord(
  record: Readonly<Record<string, unknown>>,
  schema: JsonSchemaObject,
  fields: readonly string[],
  warn: Warn,
): string {
  return createRestRecordConverter(schema, fields, warn)(record);
}

// ---------------------------------------------------------------------------------------------
// Plan: the output tree compiled from the column list and the schema.

interface Leaf {
  readonly kind: "leaf";
  /** Output key (relative to its parent object). */
  readonly name: string;
  /** Index in the CSV header / field list. */
  readonly column: number;
  /** Path of the value in a REST record: Owner.Name is record.Owner.Name whether written nested or flat. */
  readonly path: readonly string[];
  readonly encoder: Encoder;
}

interface Group {
  readonly kind: "group";
  readonly name: string;
  readonly children: PlanNode[];
}

type PlanNode = Leaf | Group;

function buildPlan(schema: JsonSchema, columns: readonly string[], warn: Warn): PlanNode[] {
  const top: PlanNode[] = [];
  const columnSet = new Set(columns);
  const undeclared: string[] = [];
  columns.forEach((column, index) => {
    // Also the value's path in a REST record: Owner.Name is record.Owner.Name, nested or flat.
    const path = column.split(".");
    let container = top;
    let containerSchema = schema;
    // Walk down while the schema declares the next segment as a nestable parent object. A parent
    // that is itself selected as a column stays flat, or the object would have the key twice.
    for (let depth = 0; ; depth++) {
      const rest = path.slice(depth).join(".");
      const declared = propertySchema(containerSchema, rest);
      if (declared !== undefined) {
        container.push(leaf(rest, index, path, encoderFor(declared, column, warn)));
        return;
      }
      const head = path[depth] ?? "";
      const parentSchema = propertySchema(containerSchema, head);
      const parentPath = path.slice(0, depth + 1).join(".");
      if (
        depth === path.length - 1 ||
        parentSchema === undefined ||
        !isNestable(parentSchema) ||
        columnSet.has(parentPath)
      ) {
        // Kept as text, as Bulk gives it; REST values are written as text too so both APIs agree.
        undeclared.push(column);
        container.push(leaf(rest, index, path, STRING_ENCODER));
        return;
      }
      container = findOrAddGroup(container, head).children;
      containerSchema = parentSchema;
    }
  });
  if (undeclared.length > 0)
    warn(
      `Salesforce returned field(s) the stream schema does not declare: ${undeclared.join(", ")}. ` +
        `They are emitted as strings.`,
    );
  return top;
}

function leaf(name: string, column: number, path: readonly string[], encoder: Encoder): Leaf {
  return { kind: "leaf", name, column, path, encoder };
}

function findOrAddGroup(container: PlanNode[], name: string): Group {
  const existing = container.find((node): node is Group => node.kind === "group" && node.name === name);
  if (existing) return existing;
  const group: Group = { kind: "group", name, children: [] };
  container.push(group);
  return group;
}

function propertySchema(schema: JsonSchema, name: string): JsonSchema | undefined {
  const properties = schema["properties"];
  if (properties === null || typeof properties !== "object" || !Object.hasOwn(properties, name)) return undefined;
  const property = (properties as Record<string, unknown>)[name];
  return property !== null && typeof property === "object" ? (property as JsonSchema) : undefined;
}

/** An object property with declared properties: a relationship parent we can write as a nested object. */
function isNestable(schema: JsonSchema): boolean {
  const properties = schema["properties"];
  return typeTags(schema).includes("object") && properties !== null && typeof properties === "object";
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Rendering: each node becomes a function of the input (CSV row or REST record) returning JSON text.

type Render<T> = (input: T) => string;

const csvLeaf = (node: Leaf): Render<readonly string[]> => {
  const column = node.column;
  const text = node.encoder.text;
  // `cell ?` is false for "" (empty = null) and for a cell missing from a short row.
  return (row) => {
    const cell = row[column];
    return cell ? text(cell) : "null";
  };
};

const restLeaf = (node: Leaf): Render<Readonly<Record<string, unknown>>> => {
  const encode = node.encoder.value;
  const path = node.path;
  const first = path[0] ?? "";
  if (path.length === 1) return (record) => encode(record[first]);
  return (record) => {
    let value: unknown = record;
    for (const key of path) {
      if (value === null || typeof value !== "object") return "null";
      value = (value as Record<string, unknown>)[key];
    }
    return encode(value);
  };
};

/**
 * Writes an object from precomputed key prefixes (`"Name":`, comma included after the first) and
 * one renderer per key. A nested relationship (nullWhenEmpty) with nothing but nulls is `null`.
 */
function renderObject<T>(
  nodes: readonly PlanNode[],
  renderLeaf: (node: Leaf) => Render<T>,
  nullWhenEmpty: boolean,
): Render<T> {
  const prefixes = nodes.map((node, i) => `${i === 0 ? "" : ","}${JSON.stringify(node.name)}:`);
  const renders = nodes.map((node) =>
    node.kind === "leaf" ? renderLeaf(node) : renderObject(node.children, renderLeaf, true),
  );
  const count = nodes.length;
  if (!nullWhenEmpty)
    return (input) => {
      let out = "{";
      for (let i = 0; i < count; i++) out += (prefixes[i] as string) + (renders[i] as Render<T>)(input);
      return out + "}";
    };
  return (input) => {
    let out = "{";
    let empty = true;
    for (let i = 0; i < count; i++) {
      const value = (renders[i] as Render<T>)(input);
      if (value !== "null") empty = false;
      out += (prefixes[i] as string) + value;
    }
    return empty ? "null" : out + "}";
  };
}

// ---------------------------------------------------------------------------------------------
// Encoders, chosen once per column from its schema. `text` takes a non-empty string (a CSV cell or
// a REST string value); `value` takes any REST value. Both return JSON text. A value that does not
// fit the declared type becomes null with one warning per column (never the value: it may be
// personal data, and this goes to the logs).

interface Encoder {
  readonly text: (text: string) => string;
  readonly value: (value: unknown) => string;
}

function encoderFor(schema: JsonSchema, column: string, warn: Warn): Encoder {
  const tags = typeTags(schema).filter((tag) => tag !== "null");
  const only = tags.length === 1 ? tags[0] : undefined;
  const invalid = nullOnceWarned(warn, column, only ?? tags.join("/"));
  switch (only) {
    case "integer":
      return integerEncoder(invalid);
    case "number":
      return numberEncoder(invalid);
    case "boolean":
      return booleanEncoder(invalid);
    case "string":
      if (schema["format"] === "date-time") return normalizingEncoder(normalizeDateTime, invalid);
      return schema["format"] === "time" ? normalizingEncoder(normalizeTime, invalid) : STRING_ENCODER;
    default:
      // Unions (anyType, json), objects (address, location) and schemas without a type.
      return anyEncoder(new Set(tags.length === 0 ? ["string"] : tags), invalid);
  }
}

function typeTags(schema: JsonSchema): string[] {
  const type = schema["type"];
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? type.filter((tag): tag is string => typeof tag === "string") : [];
}

/** Returns "null" for an invalid value, warning the first time only. */
function nullOnceWarned(warn: Warn, column: string, expected: string): () => string {
  let warned = false;
  return () => {
    if (!warned) {
      warned = true;
      warn(
        `Field ${column}: a value is not a valid ${expected}; it is emitted as null, as is every other ` +
          `invalid value of this field (warned once).`,
      );
    }
    return "null";
  };
}

function isAbsent(value: unknown): value is null | undefined | "" {
  return value === null || value === undefined || value === "";
}

// -- strings

// Characters JSON.stringify would escape or that need a look (surrogates: a lone one is escaped).
// Testing for them and quoting by hand is ~40% faster than JSON.stringify on Node 20 (measured).
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

const STRING_ENCODER: Encoder = {
  text: jsonString,
  value: (value) => {
    if (isAbsent(value)) return "null";
    if (typeof value === "string") return jsonString(value);
    if (typeof value === "object") return jsonString(JSON.stringify(stripAttributes(value)));
    return jsonString(String(value));
  },
};

// -- integers

const CANONICAL_INTEGER = /^-?(?:0|[1-9]\d*)$/;
// What Number() accepts and we accept as a decimal: no hex, no whitespace, no Infinity.
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function integerEncoder(invalid: () => string): Encoder {
  // Plain digits stay as written: exact even beyond 2^53 (a Salesforce long has up to 18 digits).
  // Other integral spellings (+5, 007, 5.0, 1e3) go through a double.
  const text = (s: string): string => {
    if (CANONICAL_INTEGER.test(s)) return s === "-0" ? "0" : s;
    if (!DECIMAL.test(s)) return invalid();
    const n = Number(s);
    return Number.isInteger(n) ? integerText(n) : invalid();
  };
  return {
    text,
    value: (value) => {
      if (isAbsent(value)) return "null";
      if (typeof value === "number") return Number.isInteger(value) ? integerText(value) : invalid();
      return typeof value === "string" ? text(value) : invalid();
    },
  };
}

/** Digits of an integral double: String() switches to exponent form from 1e21. */
function integerText(n: number): string {
  return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
}

// -- numbers

/**
 * Numbers are written as the double JavaScript reads them, the same text JSON.stringify gives a REST
 * value (1.50 -> 1.5, .5 -> 0.5, 1e3 -> 1000), so Bulk and REST agree byte for byte. Like REST, this
 * rounds values of more than 15-17 significant digits. Undefined for anything that is not a finite
 * decimal number.
 */
export function canonicalNumber(text: string): string | undefined {
  const plain = plainDecimal(text);
  if (plain !== undefined) return plain;
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? String(n) : undefined;
}

/**
 * Fast path of canonicalNumber (2-3x cheaper than Number() + String(), measured): a plain decimal
 * `-?digits[.digits]` of at most 15 significant digits, which a double holds to the digit, so
 * String(Number(text)) is the text itself less trailing fraction zeros (and -0 is 0). Undefined
 * when the slow path must decide: leading zeros, exponents, more digits, or below 1e-6 (where
 * JavaScript switches to exponent form).
 */
function plainDecimal(text: string): string | undefined {
  const length = text.length;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const intStart = i;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  const intDigits = i - intStart;
  const zeroInt = intDigits === 1 && text.charCodeAt(intStart) === 48; /* 0 */
  if (intDigits === 0 || (intDigits > 1 && text.charCodeAt(intStart) === 48)) return undefined;
  let end = i; // the kept text ends here: trailing fraction zeros and a bare point go
  let fractionDigits = 0;
  if (i < length) {
    if (text.charCodeAt(i) !== 46 /* . */ || i === length - 1) return undefined;
    const point = i;
    let firstNonZero = -1;
    for (i++; i < length; i++) {
      const c = text.charCodeAt(i);
      if (!isDigit(c)) return undefined;
      if (c !== 48) {
        if (firstNonZero < 0) firstNonZero = i - point - 1;
        end = i + 1;
      }
    }
    if (zeroInt && firstNonZero >= 6) return undefined;
    if (end > point) fractionDigits = end - point - 1;
  }
  if (intDigits + fractionDigits > 15) return undefined;
  const kept = end === length ? text : text.slice(0, end);
  return kept === "-0" ? "0" : kept;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function numberEncoder(invalid: () => string): Encoder {
  const text = (s: string): string => canonicalNumber(s) ?? invalid();
  return {
    text,
    value: (value) => {
      if (isAbsent(value)) return "null";
      if (typeof value === "number") return Number.isFinite(value) ? String(value) : invalid();
      return typeof value === "string" ? text(value) : invalid();
    },
  };
}

// -- booleans

function booleanEncoder(invalid: () => string): Encoder {
  const text = (s: string): string => {
    if (s === "true" || s === "false") return s;
    const lower = s.toLowerCase();
    return lower === "true" || lower === "false" ? lower : invalid();
  };
  return {
    text,
    value: (value) => {
      if (isAbsent(value)) return "null";
      if (typeof value === "boolean") return value ? "true" : "false";
      return typeof value === "string" ? text(value) : invalid();
    },
  };
}

// -- datetimes

const CANONICAL_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
// REST's form: canonical but for the offset.
const UTC_OFFSET_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]00:?00$/;
const ANY_DATETIME =
  /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?(?:(Z)|([+-])(\d\d)(?::?(\d\d))?)?$/i;

/**
 * One ISO-8601 UTC form for every datetime: YYYY-MM-DDTHH:mm:ss.sssZ (Bulk's own form). Accepts
 * `Z`, `+0000`, `+00:00` or any other offset (converted to UTC), seconds and fraction optional (a
 * fraction beyond milliseconds is cut), and no offset at all, read as UTC: Salesforce datetimes are
 * UTC. Returns undefined for anything else or an impossible date.
 */
export function normalizeDateTime(text: string): string | undefined {
  // Fast paths trust the shape: Salesforce does not write impossible dates in its own format.
  if (CANONICAL_DATETIME.test(text)) return text;
  if (UTC_OFFSET_DATETIME.test(text)) return `${text.slice(0, 23)}Z`;
  const m = ANY_DATETIME.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second = "0", fraction = "", zulu, sign, offsetHours, offsetMinutes] = m;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.slice(0, 3).padEnd(3, "0")));
  // Date rolls overflowing fields over (Feb 30 -> Mar 2); a changed field means an invalid input.
  if (
    date.getUTCDate() !== Number(day) ||
    date.getUTCHours() !== Number(hour) ||
    date.getUTCMinutes() !== Number(minute) ||
    date.getUTCSeconds() !== Number(second)
  )
    return undefined;
  if (zulu === undefined && sign !== undefined) {
    const hours = Number(offsetHours);
    const minutes = Number(offsetMinutes ?? "0");
    if (hours > 23 || minutes > 59) return undefined;
    // Local time minus its offset is UTC.
    const offsetMs = (hours * 60 + minutes) * 60_000;
    date.setTime(date.getTime() - (sign === "+" ? offsetMs : -offsetMs));
  }
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

// -- times

const SALESFORCE_TIME = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?Z?$/;

/**
 * A Salesforce time (both APIs write HH:mm:ss.SSSZ) as a time without time zone: Salesforce time
 * values "aren't localized or associated with a time zone" (its docs on time fields), so the "Z" is
 * not an offset and is dropped. HH:mm:ss is what both Airbyte's TimeWithoutTimezone and CAT's
 * format check (strptime "%H:%M:%S") accept; real milliseconds are kept (.sss), as dropping them
 * would lose data. Returns undefined for anything else.
 */
export function normalizeTime(text: string): string | undefined {
  const m = SALESFORCE_TIME.exec(text);
  if (!m) return undefined;
  const [, hour, minute, second = "00", fraction = ""] = m;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  const millis = fraction.slice(0, 3).padEnd(3, "0");
  return `${hour}:${minute}:${second}${millis === "000" ? "" : `.${millis}`}`;
}

/** Strings of one form (datetime, time): each value is normalised, or null with a warning. */
function normalizingEncoder(normalize: (text: string) => string | undefined, invalid: () => string): Encoder {
  const text = (s: string): string => {
    const normalized = normalize(s);
    // The normalised forms contain only digits and -:.TZ+, nothing to escape.
    return normalized === undefined ? invalid() : `"${normalized}"`;
  };
  return {
    text,
    value: (value) => {
      if (isAbsent(value)) return "null";
      return typeof value === "string" ? text(value) : invalid();
    },
  };
}

// -- unions, objects, untyped

/**
 * For a union (anyType: string|number|boolean; json: any) or an object (address). REST values pass
 * through as they are. A CSV cell has lost its type: JSON text is parsed when the schema admits an
 * object or array (json/complexvalue fields), otherwise it is a string when the schema admits one,
 * and only then tried as a number or boolean.
 */
function anyEncoder(tags: ReadonlySet<string>, invalid: () => string): Encoder {
  const admitsJson = tags.has("object") || tags.has("array");
  const text = (s: string): string => {
    if (admitsJson && (s.startsWith("{") || s.startsWith("["))) {
      try {
        return JSON.stringify(JSON.parse(s));
      } catch {
        // Not JSON after all: treat as text below.
      }
    }
    if (tags.has("string")) return jsonString(s);
    if (tags.has("number") || tags.has("integer")) {
      const number = canonicalNumber(s);
      if (number !== undefined) return number;
    }
    if (tags.has("boolean")) {
      const lower = s.toLowerCase();
      if (lower === "true" || lower === "false") return lower;
    }
    return invalid();
  };
  return {
    text,
    value: (value) => {
      if (isAbsent(value)) return "null";
      switch (typeof value) {
        case "string":
          return jsonString(value);
        case "number":
          return Number.isFinite(value) ? String(value) : invalid();
        case "boolean":
          return value ? "true" : "false";
        case "object":
          return JSON.stringify(stripAttributes(value));
        default:
          return invalid();
      }
    },
  };
}

/**
 * Drops the sObject `attributes` ({type, url}) at every level, e.g. in sub-query records. Only an
 * `attributes` that looks like Salesforce's (an object with a string `type`) goes: a json field's
 * own data may use the key.
 */
function stripAttributes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripAttributes);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === "attributes" && isSObjectAttributes(child)) continue;
    out[key] = stripAttributes(child);
  }
  return out;
}

function isSObjectAttributes(value: unknown): boolean {
  return value !== null && typeof value === "object" && typeof (value as { type?: unknown }).type === "string";
}
