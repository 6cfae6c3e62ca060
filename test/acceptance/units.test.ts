// The pieces of the CAT port that carry CAT's (Python's) semantics, checked on their own.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDate, checkDateTime, checkTime, verifyRecordsSchema } from "../../acceptance/cat/asserts.js";
import * as dpath from "../../acceptance/cat/dpath.js";
import { getExpectedSchemaStructure, getObjectStructure } from "../../acceptance/cat/json-schema-helper.js";
import { modelJson, parseAirbyteMessages } from "../../acceptance/cat/models.js";
import { isPyFloat, makeHashable, parsePyJson, pyEqual, pyType } from "../../acceptance/cat/python.js";
import { migrateLegacy, parseAcceptanceConfig, AcceptanceConfigError } from "../../acceptance/config.js";
import { fakePlaceholderValues, placeholdersIn, substitute, TestEnvironment } from "../../acceptance/environment.js";

describe("CAT's format checker (utils/asserts.py CustomFormatChecker)", () => {
  it("time is strptime('%H:%M:%S'): no fraction, no zone", () => {
    expect(checkTime("19:02:01")).toBe(true);
    expect(checkTime("9:2:1")).toBe(true);
    expect(checkTime("19:02:01.000Z")).toBe(false);
    expect(checkTime("19:02:01.000")).toBe(false);
    expect(checkTime("19:02:01Z")).toBe(false);
    expect(checkTime("24:00:00")).toBe(false);
  });

  it("date is YYYY-MM-DD and a real day; date-time is timestamp_regex plus a parseable value", () => {
    expect(checkDate("2024-02-29")).toBe(true);
    expect(checkDate("2023-02-29")).toBe(false);
    expect(checkDate("2024-1-01")).toBe(false);
    for (const ok of ["2024-01-02T03:04:05.000Z", "2024-01-02 03:04:05", "2024-01-02T03:04:05+02:00", "2024-1-2T3:4:5"])
      expect(checkDateTime(ok), ok).toBe(true);
    for (const bad of ["2024-01-02", "2024-13-02T00:00:00Z", "2024-01-02T03:04:05 tomorrow", "03:04:05"])
      expect(checkDateTime(bad), bad).toBe(false);
  });

  it("verify_records_schema: integers are Python ints (1.0 is not), formats checked, errors per schema path", () => {
    const catalog = {
      streams: [
        {
          stream: {
            name: "s",
            json_schema: {
              type: "object",
              properties: {
                n: { type: ["null", "integer"] },
                at: { type: ["null", "string"], format: "time", airbyte_type: "time_without_timezone" },
              },
            },
          },
        },
      ],
    };
    const parse = (line: string) => parseAirbyteMessages(line).messages[0]!.record as never;
    const ok = parse('{"type":"RECORD","record":{"stream":"s","data":{"n":1,"at":"19:02:01"},"emitted_at":1}}');
    expect(verifyRecordsSchema([ok], catalog).size).toBe(0);
    const bad = [
      parse('{"type":"RECORD","record":{"stream":"s","data":{"n":1.0,"at":null},"emitted_at":1}}'),
      parse('{"type":"RECORD","record":{"stream":"s","data":{"n":2,"at":"19:02:01.000Z"},"emitted_at":1}}'),
      parse('{"type":"RECORD","record":{"stream":"s","data":{"n":3,"at":"20:00:00.000Z"},"emitted_at":1}}'),
    ];
    const errors = [...(verifyRecordsSchema(bad, catalog).get("s")?.values() ?? [])];
    expect(errors).toEqual([
      "record 1: /n 1 is not of type 'integer' (it was written as a float)",
      'record 2: /at must match format "time" (value "19:02:01.000Z")',
    ]);
  });
});

describe("Python semantics", () => {
  it("parses JSON as json.loads types it: 1 is an int, 1.0 and 1e2 floats", () => {
    const value = parsePyJson('{"a":1,"b":1.0,"c":[2,2e0],"d":true,"e":"x"}') as Record<string, unknown>;
    expect(value).toEqual({ a: 1, b: 1, c: [2, 2], d: true, e: "x" });
    expect([isPyFloat(value, "a"), isPyFloat(value, "b"), isPyFloat(value.c, 1)]).toEqual([false, true, true]);
    expect(["a", "b", "d", "e"].map((k) => pyType(value, k))).toEqual(["int", "float", "bool", "str"]);
    expect(() => parsePyJson("{bad")).toThrow();
  });

  it("compares as == does and hashes as make_hashable does (order-free)", () => {
    expect(pyEqual({ a: 1, b: [true] }, { b: [1], a: 1.0 })).toBe(true);
    expect(pyEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(makeHashable({ b: [2, 1], a: 1 })).toBe(makeHashable({ a: 1, b: [1, 2] }));
    expect(makeHashable({ a: 1, x: 2 }, ["x"])).toBe(makeHashable({ a: 1 }));
  });
});

describe("airbyte_protocol.models as CAT uses them", () => {
  it("writes a catalog as pydantic's .json(): every field in declaration order, unset ones null, extras last", () => {
    const json = modelJson("ConfiguredAirbyteCatalog", {
      streams: [
        {
          future: 1,
          stream: { name: "s", json_schema: { type: "object" }, supported_sync_modes: ["full_refresh"] },
          sync_mode: "full_refresh",
          destination_sync_mode: "append",
        },
      ],
    });
    expect(JSON.parse(json)).toEqual({
      streams: [
        {
          stream: {
            name: "s",
            json_schema: { type: "object" },
            supported_sync_modes: ["full_refresh"],
            source_defined_cursor: null,
            default_cursor_field: null,
            source_defined_primary_key: null,
            namespace: null,
            is_resumable: null,
            is_file_based: null,
          },
          sync_mode: "full_refresh",
          cursor_field: null,
          destination_sync_mode: "append",
          destination_object_name: null,
          primary_key: null,
          generation_id: null,
          minimum_generation_id: null,
          sync_id: null,
          include_files: null,
          future: 1,
        },
      ],
    });
    expect(Object.keys(JSON.parse(json).streams[0]).at(-1)).toBe("future");
  });

  it("parses output as AirbyteMessage.parse_raw: invalid lines are dropped, null optional fields allowed", () => {
    const { messages, invalid } = parseAirbyteMessages(
      [
        '{"type":"LOG","log":{"level":"INFO","message":"hi"}}',
        "plain text",
        '{"type":"RECORD","record":{"stream":"s","data":{}}}',
        '{"type":"RECORD","record":{"stream":"s","namespace":null,"data":{},"emitted_at":1}}',
      ].join("\n"),
    );
    expect(messages.map((m) => m.type)).toEqual(["LOG", "RECORD"]);
    expect(invalid).toHaveLength(2);
  });
});

describe("dpath and json_schema_helper", () => {
  const schema = {
    type: "object",
    properties: {
      type: { type: "string" },
      creds: { oneOf: [{ type: "object", properties: { key: { type: "string" } } }] },
      list: { type: "array", items: { type: "object", properties: { x: { type: "integer" } } } },
    },
  };

  it("searches globs: ** spans any number of segments, including none; * one", () => {
    expect(dpath.search(schema, "**/type").map(([p]) => p)).toEqual([
      "type",
      "properties/type",
      "properties/type/type",
      "properties/creds/oneOf/0/type",
      "properties/creds/oneOf/0/properties/key/type",
      "properties/list/type",
      "properties/list/items/type",
      "properties/list/items/properties/x/type",
    ]);
    expect(dpath.search(schema, "**/properties/*/type").map(([p]) => p)).toEqual([
      "properties/type/type",
      "properties/creds/oneOf/0/properties/key/type",
      "properties/list/type",
      "properties/list/items/properties/x/type",
    ]);
    expect(dpath.get(schema, "/properties/creds/oneOf/0/properties/key")).toEqual({ type: "string" });
    expect(() => dpath.get(schema, "/properties/nope")).toThrow(dpath.DpathKeyError);
  });

  it("lists the leaf paths a schema expects and the paths a record has", () => {
    expect(getExpectedSchemaStructure(structuredClone(schema))).toEqual(["/type", "/creds/key", "/list/[]/x"]);
    expect(getObjectStructure({ a: { b: 1 }, l: [{ x: 1 }] })).toEqual(["/a", "/a/b", "/l", "/l/[]", "/l/[]/x"]);
  });
});

describe("acceptance-test-config.yml (config.py)", () => {
  const parse = (yaml: string) =>
    parseAcceptanceConfig(`connector_image: x\n${yaml}`, "/tmp/acceptance-test-config.yml");

  it("fills config.py's defaults", () => {
    const config = parse(
      "acceptance_tests:\n  connection:\n    tests:\n      - config_path: c.json\n  basic_read:\n    tests:\n      - expect_records:\n          path: e.jsonl\n",
    );
    expect(config.test_strictness_level).toBe("low");
    expect(config.acceptance_tests.connection?.tests?.[0]?.status).toBe("succeed");
    const read = config.acceptance_tests.basic_read!.tests![0]!;
    expect(read).toMatchObject({
      config_path: "secrets/config.json",
      validate_schema: true,
      validate_state_messages: true,
      fail_on_extra_columns: true,
      expect_trace_message_on_failure: true,
      empty_streams: [],
      expect_records: { path: "e.jsonl", exact_order: false },
    });
    expect(config.baseDir).toBe("/tmp");
  });

  it("applies config.py's validators", () => {
    expect(() =>
      parse("acceptance_tests:\n  basic_read:\n    tests:\n      - expect_records:\n          exact_order: true\n"),
    ).toThrow("A path or a bypass_reason must be set");
    expect(() =>
      parse("acceptance_tests:\n  spec:\n    bypass_reason: x\n    tests:\n      - spec_path: s.json\n"),
    ).toThrow("You can't set a bypass_reason if tests are set.");
    expect(() => parse("acceptance_tests:\n  spec:\n    tests:\n      - nope: 1\n")).toThrow(AcceptanceConfigError);
  });

  it("migrates the legacy layout (tests: at the top) as Config.migrate_legacy_to_current_config does", () => {
    expect(
      migrateLegacy({
        connector_image: "x",
        tests: {
          basic_read: [{ config_path: "c", empty_streams: ["A"] }],
          full_refresh: [{ config_path: "c", ignored_fields: { A: ["f"] } }],
          incremental: [{ config_path: "c", future_state_path: "f" }],
        },
      }),
    ).toEqual({
      connector_image: "x",
      acceptance_tests: {
        basic_read: { tests: [{ config_path: "c", empty_streams: [{ name: "A" }] }] },
        full_refresh: { tests: [{ config_path: "c", ignored_fields: { A: [{ name: "f" }] } }] },
        incremental: { tests: [{ config_path: "c", future_state: { future_state_path: "f" } }] },
      },
    });
  });
});

describe("placeholders", () => {
  it("finds and fills ${NAME} inside strings only, so values need no JSON escaping", () => {
    const config = {
      login_url: "${FAKE_SALESFORCE_URL}",
      credentials: { password: "${FAKE_SALESFORCE_PASSWORD}x" },
      n: 1,
    };
    expect([...placeholdersIn(config)].sort()).toEqual(["FAKE_SALESFORCE_PASSWORD", "FAKE_SALESFORCE_URL"]);
    const values = fakePlaceholderValues({
      url: "http://127.0.0.1:1234",
      credentials: {
        clientId: "id",
        clientSecret: "s",
        refreshToken: "r",
        username: "u",
        password: 'Pa$$"w0rd&<1>',
        securityToken: "t",
      },
    });
    expect(substitute(config, values)).toEqual({
      login_url: "http://127.0.0.1:1234",
      credentials: { password: 'Pa$$"w0rd&<1>x' },
      n: 1,
    });
    expect(() => substitute({ a: "${NOPE}" }, values)).toThrow("no value for placeholder ${NOPE}");
  });

  it("fills other placeholders from the environment, uses a config without any as-is, and starts no fake for them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "placeholders-"));
    writeFileSync(join(dir, "env.json"), JSON.stringify({ credentials: { refresh_token: "${SF_REFRESH_TOKEN}" } }));
    writeFileSync(join(dir, "plain.json"), JSON.stringify({ login_url: "https://acme.my.salesforce.com" }));
    const environment = new TestEnvironment({ SF_REFRESH_TOKEN: "5Aep-real" });
    expect(await environment.loadConfig(join(dir, "env.json"))).toEqual({
      credentials: { refresh_token: "5Aep-real" },
    });
    const plain = await environment.loadConfig(join(dir, "plain.json"));
    expect(plain).toEqual({ login_url: "https://acme.my.salesforce.com" });
    expect(environment.usesFake).toBe(false);
    expect(environment.connectorEnvFor(plain)).toEqual({});
    await expect(new TestEnvironment({}).loadConfig(join(dir, "env.json"))).rejects.toThrow(
      "placeholder ${SF_REFRESH_TOKEN} has no value (set it in the environment)",
    );
  });
});
