// `npm run acceptance` end to end: the compiled runner (.tools-build/acceptance/run.js) passes every
// CAT test on the repo's own acceptance-test-config.yml against the built connector and the fake
// Salesforce; it fails test_additional_properties_is_true on the repo's spec.json with the
// `additionalProperties: false` it had planted back; and reading from integration_tests'
// sample_state.json resumes where it says.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ConnectorRunner } from "../../acceptance/connector.js";
import { FAKE_CONNECTOR_ENV, readJsonFile, TestEnvironment } from "../../acceptance/environment.js";
import { parseAirbyteMessages } from "../../acceptance/cat/models.js";
import { fixtureConfig, fixtureConnector, fromLines, repoRoot, type RunnerOutput } from "./helpers.js";

const runJs = join(repoRoot, ".tools-build/acceptance/run.js");
const connectorJs = join(repoRoot, "dist/main.js");

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => statSync(join(dir, f)).mtimeMs),
  );
}

beforeAll(() => {
  // Build the runner when it is missing or older than its sources (tsc still emits when another
  // part of the tools project has type errors, so only the output's presence is checked).
  if (!existsSync(runJs) || statSync(runJs).mtimeMs < newestSource(join(repoRoot, "acceptance"))) {
    spawnSync(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.tools.json"], {
      cwd: repoRoot,
      stdio: "ignore",
    });
  }
  if (!existsSync(runJs)) throw new Error(`${runJs} was not built`);
}, 120_000);

function runCompiled(args: string[]): Promise<RunnerOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runJs, ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve(fromLines(code ?? -1, out.split("\n").filter(Boolean))));
  });
}

describe("compiled acceptance runner", () => {
  it.skipIf(!existsSync(connectorJs))(
    "passes every CAT test at strictness high on the repo's acceptance-test-config.yml (the connector against the fake)",
    async () => {
      const out = await runCompiled([]);
      expect(
        out.lines.filter((l) => l.startsWith("FAIL ")),
        out.lines.join("\n"),
      ).toEqual([]);
      expect(out.code).toBe(0);
      expect(out.lines.at(-1)).toMatch(/^[1-9]\d* passed, 0 failed$/);
      expect(out.lines).toContain(`# ${join(repoRoot, "acceptance-test-config.yml")}, test_strictness_level high`);
      for (const test of [
        "TestSpec.test_additional_properties_is_true[inputs0]",
        "TestConnection.test_check[inputs1]",
        "TestDiscovery.test_discover[inputs0]",
        "TestBasicRead.test_read[inputs0]",
        "TestBasicRead.test_airbyte_trace_message_on_failure[inputs0]",
        "TestFullRefresh.test_sequential_reads[inputs0]",
        "TestIncremental.test_two_sequential_reads[inputs0]",
        "TestIncremental.test_read_sequential_slices[inputs0]",
        "TestIncremental.test_state_with_abnormally_large_values[inputs0]",
        "Ours.test_state_record_counts",
        "Ours.test_expected_records_data",
      ])
        expect(out.lines, test).toContainEqual(
          expect.stringMatching(new RegExp(`^PASS ${test.replace(/[[\].]/g, "\\$&")}`)),
        );
      expect(out.lines).toContainEqual(
        expect.stringMatching(/^# fake Salesforce started at http:\/\/127\.0\.0\.1:\d+$/),
      );
    },
    600_000,
  );

  it("fails TestSpec.test_additional_properties_is_true, naming each place, on spec.json with additionalProperties: false planted back", async () => {
    // The repo's spec, served by the fixture connector, with the 7 `false`s the connector had before.
    const spec = JSON.parse(readFileSync(join(repoRoot, "spec.json"), "utf8")) as {
      connectionSpecification: { properties: Record<string, { oneOf?: object[]; items?: object }> };
    };
    const props = spec.connectionSpecification.properties;
    const planted = [
      ...props.credentials!.oneOf!.slice(0, 2),
      ...props.bulk_api!.oneOf!,
      props.streams_criteria!.items!,
      props.object_filters!.items!,
      props.query_streams!.items!,
    ];
    for (const schema of planted) Object.assign(schema, { additionalProperties: false });
    const file = join(mkdtempSync(join(tmpdir(), "spec-")), "spec.json");
    writeFileSync(file, JSON.stringify(spec));
    const config = fixtureConfig("good", (yaml) => yaml.replace('spec_path: "spec.json"', `spec_path: "${file}"`), {
      FIXTURE_SPEC: file,
    });
    const out = await runCompiled(["--config", config, "--connector", fixtureConnector, "--only", "spec"]);
    expect(out.code).toBe(1);
    // test_config_match_spec: the fixture's own config is no Salesforce config.
    expect(out.failed).toEqual([
      "TestSpec.test_config_match_spec[inputs0]",
      "TestSpec.test_additional_properties_is_true[inputs0]",
    ]);
    expect(out.lines.find((l) => l.startsWith("FAIL TestSpec.test_additional_properties_is_true"))).toBe(
      "FAIL TestSpec.test_additional_properties_is_true[inputs0]: When set, additionalProperties field value must be true for backward compatibility. (not true at: " +
        "properties/credentials/oneOf/0/additionalProperties, properties/credentials/oneOf/1/additionalProperties, " +
        "properties/bulk_api/oneOf/0/additionalProperties, properties/bulk_api/oneOf/1/additionalProperties, " +
        "properties/streams_criteria/items/additionalProperties, properties/object_filters/items/additionalProperties, " +
        "properties/query_streams/items/additionalProperties)",
    );
  });
});

describe("integration_tests/sample_state.json", () => {
  it.skipIf(!existsSync(connectorJs))(
    "resumes each incremental stream at its cursor minus the lookback",
    async () => {
      const environment = new TestEnvironment();
      const connector = new ConnectorRunner({
        target: { kind: "cli", entry: connectorJs },
        env: { ...FAKE_CONNECTOR_ENV },
      });
      try {
        const config = await environment.loadConfig(join(repoRoot, "integration_tests/sample_config.json"));
        const catalog = readJsonFile(join(repoRoot, "integration_tests/configured_catalog.json"));
        const state = readJsonFile(join(repoRoot, "integration_tests/sample_state.json")) as Array<{
          stream: { stream_descriptor: { name: string }; stream_state: { SystemModstamp: string } };
        }>;
        const run = await connector.run("read", ["config", "catalog", "state"], {
          config: JSON.stringify(config),
          catalog: JSON.stringify(catalog),
          state: JSON.stringify(state),
        });
        expect(run.code, run.stderr).toBe(0);
        const records = parseAirbyteMessages(run.stdout)
          .messages.filter((m) => m.type === "RECORD")
          .map((m) => m.record as { stream: string; data: { SystemModstamp: string } });
        for (const entry of state) {
          const stream = entry.stream.stream_descriptor.name;
          const floor = Date.parse(entry.stream.stream_state.SystemModstamp) - 10 * 60_000;
          const rows = records.filter((r) => r.stream === stream);
          expect(rows.length, stream).toBeGreaterThan(0);
          for (const row of rows) expect(Date.parse(row.data.SystemModstamp)).toBeGreaterThanOrEqual(floor);
        }
        // The full-refresh stream is read whole whatever the state.
        expect(records.filter((r) => r.stream === "User")).toHaveLength(10);
      } finally {
        await environment.close();
        connector.close();
      }
    },
    120_000,
  );
});
