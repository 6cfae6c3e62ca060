// The ported Singer SDK tests (meltano-sdk.ts) can fail: each runs here on a canned tap whose
// output breaks the rule it checks, and on one that keeps it.
import { describe, expect, it } from "vitest";
import type { ProcessRun } from "../helpers/cli.js";
import {
  pythonDatetimeFromIsoformat,
  standardTapTests,
  TapTestRunner,
  type CatalogEntry,
  type JsonObject,
} from "./meltano-sdk.js";

const ok = (stdout: string): ProcessRun => ({ code: 0, stdout, stderr: "" });

/** A canned tap: one stream `s` with `properties`, whose sync prints `messages`. */
async function runnerFor(
  properties: Record<string, JsonObject>,
  records: JsonObject[],
  options: { states?: unknown[]; keys?: string[]; schemaProperties?: Record<string, JsonObject>; exit?: number } = {},
) {
  const entry: CatalogEntry = {
    tap_stream_id: "s",
    stream: "s",
    schema: { type: "object", properties },
    metadata: [{ breadcrumb: [], metadata: { "table-key-properties": options.keys ?? ["Id"] } }],
  };
  const sync = [
    { type: "SCHEMA", stream: "s", schema: { type: "object", properties: options.schemaProperties ?? properties } },
    ...records.map((record) => ({ type: "RECORD", stream: "s", record })),
    ...(options.states ?? [{ bookmarks: { s: { at: "2024-01-01T00:00:00Z" } } }]).map((value) => ({
      type: "STATE",
      value,
    })),
  ]
    .map((m) => JSON.stringify(m))
    .join("\n");
  const tap = async (args: string[]): Promise<ProcessRun> => {
    if (args.includes("--discover")) return ok(JSON.stringify({ streams: [entry] }));
    if (args.includes("--catalog")) return { ...ok(sync), code: options.exit ?? 0 };
    return { ...ok(args.includes("json") ? "{}" : "text"), code: options.exit ?? 0 };
  };
  const runner = new TapTestRunner(tap, "config.json", (name) => name);
  await runner.discover();
  await runner.syncAll();
  return runner;
}

async function outcome(runner: TapTestRunner, id: string): Promise<string> {
  const found = standardTapTests(runner).find((t) => t.id === id);
  if (!found) return "not collected";
  try {
    await found.run();
    return "pass";
  } catch (error) {
    return (error as Error).message;
  }
}

const id = { type: ["null", "string"] };

describe("ported attribute tests", () => {
  const cases: Array<[string, JsonObject, JsonObject[], RegExp | "pass" | "not collected"]> = [
    ["is_boolean", { type: ["null", "string", "number", "boolean"] }, [{ v: "Value 1" }], /to boolean type/],
    ["is_boolean", { type: ["null", "boolean"] }, [{ v: true }, { v: "False" }], "pass"],
    ["is_boolean", { type: ["null", "string"] }, [{ v: "x" }], "not collected"],
    ["is_numeric", { type: ["null", "string", "number", "boolean"] }, [{ v: "1" }], /to float type/],
    ["is_numeric", { type: ["null", "number"] }, [{ v: 1.5 }, { v: 2 }], "pass"],
    ["is_integer", { type: ["null", "integer"] }, [{ v: "1.5" }], /to int type/],
    ["is_integer", { type: ["null", "integer"] }, [{ v: 1.5 }, { v: "12" }], "pass"],
    ["is_datetime", { type: ["null", "string"], format: "date-time" }, [{ v: "2024-02-30" }], /datetime parser/],
    ["is_datetime", { type: ["null", "string"], format: "date" }, [{ v: 20240101 }], /datetime parser/],
    ["is_datetime", { type: ["null", "string"], format: "date-time" }, [{ v: "2024-02-29T10:00:00.000Z" }], "pass"],
    ["is_object", { type: ["null", "object", "string"] }, [{ v: "x" }], /to dict type/],
    ["is_object", { type: ["null", "object"] }, [{ v: { a: 1 } }], "pass"],
    ["not_null", { type: "string" }, [{ v: "a" }, { v: null }], /null values/],
    ["not_null", { type: "string" }, [{ v: "a" }], "pass"],
    ["not_null", { type: ["null", "string"] }, [{ v: null }], "not collected"],
  ];
  for (const [name, schema, rows, expected] of cases) {
    it(`${name} on ${JSON.stringify(schema)} with ${JSON.stringify(rows)}: ${String(expected)}`, async () => {
      const records = rows.map((r, i) => ({ Id: `a${i}`, ...r }));
      const runner = await runnerFor({ Id: id, v: schema }, records);
      const result = await outcome(runner, `test_tap_stream_attribute_${name}[s.v]`);
      if (expected instanceof RegExp) expect(result).toMatch(expected);
      else expect(result).toBe(expected);
    });
  }
});

describe("ported stream and tap tests", () => {
  const props = { Id: id, n: { type: ["null", "integer"] }, at: { type: ["null", "string"], format: "date-time" } };
  const good = [
    { Id: "a", n: 1, at: "2024-01-01T00:00:00.000Z" },
    { Id: "b", n: null, at: null },
  ];

  it("all pass on a tap that keeps every rule", async () => {
    const runner = await runnerFor(props, good);
    const results = await Promise.all(standardTapTests(runner).map(async (t) => [t.id, await outcome(runner, t.id)]));
    expect(results.filter(([, r]) => r !== "pass")).toEqual([]);
  });

  const failing: Array<[string, () => Promise<TapTestRunner>, RegExp]> = [
    [
      "test_tap_stream_record_matches_stream_schema[s]",
      () => runnerFor(props, [{ Id: "a", n: "1", at: null }]),
      /Record does not match stream schema: must be null,integer \(path: n\)/,
    ],
    [
      "test_tap_stream_record_matches_stream_schema[s]",
      () => runnerFor(props, [{ Id: "a", n: 1, at: "2024-01-01 00:00" }]),
      /must match format "date-time"/,
    ],
    [
      "test_tap_stream_record_schema_matches_transformed_catalog[s]",
      () => runnerFor(props, [{ Id: "a", extra: 1 }]),
      /Fields in records but not in transformed catalog: \(extra\)/,
    ],
    ["test_tap_stream_returns_record[s]", () => runnerFor(props, []), /No records returned in stream 's'/],
    [
      "test_tap_stream_schema_is_valid[s]",
      () => runnerFor({ Id: { type: "text" } }, [{ Id: "a" }]),
      /Schema is not valid/,
    ],
    [
      "test_tap_stream_primary_keys[s]",
      () => runnerFor(props, [{ Id: "a" }, { Id: "a" }]),
      /Length of set of records IDs \(1\) is not equal to number of records \(2\)/,
    ],
    ["test_tap_stream_primary_keys[s]", () => runnerFor(props, [{ Id: null }]), /key values that are null/],
    ["test_tap_stream_primary_keys[s]", () => runnerFor(props, [{ n: 1 }]), /Record missing primary key: 'Id'/],
    [
      "test_tap_valid_final_state",
      () => runnerFor(props, good, { states: [{ bookmarks: { s: { progress_markers: {} } } }] }),
      /in-progress markers/,
    ],
    ["test_tap_valid_final_state", () => runnerFor(props, good, { states: [] }), /no STATE message/],
    ["test_tap_stream_connections", () => runnerFor(props, good, { exit: 1 }), /exited 1/],
    ["test_tap_cli_prints", () => runnerFor(props, good, { exit: 2 }), /--version exited 2/],
  ];
  for (const [testId, make, expected] of failing) {
    it(`${testId} fails: ${expected.source}`, async () => {
      expect(await outcome(await make(), testId)).toMatch(expected);
    });
  }
});

describe("datetime_fromisoformat (Python 3.11+)", () => {
  it("accepts ISO 8601 dates and date-times, rejects what Python rejects", () => {
    for (const good of ["2024-01-01", "20240101", "2024-01-01T10:20:30.123Z", "2024-01-01 10:20", "2024-W01-2"])
      expect(pythonDatetimeFromIsoformat(good), good).toBe(true);
    for (const bad of ["2024-1-1", "2024-02-30", "2024-01-01T25:00", "01/02/2024", "", "2024-01-01T10:20:30+5"])
      expect(pythonDatetimeFromIsoformat(bad), bad).toBe(false);
  });
});
