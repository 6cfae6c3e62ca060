// The build-time validators (scripts/generate-validators.mjs) against ajv compiling the same schemas
// at run time the way the connector did before, with the same options and the old function form of
// `maximum_duration`: the same verdict, the same defaults filled in, the same errors, for every config
// the property test generates and for catalogs broken in each way the protocol can refuse.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parseDurationMs } from "../src/durations.js";
import { validateConfig } from "../src/generated/validate-config.js";
import { validateConfiguredCatalog } from "../src/protocol/generated/validate-configured-catalog.js";
import { repoRoot } from "./helpers/cli.js";
import { generateConfigCases } from "./helpers/spec-configs.js";
import { propertyTestGeneration } from "./helpers/spec-config-base.js";

const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(repoRoot, path), "utf8")) as Record<string, unknown>;
const spec = readJson("spec.json").connectionSpecification as Record<string, unknown>;

function runtimeConfigValidator(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, discriminator: true, strict: false, verbose: true });
  const maximumDuration: SchemaValidateFunction = (maximum: string, value: string): boolean => {
    const ms = parseDurationMs(value);
    if (ms === undefined || ms <= parseDurationMs(maximum)!) return true;
    maximumDuration.errors = [{ keyword: "maximum_duration", message: `must be at most ${maximum}`, params: {} }];
    return false;
  };
  ajv.addKeyword({
    keyword: "maximum_duration",
    type: "string",
    schemaType: "string",
    errors: true,
    validate: maximumDuration,
  });
  return ajv.compile(spec);
}

function runtimeCatalogValidator(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(readJson("schemas/airbyte_protocol.json"), "airbyte_protocol");
  return ajv.getSchema("airbyte_protocol#/definitions/ConfiguredAirbyteCatalog")!;
}

/**
 * The errors without what only the keyword's form changes: ajv gives a function keyword's error no
 * parentSchema (the standalone keyword's has one); nothing reads it for maximum_duration.
 */
const comparable = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => (e.keyword === "maximum_duration" ? { ...e, parentSchema: undefined } : e));

function expectSame(generated: ValidateFunction, runtime: ValidateFunction, input: unknown): boolean {
  const a = structuredClone(input);
  const b = structuredClone(input);
  const valid = generated(a);
  expect(valid).toBe(runtime(b));
  expect(a, "defaults filled in").toEqual(b);
  expect(comparable(generated.errors)).toEqual(comparable(runtime.errors));
  return valid;
}

describe("generated validators behave as ajv compiling the schemas at run time", () => {
  it("config: every generated case, valid or not, and the maximum_duration bounds", () => {
    const runtime = runtimeConfigValidator();
    const fake = {
      url: "http://127.0.0.1:4242",
      credentials: {
        clientId: "id",
        clientSecret: "secret",
        refreshToken: "token",
        username: "user@example.test",
        password: "password",
        securityToken: "security",
      },
    };
    const configs: unknown[] = generateConfigCases(spec, propertyTestGeneration(fake)).map((c) => c.config);
    const base = { credentials: { auth_type: "username_password", username: "u", password: "p" } };
    for (const [field, value] of [
      ["lookback_window", "P1Y"],
      ["lookback_window", "P1Y1D"],
      ["stream_slice_step", "P101Y"],
      ["job_timeout", "P8D"],
      ["job_timeout", "PT168H"],
      ["formula_refresh", "P53W"],
      ["formula_refresh", "not a duration"],
    ]) {
      configs.push({ ...base, [field!]: value });
    }
    configs.push({}, [], null, "config", { ...base, bulk_api: { version: "1.0" } }, { ...base, bulk_api: {} });
    const verdicts = configs.map((config) => expectSame(validateConfig, runtime, config));
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
    expect(validateConfig({ ...base, lookback_window: "P1Y1D" })).toBe(false);
    expect(validateConfig.errors).toMatchObject([
      { instancePath: "/lookback_window", keyword: "maximum_duration", message: "must be at most P1Y", params: {} },
    ]);
  });

  it("configured catalog: as given, and each part missing, null or of the wrong type", () => {
    const runtime = runtimeCatalogValidator();
    const catalog = readJson("integration_tests/configured_catalog.json") as {
      streams: Array<Record<string, unknown>>;
    };
    const entry = catalog.streams[0]!;
    const stream = entry.stream as Record<string, unknown>;
    const broken: unknown[] = [catalog, {}, { streams: null }, { streams: {} }, { streams: [null] }, null, []];
    for (const key of Object.keys(entry)) {
      const { [key]: _dropped, ...rest } = entry;
      broken.push({ streams: [rest] }, { streams: [{ ...entry, [key]: null }] }, { streams: [{ ...entry, [key]: 7 }] });
    }
    for (const key of Object.keys(stream)) {
      const { [key]: _dropped, ...rest } = stream;
      broken.push(
        { streams: [{ ...entry, stream: rest }] },
        { streams: [{ ...entry, stream: { ...stream, [key]: 7 } }] },
      );
    }
    broken.push({ streams: [{ ...entry, sync_mode: "sometimes", destination_sync_mode: "never" }] });
    const verdicts = broken.map((input) => expectSame(validateConfiguredCatalog, runtime, input));
    expect(verdicts[0]).toBe(true);
    // Optional parts may go: what matters is that both verdicts, and many errors, were compared.
    expect(verdicts.filter((valid) => !valid).length).toBeGreaterThan(20);
  });
});
