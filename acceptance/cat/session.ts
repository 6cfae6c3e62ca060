// What CAT's conftest.py provides a test: the connector runner (with dagger's caching of identical
// runs), and the fixtures, resolved lazily and once per test as pytest does (connector_config,
// actual_connector_spec, discovered_catalog, configured_catalog, empty_streams, ...). The
// high-strictness rules conftest enforces are here too, failing the tests that use the fixture.
import { existsSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse } from "yaml";
import type { AcceptanceConfig, BasicReadTestConfig, NamedBypass } from "../config.js";
import { resolvePath } from "../config.js";
import type { ConnectorCommand, ConnectorRun, ConnectorRunner, InputFile, InputFiles } from "../connector.js";
import type { TestEnvironment } from "../environment.js";
import {
  catalogFromCustom,
  catalogFromDiscovered,
  filterOutput,
  type AirbyteStream,
  type ConfiguredCatalog,
  type DiscoveredCatalog,
  type RecordMessage,
} from "./common.js";
import { dumpModel, isValidModel, modelJson, parseAirbyteMessages, type AirbyteMessage } from "./models.js";
import { parsePyJson, truthy } from "./python.js";
import { assert, fail } from "./pytest.js";
import type { BasicReadOutput } from "../ours.js";

/** One connector run as the session saw it, for the checks of our own that look across runs. */
export interface LoggedRun {
  test: string;
  run: ConnectorRun;
  messages: AirbyteMessage[];
  /** A read that should end without error (every read but test_airbyte_trace_message_on_failure's). */
  expectClean: boolean;
}

/** CAT's ConnectorRunner: call_spec, call_check, call_discover, call_read, call_read_with_state. */
export class CatConnector {
  readonly log: LoggedRun[] = [];
  private readonly cache = new Map<string, AirbyteMessage[]>();

  constructor(
    private readonly runner: ConnectorRunner,
    private readonly environment: TestEnvironment,
  ) {}

  async call(
    test: string,
    command: ConnectorCommand,
    flags: readonly InputFile[],
    inputs: { config?: Record<string, unknown> | null; catalog?: ConfiguredCatalog; state?: unknown },
    options: { timeoutMs: number; enableCaching?: boolean; expectClean?: boolean; env?: Record<string, string> },
  ): Promise<AirbyteMessage[]> {
    // Written as _run writes them: json.dumps(dict(config)), catalog.json(), json.dumps(state); a
    // falsy config or state is not written at all.
    const files: InputFiles = {};
    if (truthy(inputs.config)) files.config = JSON.stringify(inputs.config);
    if (truthy(inputs.state)) files.state = JSON.stringify(inputs.state);
    if (inputs.catalog) files.catalog = modelJson("ConfiguredAirbyteCatalog", inputs.catalog);
    const key = JSON.stringify([command, flags, files, options.env ?? {}]);
    const cached = this.cache.get(key);
    if (cached && options.enableCaching !== false) return cached;
    const env = { ...this.environment.connectorEnvFor(inputs.config), ...options.env };
    const run = await this.runner.run(command, flags, files, options.timeoutMs, env);
    if (run.spawnError) fail(`Failed to run command ${run.label}: ${run.spawnError}`);
    if (run.timedOut) fail(`Timeout: ${run.label} ran longer than ${Math.round(options.timeoutMs / 1000)} s`);
    // A failed exec's output is its stdout then its stderr (raise_container_error=False).
    const output = run.code === 0 ? run.stdout : `${run.stdout}\n${run.stderr}`;
    const { messages } = parseAirbyteMessages(output);
    this.log.push({ test, run, messages, expectClean: options.expectClean ?? false });
    this.cache.set(key, messages);
    return messages;
  }
}

const TIMEOUT_S = { spec: 60, connection: 60, discovery: 300, basic_read: 600, full_refresh: 1200, incremental: 1200 };

export interface SessionContext {
  config: AcceptanceConfig;
  connector: CatConnector;
  environment: TestEnvironment;
  target: ConnectorRunner["target"];
  /** What each TestBasicRead.test_read read, for Ours.test_expected_records_data. */
  basicReads: BasicReadOutput[];
}

type Dict = Record<string, unknown>;

/** The fixtures of one test function with one `inputs`. */
export class Fixtures<
  I extends { config_path?: string; timeout_seconds?: number | null; deployment_mode?: string | null },
> {
  private readonly memo = new Map<string, Promise<unknown>>();
  /** The test's full name, for the run log. */
  test = "";

  constructor(
    readonly session: SessionContext,
    readonly family: keyof typeof TIMEOUT_S | "connector_attributes" | "connector_documentation",
    readonly inputs: I,
  ) {}

  private once<T>(name: string, compute: () => Promise<T> | T): Promise<T> {
    let value = this.memo.get(name) as Promise<T> | undefined;
    if (!value) {
      value = Promise.resolve().then(compute);
      this.memo.set(name, value);
    }
    return value;
  }

  get strictness(): "high" | "low" {
    return this.session.config.test_strictness_level;
  }

  get timeoutMs(): number {
    const fallback = this.family in TIMEOUT_S ? TIMEOUT_S[this.family as keyof typeof TIMEOUT_S] : 600;
    return (this.inputs.timeout_seconds || fallback) * 1000;
  }

  path(relative: string): string {
    return resolvePath(this.session.config, relative);
  }

  /** docker_runner's env: custom_environment_variables, plus DEPLOYMENT_MODE when the test sets one. */
  private get env(): Record<string, string> {
    return this.inputs.deployment_mode ? { DEPLOYMENT_MODE: this.inputs.deployment_mode.toUpperCase() } : {};
  }

  private call(
    command: ConnectorCommand,
    flags: readonly InputFile[],
    inputs: Parameters<CatConnector["call"]>[3],
    options: { enableCaching?: boolean; expectClean?: boolean } = {},
  ): Promise<AirbyteMessage[]> {
    return this.session.connector.call(this.test, command, flags, inputs, {
      ...options,
      env: this.env,
      timeoutMs: this.timeoutMs,
    });
  }

  callSpec(): Promise<AirbyteMessage[]> {
    return this.call("spec", [], {});
  }

  callCheck(config: Dict | null): Promise<AirbyteMessage[]> {
    return this.call("check", ["config"], { config });
  }

  callDiscover(config: Dict | null): Promise<AirbyteMessage[]> {
    return this.call("discover", ["config"], { config });
  }

  callRead(
    config: Dict | null,
    catalog: ConfiguredCatalog,
    options: { enableCaching?: boolean; expectClean?: boolean } = {},
  ): Promise<AirbyteMessage[]> {
    return this.call("read", ["config", "catalog"], { config, catalog }, { expectClean: true, ...options });
  }

  callReadWithState(
    config: Dict | null,
    catalog: ConfiguredCatalog,
    state: unknown,
    options: { enableCaching?: boolean } = {},
  ): Promise<AirbyteMessage[]> {
    return this.call(
      "read",
      ["config", "catalog", "state"],
      { config, catalog, state },
      { expectClean: true, ...options },
    );
  }

  /** connector_config: the config file (placeholders filled in), or null when there is none. */
  connectorConfig(): Promise<Dict | null> {
    return this.once("connector_config", async () => {
      const path = this.path(this.inputs.config_path ?? "secrets/config.json");
      if (!existsSync(path)) return null; // CAT: "Connector config file not found at ..."
      return this.session.environment.loadConfig(path);
    });
  }

  /** actual_connector_spec */
  actualConnectorSpec(): Promise<Dict> {
    return this.once("actual_connector_spec", async () => {
      const specs = filterOutput(await this.callSpec(), "SPEC");
      assert(specs.length === 1, "Spec message should be emitted exactly once");
      return specs[0]!.spec as Dict;
    });
  }

  /** connector_spec_dict: json.loads(actual_connector_spec.json()) */
  async connectorSpecDict(): Promise<Dict> {
    return dumpModel("ConnectorSpecification", await this.actualConnectorSpec()) as Dict;
  }

  /** connector_spec: the spec file as a ConnectorSpecification, or null when the file does not exist. */
  connectorSpec(): Promise<Dict | null> {
    return this.once("connector_spec", () => {
      const path = this.path((this.inputs as { spec_path?: string }).spec_path ?? "secrets/spec.json");
      if (!existsSync(path)) return null;
      const text = readFileSync(path, "utf8");
      const ext = extname(path);
      if (ext !== ".json" && ext !== ".yaml") throw new Error("path must be a '.yaml' or '.json' file");
      const spec = ext === ".json" ? parsePyJson(text) : (parse(text) as unknown);
      if (!isValidModel("ConnectorSpecification", spec))
        throw new Error(`${path}: not a valid ConnectorSpecification (ConnectorSpecification.parse_obj failed)`);
      return dumpModel("ConnectorSpecification", spec) as Dict;
    });
  }

  /** discovered_catalog: stream name -> AirbyteStream of the last CATALOG message. */
  discoveredCatalog(): Promise<DiscoveredCatalog> {
    return this.once("discovered_catalog", async () => {
      const catalogs = filterOutput(await this.callDiscover(await this.connectorConfig()), "CATALOG");
      if (catalogs.length === 0) throw new Error("ValueError: No catalog message was emitted");
      const streams = (catalogs.at(-1)!.catalog as { streams: AirbyteStream[] }).streams;
      return new Map(streams.map((s) => [s.name, s]));
    });
  }

  configuredCatalogPath(): string | null {
    const path = (this.inputs as { configured_catalog_path?: string | null }).configured_catalog_path;
    return path ? this.path(path) : null;
  }

  /** configured_catalog (conftest): the custom catalog when a path is set, else the discovered one. */
  configuredCatalog(): Promise<ConfiguredCatalog> {
    return this.once("configured_catalog", async () => {
      if (this.family === "basic_read") return this.basicReadConfiguredCatalog();
      const path = this.configuredCatalogPath();
      const discovered = await this.discoveredCatalog();
      return path ? catalogFromCustom(path, discovered) : catalogFromDiscovered(discovered, []);
    });
  }

  /** TestBasicRead.configured_catalog: at strictness high, or without a path, the discovered catalog less empty streams. */
  private async basicReadConfiguredCatalog(): Promise<ConfiguredCatalog> {
    const path = this.configuredCatalogPath();
    const discovered = await this.discoveredCatalog();
    const empty = await this.emptyStreams();
    if (this.strictness === "high" || !path) {
      if (path)
        fail(
          "High strictness level error: you can't set a custom configured catalog on the basic read test when strictness level is high.",
        );
      return catalogFromDiscovered(discovered, empty);
    }
    return catalogFromCustom(path, discovered);
  }

  /** empty_streams */
  emptyStreams(): Promise<NamedBypass[]> {
    return this.once("empty_streams", () => {
      const empty = (this.inputs as { empty_streams?: NamedBypass[] }).empty_streams ?? [];
      if (this.strictness === "high" && empty.length && !empty.every((s) => s.bypass_reason))
        fail("A bypass_reason must be filled in for all empty streams when test_strictness_level is set to high.");
      return empty;
    });
  }

  /** ignored_fields */
  ignoredFields(): Promise<Record<string, NamedBypass[]>> {
    return this.once("ignored_fields", () => {
      const ignored = (this.inputs as { ignored_fields?: Record<string, NamedBypass[]> | null }).ignored_fields ?? {};
      if (
        this.strictness === "high" &&
        Object.keys(ignored).length &&
        !Object.values(ignored)
          .flat()
          .every((f) => f.bypass_reason)
      )
        fail("A bypass_reason must be filled in for all ignored fields when test_strictness_level is set to high.");
      return ignored;
    });
  }

  /** expected_records_by_stream, with the rules strictness high adds. */
  expectedRecordsByStream(): Promise<Map<string, Dict[]>> {
    return this.once("expected_records_by_stream", async () => {
      const inputs = this.inputs as unknown as BasicReadTestConfig;
      const expect = inputs.expect_records;
      const catalog = await this.configuredCatalog();
      const empty = await this.emptyStreams();
      const byStream = new Map<string, Dict[]>();
      if (expect?.path) {
        const text = readFileSync(this.path(expect.path), "utf8");
        for (const line of text.split("\n")) {
          if (line.trim() === "") continue;
          const record = parsePyJson(line);
          if (!isValidModel("AirbyteRecordMessage", record))
            throw new Error(`${expect.path}: not an AirbyteRecordMessage: ${line.slice(0, 80)}`);
          const r = record as RecordMessage;
          byStream.set(r.stream, [...(byStream.get(r.stream) ?? []), r.data]);
        }
      }
      if (this.strictness === "high") {
        const prefix = "High strictness level error: ";
        if (!expect) fail(`${prefix}expect_records must be configured for the basic_read test.`);
        else if (expect.path) {
          const emptyNames = new Set(empty.map((s) => s.name));
          const notSeeded = catalog.streams
            .map((s) => s.stream.name)
            .filter((name) => !emptyNames.has(name) && !byStream.has(name));
          if (notSeeded.length)
            fail(
              `${prefix}${notSeeded.join(", ")} streams are declared in the catalog but do not have expected records. Please add expected records to ${expect.path} or declare these streams in empty_streams.`,
            );
        } else if (!expect.bypass_reason)
          fail(`${prefix}A bypass reason must be filled if no path to expected records is provided.`);
      }
      return byStream;
    });
  }

  /** connector_metadata: base_path/metadata.yaml */
  connectorMetadata(): Promise<Dict> {
    return this.once("connector_metadata", () => {
      const path = this.path("metadata.yaml");
      return (parse(readFileSync(path, "utf8")) as Dict | null) ?? {};
    });
  }

  /** is_connector_certified: metadata data.ab_internal.ql >= 400 */
  async isConnectorCertified(): Promise<boolean> {
    const data = ((await this.connectorMetadata()).data ?? {}) as Dict;
    const ql = ((data.ab_internal ?? {}) as Dict).ql;
    return typeof ql === "number" && ql >= 400;
  }
}
