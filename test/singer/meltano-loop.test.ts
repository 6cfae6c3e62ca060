// Meltano's invocation of the tap, end to end without Meltano (not installable here): the README's
// meltano.yml, the capabilities `--about` advertises, `--discover`, Meltano's select and metadata
// rules applied to the catalog (meltano-select.ts), the sync with the arguments Meltano passes, and
// the last STATE handed back as the next run's `--state`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { repoRoot, writeTempFiles } from "../helpers/cli.js";
import { baseConfig, liveIds } from "../helpers/read-fixtures.js";
import { invalidSingerMessages, runTap, singerLines, type SingerLine } from "../helpers/singer.js";
import { applyCatalogRules, execArgs, fnmatch, selectMetadataRules } from "./meltano-select.js";

interface Extractor {
  name: string;
  executable: string;
  capabilities: string[];
  settings: Array<{ name: string }>;
  select: string[];
  metadata: Record<string, Record<string, unknown>>;
}

/** The README's meltano.yml: what a user copies. */
const extractor = (() => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const block = /```yaml\n(plugins:[\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("README has no meltano.yml block");
  return (parseYaml(block) as { plugins: { extractors: Extractor[] } }).plugins.extractors[0]!;
})();

let fake: FakeSalesforce;
/** Timestamps the fake gives mutations; undefined = real time. */
let clock: number | undefined;
let about: { name: string; capabilities: string[]; settings: Record<string, unknown> };
const config = () => baseConfig(fake, { start_date: "2023-01-01" });

beforeAll(async () => {
  fake = await startFakeSalesforce({ now: () => (clock === undefined ? new Date() : new Date(clock++)) });
  const run = await runTap(["--about", "--format", "json"]);
  expect(run.code, run.stderr).toBe(0);
  about = JSON.parse(run.stdout) as typeof about;
});
afterAll(async () => {
  await fake?.stop();
});

describe("--about matches what the tap accepts and what meltano.yml declares", () => {
  it("the README's extractor runs the tap by its name and declares only advertised capabilities", () => {
    expect(extractor.executable).toBe(about.name);
    expect(
      about.capabilities.filter((c) => !["catalog", "properties", "discover", "state", "about"].includes(c)),
    ).toEqual([]);
    expect(extractor.capabilities.filter((c) => !about.capabilities.includes(c))).toEqual([]);
  });

  it("every meltano.yml setting is a setting of --about (dotted names are nested)", () => {
    const known = (path: string[], schema: Record<string, unknown>): boolean => {
      if (path.length === 0) return true;
      const branches = [schema, ...((schema.oneOf as Array<Record<string, unknown>> | undefined) ?? [])];
      return branches.some((branch) => {
        const child = (branch.properties as Record<string, Record<string, unknown>> | undefined)?.[path[0]!];
        return child !== undefined && known(path.slice(1), child);
      });
    };
    expect(extractor.settings.map((s) => s.name).filter((name) => !known(name.split("."), about.settings))).toEqual([]);
  });

  it("a config with those settings is valid against --about's settings schema", () => {
    const validate = new Ajv({ strict: false }).compile(about.settings);
    expect(validate(config()), JSON.stringify(validate.errors)).toBe(true);
  });

  it("each advertised capability's flag is accepted: --about, --discover, --catalog, --properties, --state", async () => {
    const files = writeTempFiles({ "config.json": config(), "catalog.json": { streams: [] }, "state.json": {} });
    const flags: Record<string, string[]> = {
      about: ["--about"],
      discover: ["--config", files["config.json"]!, "--discover"],
      catalog: ["--config", files["config.json"]!, "--catalog", files["catalog.json"]!],
      properties: ["--config", files["config.json"]!, "--properties", files["catalog.json"]!],
      state: ["--config", files["config.json"]!, "--catalog", files["catalog.json"]!, "--state", files["state.json"]!],
    };
    for (const capability of about.capabilities) {
      const run = await runTap(flags[capability]!);
      expect(run.code, `${capability}: ${run.stderr}`).toBe(0);
    }
  });
});

describe("Meltano's select rules (ported)", () => {
  it("fnmatch and the rules Meltano builds from patterns", () => {
    expect(fnmatch("Account", "Acc*")).toBe(true);
    expect(fnmatch("properties.a.properties.b", "properties.*")).toBe(true);
    expect(fnmatch("Contact", "[!C]*")).toBe(false);
    expect(selectMetadataRules(["Account.Name"]).map((r) => [r.breadcrumb, r.value])).toEqual([
      [[], true],
      [["properties", "Name"], true],
    ]);
    expect(selectMetadataRules(["!Account.*"]).map((r) => [r.breadcrumb, r.value])).toEqual([
      [[], false],
      [["properties", "*"], false],
    ]);
  });
});

describe("meltano run, twice, with the README's select and metadata", () => {
  const recordsOf = (lines: SingerLine[], stream: string) =>
    lines.filter((m) => m.type === "RECORD" && m.stream === stream).map((m) => m.record as Record<string, unknown>);

  it("discover, rules, sync with --catalog; the last STATE as --state resumes", async () => {
    const files = writeTempFiles({ "tap.config.json": config() });
    // Meltano: `<executable> --config tap.<uuid>.config.json --discover` > tap.properties.json.
    const discovered = await runTap(["--config", files["tap.config.json"]!, "--discover"]);
    expect(discovered.code, discovered.stderr).toBe(0);
    const catalog = JSON.parse(discovered.stdout) as Record<string, unknown>;
    applyCatalogRules(catalog, { select: extractor.select, metadata: extractor.metadata });
    const properties = writeTempFiles({ "tap.properties.json": catalog })["tap.properties.json"]!;

    fake.resetCounts();
    const first = await runTap(
      execArgs(extractor.capabilities, { config: files["tap.config.json"]!, catalog: properties }),
    );
    expect(first.code, first.stderr).toBe(0);
    const lines = singerLines(first);
    expect(invalidSingerMessages(lines)).toEqual([]);
    // Streams: those `select` names (Account.Id, Account.Name, Account.Industry, Contact.*).
    const schemas = lines.filter((m) => m.type === "SCHEMA");
    expect(schemas.map((m) => m.stream).sort()).toEqual(["Account", "Contact"]);
    // Account: the selected fields that exist (Industry only in the reference describe of
    // ../shared, when present), plus the automatic key and replication key.
    const account = schemas.find((m) => m.stream === "Account")!;
    const firstAccount = fake.records("Account")[Symbol.iterator]().next().value ?? {};
    const accountFields = ["Id", "Industry", "Name", "SystemModstamp"].filter(
      (field) => field !== "Industry" || field in firstAccount,
    );
    expect(Object.keys((account.schema as { properties: object }).properties).sort()).toEqual(accountFields);
    // Unselected fields are not in any query sent to Salesforce.
    const accountSelects = sentSoql(fake)
      .map((soql) => /^SELECT (.+?) FROM Account\b/.exec(soql)?.[1])
      .filter((list) => list !== undefined)
      .map((list) => list.split(", "));
    expect(accountSelects.flat().filter((field) => !accountFields.includes(field))).toEqual([]);
    expect(accountSelects.some((list) => list.length === accountFields.length)).toBe(true);
    expect(
      recordsOf(lines, "Account")
        .map((r) => r.Id as string)
        .sort(),
    ).toEqual(liveIds(fake, "Account").sort());
    // Contact: `metadata: {Contact: {replication-method: FULL_TABLE}}`, every field.
    const contact = schemas.find((m) => m.stream === "Contact")!;
    expect(contact.bookmark_properties).toBeUndefined();
    expect(Object.keys((contact.schema as { properties: object }).properties).length).toBeGreaterThan(5);
    const states = lines.filter((m) => m.type === "STATE");
    const last = states.at(-1)!.value as { bookmarks: Record<string, { SystemModstamp: string }> };
    expect(Object.keys(last.bookmarks)).toEqual(["Account"]);

    // Changes after the saved bookmark, then Meltano's second run: state.json = the last STATE's value.
    const saved = Date.parse(last.bookmarks.Account!.SystemModstamp);
    clock = saved + 1;
    const changed = liveIds(fake, "Account").slice(0, 3);
    fake.update("Account", changed, { Name: "renamed" });
    clock = undefined;
    const state = writeTempFiles({ "state.json": last })["state.json"]!;
    const second = await runTap(
      execArgs(extractor.capabilities, { config: files["tap.config.json"]!, catalog: properties, state }),
    );
    expect(second.code, second.stderr).toBe(0);
    const again = singerLines(second);
    expect(invalidSingerMessages(again)).toEqual([]);
    expect(
      recordsOf(again, "Account")
        .map((r) => r.Id as string)
        .sort(),
    ).toEqual(changed.slice().sort());
    expect(recordsOf(again, "Account").every((r) => r.Name === "renamed")).toBe(true);
    expect(recordsOf(again, "Contact").length).toBe(liveIds(fake, "Contact").length);
    const final = again.filter((m) => m.type === "STATE").at(-1)!.value as typeof last;
    expect(Date.parse(final.bookmarks.Account!.SystemModstamp)).toBeGreaterThan(saved);
  });
});

/** Every SOQL sent: REST and Bulk requests', and the queries inside Composite requests (REST probes). */
function sentSoql(f: FakeSalesforce): string[] {
  return f.requests.flatMap((r) => {
    if (r.kind !== "composite") return r.soql === undefined ? [] : [r.soql];
    const subs = (JSON.parse(r.body) as { compositeRequest: Array<{ url: string }> }).compositeRequest;
    return subs.flatMap((sub) => {
      const q = new URL(sub.url, "http://x").searchParams.get("q");
      return q === null ? [] : [q];
    });
  });
}
