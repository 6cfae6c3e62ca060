import { describe, expect, it } from "vitest";
import { migrateLegacy, parseAcceptanceConfig, strictnessProblems } from "../../acceptance/config.js";
import { parseStdout } from "../../acceptance/connector.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakePlaceholderValues, placeholdersIn, substitute, TestEnvironment } from "../../acceptance/environment.js";
import { compareExpectedRecords } from "../../acceptance/expected-records.js";
import { SchemaValidators, schemaAtPath } from "../../acceptance/json-schema.js";
import { compareCursors, minusLookback, parseDurationMs, parseTimestamp, toCursor } from "../../acceptance/values.js";
import type { ConfiguredCatalog } from "../../acceptance/catalog.js";

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

describe("values", () => {
  it("parses ISO durations and Salesforce timestamps", () => {
    expect(parseDurationMs("PT10M")).toBe(600_000);
    expect(parseDurationMs("P1DT1H")).toBe(90_000_000);
    expect(parseDurationMs("10 minutes")).toBeUndefined();
    const iso = Date.UTC(2024, 0, 2, 3, 4, 5);
    expect(parseTimestamp("2024-01-02T03:04:05.000Z")).toBe(iso);
    expect(parseTimestamp("2024-01-02T03:04:05.000+0000")).toBe(iso);
    expect(parseTimestamp("2024-01-02T05:04:05+02:00")).toBe(iso);
    expect(parseTimestamp("2024-01-02")).toBe(Date.UTC(2024, 0, 2));
  });

  it("compares cursors by instant across formats, and applies the lookback to timestamps only", () => {
    const a = toCursor("2024-01-02T03:04:05.000Z")!;
    const b = toCursor("2024-01-02T05:04:05+02:00")!;
    expect(compareCursors(a, b)).toBe(0);
    expect(minusLookback(a, 600_000).text).toBe("2024-01-02T02:54:05.000Z");
    expect(compareCursors(toCursor(5)!, toCursor(12)!)).toBe(-1);
    expect(compareCursors(toCursor(5)!, a)).toBeUndefined();
  });
});

describe("record schemas", () => {
  it("treats x-* and airbyte_* keywords as annotations and reports violations with their path", () => {
    const validate = new SchemaValidators().compile({
      type: "object",
      "x-bulk-unsupported-fields": ["Address"],
      properties: { When: { type: ["null", "string"], format: "date-time", airbyte_type: "timestamp_with_timezone" } },
    });
    expect(validate({ When: "2024-01-02T03:04:05.000Z" })).toBe(true);
    expect(validate({ When: "yesterday" })).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe("/When");
  });

  it("finds nested fields through properties and anyOf branches", () => {
    const schema = {
      properties: { Owner: { anyOf: [{ type: "null" }, { properties: { Name: { type: "string" } } }] } },
    };
    expect(schemaAtPath(schema, ["Owner", "Name"])).toEqual({ type: "string" });
    expect(schemaAtPath(schema, ["Owner", "Email"])).toBeUndefined();
  });
});

describe("expected records", () => {
  const catalog: ConfiguredCatalog = {
    streams: [
      {
        stream: { name: "s", json_schema: {}, supported_sync_modes: ["full_refresh"] },
        sync_mode: "full_refresh",
        destination_sync_mode: "overwrite",
        primary_key: [["Id"]],
      },
    ],
  };
  const read = (rows: Array<Record<string, unknown>>) => new Map([["s", rows.map((data) => ({ stream: "s", data }))]]);

  it("matches by primary key in any order, extra records allowed", () => {
    const expected = [
      { stream: "s", data: { Id: "1", v: 1 } },
      { stream: "s", data: { Id: "2", v: 2 } },
    ];
    expect(
      compareExpectedRecords(expected, read([{ Id: "3" }, { Id: "2", v: 2 }, { Id: "1", v: 1 }]), catalog, false),
    ).toEqual([]);
    expect(
      compareExpectedRecords(
        expected,
        read([
          { Id: "2", v: 2 },
          { Id: "1", v: 1 },
        ]),
        catalog,
        true,
      ),
    ).toEqual(["s: record 2 is out of the expected order"]);
  });

  it("names missing and differing records, and expected streams that are not configured", () => {
    const problems = compareExpectedRecords(
      [
        { stream: "s", data: { Id: "1", v: 1 } },
        { stream: "s", data: { Id: "2", v: 2 } },
        { stream: "other", data: { Id: "9" } },
      ],
      read([{ Id: "1", v: 5 }]),
      catalog,
      false,
    );
    expect(problems).toEqual([
      "s: 1 of 2 expected records not read (2)",
      "s: 1 records differ from the expected ones: 1 (v)",
      "other: has expected records but is not in the configured catalog",
    ]);
  });
});

describe("acceptance config", () => {
  it("migrates the legacy layout (tests: at the top) like Airbyte's suite", () => {
    const migrated = migrateLegacy({
      connector_image: "x",
      tests: { spec: [{ spec_path: "spec.json" }], incremental: [{ config_path: "c", future_state_path: "f" }] },
    });
    expect(migrated).toEqual({
      connector_image: "x",
      acceptance_tests: {
        spec: { tests: [{ spec_path: "spec.json" }] },
        incremental: { tests: [{ config_path: "c", future_state: { future_state_path: "f" } }] },
      },
    });
  });

  it("defaults connection status to succeed and lists what strictness high misses", () => {
    const config = parseAcceptanceConfig(
      "connector_image: x\ntest_strictness_level: high\nacceptance_tests:\n  connection:\n    tests:\n      - config_path: c.json\n",
      "/tmp/acceptance-test-config.yml",
    );
    expect(config.acceptance_tests.connection?.tests?.[0]?.status).toBe("succeed");
    expect(strictnessProblems(config)).toContain("spec: needs tests or a bypass_reason at strictness high");
    expect(config.baseDir).toBe("/tmp");
  });
});

describe("connector output", () => {
  it("keeps non-JSON stdout lines apart for the protocol check", () => {
    expect(parseStdout('{"type":"LOG"}\nhello\n\n[1]\n')).toEqual({
      messages: [{ type: "LOG" }],
      nonJsonLines: ["hello", "[1]"],
    });
  });
});
