/**
 * Regenerates integration_tests/expected_records.jsonl from a read of the fake Salesforce (and, with
 * --catalog, the stream schemas in the configured catalogs of full_refresh and incremental from
 * discovery):
 *
 *   npm run build && npm run build:tools && node .tools-build/acceptance/generate-expected.js [--catalog]
 *
 * For each basic_read test of acceptance-test-config.yml with expect_records.path, it reads the
 * catalog CAT's TestBasicRead.test_read reads (at strictness high: every discovered stream but the
 * empty_streams) and keeps the first RECORDS_PER_STREAM records of each stream by primary key: CAT
 * wants expected records for every stream of that catalog. The fake's data is generated
 * deterministically (acceptance/fake-org.ts), so the file only changes when the data set, the
 * streams or the connector's output change: review the diff before committing it.
 */
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import * as prettier from "prettier";
import { loadAcceptanceConfig, resolvePath, type BasicReadTestConfig } from "./config.js";
import { ConnectorRunner } from "./connector.js";
import { TestEnvironment } from "./environment.js";
import { defaultAcceptanceConfigPath, defaultConnectorPath, projectRoot } from "./paths.js";
import { CatConnector, Fixtures, type SessionContext } from "./cat/session.js";
import { filterOutput, recordOf } from "./cat/common.js";
import { makeHashable } from "./cat/python.js";

/** Per stream: enough to cover every field type, small enough to review (10 streams: 200 lines at most). */
const RECORDS_PER_STREAM = 20;
/** emitted_at is not compared; a constant keeps the file stable. */
const EMITTED_AT = 1_700_000_000_000;

const args = process.argv.slice(2);
const refreshCatalog = args.includes("--catalog");
const configIndex = args.indexOf("--config");
const acceptanceFile = configIndex >= 0 ? args[configIndex + 1]! : defaultAcceptanceConfigPath;

const acceptance = loadAcceptanceConfig(acceptanceFile);
const environment = new TestEnvironment();
const runner = new ConnectorRunner({ target: { kind: "cli", entry: defaultConnectorPath } });
const ctx: SessionContext = {
  config: acceptance,
  connector: new CatConnector(runner, environment),
  environment,
  target: runner.target,
  basicReads: [],
};
const show = (path: string): string => relative(projectRoot, path) || path;

async function formatted(path: string, json: unknown): Promise<string> {
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(JSON.stringify(json), { ...options, filepath: path });
}

async function writeExpected(test: BasicReadTestConfig): Promise<void> {
  if (!test.expect_records?.path) return;
  const fx = new Fixtures(ctx, "basic_read", test);
  fx.test = "generate-expected";
  const config = await fx.connectorConfig();
  if (!environment.usesFake) console.warn(`${test.config_path} has no fake placeholders: reading a real org`);
  const catalog = await fx.configuredCatalog();
  const records = filterOutput(await fx.callRead(config, catalog), "RECORD").map(recordOf);
  const lines: string[] = [];
  for (const configured of catalog.streams) {
    const pk = configured.stream.source_defined_primary_key ?? [];
    const key = (data: Record<string, unknown>) =>
      makeHashable(pk.map((path) => path.reduce<unknown>((d, k) => (d as Record<string, unknown>)?.[k], data)));
    const rows = records
      .filter((r) => r.stream === configured.stream.name)
      .map((r) => r.data)
      .sort((a, b) => key(a).localeCompare(key(b)))
      .slice(0, RECORDS_PER_STREAM);
    for (const data of rows)
      lines.push(JSON.stringify({ stream: configured.stream.name, data, emitted_at: EMITTED_AT }));
    console.warn(`${configured.stream.name}: ${rows.length} records`);
  }
  const path = resolvePath(acceptance, test.expect_records.path);
  writeFileSync(path, `${lines.join("\n")}\n`);
  console.warn(`wrote ${show(path)} (${lines.length} records)`);
}

async function refreshCatalogs(): Promise<void> {
  const tests = [
    ...(acceptance.acceptance_tests.full_refresh?.tests ?? []),
    ...(acceptance.acceptance_tests.incremental?.tests ?? []),
  ];
  for (const path of new Set(tests.map((t) => t.configured_catalog_path).filter((p): p is string => !!p))) {
    const fx = new Fixtures(
      ctx,
      "incremental",
      tests.find((t) => t.configured_catalog_path === path)!,
    );
    fx.test = "generate-expected";
    // The custom catalog with each stream replaced by the discovered one, as CAT builds it.
    const catalog = await fx.configuredCatalog();
    const file = resolvePath(acceptance, path);
    writeFileSync(file, await formatted(file, catalog));
    console.warn(`wrote ${show(file)} (${catalog.streams.length} streams)`);
  }
}

try {
  if (refreshCatalog) await refreshCatalogs();
  for (const test of acceptance.acceptance_tests.basic_read?.tests ?? []) await writeExpected(test);
} finally {
  await environment.close();
  runner.close();
}
