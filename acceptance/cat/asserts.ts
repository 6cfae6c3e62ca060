// Port of connector_acceptance_test/utils/asserts.py: verify_records_schema validates each record
// against its stream's json_schema with Draft7ValidatorWithStrictInteger (an `integer` must be a
// Python int: 1.0 is not) and CustomFormatChecker, i.e. jsonschema's default FormatChecker() with
// `date-time` replaced by CAT's own check. The formats that matter for connectors:
//   date-time  timestamp_regex (date, "T" or space, H:M:S, optional fraction, anything) and
//              pendulum.parse(value, strict=False) succeeds
//   date       ^\d{4}-\d{2}-\d{2}$ and a real calendar date (datetime.date.fromisoformat)
//   time       datetime.strptime(value, "%H:%M:%S"): no fraction, no zone ("19:02:01.000Z" fails)
//   email      contains "@";  ipv4 / ipv6 / regex / uuid as Python's ipaddress, re, uuid parse them
// Formats jsonschema only checks with optional packages CAT does not install (hostname, uri, ...)
// are not checked, as there.
import { isIPv4, isIPv6 } from "node:net";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isPyFloat } from "./python.js";

type Dict = Record<string, unknown>;

// r"^\d{4}-\d?\d-\d?\d(\s|T)\d?\d:\d?\d:\d?\d(.\d+)?.*$"
const TIMESTAMP_REGEX = /^\d{4}-\d?\d-\d?\d(\s|T)\d?\d:\d?\d:\d?\d(.\d+)?.*$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * pendulum.parse(value, strict=False) on what timestamp_regex let through: pendulum's ISO 8601
 * parser, then dateutil's. Both need real field values, and after the time only a zone: Z, UTC,
 * GMT or an offset (+HH, +HHMM, +HH:MM).
 */
function pendulumParses(value: string): boolean {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[T\s](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?(.*)$/.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  return /^\s*(?:[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/.test(m[7]!);
}

export function checkDateTime(value: string): boolean {
  return TIMESTAMP_REGEX.test(value) && pendulumParses(value);
}

export function checkDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = m.slice(1).map(Number) as [number, number, number];
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

/** datetime.strptime(value, "%H:%M:%S") */
export function checkTime(value: string): boolean {
  return /^(?:2[0-3]|[0-1]\d|\d):(?:[0-5]\d|\d):(?:6[0-1]|[0-5]\d|\d)$/.test(value);
}

function checkRegex(value: string): boolean {
  try {
    new RegExp(value, "u");
    return true;
  } catch {
    return false;
  }
}

function checkUuid(value: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value);
}

export const CAT_FORMATS: Record<string, (value: string) => boolean> = {
  "date-time": checkDateTime,
  date: checkDate,
  time: checkTime,
  email: (v) => v.includes("@"),
  "idn-email": (v) => v.includes("@"),
  ipv4: isIPv4,
  ipv6: isIPv6,
  regex: checkRegex,
  uuid: checkUuid,
};

function catAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
  for (const [name, check] of Object.entries(CAT_FORMATS)) ajv.addFormat(name, { type: "string", validate: check });
  return ajv;
}

let shared: Ajv | undefined;
const ajvForRecords = (): Ajv => (shared ??= catAjv());

/** jsonschema.Draft7Validator.check_schema(schema): the schema is valid against draft-07's meta-schema. */
export function draft7SchemaProblem(schema: unknown): string | undefined {
  const ajv = ajvForRecords();
  if (ajv.validateSchema(schema as object) as boolean) return undefined;
  return formatErrors(ajv.errors);
}

export function formatErrors(errors: ErrorObject[] | null | undefined, max = 3): string {
  const list = (errors ?? []).map((e) => {
    const where = e.instancePath || "/";
    return `${where} ${e.message ?? e.keyword} (schema path ${e.schemaPath})`;
  });
  return list.length > max ? `${list.slice(0, max).join("; ")} (and ${list.length - max} more)` : list.join("; ");
}

/** Strict integer: where a schema allows integer but not number, a float literal is an error. */
function strictIntegerErrors(
  schema: unknown,
  container: unknown,
  key: string | number,
  path: string,
  out: string[],
): void {
  if (schema === null || typeof schema !== "object") return;
  const s = schema as Dict;
  const value = (container as Record<string | number, unknown>)[key];
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (typeof value === "number" && types.includes("integer") && !types.includes("number") && isPyFloat(container, key))
    out.push(`${path || "/"} ${value} is not of type 'integer' (it was written as a float)`);
  if (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    s.properties &&
    typeof s.properties === "object"
  )
    for (const [k, sub] of Object.entries(s.properties as Dict))
      if (Object.hasOwn(value, k)) strictIntegerErrors(sub, value, k, `${path}/${k}`, out);
  if (Array.isArray(value) && s.items && typeof s.items === "object" && !Array.isArray(s.items))
    value.forEach((_, i) => strictIntegerErrors(s.items, value, i, `${path}/${i}`, out));
}

export interface RecordLike {
  stream: string;
  data: Dict;
}

export interface ConfiguredStreamLike {
  stream: { name: string; json_schema: Dict };
}

/**
 * verify_records_schema(records, catalog): for each stream with an invalid record, its errors keyed
 * by schema path (one entry per distinct schema path, the first record's error for it).
 */
export function verifyRecordsSchema(
  records: readonly RecordLike[],
  catalog: { streams: readonly ConfiguredStreamLike[] },
): Map<string, Map<string, string>> {
  const validators = new Map<string, ValidateFunction>();
  const errors = new Map<string, Map<string, string>>();
  const add = (stream: string, schemaPath: string, message: string): void => {
    const map = errors.get(stream) ?? new Map<string, string>();
    if (!map.has(schemaPath)) map.set(schemaPath, message);
    errors.set(stream, map);
  };
  for (const configured of catalog.streams) {
    try {
      validators.set(configured.stream.name, ajvForRecords().compile(configured.stream.json_schema));
    } catch (error) {
      add(configured.stream.name, "(schema)", `json_schema does not compile: ${(error as Error).message}`);
    }
  }
  for (const [index, record] of records.entries()) {
    const validate = validators.get(record.stream);
    if (!validate) continue; // CAT logs "Received record from the `x` stream, which is not in the catalog."
    if (!validate(record.data))
      for (const e of validate.errors ?? [])
        add(
          record.stream,
          e.schemaPath,
          `record ${index + 1}: ${e.instancePath || "/"} ${e.message ?? e.keyword}${describeValue(record.data, e.instancePath)}`,
        );
    const strict: string[] = [];
    const schema = catalog.streams.find((s) => s.stream.name === record.stream)!.stream.json_schema;
    strictIntegerErrors(schema, { data: record.data }, "data", "", strict);
    for (const message of strict)
      add(record.stream, `integer:${message.split(" ")[0]}`, `record ${index + 1}: ${message}`);
  }
  return errors;
}

function describeValue(data: unknown, pointer: string): string {
  let node = data;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node === undefined || (typeof node === "object" && node !== null) ? "" : ` (value ${JSON.stringify(node)})`;
}
