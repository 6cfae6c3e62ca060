// The Meltano Singer SDK's standard tap tests, ported to run against a tap as a process.
//
// Ported from meltano/sdk at 136de07 (v0.55.0a5+1, 2026-08-08), `singer_sdk/testing/`:
//   tap_tests.py  every test class: TapCLIPrintsTest … AttributeNotNullTest (names, checks, messages)
//   suites.py     the three tap suites (tap_tests, tap_stream_tests, tap_stream_attribute_tests)
//   factory.py    test ids: `test_<suite kind>_<test name>`, parametrised by stream name and by
//                 `<stream>.<property>` over the properties each attribute test's `evaluate` accepts
//   templates.py  what a stream test sees (the stream's records), non_null_attribute_values,
//                 ignore_no_records
//   runners.py    TapTestRunner: one sync of every stream (a dry run with max_records_limit records a
//                 stream), messages split into SCHEMA / RECORD / STATE
//   config.py     SuiteConfig defaults (max_records_limit 150)
// and the helpers they call: singer_sdk/helpers/_typing.py (is_boolean_type, is_integer_type,
// is_number_type, is_object_type, is_null_type, is_date_or_datetime_type, with their quirks: a
// string `type` is tested by substring, a schema without `type`/`anyOf` is "undetectable"),
// singer_sdk/helpers/_compat.py (datetime_fromisoformat = Python 3.11's datetime.fromisoformat),
// singer_sdk/typing.py (DEFAULT_JSONSCHEMA_VALIDATOR = Draft202012Validator).
//
// The SDK runs a tap class in-process; a tap in another language is a process, so:
// - "a new tap" is the executable with --config; its streams are the entries of `--discover`.
// - the dry run selects every stream (the SDK forces `selected` on each) and keeps the first
//   max_records_limit records of each stream (the SDK stops reading there).
// - TapStreamConnectionTest (a dry run of one record a stream) is the same sync: it must succeed.
// - TapDiscoveryTest re-creates the tap "with the discovered catalog": the tap run with
//   `--catalog <discovered>` (nothing selected) must succeed.
// Where the SDK's check is weaker than its intent, this port checks the intent (a tap passing it
// passes the SDK's too): StreamPrimaryKeysTest builds generator objects, so its uniqueness count is
// always equal and its KeyError is never caught; here keys must exist, be unique and non-null.
// TapValidFinalStateTest looks for `progress_markers` among the STATE message's own keys; here
// anywhere in the message. Record validation checks the formats python-jsonschema checks when its
// optional format libraries are installed (date-time and time need rfc3339-validator).
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { ProcessRun } from "../helpers/cli.js";

export interface SuiteConfig {
  /** Max records a stream's tests see (the SDK's dry-run record limit); null: all. */
  maxRecordsLimit: number | null;
  ignoreNoRecords: boolean;
  ignoreNoRecordsForStreams: string[];
}

export const DEFAULT_SUITE_CONFIG: SuiteConfig = {
  maxRecordsLimit: 150,
  ignoreNoRecords: false,
  ignoreNoRecordsForStreams: [],
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Message {
  type: string;
  [key: string]: unknown;
}

export interface CatalogEntry {
  tap_stream_id: string;
  stream: string;
  schema: JsonObject;
  metadata: Array<{ breadcrumb: string[]; metadata: Record<string, unknown> }>;
}

/** A discovered stream, as the SDK's Stream object presents it to the tests. */
export interface Stream {
  name: string;
  /** The stream's own (discovered) schema: `Stream.schema`. */
  schema: JsonObject;
  primaryKeys: string[];
}

/** Runs the tap executable with these arguments. */
export type TapCommand = (args: string[]) => Promise<ProcessRun>;

export class AssertionFailure extends Error {
  override name = "AssertionError";
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}

// ---------------------------------------------------------------------------------------------
// runners.py: TapTestRunner
// ---------------------------------------------------------------------------------------------

export class TapTestRunner {
  catalog: { streams: CatalogEntry[] } = { streams: [] };
  streams: Stream[] = [];
  rawMessages: Message[] = [];
  schemaMessages: Message[] = [];
  recordMessages: Message[] = [];
  stateMessages: Message[] = [];
  /** Records by stream name, at most maxRecordsLimit each. */
  records = new Map<string, JsonObject[]>();
  /** The dry run's process outcome (for TapStreamConnectionTest). */
  syncRun: ProcessRun | undefined;
  /** Warnings the SDK's tests raise with warnings.warn (they do not fail a test). */
  readonly warnings: string[] = [];

  constructor(
    readonly tap: TapCommand,
    readonly configPath: string,
    readonly writeFile: (name: string, content: unknown) => string,
    readonly suiteConfig: SuiteConfig = DEFAULT_SUITE_CONFIG,
  ) {}

  /** `--discover`: the tap's streams. */
  async discover(): Promise<ProcessRun> {
    const run = await this.tap(["--config", this.configPath, "--discover"]);
    check(run.code === 0, `--discover exited ${run.code}: ${run.stderr.slice(-500)}`);
    this.catalog = JSON.parse(run.stdout) as { streams: CatalogEntry[] };
    this.streams = this.catalog.streams.map((entry) => ({
      name: entry.stream,
      schema: entry.schema,
      primaryKeys: tableKeyProperties(entry),
    }));
    return run;
  }

  /** The dry run: every stream selected (its fields by their metadata's defaults). */
  async syncAll(): Promise<void> {
    const selected = {
      streams: this.catalog.streams.map((entry) => ({
        ...entry,
        metadata: entry.metadata.map((m) =>
          m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected: true } } : m,
        ),
      })),
    };
    const catalogPath = this.writeFile("dry-run-catalog.json", selected);
    this.syncRun = await this.tap(["--config", this.configPath, "--catalog", catalogPath]);
    this.parseRecords(cleanSyncOutput(this.syncRun.stdout));
  }

  private parseRecords(messages: Message[]): void {
    const limit = this.suiteConfig.maxRecordsLimit;
    this.rawMessages = messages;
    for (const message of messages) {
      if (message.type === "STATE") this.stateMessages.push(message);
      else if (message.type === "SCHEMA") this.schemaMessages.push(message);
      else if (message.type === "RECORD") {
        const stream = message.stream as string;
        this.recordMessages.push(message);
        const list = this.records.get(stream) ?? [];
        if (limit === null || list.length < limit) list.push(message.record as JsonObject);
        this.records.set(stream, list);
      }
    }
  }

  /** `stream.stream_maps[-1].transformed_schema`: the schema the tap announced (SCHEMA message). */
  transformedSchema(stream: Stream): JsonObject {
    const message = this.schemaMessages.find((m) => m.stream === stream.name);
    check(message, `No SCHEMA message for stream '${stream.name}'.`);
    return message.schema as JsonObject;
  }

  streamRecords(stream: Stream): JsonObject[] {
    return this.records.get(stream.name) ?? [];
  }
}

function cleanSyncOutput(raw: string): Message[] {
  return raw
    .trim()
    .split("\n")
    .filter((line) => line)
    .map((line) => JSON.parse(line) as Message);
}

function tableKeyProperties(entry: CatalogEntry): string[] {
  const top = entry.metadata.find((m) => m.breadcrumb.length === 0)?.metadata ?? {};
  const keys = top["table-key-properties"];
  return Array.isArray(keys) ? (keys as string[]) : [];
}

// ---------------------------------------------------------------------------------------------
// tap_tests.py
// ---------------------------------------------------------------------------------------------

export interface TestCase {
  /** pytest's id: `test_<kind>_<name>` or `test_<kind>_<name>[<param>]`. */
  id: string;
  run(): Promise<void> | void;
}

interface TapTest {
  name: string;
  test(runner: TapTestRunner): Promise<void> | void;
}

export const TAP_TESTS: TapTest[] = [
  {
    // TapCLIPrintsTest: print_version, print_about, print_about(output_format="json").
    name: "cli_prints",
    async test(runner) {
      for (const args of [["--version"], ["--about"], ["--about", "--format", "json"]]) {
        const run = await runner.tap(args);
        check(run.code === 0 && run.stdout.length > 0, `${args.join(" ")} exited ${run.code}: ${run.stderr}`);
      }
      JSON.parse((await runner.tap(["--about", "--format", "json"])).stdout);
    },
  },
  {
    // TapDiscoveryTest: discovery, then a new tap created with the discovered catalog.
    name: "discovery",
    async test(runner) {
      const discovered = await runner.tap(["--config", runner.configPath, "--discover"]);
      check(discovered.code === 0, `--discover exited ${discovered.code}: ${discovered.stderr}`);
      const catalogPath = runner.writeFile("discovered.json", JSON.parse(discovered.stdout));
      const tap2 = await runner.tap(["--config", runner.configPath, "--catalog", catalogPath]);
      check(tap2.code === 0, `the tap with the discovered catalog exited ${tap2.code}: ${tap2.stderr}`);
    },
  },
  {
    // TapStreamConnectionTest: run_connection_test, a dry run of every stream.
    name: "stream_connections",
    test(runner) {
      const run = runner.syncRun;
      check(run && run.code === 0, `the sync of every stream exited ${run?.code}: ${run?.stderr.slice(-1000)}`);
    },
  },
  {
    // TapValidFinalStateTest.
    name: "valid_final_state",
    test(runner) {
      const finalState = runner.stateMessages.at(-1);
      check(finalState, "list index out of range (no STATE message)");
      check(!JSON.stringify(finalState).includes('"progress_markers"'), "Final state has in-progress markers.");
    },
  },
];

interface StreamContext {
  runner: TapTestRunner;
  config: SuiteConfig;
  stream: Stream;
  records: JsonObject[];
  ignoreNoRecords: boolean;
}

interface StreamTest {
  name: string;
  test(ctx: StreamContext): void;
}

const keysOf = (records: JsonObject[]): Set<string> => new Set(records.flatMap((r) => Object.keys(r)));

export const STREAM_TESTS: StreamTest[] = [
  {
    // StreamCatalogSchemaMatchesRecordTest: only warns.
    name: "transformed_catalog_schema_matches_record",
    test({ runner, stream, records }) {
      if (records.length === 0) return;
      const recordKeys = keysOf(records);
      const diff = Object.keys(runner.transformedSchema(stream).properties as JsonObject).filter(
        (k) => !recordKeys.has(k),
      );
      if (diff.length > 0)
        runner.warnings.push(`${stream.name}: Fields in transformed catalog but not in records: (${diff.join(", ")})`);
    },
  },
  {
    // StreamRecordMatchesStreamSchema: Draft 2020-12 with the format checker.
    name: "record_matches_stream_schema",
    test({ stream, records }) {
      const validate = recordValidator(stream.schema);
      for (const record of records) {
        if (validate(record)) continue;
        const messages = (validate.errors ?? [])
          .filter((e) => e.instancePath !== "")
          .map((e) => `${e.message} (path: ${e.instancePath.slice(1).replace(/\//g, ".")})`);
        check(false, `Record does not match stream schema: ${messages.join("\n")}`);
      }
    },
  },
  {
    // StreamRecordSchemaMatchesCatalogTest.
    name: "record_schema_matches_transformed_catalog",
    test({ runner, stream, records }) {
      const catalogKeys = new Set(Object.keys(runner.transformedSchema(stream).properties as JsonObject));
      const diff = [...keysOf(records)].filter((k) => !catalogKeys.has(k));
      check(diff.length === 0, `Fields in records but not in transformed catalog: (${diff.join(", ")})`);
    },
  },
  {
    // StreamReturnsRecordTest (skipped, as pytest.skip, when no records are expected).
    name: "returns_record",
    test({ stream, records, ignoreNoRecords }) {
      if (ignoreNoRecords) return;
      check(records.length > 0, `No records returned in stream '${stream.name}'.`);
    },
  },
  {
    // StreamSchemaIsValidTest: Draft202012Validator.check_schema.
    name: "schema_is_valid",
    test({ stream }) {
      const valid = metaValidator.validateSchema(as202012(stream.schema));
      check(valid, `Schema is not valid: ${metaValidator.errorsText()}`);
    },
  },
  {
    // StreamPrimaryKeysTest (its intent: see the header).
    name: "primary_keys",
    test({ stream, records }) {
      const ids: Json[][] = [];
      for (const record of records) {
        const missing = stream.primaryKeys.find((k) => !(k in record));
        check(missing === undefined, `Record missing primary key: '${missing}'`);
        ids.push(stream.primaryKeys.map((k) => record[k]!));
      }
      const unique = new Set(ids.map((id) => JSON.stringify(id))).size;
      check(
        unique === records.length,
        `Length of set of records IDs (${unique}) is not equal to number of records (${records.length}).`,
      );
      check(
        ids.every((id) => id.every((k) => k !== null)),
        "Primary keys contain some key values that are null.",
      );
    },
  },
];

interface AttributeContext extends StreamContext {
  attributeName: string;
  /** templates.py non_null_attribute_values (warns when there are none). */
  values(): Json[];
}

interface AttributeTest {
  name: string;
  evaluate(propertySchema: JsonObject): boolean;
  test(ctx: AttributeContext): void;
}

/** The SDK's "each non-null value can be cast" tests: is_boolean, is_integer, is_numeric, is_object. */
function castTest(
  name: string,
  evaluate: (schema: JsonObject) => boolean | undefined,
  accepts: (v: Json) => boolean,
  typeName: string,
): AttributeTest {
  return {
    name,
    evaluate: (schema) => Boolean(evaluate(schema)),
    test(ctx) {
      for (const v of ctx.values()) check(accepts(v), `Unable to cast value ('${pythonStr(v)}') to ${typeName} type.`);
    },
  };
}

export const ATTRIBUTE_TESTS: AttributeTest[] = [
  // AttributeIsBooleanTest: isinstance(v, bool) or str(v).lower() in {"true", "false"}.
  castTest(
    "is_boolean",
    isBooleanType,
    (v) => typeof v === "boolean" || ["true", "false"].includes(pythonStr(v).toLowerCase()),
    "boolean",
  ),
  {
    // AttributeIsDateTimeTest.
    name: "is_datetime",
    evaluate: (schema) => isDateOrDatetimeType(schema),
    test(ctx) {
      for (const v of ctx.values()) {
        check(
          typeof v === "string" && pythonDatetimeFromIsoformat(v),
          `Unable to parse value ('${pythonStr(v)}') with datetime parser.`,
        );
      }
    },
  },
  // AttributeIsIntegerTest: isinstance(v, int) or isinstance(int(v), int).
  castTest("is_integer", isIntegerType, pythonIntAccepts, "int"),
  // AttributeIsNumberTest: isinstance(v, (float, int)); a bool is an int in Python.
  castTest("is_numeric", isNumberType, (v) => typeof v === "number" || typeof v === "boolean", "float"),
  // AttributeIsObjectTest: isinstance(v, dict).
  castTest("is_object", isObjectType, isPlainObject, "dict"),
  {
    // AttributeNotNullTest: applies to every property not typed nullable (also an undetectable type).
    name: "not_null",
    evaluate: (schema) => !isNullType(schema),
    test({ records, attributeName }) {
      for (const r of records) {
        check(
          r[attributeName] !== undefined && r[attributeName] !== null,
          `Detected null values for attribute ('${attributeName}').`,
        );
      }
    },
  },
];

/** The test cases of the three tap suites, as factory.py names and parametrises them. */
export function standardTapTests(runner: TapTestRunner, config: SuiteConfig = runner.suiteConfig): TestCase[] {
  const cases: TestCase[] = TAP_TESTS.map((t) => ({ id: `test_tap_${t.name}`, run: () => t.test(runner) }));
  const context = (stream: Stream): StreamContext => ({
    runner,
    config,
    stream,
    records: runner.streamRecords(stream),
    ignoreNoRecords: config.ignoreNoRecords || config.ignoreNoRecordsForStreams.includes(stream.name),
  });
  for (const t of STREAM_TESTS) {
    for (const stream of runner.streams) {
      cases.push({ id: `test_tap_stream_${t.name}[${stream.name}]`, run: () => t.test(context(stream)) });
    }
  }
  for (const t of ATTRIBUTE_TESTS) {
    for (const stream of runner.streams) {
      const properties = runner.transformedSchema(stream).properties as Record<string, JsonObject>;
      for (const [attributeName, propertySchema] of Object.entries(properties)) {
        if (!t.evaluate(propertySchema)) continue;
        cases.push({
          id: `test_tap_stream_attribute_${t.name}[${stream.name}.${attributeName}]`,
          run: () => {
            const ctx = context(stream);
            t.test({
              ...ctx,
              attributeName,
              values: () => {
                const values = ctx.records
                  .map((r) => r[attributeName])
                  .filter((v): v is Json => v !== undefined && v !== null);
                if (values.length === 0 && !ctx.ignoreNoRecords)
                  runner.warnings.push("No records were available to test.");
                return values;
              },
            });
          },
        });
      }
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// helpers/_typing.py
// ---------------------------------------------------------------------------------------------

/** Python's `needle in haystack` for a schema `type`: membership in a list, substring in a string. */
function pyIn(needle: string, haystack: unknown): boolean {
  if (Array.isArray(haystack)) return haystack.includes(needle);
  return typeof haystack === "string" && haystack.includes(needle);
}

/** The shared shape of is_boolean_type, is_integer_type, is_string_type, is_null_type, is_number_type. */
function hasJsonType(schema: JsonObject, jsonType: string): boolean | undefined {
  if (!("anyOf" in schema) && !("type" in schema)) return undefined; // could not detect the type
  const options = "anyOf" in schema ? (schema.anyOf as Json[]) : [schema.type ?? null];
  for (const option of options) {
    const schemaType = isPlainObject(option) ? (option.type ?? []) : option;
    if (pyIn(jsonType, schemaType) || schemaType === jsonType) return true;
  }
  return false;
}

export function isBooleanType(schema: JsonObject): boolean | undefined {
  return hasJsonType(schema, "boolean");
}
export function isIntegerType(schema: JsonObject): boolean | undefined {
  return hasJsonType(schema, "integer");
}
export function isNumberType(schema: JsonObject): boolean | undefined {
  return hasJsonType(schema, "number");
}
export function isNullType(schema: JsonObject): boolean | undefined {
  return hasJsonType(schema, "null");
}

export function isObjectType(schema: JsonObject): boolean | undefined {
  if (!("anyOf" in schema) && !("type" in schema)) return undefined;
  const options = "anyOf" in schema ? (schema.anyOf as Json[]) : [schema.type ?? null];
  return options.some((t) => pyIn("object", t) || t === "object");
}

export function isDateOrDatetimeType(schema: JsonObject): boolean {
  if (Object.keys(schema).length === 0) throw new Error("EmptySchemaTypeError");
  if ("anyOf" in schema) return (schema.anyOf as JsonObject[]).some(isDateOrDatetimeType);
  if ("allOf" in schema) return (schema.allOf as JsonObject[]).every(isDateOrDatetimeType);
  if ("oneOf" in schema) return (schema.oneOf as JsonObject[]).some(isDateOrDatetimeType);
  if ("type" in schema) return schema.format === "date" || schema.format === "date-time";
  throw new Error(`Could not detect type of replication key using schema '${JSON.stringify(schema)}'`);
}

// ---------------------------------------------------------------------------------------------
// Python semantics the checks rely on
// ---------------------------------------------------------------------------------------------

/** `str(v)` of the value json.loads gives. */
function pythonStr(v: Json): string {
  if (v === true) return "True";
  if (v === false) return "False";
  if (v === null) return "None";
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : JSON.stringify(v);
}

/** `int(v)` succeeds: an int (bool included), a float (truncated), or an integer literal string. */
function pythonIntAccepts(v: Json): boolean {
  if (typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  return typeof v === "string" && /^\s*[+-]?\d+(_\d+)*\s*$/.test(v);
}

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const DATE = String.raw`(\d{4})-?(?:(\d{2})-?(\d{2})|W(\d{2})-?([1-7])?)`;
const TIME = String.raw`(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?`;
const OFFSET = String.raw`(?:Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)`;
const ISO = new RegExp(`^${DATE}(?:.${TIME}(${OFFSET})?)?$`, "su");

/** Python 3.11+ `datetime.fromisoformat`: ISO 8601 dates and date-times (any single-char separator). */
export function pythonDatetimeFromIsoformat(text: string): boolean {
  const m = ISO.exec(text);
  if (!m) return false;
  const [, year, month, day, week, , hour, minute, second] = m;
  if (week !== undefined) {
    if (Number(week) < 1 || Number(week) > 53) return false;
  } else {
    const mm = Number(month);
    const lastDay = new Date(Date.UTC(Number(year), mm, 0)).getUTCDate();
    if (mm < 1 || mm > 12 || Number(day) < 1 || Number(day) > lastDay) return false;
  }
  if (Number(year) < 1) return false;
  return (
    (hour === undefined || Number(hour) <= 23) &&
    (minute === undefined || Number(minute) <= 59) &&
    (second === undefined || Number(second) <= 59)
  );
}

// python-jsonschema's Draft202012Validator: check_schema against the 2020-12 meta-schema, and
// validation with its format checker. The class decides the dialect, whatever `$schema` says.
const metaValidator = new Ajv2020({ strict: false, validateFormats: false });
const formatAjv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(formatAjv);

function as202012(schema: JsonObject): JsonObject {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

function recordValidator(schema: JsonObject) {
  return formatAjv.compile(as202012(schema));
}
