// acceptance-test-config.yml as connector-acceptance-test 3.9's config.py models it (pydantic,
// `extra = "forbid"` on every model but the per-family group): the same keys, defaults and
// validators, and the legacy layout (`tests:` at the top level) migrated as Config does.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { Ajv } from "ajv";
import { parse } from "yaml";

export interface BackwardCompatibilityTestsConfig {
  previous_connector_version: string;
  disable_for_version?: string | null;
}

interface Common {
  config_path: string;
  timeout_seconds?: number | null;
  deployment_mode?: "cloud" | "oss" | null;
}

export interface SpecTestConfig extends Common {
  spec_path: string;
  backward_compatibility_tests_config: BackwardCompatibilityTestsConfig;
  auth_default_method?: { oauth: boolean; bypass_reason?: string | null } | null;
}

export interface ConnectionTestConfig extends Common {
  status: "succeed" | "failed" | "exception";
}

export interface DiscoveryTestConfig extends Common {
  backward_compatibility_tests_config: BackwardCompatibilityTestsConfig;
  validate_primary_keys_data_type: boolean;
}

export interface NamedBypass {
  name: string;
  bypass_reason?: string | null;
}

export interface ExpectedRecordsConfig {
  bypass_reason?: string | null;
  path?: string | null;
  exact_order: boolean;
}

export interface ClientContainerConfig {
  secrets_path?: string | null;
  client_container_dockerfile_path?: string | null;
  setup_command?: string[] | null;
  teardown_command?: string[] | null;
  between_syncs_command?: string[] | null;
  final_teardown_command?: string[] | null;
}

export interface FileTypesConfig {
  bypass_reason?: string | null;
  unsupported_types?: Array<{ extension: string; bypass_reason?: string | null }> | null;
  skip_test: boolean;
}

export interface BasicReadTestConfig extends Common {
  configured_catalog_path?: string | null;
  empty_streams: NamedBypass[];
  expect_records?: ExpectedRecordsConfig | null;
  validate_schema: boolean;
  validate_stream_statuses?: boolean | null;
  validate_state_messages: boolean;
  validate_primary_keys_data_type: boolean;
  fail_on_extra_columns: boolean;
  validate_data_points: boolean;
  expect_trace_message_on_failure: boolean;
  file_types: FileTypesConfig;
  client_container_config?: ClientContainerConfig | null;
}

export interface FullRefreshConfig extends Common {
  configured_catalog_path?: string | null;
  ignored_fields?: Record<string, NamedBypass[]> | null;
  client_container_config?: ClientContainerConfig | null;
}

export interface CursorFormat {
  format?: string | null;
}

export interface FutureStateConfig {
  future_state_path?: string | null;
  missing_streams: NamedBypass[];
  bypass_reason?: string | null;
  cursor_format: CursorFormat & { streams: Array<CursorFormat & { name: string }> };
}

export interface IncrementalConfig extends Common {
  configured_catalog_path?: string | null;
  future_state?: FutureStateConfig | null;
  skip_comprehensive_incremental_tests: boolean;
  client_container_config?: ClientContainerConfig | null;
}

export interface ConnectorAttributesConfig extends Common {
  streams_without_primary_key?: NamedBypass[] | null;
  allowed_hosts?: { bypass_reason?: string | null } | null;
  suggested_streams?: { bypass_reason?: string | null } | null;
}

export type ConnectorDocumentationConfig = Common;

export interface TestGroup<T> {
  bypass_reason?: string | null;
  tests?: T[] | null;
}

export interface AcceptanceTests {
  spec?: TestGroup<SpecTestConfig> | null;
  connection?: TestGroup<ConnectionTestConfig> | null;
  discovery?: TestGroup<DiscoveryTestConfig> | null;
  basic_read?: TestGroup<BasicReadTestConfig> | null;
  full_refresh?: TestGroup<FullRefreshConfig> | null;
  incremental?: TestGroup<IncrementalConfig> | null;
  connector_attributes?: TestGroup<ConnectorAttributesConfig> | null;
  connector_documentation?: TestGroup<ConnectorDocumentationConfig> | null;
  client_container_config?: ClientContainerConfig | null;
}

export interface AcceptanceConfig {
  connector_image: string;
  test_strictness_level: "high" | "low";
  acceptance_tests: AcceptanceTests;
  custom_environment_variables: Record<string, string>;
  /** Absolute directory the config's relative paths resolve against (the file's folder, or base_path). */
  baseDir: string;
  /** Absolute path of the YAML file. */
  file: string;
}

export const FAMILIES = [
  "spec",
  "connection",
  "discovery",
  "basic_read",
  "full_refresh",
  "incremental",
  "connector_attributes",
  "connector_documentation",
] as const;
export type Family = (typeof FAMILIES)[number];

// --- the models, as JSON schema (each `Field(default=...)` a default, `extra = "forbid"` as additionalProperties: false)

const str = { type: "string" };
const optStr = { type: ["string", "null"] };
const bool = (value: boolean | null) => ({ type: value === null ? ["boolean", "null"] : "boolean", default: value });
const model = (properties: Record<string, object>, required: string[] = []) => ({
  type: "object" as string | string[],
  additionalProperties: false,
  required,
  properties,
});
// Optional[Model]: an object or null. (Not anyOf: ajv applies defaults only outside anyOf/oneOf.)
const nullable = <T extends { type: string | string[] }>(schema: T): T => ({ ...schema, type: ["object", "null"] });
const common = {
  config_path: { ...str, default: "secrets/config.json" },
  timeout_seconds: { type: ["integer", "null"], minimum: 0 },
  deployment_mode: { type: ["string", "null"], pattern: "^(cloud|oss)$" },
};
const semver = "(0|(?:[1-9]\\d*))(?:\\.(0|(?:[1-9]\\d*))(?:\\.(0|(?:[1-9]\\d*)))?(?:-([\\w][\\w\\.\\-_]*))?)?";
const backwardCompatibility = {
  ...model({
    // pydantic does not validate a default: "latest" passes though it is no version.
    previous_connector_version: { ...str, pattern: `^latest$|^${semver}`, default: "latest" },
    disable_for_version: { type: ["string", "null"], pattern: `^${semver}` },
  }),
  default: {},
};
const namedList = {
  type: "array",
  items: model({ name: str, bypass_reason: optStr }, ["name"]),
};
const clientContainer = nullable(
  model({
    secrets_path: optStr,
    client_container_dockerfile_path: optStr,
    setup_command: { type: ["array", "null"], items: str },
    teardown_command: { type: ["array", "null"], items: str },
    between_syncs_command: { type: ["array", "null"], items: str },
    final_teardown_command: { type: ["array", "null"], items: str },
  }),
);
const catalogPath = { configured_catalog_path: optStr };

const specTest = model({
  ...common,
  spec_path: { ...str, default: "secrets/spec.json" },
  backward_compatibility_tests_config: backwardCompatibility,
  auth_default_method: nullable(model({ oauth: { type: "boolean", default: true }, bypass_reason: optStr })),
});
const connectionTest = model({ ...common, status: { enum: ["succeed", "failed", "exception"], default: "succeed" } });
const discoveryTest = model({
  ...common,
  backward_compatibility_tests_config: backwardCompatibility,
  validate_primary_keys_data_type: bool(true),
});
const basicReadTest = model({
  ...common,
  ...catalogPath,
  empty_streams: { ...namedList, default: [] },
  expect_records: nullable(model({ bypass_reason: optStr, path: optStr, exact_order: bool(false) })),
  validate_schema: bool(true),
  validate_stream_statuses: { type: ["boolean", "null"] },
  validate_state_messages: bool(true),
  validate_primary_keys_data_type: bool(true),
  fail_on_extra_columns: bool(true),
  validate_data_points: bool(false),
  expect_trace_message_on_failure: bool(true),
  file_types: {
    ...model({
      bypass_reason: optStr,
      unsupported_types: {
        type: ["array", "null"],
        items: model({ extension: str, bypass_reason: optStr }, ["extension"]),
      },
      skip_test: { type: ["boolean", "null"], default: false },
    }),
    default: {},
  },
  client_container_config: clientContainer,
});
const fullRefreshTest = model({
  ...common,
  ...catalogPath,
  ignored_fields: { type: ["object", "null"], additionalProperties: namedList },
  client_container_config: clientContainer,
});
const cursorFormat = model({
  format: optStr,
  streams: { type: "array", items: model({ name: str, format: optStr }, ["name"]), default: [] },
});
const incrementalTest = model({
  ...common,
  ...catalogPath,
  future_state: nullable(
    model({
      future_state_path: optStr,
      missing_streams: { ...namedList, default: [] },
      bypass_reason: optStr,
      cursor_format: { ...cursorFormat, default: {} },
    }),
  ),
  skip_comprehensive_incremental_tests: { type: ["boolean", "null"], default: false },
  client_container_config: clientContainer,
});
const attributesTest = model({
  ...common,
  streams_without_primary_key: {
    type: ["array", "null"],
    items: model({ name: str, bypass_reason: optStr }, ["name"]),
  },
  allowed_hosts: nullable(model({ bypass_reason: optStr })),
  suggested_streams: nullable(model({ bypass_reason: optStr })),
});
const documentationTest = model({ ...common });
// GenericTestConfig is not a BaseConfig: unknown keys next to `tests` are ignored there.
const group = (test: object) =>
  nullable({ type: "object", properties: { bypass_reason: optStr, tests: { type: ["array", "null"], items: test } } });

const schema = model(
  {
    connector_image: str,
    acceptance_tests: model({
      spec: group(specTest),
      connection: group(connectionTest),
      discovery: group(discoveryTest),
      basic_read: group(basicReadTest),
      full_refresh: group(fullRefreshTest),
      incremental: group(incrementalTest),
      connector_attributes: group(attributesTest),
      connector_documentation: group(documentationTest),
      client_container_config: clientContainer,
    }),
    base_path: optStr,
    test_strictness_level: { enum: ["high", "low", null], default: "low" },
    custom_environment_variables: { type: ["object", "null"], default: {} },
  },
  ["connector_image", "acceptance_tests"],
);

const validate = new Ajv({ allErrors: true, strict: false, useDefaults: true }).compile(schema);

export class AcceptanceConfigError extends Error {}

/** Config.migrate_legacy_to_current_config: the pre-0.2.12 layout ({tests: {spec: [..]}}) to the current one. */
export function migrateLegacy(raw: Record<string, unknown>): Record<string, unknown> {
  if (!("tests" in raw)) return raw;
  const { tests, ...rest } = structuredClone(raw);
  const migrated: Record<string, { tests: Array<Record<string, unknown>> }> = {};
  for (const [family, entries] of Object.entries((tests ?? {}) as Record<string, Array<Record<string, unknown>>>))
    migrated[family] = { tests: entries ?? [] };
  for (const test of migrated.basic_read?.tests ?? [])
    if ("empty_streams" in test)
      test.empty_streams = ((test.empty_streams ?? []) as string[]).map((name) => ({ name }));
  for (const test of migrated.full_refresh?.tests ?? [])
    if ("ignored_fields" in test)
      test.ignored_fields = Object.fromEntries(
        Object.entries(test.ignored_fields as Record<string, string[]>).map(([stream, fields]) => [
          stream,
          fields.map((name) => ({ name })),
        ]),
      );
  for (const test of migrated.incremental?.tests ?? [])
    if ("future_state_path" in test) {
      test.future_state = { future_state_path: test.future_state_path };
      delete test.future_state_path;
    }
  return { ...rest, acceptance_tests: migrated };
}

/** The validators config.py adds to its models. */
function validatorProblems(tests: AcceptanceTests): string[] {
  const problems: string[] = [];
  for (const family of FAMILIES) {
    const g = tests[family];
    if (g?.tests?.length && g.bypass_reason)
      problems.push(`${family}: You can't set a bypass_reason if tests are set.`);
  }
  tests.basic_read?.tests?.forEach((t, i) => {
    const where = `basic_read.tests.${i}`;
    const e = t.expect_records;
    if (e && e.path && e.bypass_reason)
      problems.push(`${where}.expect_records: You can't set a bypass_reason if a path is set`);
    if (e && !e.path && !e.bypass_reason)
      problems.push(`${where}.expect_records: A path or a bypass_reason must be set`);
    const f = t.file_types;
    if (f.skip_test && f.unsupported_types?.length)
      problems.push(`${where}.file_types: You can't set 'unsupported_types' if the test is skipped.`);
    if (!f.skip_test && f.bypass_reason != null)
      problems.push(`${where}.file_types: You can't set 'bypass_reason' if the test is not skipped.`);
    for (const u of f.unsupported_types ?? [])
      if (!u.extension.startsWith(".") || u.extension.length < 2)
        problems.push(`${where}.file_types: Please provide a valid file extension (e.g. '.csv').`);
  });
  tests.spec?.tests?.forEach((t, i) => {
    if (t.auth_default_method && t.auth_default_method.oauth === false && !t.auth_default_method.bypass_reason)
      problems.push(`spec.tests.${i}.auth_default_method: Please provide a bypass reason for Auth default method`);
  });
  return problems;
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
    throw new AcceptanceConfigError(`${file}: ${[...new Set(problems)].join("; ")}`);
  }
  const config = migrated as {
    connector_image: string;
    base_path?: string | null;
    test_strictness_level?: "high" | "low" | null;
    custom_environment_variables?: Record<string, unknown> | null;
    acceptance_tests: AcceptanceTests;
  };
  const problems = validatorProblems(config.acceptance_tests);
  if (problems.length) throw new AcceptanceConfigError(`${file}: ${problems.join("; ")}`);
  const fileDir = dirname(resolve(file));
  return {
    connector_image: config.connector_image,
    test_strictness_level: config.test_strictness_level ?? "low",
    acceptance_tests: config.acceptance_tests,
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

/** A path from the config, absolute. */
export function resolvePath(config: AcceptanceConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(config.baseDir, path);
}
