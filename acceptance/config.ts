// acceptance-test-config.yml in Airbyte's current layout (connector_image, test_strictness_level,
// acceptance_tests: {spec, connection, discovery, basic_read, full_refresh, incremental}: {tests | bypass_reason}).
// Keys follow connector-acceptance-test's config model; unknown keys are errors there and here.
// The legacy layout (`tests:` at the top level) is migrated the way Airbyte migrates it.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { Ajv } from "ajv";
import { parse } from "yaml";

export interface SpecTest {
  spec_path: string;
  config_path?: string;
  timeout_seconds?: number;
}

export interface ConnectionTest {
  config_path: string;
  status: "succeed" | "failed" | "exception";
  timeout_seconds?: number;
}

export interface DiscoveryTest {
  config_path: string;
  timeout_seconds?: number;
  validate_primary_keys_data_type?: boolean;
}

export interface NamedBypass {
  name: string;
  bypass_reason?: string;
}

export interface BasicReadTest {
  config_path: string;
  configured_catalog_path?: string;
  empty_streams?: NamedBypass[];
  expect_records?: { path?: string; exact_order?: boolean; bypass_reason?: string };
  validate_schema?: boolean;
  validate_state_messages?: boolean;
  validate_stream_statuses?: boolean;
  fail_on_extra_columns?: boolean;
  timeout_seconds?: number;
}

export interface FullRefreshTest {
  config_path: string;
  configured_catalog_path?: string;
  ignored_fields?: Record<string, NamedBypass[]>;
  timeout_seconds?: number;
}

export interface IncrementalTest {
  config_path: string;
  configured_catalog_path?: string;
  future_state?: { future_state_path?: string; missing_streams?: NamedBypass[]; bypass_reason?: string };
  skip_comprehensive_incremental_tests?: boolean;
  timeout_seconds?: number;
}

export interface TestGroup<T> {
  bypass_reason?: string;
  tests?: T[];
}

export interface AcceptanceTests {
  spec?: TestGroup<SpecTest>;
  connection?: TestGroup<ConnectionTest>;
  discovery?: TestGroup<DiscoveryTest>;
  basic_read?: TestGroup<BasicReadTest>;
  full_refresh?: TestGroup<FullRefreshTest>;
  incremental?: TestGroup<IncrementalTest>;
}

export interface AcceptanceConfig {
  connector_image: string;
  test_strictness_level: "high" | "low";
  acceptance_tests: AcceptanceTests;
  custom_environment_variables: Record<string, string>;
  /** Absolute directory the config's relative paths resolve against (the file's folder, plus base_path). */
  baseDir: string;
  /** Absolute path of the YAML file. */
  file: string;
}

export const FAMILIES = ["spec", "connection", "discovery", "basic_read", "full_refresh", "incremental"] as const;
export type Family = (typeof FAMILIES)[number];

// Keys Airbyte's suite accepts that this runner accepts but does not act on (Docker/deployment specifics).
const accepted = { deployment_mode: { type: "string" }, backward_compatibility_tests_config: { type: "object" } };
const timeout = { timeout_seconds: { type: "integer", minimum: 0 } };
const bypassList = {
  type: "array",
  items: {
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: { name: { type: "string" }, bypass_reason: { type: "string" } },
  },
};
const group = (test: object): object => ({
  type: "object",
  additionalProperties: false,
  properties: { bypass_reason: { type: "string" }, tests: { type: "array", items: test } },
});
const test = (required: string[], properties: Record<string, object>): object => ({
  type: "object",
  additionalProperties: false,
  required,
  properties: { ...properties, ...timeout, ...accepted },
});
const readPaths = { config_path: { type: "string" }, configured_catalog_path: { type: "string" } };
const clientContainer = { client_container_config: { type: "object" } };

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["connector_image", "acceptance_tests"],
  properties: {
    connector_image: { type: "string", minLength: 1 },
    base_path: { type: "string" },
    test_strictness_level: { enum: ["high", "low"] },
    custom_environment_variables: { type: "object", additionalProperties: { type: ["string", "number", "boolean"] } },
    acceptance_tests: {
      type: "object",
      additionalProperties: false,
      properties: {
        spec: group(
          test(["spec_path"], {
            spec_path: { type: "string" },
            config_path: { type: "string" },
            auth_default_method: { type: "object" },
          }),
        ),
        connection: group(
          test(["config_path"], {
            config_path: { type: "string" },
            status: { enum: ["succeed", "failed", "exception"] },
          }),
        ),
        discovery: group(
          test(["config_path"], {
            config_path: { type: "string" },
            validate_primary_keys_data_type: { type: "boolean" },
          }),
        ),
        basic_read: group(
          test(["config_path"], {
            ...readPaths,
            ...clientContainer,
            empty_streams: bypassList,
            expect_records: {
              type: "object",
              additionalProperties: false,
              properties: {
                path: { type: "string" },
                exact_order: { type: "boolean" },
                bypass_reason: { type: "string" },
                extra_fields: { type: "boolean" },
                extra_records: { type: "boolean" },
              },
            },
            validate_schema: { type: "boolean" },
            validate_state_messages: { type: "boolean" },
            validate_stream_statuses: { type: "boolean" },
            validate_primary_keys_data_type: { type: "boolean" },
            validate_data_points: { type: "boolean" },
            fail_on_extra_columns: { type: "boolean" },
            expect_trace_message_on_failure: { type: "boolean" },
            file_types: { type: "object" },
          }),
        ),
        full_refresh: group(
          test(["config_path"], {
            ...readPaths,
            ...clientContainer,
            ignored_fields: { type: "object", additionalProperties: bypassList },
          }),
        ),
        incremental: group(
          test(["config_path"], {
            ...readPaths,
            ...clientContainer,
            future_state: {
              type: "object",
              additionalProperties: false,
              properties: {
                future_state_path: { type: "string" },
                missing_streams: bypassList,
                bypass_reason: { type: "string" },
                cursor_format: { type: "object" },
              },
            },
            skip_comprehensive_incremental_tests: { type: "boolean" },
          }),
        ),
        connector_attributes: group({ type: "object" }),
        connector_documentation: group({ type: "object" }),
      },
    },
  },
};

const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

export class AcceptanceConfigError extends Error {}

/** Converts the pre-0.2.12 layout ({tests: {spec: [..]}}) to the current one, as Airbyte's suite does. */
export function migrateLegacy(raw: Record<string, unknown>): Record<string, unknown> {
  if (!("tests" in raw)) return raw;
  const { tests, ...rest } = raw;
  const migrated: Record<string, unknown> = {};
  for (const [family, entries] of Object.entries((tests ?? {}) as Record<string, unknown[]>)) {
    migrated[family] = {
      tests: (entries ?? []).map((entry) => {
        const e = { ...(entry as Record<string, unknown>) };
        // Legacy incremental tests had future_state_path at the top of the test.
        if (family === "incremental" && "future_state_path" in e) {
          e.future_state = { future_state_path: e.future_state_path };
          delete e.future_state_path;
        }
        return e;
      }),
    };
  }
  return { ...rest, acceptance_tests: migrated };
}

export function parseAcceptanceConfig(text: string, file: string): AcceptanceConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new AcceptanceConfigError(`${file}: not valid YAML: ${(error as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new AcceptanceConfigError(`${file}: expected a mapping at the top level`);
  const migrated = migrateLegacy(raw as Record<string, unknown>);
  if (!validate(migrated)) {
    const problems = (validate.errors ?? []).map((e) => {
      const where = e.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(top level)";
      const extra = e.keyword === "additionalProperties" ? ` '${String(e.params.additionalProperty)}'` : "";
      return `${where}: ${e.message ?? e.keyword}${extra}`;
    });
    throw new AcceptanceConfigError(`${file}: ${problems.join("; ")}`);
  }
  const config = migrated as {
    connector_image: string;
    base_path?: string;
    test_strictness_level?: "high" | "low";
    custom_environment_variables?: Record<string, string | number | boolean>;
    acceptance_tests: AcceptanceTests;
  };
  const fileDir = dirname(resolve(file));
  return {
    connector_image: config.connector_image,
    test_strictness_level: config.test_strictness_level ?? "low",
    acceptance_tests: withDefaults(config.acceptance_tests),
    custom_environment_variables: Object.fromEntries(
      Object.entries(config.custom_environment_variables ?? {}).map(([k, v]) => [k, String(v)]),
    ),
    baseDir: config.base_path ? resolve(fileDir, config.base_path) : fileDir,
    file: resolve(file),
  };
}

export function loadAcceptanceConfig(file: string): AcceptanceConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new AcceptanceConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return parseAcceptanceConfig(text, file);
}

/** The suite's defaults for keys a test leaves out. */
function withDefaults(tests: AcceptanceTests): AcceptanceTests {
  const out: AcceptanceTests = { ...tests };
  if (tests.connection?.tests)
    out.connection = {
      ...tests.connection,
      tests: tests.connection.tests.map((t) => ({ ...t, status: t.status ?? "succeed" })),
    };
  return out;
}

/** A path from the config, absolute. */
export function resolvePath(config: AcceptanceConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(config.baseDir, path);
}

/**
 * What test_strictness_level: high demands (as Airbyte's suite does): every family configured or
 * bypassed with a reason, expected records for basic_read and a future state for incremental.
 */
export function strictnessProblems(config: AcceptanceConfig): string[] {
  if (config.test_strictness_level !== "high") return [];
  const problems: string[] = [];
  const tests = config.acceptance_tests;
  for (const family of FAMILIES) {
    const g = tests[family];
    if (!g || (!g.bypass_reason && (g.tests ?? []).length === 0))
      problems.push(`${family}: needs tests or a bypass_reason at strictness high`);
  }
  tests.basic_read?.tests?.forEach((t, i) => {
    if (!t.expect_records) problems.push(`basic_read[${i + 1}]: needs expect_records (a path or a bypass_reason)`);
    else if (!t.expect_records.path && !t.expect_records.bypass_reason)
      problems.push(`basic_read[${i + 1}]: expect_records needs a path or a bypass_reason`);
  });
  tests.incremental?.tests?.forEach((t, i) => {
    if (!t.future_state?.future_state_path && !t.future_state?.bypass_reason)
      problems.push(`incremental[${i + 1}]: needs future_state.future_state_path or a bypass_reason`);
  });
  return problems;
}
