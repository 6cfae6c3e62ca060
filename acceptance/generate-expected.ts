/**
 * Regenerates integration_tests/expected_records.jsonl from a read of the fake Salesforce (and, with
 * --catalog, the stream schemas in integration_tests/configured_catalog.json from its discovery):
 *
 *   npm run build && npm run build:tools && node .tools-build/acceptance/generate-expected.js [--catalog]
 *
 * For each basic_read test of acceptance-test-config.yml with expect_records.path. The fake's data is
 * generated deterministically (acceptance/fake-org.ts), so the file only changes when the data set,
 * the configured streams or the connector's output change: review the diff before committing it.
 */
import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import * as prettier from "prettier";
import { loadAcceptanceConfig, resolvePath } from "./config.js";
import { loadConfiguredCatalog, primaryKey, type AirbyteStream, type ConfiguredCatalog } from "./catalog.js";
import { ConnectorRunner } from "./connector.js";
import { TestEnvironment } from "./environment.js";
import { defaultAcceptanceConfigPath, defaultConnectorPath, projectRoot } from "./paths.js";
import { ofType, records, runFailure } from "./protocol.js";
import { primaryKeyOf } from "./values.js";

/** Keep the checked-in file small: the issue asks for at most this many expected records. */
const MAX_RECORDS = 200;
/** emitted_at is not compared; a constant keeps the file stable. */
const EMITTED_AT = 1_700_000_000_000;

const args = process.argv.slice(2);
const refreshCatalog = args.includes("--catalog");
const configIndex = args.indexOf("--config");
const acceptanceFile = configIndex >= 0 ? args[configIndex + 1]! : defaultAcceptanceConfigPath;

const acceptance = loadAcceptanceConfig(acceptanceFile);
const environment = new TestEnvironment();
const connector = new ConnectorRunner({ target: { kind: "cli", entry: defaultConnectorPath } });
const show = (path: string): string => relative(projectRoot, path) || path;

async function formatted(path: string, json: unknown): Promise<string> {
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(JSON.stringify(json), { ...options, filepath: path });
}

async function main(): Promise<void> {
  for (const test of acceptance.acceptance_tests.basic_read?.tests ?? []) {
    if (!test.expect_records?.path || !test.configured_catalog_path) continue;
    const config = await environment.loadConfig(resolvePath(acceptance, test.config_path));
    if (!environment.usesFake) console.warn(`${test.config_path} has no fake placeholders: reading a real org`);
    const env = environment.connectorEnvFor(config);
    const catalogPath = resolvePath(acceptance, test.configured_catalog_path);
    let catalog = loadConfiguredCatalog(catalogPath);

    if (refreshCatalog) {
      const run = await connector.run("discover", { config }, undefined, env);
      const failure = runFailure(run);
      if (failure) throw new Error(failure);
      const discovered = (ofType(run, "CATALOG")[0]?.catalog as { streams: AirbyteStream[] }).streams;
      catalog = {
        streams: catalog.streams.map((configured) => {
          const stream = discovered.find((s) => s.name === configured.stream.name);
          if (!stream) throw new Error(`${configured.stream.name} is not discovered`);
          return { ...configured, stream };
        }),
      } satisfies ConfiguredCatalog;
      writeFileSync(catalogPath, await formatted(catalogPath, catalog));
      console.warn(`wrote ${show(catalogPath)} (${catalog.streams.length} streams)`);
    }

    const run = await connector.run("read", { config, catalog }, undefined, env);
    const failure = runFailure(run);
    if (failure) throw new Error(failure);
    const lines: string[] = [];
    for (const configured of catalog.streams) {
      const pk = primaryKey(configured) ?? [];
      const rows = records(run)
        .filter((r) => r.stream === configured.stream.name)
        .map((r) => r.data)
        .sort((a, b) => String(primaryKeyOf(a, pk)).localeCompare(String(primaryKeyOf(b, pk))));
      for (const data of rows)
        lines.push(JSON.stringify({ stream: configured.stream.name, data, emitted_at: EMITTED_AT }));
      console.warn(`${configured.stream.name}: ${rows.length} records`);
    }
    if (lines.length > MAX_RECORDS)
      throw new Error(`${lines.length} records: more than ${MAX_RECORDS}; configure fewer streams or records`);
    const path = resolvePath(acceptance, test.expect_records.path);
    writeFileSync(path, `${lines.join("\n")}\n`);
    console.warn(`wrote ${show(path)} (${lines.length} records)`);
  }
}

try {
  await main();
} finally {
  await environment.close();
  connector.close();
}
