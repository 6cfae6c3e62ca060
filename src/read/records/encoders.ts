// Encoders, chosen once per column from its schema. `text` takes a non-empty string (a CSV cell or
// a REST string value); `value` takes any REST value. Both return JSON text. A value that does not
// fit the declared type becomes null with one warning per column (never the value: it may be
// personal data, and this goes to the logs).
import type { JsonSchema } from "../../protocol/types.js";
import type { Log } from "../../log.js";
import { normalizeDate, normalizeDateTime, normalizeTime } from "../../util/datetime.js";
import {
  CANONICAL_INTEGER,
  canonicalNumber,
  DECIMAL,
  integerText,
  isAbsent,
  jsonString,
  stripAttributes,
  type NulCounter,
} from "./values.js";

export interface Encoder {
  readonly text: (text: string) => string;
  readonly value: (value: unknown) => string;
}

/** Counts the NUL characters removed from a column's text (the column, how many). */
export type ColumnNulCounter = (column: string, removed: number) => void;

export function encoderFor(schema: JsonSchema, column: string, warn: Log["warn"], onNul?: ColumnNulCounter): Encoder {
  const tags = typeTags(schema).filter((tag) => tag !== "null");
  const only = tags.length === 1 ? tags[0] : undefined;
  const invalid = nullOnceWarned(warn, column, only ?? tags.join("/"));
  const nul: NulCounter | undefined = onNul && ((removed) => onNul(column, removed));
  switch (only) {
    case "integer":
      return integerEncoder(invalid);
    case "number":
      return numberEncoder(invalid);
    case "boolean":
      return booleanEncoder(invalid);
    case "string":
      if (schema["format"] === "date-time") return normalizingEncoder(normalizeDateTime, invalid);
      if (schema["format"] === "date") return normalizingEncoder(normalizeDate, invalid);
      return schema["format"] === "time" ? normalizingEncoder(normalizeTime, invalid) : stringEncoder(nul);
    case "object":
      // A compound field (address, location): each declared part is typed like a field of its own.
      if (declaredProperties(schema) !== undefined) return compoundEncoder(schema, column, warn, onNul, invalid);
      return anyEncoder(new Set(tags), invalid, nul);
    default:
      // Unions (anyType, json), objects without declared parts and schemas without a type.
      return anyEncoder(new Set(tags.length === 0 ? ["string"] : tags), invalid, nul);
  }
}

export function typeTags(schema: JsonSchema): string[] {
  const type = schema["type"];
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? type.filter((tag): tag is string => typeof tag === "string") : [];
}

/** Returns "null" for an invalid value, warning the first time only. */
function nullOnceWarned(warn: Log["warn"], column: string, expected: string): () => string {
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

/**
 * An encoder of one JSON type. `text` reads a CSV cell, and a REST string value the same way (REST
 * may send a number as text); `native` writes a REST value of the type's own JavaScript kind, or
 * returns undefined for one that does not fit. Absent REST values are null, everything else invalid.
 */
function typedEncoder(
  text: (text: string) => string,
  native: (value: unknown) => string | undefined,
  invalid: () => string,
): Encoder {
  return {
    text,
    value: (value) => {
      if (isAbsent(value)) return "null";
      if (typeof value === "string") return text(value);
      return native(value) ?? invalid();
    },
  };
}

/** Text as it is (less NUL characters, counted by `nul`); a REST object or number becomes its text. */
export function stringEncoder(nul?: NulCounter): Encoder {
  return {
    text: nul === undefined ? jsonString : (text) => jsonString(text, nul),
    value: (value) => {
      if (isAbsent(value)) return "null";
      if (typeof value === "string") return jsonString(value, nul);
      if (typeof value === "object") return jsonString(JSON.stringify(stripAttributes(value, nul)));
      return jsonString(String(value));
    },
  };
}

export const STRING_ENCODER: Encoder = stringEncoder();

function declaredProperties(schema: JsonSchema): Record<string, JsonSchema> | undefined {
  const properties = schema["properties"];
  if (properties === null || typeof properties !== "object" || Object.keys(properties).length === 0) return undefined;
  return properties as Record<string, JsonSchema>;
}

/**
 * A compound value (REST: `{"latitude": 37.7, "longitude": -122.4}`; a CSV cell would hold its JSON):
 * each declared part goes through the encoder of its own schema, so a latitude `n/a` is null with one
 * warning naming `Geo__c.latitude`, as a component field's would be. Parts the schema does not
 * declare pass through; keys keep Salesforce's order.
 */
function compoundEncoder(
  schema: JsonSchema,
  column: string,
  warn: Log["warn"],
  onNul: ColumnNulCounter | undefined,
  invalid: () => string,
): Encoder {
  const parts = new Map(
    Object.entries(declaredProperties(schema)!).map(([key, part]) => [
      key,
      encoderFor(part, `${column}.${key}`, warn, onNul),
    ]),
  );
  const nul: NulCounter | undefined = onNul && ((removed) => onNul(column, removed));
  const value = (input: unknown): string => {
    if (isAbsent(input)) return "null";
    if (typeof input !== "object" || Array.isArray(input)) return invalid();
    let out = "{";
    for (const [key, part] of Object.entries(input as Record<string, unknown>)) {
      const encoder = parts.get(key);
      if (encoder === undefined && key === "attributes") continue;
      const json = encoder ? encoder.value(part) : JSON.stringify(stripAttributes(part, nul) ?? null);
      out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${json}`;
    }
    return `${out}}`;
  };
  const text = (cell: string): string => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(cell);
    } catch {
      return invalid();
    }
    return value(parsed);
  };
  return { text, value };
}

function integerEncoder(invalid: () => string): Encoder {
  // Plain digits stay as written: exact even beyond 2^53 (a Salesforce long has up to 18 digits).
  // Other integral spellings (+5, 007, 5.0, 1e3) go through a double.
  const text = (s: string): string => {
    if (CANONICAL_INTEGER.test(s)) return s === "-0" ? "0" : s;
    if (!DECIMAL.test(s)) return invalid();
    const n = Number(s);
    return Number.isInteger(n) ? integerText(n) : invalid();
  };
  return typedEncoder(
    text,
    (value) => (typeof value === "number" && Number.isInteger(value) ? integerText(value) : undefined),
    invalid,
  );
}

function numberEncoder(invalid: () => string): Encoder {
  return typedEncoder(
    (s) => canonicalNumber(s) ?? invalid(),
    (value) => (typeof value === "number" && Number.isFinite(value) ? String(value) : undefined),
    invalid,
  );
}

function booleanEncoder(invalid: () => string): Encoder {
  const text = (s: string): string => {
    if (s === "true" || s === "false") return s;
    const lower = s.toLowerCase();
    return lower === "true" || lower === "false" ? lower : invalid();
  };
  return typedEncoder(text, (value) => (typeof value === "boolean" ? String(value) : undefined), invalid);
}

/** Strings of one form (date, datetime, time): each value is normalised, or null with a warning. */
function normalizingEncoder(normalize: (text: string) => string | undefined, invalid: () => string): Encoder {
  const text = (s: string): string => {
    const normalized = normalize(s);
    // The normalised forms contain only digits and -:.TZ+, nothing to escape.
    return normalized === undefined ? invalid() : `"${normalized}"`;
  };
  // A datetime has no JavaScript kind of its own in REST JSON: only strings are read.
  return typedEncoder(text, () => undefined, invalid);
}

/**
 * For a union (anyType: string|number|boolean; json: any) or an object (address). REST values pass
 * through as they are. A CSV cell has lost its type: JSON text is parsed when the schema admits an
 * object or array (json/complexvalue fields), otherwise it is a string when the schema admits one,
 * and only then tried as a number or boolean.
 */
function anyEncoder(tags: ReadonlySet<string>, invalid: () => string, nul?: NulCounter): Encoder {
  const admitsJson = tags.has("object") || tags.has("array");
  const text = (s: string): string => {
    if (admitsJson && (s.startsWith("{") || s.startsWith("["))) {
      try {
        return JSON.stringify(stripAttributes(JSON.parse(s), nul));
      } catch {
        // Not JSON after all: treat as text below.
      }
    }
    if (tags.has("string")) return jsonString(s, nul);
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
          return jsonString(value, nul);
        case "number":
          return Number.isFinite(value) ? String(value) : invalid();
        case "boolean":
          return value ? "true" : "false";
        case "object":
          return JSON.stringify(stripAttributes(value, nul));
        default:
          return invalid();
      }
    },
  };
}
