import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { repoRoot, writeTempFiles } from "../helpers/cli.js";
import { baseConfig, configuredCatalog, readOnce, records, states, widgetObject } from "../helpers/read-fixtures.js";
import { invalidSingerMessages, runTap, singerLines, type SingerLine, type TapRun } from "../helpers/singer.js";

// Every run is kept: afterAll checks that no secret reached stdout or stderr.
const runs: TapRun[] = [];
let fake: FakeSalesforce;
/** Timestamps the fake gives mutations; undefined = real time. */
let clock: number | undefined;

interface MetadataEntry {
  breadcrumb: string[];
  metadata: Record<string, unknown>;
}
interface CatalogEntry {
  tap_stream_id: string;
  stream: string;
  schema: { type: string; properties: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  metadata: MetadataEntry[];
}
interface SingerCatalog {
  streams: CatalogEntry[];
}
type Bookmarks = Record<string, Record<string, string>>;
type Row = Record<string, unknown>;

async function tap(args: string[]): Promise<TapRun> {
  const run = await runTap(args);
  runs.push(run);
  return run;
}

/** `--config` plus the given files, written to a temp folder. */
async function tapWith(files: { config: unknown; catalog?: unknown; state?: unknown }, extra: string[] = []) {
  const paths = writeTempFiles({
    "config.json": files.config,
    ...(files.catalog === undefined ? {} : { "catalog.json": files.catalog }),
    ...(files.state === undefined ? {} : { "state.json": files.state }),
  });
  return tap([
    "--config",
    paths["config.json"]!,
    ...(files.catalog === undefined ? [] : ["--catalog", paths["catalog.json"]!]),
    ...(files.state === undefined ? [] : ["--state", paths["state.json"]!]),
    ...extra,
  ]);
}

async function discoverCatalog(config: unknown): Promise<SingerCatalog> {
  const run = await tapWith({ config }, ["--discover"]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as SingerCatalog;
}

/**
 * What Meltano does with `select:` rules: deselect everything (`!*.*`), then select the named
 * streams and fields ("*" = all); `metadata` is set on a stream's `[]` breadcrumb.
 */
function select(
  catalog: SingerCatalog,
  picks: Record<string, string[] | "*">,
  metadata: Record<string, Record<string, unknown>> = {},
): SingerCatalog {
  const copy = structuredClone(catalog);
  for (const entry of copy.streams) {
    const fields = picks[entry.tap_stream_id];
    for (const { breadcrumb, metadata: meta } of entry.metadata) {
      if (breadcrumb.length === 0) {
        meta.selected = fields !== undefined;
        Object.assign(meta, metadata[entry.tap_stream_id]);
      } else {
        meta.selected = fields === "*" || (fields?.includes(breadcrumb[1]!) ?? false);
      }
    }
  }
  return copy;
}

const ofType = (lines: SingerLine[], type: string) => lines.filter((l) => l.type === type);
const recordsOf = (lines: SingerLine[], stream: string): Row[] =>
  ofType(lines, "RECORD")
    .filter((l) => l.stream === stream)
    .map((l) => l.record as Row);
const bookmarksOf = (lines: SingerLine[]): Bookmarks[] =>
  ofType(lines, "STATE").map((l) => (l.value as { bookmarks: Bookmarks }).bookmarks);
const liveIds = (object: string) =>
  [...fake.records(object)].filter((r) => r.IsDeleted !== true).map((r) => r.Id as string);
const sorted = (values: string[]) => values.slice().sort();

/** The SELECT list and FROM object of every SOQL the fake received since the last reset. */
function soqlSelects(): Array<{ kind: string; object: string; fields: string[]; soql: string }> {
  return fake.requests.flatMap((r) => {
    const match = r.soql === undefined ? null : /^SELECT (.+?) FROM (\w+)/i.exec(r.soql);
    return match ? [{ kind: r.kind, object: match[2]!, fields: match[1]!.split(/\s*,\s*/), soql: r.soql! }] : [];
  });
}

/**
 * The window rule, checked from the output alone: between two STATEs of a stream, its records
 * lie at or after the previous bookmark and before the new one.
 */
function expectStatesAfterFinishedWindows(lines: SingerLine[], cursorField: string): void {
  const previous = new Map<string, string>();
  const pending = new Map<string, string[]>();
  for (const line of lines) {
    if (line.type === "RECORD") {
      const cursor = (line.record as Row)[cursorField] as string;
      const floor = previous.get(line.stream as string);
      if (floor !== undefined) expect(Date.parse(cursor)).toBeGreaterThanOrEqual(Date.parse(floor));
      pending.set(line.stream as string, [...(pending.get(line.stream as string) ?? []), cursor]);
    }
    if (line.type === "STATE") {
      for (const [stream, bookmark] of Object.entries((line.value as { bookmarks: Bookmarks }).bookmarks)) {
        const value = bookmark[cursorField]!;
        if (previous.get(stream) === value) continue;
        for (const cursor of pending.get(stream) ?? []) expect(Date.parse(cursor)).toBeLessThan(Date.parse(value));
        pending.set(stream, []);
        previous.set(stream, value);
      }
    }
  }
  // Every record is covered by a later STATE.
  for (const [stream, left] of pending) expect(left, `records of ${stream} after its last STATE`).toEqual([]);
}

/** The bookmark sequence of each stream: one entry per STATE that changed it. */
function bookmarkSequences(lines: SingerLine[], cursorField: string): Map<string, string[]> {
  const sequences = new Map<string, string[]>();
  for (const bookmarks of bookmarksOf(lines)) {
    for (const [stream, bookmark] of Object.entries(bookmarks)) {
      const list = sequences.get(stream) ?? [];
      if (list.at(-1) !== bookmark[cursorField]) list.push(bookmark[cursorField]!);
      sequences.set(stream, list);
    }
  }
  return sequences;
}

const stderrLines = (run: TapRun) => run.stderr.split("\n").filter((l) => l.length > 0);

beforeAll(async () => {
  fake = await startFakeSalesforce({
    extraObjects: [
      widgetObject(2000),
      widgetObject(600, "Gadget__c"),
      {
        name: "Plain__c",
        records: 25,
        fields: [
          { name: "Id", type: "id" },
          { name: "Name", type: "string" },
        ],
      },
    ],
    now: () => (clock === undefined ? new Date() : new Date(clock++)),
  });
});

afterAll(async () => {
  await fake.stop();
  const secrets = Object.entries(fake.credentials)
    .filter(([key]) => key !== "username" && key !== "clientId")
    .map(([, value]) => value);
  for (const run of runs) {
    for (const secret of secrets) {
      expect(run.stdout.includes(secret), "secret on stdout").toBe(false);
      expect(run.stderr.includes(secret), "secret on stderr").toBe(false);
    }
  }
});

describe("--about", () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
  const spec = JSON.parse(readFileSync(join(repoRoot, "spec.json"), "utf8")) as {
    connectionSpecification: unknown;
  };

  it("--format json gives name, version, capabilities and spec.json's settings", async () => {
    const run = await tap(["--about", "--format", "json"]);
    expect(run.code).toBe(0);
    const info = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(info.name).toBe("tap-salesforce-ts");
    expect(info.version).toBe(pkg.version);
    expect(typeof info.description).toBe("string");
    expect(info.capabilities).toEqual(expect.arrayContaining(["catalog", "discover", "state", "about"]));
    expect(info.settings).toEqual(spec.connectionSpecification);
  });

  it("prints markdown by default, with every setting, nested ones dotted", async () => {
    const run = await tap(["--about"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# tap-salesforce-ts\n/);
    expect(run.stdout).toContain(`Version: ${pkg.version}`);
    for (const setting of ["credentials.client_secret", "credentials.refresh_token", "start_date", "bulk_api.version"])
      expect(run.stdout).toContain(`| ${setting} |`);
    expect(run.stdout).toMatch(/\| credentials\.refresh_token \| {2}\| yes \|/); // marked secret
  });
});

describe("--discover", () => {
  it("prints a Singer catalog with breadcrumb metadata for every stream and field", async () => {
    fake.resetCounts();
    const catalog = await discoverCatalog(baseConfig(fake));
    expect(fake.count("bulk2_create")).toBe(0);
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile({
      type: "object",
      required: ["streams"],
      properties: {
        streams: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["tap_stream_id", "stream", "schema", "metadata"],
            properties: {
              tap_stream_id: { type: "string", minLength: 1 },
              stream: { type: "string", minLength: 1 },
              schema: { type: "object", required: ["type", "properties"] },
              metadata: {
                type: "array",
                items: {
                  type: "object",
                  required: ["breadcrumb", "metadata"],
                  additionalProperties: false,
                  properties: {
                    breadcrumb: { type: "array", items: { type: "string" } },
                    metadata: {
                      type: "object",
                      required: ["inclusion"],
                      properties: {
                        inclusion: { enum: ["automatic", "available", "unsupported"] },
                        "selected-by-default": { type: "boolean" },
                        "table-key-properties": { type: "array", items: { type: "string" } },
                        "valid-replication-keys": { type: "array", items: { type: "string" } },
                        "forced-replication-method": { enum: ["FULL_TABLE", "INCREMENTAL"] },
                        "replication-method": { enum: ["FULL_TABLE", "INCREMENTAL"] },
                        "replication-key": { type: "string" },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    });
    expect(validate(catalog), JSON.stringify(validate.errors)).toBe(true);
    for (const entry of catalog.streams) {
      // One stream entry, and one entry per top-level property.
      const crumbs = entry.metadata.map((m) => JSON.stringify(m.breadcrumb)).sort();
      const expected = ["[]", ...Object.keys(entry.schema.properties).map((f) => JSON.stringify(["properties", f]))];
      expect(crumbs).toEqual(expected.sort());
    }

    const widget = catalog.streams.find((s) => s.tap_stream_id === "Widget__c")!;
    expect(widget.stream).toBe("Widget__c");
    const meta = (entry: CatalogEntry, field?: string) =>
      entry.metadata.find((m) => JSON.stringify(m.breadcrumb) === JSON.stringify(field ? ["properties", field] : []))!
        .metadata;
    expect(meta(widget)).toEqual({
      inclusion: "available",
      "selected-by-default": false,
      "table-key-properties": ["Id"],
      "valid-replication-keys": ["SystemModstamp"],
      "replication-method": "INCREMENTAL",
      "replication-key": "SystemModstamp",
    });
    expect(meta(widget, "Id").inclusion).toBe("automatic");
    expect(meta(widget, "SystemModstamp").inclusion).toBe("automatic");
    expect(meta(widget, "Name")).toEqual({ inclusion: "available", "selected-by-default": true });

    const plain = catalog.streams.find((s) => s.tap_stream_id === "Plain__c")!;
    expect(meta(plain)).toMatchObject({
      "valid-replication-keys": [],
      "forced-replication-method": "FULL_TABLE",
      "replication-method": "FULL_TABLE",
    });
    expect(meta(plain)["replication-key"]).toBeUndefined();
  });
});

describe("sync", () => {
  // These assert the Bulk jobs a sync runs: bulk_threshold 0 reads through Bulk whatever the size.
  const config = () => baseConfig(fake, { stream_slice_step: "P365D", bulk_threshold: 0 });
  const widgetFields = ["Name", "Amount__c"];
  const gadgetFields = ["Quantity__c"];

  it("discover -> select two streams and some fields -> read -> state -> the second read resumes", async () => {
    const discovered = await discoverCatalog(config());
    const catalog = select(discovered, { Widget__c: widgetFields, Gadget__c: gadgetFields });

    fake.resetCounts();
    const first = await tapWith({ config: config(), catalog });
    expect(first.code, first.stderr).toBe(0);
    const lines = singerLines(first);
    expect(invalidSingerMessages(lines)).toEqual([]);
    expect(stderrLines(first).every((l) => /^(INFO|WARN|DEBUG) /.test(l))).toBe(true);

    // SCHEMA: once per selected stream, before its first record, restricted to the selection.
    const schemas = ofType(lines, "SCHEMA");
    expect(schemas.map((s) => s.stream).sort()).toEqual(["Gadget__c", "Widget__c"]);
    const expectedFields: Record<string, string[]> = {
      Widget__c: ["Id", ...widgetFields, "SystemModstamp"],
      Gadget__c: ["Id", ...gadgetFields, "SystemModstamp"],
    };
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    for (const schema of schemas) {
      const stream = schema.stream as string;
      const properties = (schema.schema as { properties: Record<string, unknown> }).properties;
      expect(sorted(Object.keys(properties))).toEqual(sorted(expectedFields[stream]!));
      expect(schema.key_properties).toEqual(["Id"]);
      expect(schema.bookmark_properties).toEqual(["SystemModstamp"]);
      expect(lines.indexOf(schema)).toBeLessThan(lines.findIndex((l) => l.type === "RECORD" && l.stream === stream));
      // Every record validates against its stream's SCHEMA.
      const validate = ajv.compile(schema.schema as object);
      for (const record of recordsOf(lines, stream))
        expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
    }

    // RECORD: each live Id once, only the selected fields, with time_extracted.
    for (const stream of ["Widget__c", "Gadget__c"]) {
      const rows = recordsOf(lines, stream);
      expect(sorted(rows.map((r) => r.Id as string))).toEqual(sorted(liveIds(stream)));
      for (const row of rows) expect(sorted(Object.keys(row))).toEqual(sorted(expectedFields[stream]!));
    }
    expect(ofType(lines, "RECORD").every((l) => typeof l.time_extracted === "string")).toBe(true);
    expect(lines.some((l) => l.stream === "Plain__c" || l.stream === "Account")).toBe(false);

    // Unselected fields and streams are never asked of Salesforce.
    const selects = soqlSelects();
    expect(
      selects
        .filter((s) => s.kind === "bulk2_create")
        .map((s) => s.object)
        .sort(),
    ).toEqual(expect.arrayContaining(["Gadget__c", "Widget__c"]));
    for (const { object, fields, soql } of selects) {
      expect(["Widget__c", "Gadget__c"], soql).toContain(object);
      for (const field of fields) expect(expectedFields[object], soql).toContain(field);
    }
    for (const { object, fields } of selects.filter((s) => s.kind === "bulk2_create"))
      expect(sorted(fields)).toEqual(sorted(expectedFields[object]!));

    // STATE: after each finished window, the same windows as the Airbyte mode.
    expectStatesAfterFinishedWindows(lines, "SystemModstamp");
    const singerSequences = bookmarkSequences(lines, "SystemModstamp");
    const airbyteCatalog = (await configuredCatalog(config(), {
      Widget__c: "incremental",
      Gadget__c: "incremental",
    })) as { streams: Array<{ stream: { name: string; json_schema: { properties: Record<string, unknown> } } }> };
    for (const { stream } of airbyteCatalog.streams) {
      const keep = new Set(expectedFields[stream.name]);
      stream.json_schema.properties = Object.fromEntries(
        Object.entries(stream.json_schema.properties).filter(([field]) => keep.has(field)),
      );
    }
    const airbyte = await readOnce(config(), airbyteCatalog);
    expect(airbyte.code).toBe(0);
    for (const stream of ["Widget__c", "Gadget__c"]) {
      const airbyteCursors = states(airbyte)
        .filter((s) => s.stream.stream_descriptor.name === stream)
        .map((s) => s.stream.stream_state.SystemModstamp!);
      const singerCursors = singerSequences.get(stream)!;
      expect(singerCursors.length).toBe(airbyteCursors.length);
      expect(singerCursors.length).toBeGreaterThan(1);
      // The last window ends at each run's own start time; the others are the same windows.
      expect(singerCursors.slice(0, -1)).toEqual(airbyteCursors.slice(0, -1));
      expect(recordsOf(lines, stream)).toEqual(records(airbyte, stream));
    }

    const lastState = ofType(lines, "STATE").at(-1)!.value as { bookmarks: Bookmarks };
    expect(Object.keys(lastState.bookmarks).sort()).toEqual(["Gadget__c", "Widget__c"]);

    // Changes committed just after the saved cursors, then the second read with Meltano's state.
    const saved = Math.max(...Object.values(lastState.bookmarks).map((b) => Date.parse(b.SystemModstamp!)));
    clock = saved + 1;
    const changedWidgets = liveIds("Widget__c").slice(0, 7);
    const changedGadgets = liveIds("Gadget__c").slice(10, 13);
    fake.update("Widget__c", changedWidgets, { Name: "changed" });
    fake.update("Gadget__c", changedGadgets, { Quantity__c: 42 });
    clock = undefined;
    // A bookmark of a stream not selected this time is carried forward untouched.
    const other = { SystemModstamp: "2024-05-06T07:08:09.000Z" };
    const state = { bookmarks: { ...lastState.bookmarks, Account: other } };

    fake.resetCounts();
    const second = await tapWith({ config: config(), catalog, state });
    expect(second.code, second.stderr).toBe(0);
    const again = singerLines(second);
    expect(invalidSingerMessages(again)).toEqual([]);
    expect(sorted(recordsOf(again, "Widget__c").map((r) => r.Id as string))).toEqual(sorted(changedWidgets));
    expect(sorted(recordsOf(again, "Gadget__c").map((r) => r.Id as string))).toEqual(sorted(changedGadgets));
    expect(recordsOf(again, "Widget__c").every((r) => r.Name === "changed")).toBe(true);
    // Each stream resumes at its bookmark minus the lookback window (PT10M), as the Airbyte mode does.
    for (const stream of ["Widget__c", "Gadget__c"]) {
      const from = new Date(Date.parse(lastState.bookmarks[stream]!.SystemModstamp!) - 10 * 60_000).toISOString();
      const jobs = soqlSelects().filter((s) => s.kind === "bulk2_create" && s.object === stream);
      expect(jobs.length).toBe(1);
      expect(jobs[0]!.soql).toContain(`SystemModstamp >= ${from}`);
    }
    const finalBookmarks = bookmarksOf(again).at(-1)!;
    expect(finalBookmarks.Account).toEqual(other);
    for (const stream of ["Widget__c", "Gadget__c"])
      expect(Date.parse(finalBookmarks[stream]!.SystemModstamp!)).toBeGreaterThan(saved);
  });

  it("FULL_TABLE (forced or chosen) reads everything and keeps no bookmark; unselected fields stay unread", async () => {
    const discovered = await discoverCatalog(config());
    const catalog = select(
      discovered,
      { Plain__c: "*", Gadget__c: ["Name"] },
      { Gadget__c: { "replication-method": "FULL_TABLE" } },
    );
    fake.resetCounts();
    const run = await tapWith({ config: config(), catalog });
    expect(run.code, run.stderr).toBe(0);
    const lines = singerLines(run);
    expect(invalidSingerMessages(lines)).toEqual([]);
    expect(ofType(lines, "STATE")).toEqual([]);
    for (const schema of ofType(lines, "SCHEMA")) expect(schema.bookmark_properties).toBeUndefined();
    expect(sorted(recordsOf(lines, "Plain__c").map((r) => r.Id as string))).toEqual(sorted(liveIds("Plain__c")));
    const gadgets = recordsOf(lines, "Gadget__c");
    expect(sorted(gadgets.map((r) => r.Id as string))).toEqual(sorted(liveIds("Gadget__c")));
    // The replication key stays automatic: it is part of the stream whatever the method.
    expect(sorted(Object.keys(gadgets[0]!))).toEqual(["Id", "Name", "SystemModstamp"]);
    const jobs = soqlSelects().filter((s) => s.kind === "bulk2_create");
    expect(jobs.map((j) => j.soql).sort()).toEqual([
      "SELECT Id, Name FROM Plain__c",
      "SELECT Id, Name, SystemModstamp FROM Gadget__c",
    ]);
  });

  it("a stream that fails leaves the STATEs of its finished windows, exits 1, and the next run resumes from them", async () => {
    const catalog = select(await discoverCatalog(config()), { Widget__c: widgetFields });
    fake.inject({ kind: "bulk2_results", type: "http503", after: 2, times: Infinity });
    let first: TapRun;
    try {
      first = await tapWith({ config: config(), catalog });
    } finally {
      fake.clearFaults();
    }
    expect(first.code).toBe(1);
    const lines = singerLines(first);
    expect(invalidSingerMessages(lines)).toEqual([]);
    expect(ofType(lines, "STATE").length).toBe(2);
    expect(first.stderr).toMatch(/^ERROR Stream 'Widget__c': /m);
    expect(first.stderr).toMatch(/^CRITICAL /m);
    expectStatesAfterFinishedWindows(lines, "SystemModstamp");

    const state = { value: { bookmarks: bookmarksOf(lines).at(-1)! } }; // a whole STATE message's value wrapper
    const second = await tapWith({ config: config(), catalog, state });
    expect(second.code, second.stderr).toBe(0);
    const union = new Set([
      ...recordsOf(lines, "Widget__c").map((r) => r.Id as string),
      ...recordsOf(singerLines(second), "Widget__c").map((r) => r.Id as string),
    ]);
    expect(sorted([...union])).toEqual(sorted(liveIds("Widget__c")));
  });

  it("accepts Meltano's stored state form and repeats a future bookmark without reading", async () => {
    const catalog = select(await discoverCatalog(config()), { Widget__c: widgetFields });
    const future = { SystemModstamp: "2099-01-01T00:00:00.000Z" };
    fake.resetCounts();
    const run = await tapWith({
      config: config(),
      catalog,
      state: { singer_state: { bookmarks: { Widget__c: future } } },
    });
    expect(run.code, run.stderr).toBe(0);
    const lines = singerLines(run);
    expect(invalidSingerMessages(lines)).toEqual([]);
    expect(lines.map((l) => l.type)).toEqual(["SCHEMA", "STATE"]);
    expect(bookmarksOf(lines)).toEqual([{ Widget__c: future }]);
    expect(fake.count("bulk2_create")).toBe(0);
  });

  it("--properties takes a hand-written catalog: legacy `selected` in the schema, a renamed stream", async () => {
    const properties = {
      streams: [
        {
          tap_stream_id: "Plain__c",
          stream: "plain",
          schema: {
            type: "object",
            selected: true,
            properties: { Id: { type: ["null", "string"] }, Name: { type: ["null", "string"], selected: false } },
          },
          key_properties: ["Id"],
        },
      ],
    };
    const paths = writeTempFiles({ "config.json": config(), "properties.json": properties });
    fake.resetCounts();
    const run = await tap(["--config", paths["config.json"]!, "--properties", paths["properties.json"]!]);
    expect(run.code, run.stderr).toBe(0);
    const lines = singerLines(run);
    expect(invalidSingerMessages(lines)).toEqual([]);
    expect(lines[0]).toMatchObject({ type: "SCHEMA", stream: "plain", key_properties: ["Id"] });
    expect(sorted(recordsOf(lines, "plain").map((r) => r.Id as string))).toEqual(sorted(liveIds("Plain__c")));
    expect(recordsOf(lines, "plain").every((r) => Object.keys(r).join() === "Id")).toBe(true);
    expect(soqlSelects().map((s) => s.soql)).toEqual(["SELECT Id FROM Plain__c"]);
  });

  it("with no stream selected, does nothing and says so", async () => {
    const catalog = select(await discoverCatalog(config()), {});
    const run = await tapWith({ config: config(), catalog });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^WARN No stream is selected/m);
  });
});

describe("errors: one CRITICAL line on stderr, nothing on stdout, exit 1", () => {
  async function expectFailure(run: TapRun, pattern: RegExp): Promise<void> {
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = stderrLines(run);
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^CRITICAL /);
    expect(lines[0]).toMatch(pattern);
  }

  it("an invalid config", async () => {
    const run = await tapWith({ config: { ...baseConfig(fake), start_date: "yesterday" } }, ["--discover"]);
    await expectFailure(run, /Invalid configuration: .*start_date/);
  });

  it("wrong credentials, without echoing them", async () => {
    const config = baseConfig(fake);
    const credentials = { ...(config.credentials as object), refresh_token: "wrong-token-123" };
    const run = await tapWith({ config: { ...config, credentials } }, ["--discover"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^CRITICAL /m);
    expect(run.stderr).not.toContain("wrong-token-123");
  });

  it("no --config, or a sync without a catalog", async () => {
    await expectFailure(await tap(["--discover"]), /--config FILE is required/);
    await expectFailure(await tapWith({ config: baseConfig(fake) }), /--catalog FILE/);
  });

  it("a state that is not a Singer state", async () => {
    const catalog = { streams: [] };
    await expectFailure(
      await tapWith({ config: baseConfig(fake), catalog, state: { bookmarks: [] } }),
      /"bookmarks" is not an object/,
    );
    await expectFailure(
      await tapWith({ config: baseConfig(fake), catalog, state: { Widget__c: {}, foo: 1 } }),
      /not a Singer state/,
    );
  });

  it("a bookmark the stream cannot use", async () => {
    const catalog = select(await discoverCatalog(baseConfig(fake)), { Widget__c: ["Name"] });
    const state = { bookmarks: { Widget__c: { SystemModstamp: "not a date" } } };
    await expectFailure(
      await tapWith({ config: baseConfig(fake), catalog, state }),
      /State for stream 'Widget__c' is not usable/,
    );
  });

  it("a catalog that is not a Singer catalog, or asks for a replication key the tap does not offer", async () => {
    await expectFailure(await tapWith({ config: baseConfig(fake), catalog: [] }), /not a Singer catalog/);
    const catalog = select(
      await discoverCatalog(baseConfig(fake)),
      { Widget__c: ["Name"] },
      { Widget__c: { "replication-key": "CreatedDate" } },
    );
    await expectFailure(
      await tapWith({ config: baseConfig(fake), catalog }),
      /replication-key CreatedDate is not supported/,
    );
  });
});
