// `npm run acceptance` end to end: the compiled runner (.tools-build/acceptance/run.js) passes on the
// repo's own acceptance-test-config.yml against the built connector and the fake Salesforce, and exits
// non-zero naming the test when a connector omits STATE. Also: reading from integration_tests'
// sample_state.json resumes where it says.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfiguredCatalog } from "../../acceptance/catalog.js";
import { ConnectorRunner } from "../../acceptance/connector.js";
import { FAKE_CONNECTOR_ENV, readJsonFile, TestEnvironment } from "../../acceptance/environment.js";
import { records, runFailure } from "../../acceptance/protocol.js";
import { parseTimestamp } from "../../acceptance/values.js";
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
    "passes on the repo's acceptance-test-config.yml (the connector against the fake Salesforce)",
    async () => {
      const out = await runCompiled([]);
      expect(
        out.lines.filter((l) => l.startsWith("FAIL ")),
        out.lines.join("\n"),
      ).toEqual([]);
      expect(out.code).toBe(0);
      expect(out.lines.at(-1)).toMatch(/^[1-9]\d* passed, 0 failed$/);
      for (const family of ["spec", "connection", "discovery", "basic_read", "full_refresh", "incremental"])
        expect(
          out.lines.some((l) => l.startsWith(`PASS ${family}[1].`)),
          family,
        ).toBe(true);
      expect(out.lines).toContainEqual(
        expect.stringMatching(/^PASS basic_read\[1\]\.expected_records: \d+ expected records of 3 streams$/),
      );
      expect(out.lines).toContainEqual(
        expect.stringMatching(/^# fake Salesforce started at http:\/\/127\.0\.0\.1:\d+$/),
      );
    },
    180_000,
  );

  it("exits 1 naming incremental[1].states_emitted when the connector omits STATE", async () => {
    const out = await runCompiled(["--config", fixtureConfig("no_state"), "--connector", fixtureConnector]);
    expect(out.code).toBe(1);
    expect(out.failed).toContain("incremental[1].states_emitted");
    expect(out.summary).toMatch(/^\d+ passed, 2 failed$/);
  });
});

describe("integration_tests/sample_state.json", () => {
  it.skipIf(!existsSync(connectorJs))("resumes each incremental stream at its cursor minus the lookback", async () => {
    const environment = new TestEnvironment();
    const connector = new ConnectorRunner({
      target: { kind: "cli", entry: connectorJs },
      env: { ...FAKE_CONNECTOR_ENV },
    });
    try {
      const config = await environment.loadConfig(join(repoRoot, "integration_tests/sample_config.json"));
      const catalog = loadConfiguredCatalog(join(repoRoot, "integration_tests/configured_catalog.json"));
      const state = readJsonFile(join(repoRoot, "integration_tests/sample_state.json")) as Array<{
        stream: { stream_descriptor: { name: string }; stream_state: { SystemModstamp: string } };
      }>;
      const run = await connector.run("read", { config, catalog, state });
      expect(runFailure(run)).toBeUndefined();
      for (const entry of state) {
        const stream = entry.stream.stream_descriptor.name;
        const floor = parseTimestamp(entry.stream.stream_state.SystemModstamp)! - 10 * 60_000;
        const rows = records(run).filter((r) => r.stream === stream);
        expect(rows.length, stream).toBeGreaterThan(0);
        for (const row of rows) expect(parseTimestamp(row.data.SystemModstamp as string)).toBeGreaterThanOrEqual(floor);
      }
      // The full-refresh stream is read whole whatever the state.
      expect(records(run).filter((r) => r.stream === "User")).toHaveLength(10);
    } finally {
      await environment.close();
      connector.close();
    }
  });
});
