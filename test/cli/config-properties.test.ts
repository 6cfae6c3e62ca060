// The property-style config test through the built CLI (test/config-properties.test.ts runs every
// generated case through parseConfig): a sample of the configs generated from spec.json, each run with
// `check` against the fake. Each must end SUCCEEDED, or FAILED with a message naming the field; a case
// the connector must refuse must end FAILED naming it. No secret appears in any output.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, repoRoot, runCli, secretLeaks, writeTempFiles, type CliRun } from "../helpers/cli.js";
import { widgetObject } from "../helpers/read-fixtures.js";
import { generateConfigCases, namesField, type ConfigCase } from "../helpers/spec-configs.js";
import { propertyTestGeneration } from "../helpers/spec-config-base.js";
import { mapWithConcurrency } from "../../src/util/concurrency.js";

const spec = JSON.parse(readFileSync(join(repoRoot, "spec.json"), "utf8")).connectionSpecification;
/** Fields whose every acceptable case runs: the ones check itself verifies against the org. */
const ALL_CASES_OF = new Set(["api_version", "start_date", "object_filters.0.where", "query_streams.0.query"]);
const PRIORITY = ["extreme", "at bound", "missing"];
/**
 * Accepted by spec.json but cannot log in, and the login error does not name the field: a credential
 * string of 100,000 characters (and, not generated, an empty one). Credentials belong to the logins
 * work (spec minLength/maxLength there); listed here so the gap stays visible.
 */
const KNOWN_GAPS = (c: ConfigCase): boolean => c.field.startsWith("credentials.") && c.kind === "extreme";
/** Would log in at a real Salesforce host: only parseConfig runs them. */
const NEEDS_INTERNET = (c: ConfigCase): boolean => {
  const url = c.config.login_url;
  return typeof url !== "string" || !/^http:\/\/(127\.0\.0\.1|localhost):/.test(url);
};

/** One acceptable case per field (the most extreme), all of ALL_CASES_OF, and the first refused case of 8 fields. */
function sample(cases: ConfigCase[]): ConfigCase[] {
  const runnable = cases.filter((c) => !NEEDS_INTERNET(c) && !KNOWN_GAPS(c));
  const chosen = new Set<ConfigCase>();
  for (const field of new Set(runnable.map((c) => c.field))) {
    const acceptable = runnable.filter((c) => c.field === field && c.mayWork);
    if (ALL_CASES_OF.has(field)) acceptable.forEach((c) => chosen.add(c));
    const first = PRIORITY.map((kind) => acceptable.find((c) => c.kind === kind)).find(Boolean);
    if (first) chosen.add(first);
  }
  const refusedFields = new Set<string>();
  for (const c of runnable) {
    if (c.mayWork || refusedFields.has(c.field) || refusedFields.size >= 8) continue;
    refusedFields.add(c.field);
    chosen.add(c);
  }
  return [...chosen];
}

/**
 * The message names the field: its path (`object_filters.0.where`), its array item (`object_filters.0`),
 * the list with the item's own name (query stream 'x' ... `query_streams`), or the field in words
 * (a login error's "security token").
 */
function names(message: string, field: string): boolean {
  const item = field.replace(/^(\w+\.\d+)\..*$/, "$1");
  const list = /^(\w+)\.\d+/.exec(field)?.[1];
  const words = field.split(".").at(-1)!.replace(/_/g, " ");
  return (
    namesField(message, field) ||
    namesField(message, item) ||
    (list !== undefined && message.includes(list)) ||
    message.toLowerCase().includes(words)
  );
}

/** The same generation with a placeholder login URL, to name the sample's size before the fake runs. */
const PLANNED = sample(
  generateConfigCases(
    spec,
    propertyTestGeneration({
      url: "http://127.0.0.1:1",
      credentials: { clientId: "", clientSecret: "", refreshToken: "", username: "", password: "", securityToken: "" },
    }),
  ),
).length;

let fake: FakeSalesforce;
let cases: ConfigCase[] = [];
const runs = new Map<ConfigCase, CliRun>();

beforeAll(async () => {
  fake = await startFakeSalesforce({ extraObjects: [widgetObject(20), widgetObject(20, "Gadget__c")] });
  cases = sample(generateConfigCases(spec, propertyTestGeneration(fake)));
  await mapWithConcurrency(cases, 4, async (c) => {
    const files = writeTempFiles({ "config.json": c.config });
    runs.set(c, await runCli(["check", "--config", files["config.json"]!]));
  });
}, 600_000);

afterAll(async () => {
  await fake.stop();
});

describe(`a sample of ${PLANNED} generated configs through the built CLI's check`, () => {
  it("has a case per field and runs each once", () => {
    expect(cases.length).toBe(PLANNED);
    expect(cases.length).toBeGreaterThan(40);
    expect(new Set(cases.map((c) => c.field)).size).toBeGreaterThan(25);
    expect(runs.size).toBe(cases.length);
  });

  it("each ends SUCCEEDED, or FAILED naming the field (a case to refuse: FAILED); exit 0, small output", () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const run = runs.get(c)!;
      const [status] = ofType(run, "CONNECTION_STATUS").map(
        (m) => m.connectionStatus as { status: string; message?: string },
      );
      const label = `${c.field} ${c.kind} (${c.what})`;
      const named = status?.message !== undefined && names(status.message, c.field);
      if (run.code !== 0) wrong.push(`${label}: exit ${run.code}: ${run.stdout.slice(0, 300)}`);
      else if (status?.status === "SUCCEEDED" && !c.mayWork) wrong.push(`${label}: SUCCEEDED but must be refused`);
      else if (status?.status === "FAILED" && !named)
        wrong.push(`${label}: FAILED without naming it: ${status.message}`);
      else if (status?.status !== "SUCCEEDED" && status?.status !== "FAILED")
        wrong.push(`${label}: ${run.stdout.slice(0, 300)}`);
      if (run.stdout.length > 20_000) wrong.push(`${label}: ${run.stdout.length} bytes of output`);
    }
    expect(wrong).toEqual([]);
  });

  it("no secret reaches any output", () => {
    const c = fake.credentials;
    expect(
      secretLeaks([...runs.values()], [c.clientSecret, c.refreshToken, c.password, c.securityToken, "u:pw@"]),
    ).toEqual([]);
  });
});
