// Singer mode types a property of several JSON types (anyType, json) as one: string. Records must
// match, whichever API read them: REST hands anyType values over as JSON numbers and booleans.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeObjectSpec, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, writeTempFiles } from "../helpers/cli.js";
import { baseConfig, configuredCatalog, readOnce, records } from "../helpers/read-fixtures.js";
import { invalidSingerMessages, runTap, singerLines } from "../helpers/singer.js";

const VALUES = [42, true, "Value", 1.5, false];

function historyObject(name: string, bulkSupported: boolean): FakeObjectSpec {
  return {
    name,
    bulkSupported,
    fields: [
      { name: "Id", type: "id" },
      { name: "OldValue", type: "anyType" },
      { name: "Payload__c", type: "json" },
      { name: "SystemModstamp", type: "datetime" },
    ],
    records: () =>
      VALUES.map((value, i) => ({
        OldValue: value,
        Payload__c: JSON.stringify({ n: i }),
        SystemModstamp: `2024-01-0${i + 1}T00:00:00.000Z`,
      })),
  };
}

let fake: FakeSalesforce;
let config: Record<string, unknown>;

beforeAll(async () => {
  fake = await startFakeSalesforce({
    objects: [historyObject("ViaRest__History", false), historyObject("ViaBulk__History", true)],
  });
  config = baseConfig(fake, { start_date: "2023-01-01" });
});
afterAll(async () => {
  await fake?.stop();
});

async function syncSelected(): Promise<ReturnType<typeof singerLines>> {
  const files = writeTempFiles({ "config.json": config });
  const discovered = await runTap(["--config", files["config.json"]!, "--discover"]);
  expect(discovered.code, discovered.stderr).toBe(0);
  const catalog = JSON.parse(discovered.stdout) as {
    streams: Array<{ schema: { properties: Record<string, unknown> }; metadata: Array<{ breadcrumb: string[] }> }>;
  };
  for (const stream of catalog.streams) {
    expect(stream.schema.properties.OldValue).toEqual({ type: ["null", "string"] });
    expect(stream.schema.properties.Payload__c).toEqual({ type: ["null", "string"] });
    Object.assign(
      stream.metadata.find((m) => m.breadcrumb.length === 0)!,
      { metadata: { selected: true } },
    );
  }
  const catalogPath = writeTempFiles({ "catalog.json": catalog })["catalog.json"]!;
  const run = await runTap(["--config", files["config.json"]!, "--catalog", catalogPath]);
  expect(run.code, run.stderr).toBe(0);
  return singerLines(run);
}

describe("a property of several JSON types, in Singer mode", () => {
  it("is one type, string, in the catalog, the SCHEMA and every record (REST and Bulk)", async () => {
    const lines = await syncSelected();
    expect(invalidSingerMessages(lines)).toEqual([]);
    for (const stream of ["ViaRest__History", "ViaBulk__History"]) {
      const schema = ofType({ messages: lines } as never, "SCHEMA").find((m) => m.stream === stream)!;
      expect((schema.schema as { properties: Record<string, unknown> }).properties.OldValue).toEqual({
        type: ["null", "string"],
      });
      const rows = lines
        .filter((m) => m.type === "RECORD" && m.stream === stream)
        .map((m) => m.record as Record<string, unknown>);
      expect(rows.map((r) => r.OldValue).sort()).toEqual(["1.5", "42", "Value", "false", "true"]);
      expect(rows.map((r) => JSON.parse(r.Payload__c as string) as unknown)).toEqual(VALUES.map((_, i) => ({ n: i })));
    }
  });

  it("stays a union in Airbyte mode, values typed as Salesforce sent them", async () => {
    const catalog = await configuredCatalog(config, { ViaRest__History: "incremental" });
    const run = await readOnce(config, catalog);
    expect(run.code, run.stderr).toBe(0);
    expect(
      records(run, "ViaRest__History")
        .map((r) => r.OldValue)
        .sort(),
    ).toEqual([1.5, 42, "Value", false, true].sort());
  });
});
