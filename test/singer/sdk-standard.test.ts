// The Meltano Singer SDK's standard tap, stream and attribute tests (ported in meltano-sdk.ts) run
// against the built tap-salesforce-ts and the fake Salesforce's default org, every stream selected.
// Test ids are the SDK's pytest ids, e.g. `test_tap_stream_attribute_is_boolean[AccountHistory.OldValue]`.
import { afterAll, describe, it } from "vitest";
import { startFakeSalesforce } from "../fake-salesforce/index.js";
import { writeTempFiles } from "../helpers/cli.js";
import { baseConfig } from "../helpers/read-fixtures.js";
import { runTap } from "../helpers/singer.js";
import { standardTapTests, TapTestRunner } from "./meltano-sdk.js";

const fake = await startFakeSalesforce();
const configPath = writeTempFiles({ "config.json": baseConfig(fake) })["config.json"]!;
const runner = new TapTestRunner(runTap, configPath, (name, content) => writeTempFiles({ [name]: content })[name]!);
// The runner's class-scoped fixture: discovery and one sync, before the tests are collected.
await runner.discover();
await runner.syncAll();
const cases = standardTapTests(runner);

afterAll(async () => {
  await fake.stop();
  for (const warning of new Set(runner.warnings)) console.warn(`singer_sdk warning: ${warning}`);
});

describe(`Meltano Singer SDK standard tap tests (${cases.length})`, () => {
  for (const testCase of cases) it(testCase.id, () => testCase.run());
});
