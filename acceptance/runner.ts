// The acceptance run: load acceptance-test-config.yml, run CAT's tests (ported in cat/) for each
// configured family and test input, in pytest's order, then our own checks over the same runs;
// print one line per test and the summary. Exit code 1 on any failure.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { AcceptanceConfigError, FAMILIES, loadAcceptanceConfig, type AcceptanceConfig, type Family } from "./config.js";
import { ConnectorRunner, type ConnectorTarget } from "./connector.js";
import { TestEnvironment } from "./environment.js";
import { defaultAcceptanceConfigPath, defaultConnectorPath } from "./paths.js";
import { fail, pass, Reporter, skip, type TestResult } from "./report.js";
import { ourChecks } from "./ours.js";
import { Fail, Skip, type CatTest } from "./cat/pytest.js";
import { CatConnector, Fixtures, type SessionContext } from "./cat/session.js";
import {
  TestBasicRead,
  TestConnection,
  TestConnectorAttributes,
  TestConnectorDocumentation,
  TestDiscovery,
  TestSpec,
} from "./cat/test-core.js";
import { TestFullRefresh } from "./cat/test-full-refresh.js";
import { TestIncremental } from "./cat/test-incremental.js";

export const USAGE = `Usage: node .tools-build/acceptance/run.js [options]

Runs Airbyte's connector acceptance tests (a port of connector-acceptance-test 3.9) on
acceptance-test-config.yml against the connector as a process, without Python or Docker. Configs
with \${FAKE_SALESFORCE_*} placeholders run against the fake Salesforce, started by the runner.

Options:
  --config <file>      acceptance test config (default: acceptance-test-config.yml of the project)
  --connector <file>   the connector's entry script, run with node (default: dist/main.js)
  --image [name]       run the connector as a Docker image instead (default name: connector_image)
  --only <families>    comma-separated: ${FAMILIES.join(",")}
  --help               this text`;

export interface RunOptions {
  config: string;
  target: ConnectorTarget | { kind: "docker"; image: undefined };
  only?: Family[];
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], cwd = process.cwd()): RunOptions | "help" {
  let config = defaultAcceptanceConfigPath;
  let connector: string | undefined;
  let docker = false;
  let image: string | undefined;
  let only: Family[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case "--help":
      case "-h":
        return "help";
      case "--config":
        config = resolve(cwd, value());
        break;
      case "--connector":
        connector = resolve(cwd, value());
        break;
      case "--image":
        docker = true;
        if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) image = argv[++i];
        break;
      case "--only":
        only = value()
          .split(",")
          .map((f) => f.trim())
          .filter(Boolean) as Family[];
        for (const family of only)
          if (!FAMILIES.includes(family)) throw new UsageError(`--only: unknown family ${family}`);
        break;
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  if (docker && connector) throw new UsageError("--image and --connector exclude each other");
  return {
    config,
    target: docker ? { kind: "docker", image } : { kind: "cli", entry: connector ?? defaultConnectorPath },
    ...(only ? { only } : {}),
  };
}

type AnyTest = CatTest<Fixtures<never>>;

/** The test classes of each family (BaseTest.config_key), in the order pytest runs them. */
const CLASSES: Record<Family, { className: string; tests: readonly AnyTest[] }> = {
  spec: { className: "TestSpec", tests: TestSpec as AnyTest[] },
  connection: { className: "TestConnection", tests: TestConnection as AnyTest[] },
  discovery: { className: "TestDiscovery", tests: TestDiscovery as AnyTest[] },
  basic_read: { className: "TestBasicRead", tests: TestBasicRead as AnyTest[] },
  connector_attributes: { className: "TestConnectorAttributes", tests: TestConnectorAttributes as AnyTest[] },
  connector_documentation: { className: "TestConnectorDocumentation", tests: TestConnectorDocumentation as AnyTest[] },
  full_refresh: { className: "TestFullRefresh", tests: TestFullRefresh as AnyTest[] },
  incremental: { className: "TestIncremental", tests: TestIncremental as AnyTest[] },
};
/** test_core.py's classes, then test_full_refresh.py, then test_incremental.py. */
const ORDER: Family[] = [
  "spec",
  "connection",
  "discovery",
  "basic_read",
  "connector_attributes",
  "connector_documentation",
  "full_refresh",
  "incremental",
];
/** BaseTest.MANDATORY_FOR_TEST_STRICTNESS_LEVELS is [high] but for these two ([]). */
const OPTIONAL: ReadonlySet<Family> = new Set(["connector_attributes", "connector_documentation"]);

/** Runs one test body with its fixtures, as pytest reports it: passed, failed (or error) or skipped. */
async function runTest(test: AnyTest, name: string, fixtures: Fixtures<never>): Promise<TestResult> {
  fixtures.test = name;
  try {
    await test.run(fixtures);
    return pass(name);
  } catch (error) {
    if (error instanceof Skip) return skip(name, error.message);
    if (error instanceof Fail) return fail(name, error.message);
    const message = error instanceof Error ? error.message : String(error);
    return fail(name, `error: ${message}`);
  }
}

/** pytest_generate_tests + parametrize_skip_or_fail for one family. */
async function runFamily(family: Family, ctx: SessionContext, reporter: Reporter): Promise<void> {
  const { className, tests } = CLASSES[family];
  const group = ctx.config.acceptance_tests[family];
  const mandatory = ctx.config.test_strictness_level === "high" && !OPTIONAL.has(family);
  const functionName = (test: AnyTest) => test.name.slice(className.length + 1);
  if (!group) {
    for (const test of tests)
      reporter.add(
        mandatory
          ? fail(
              test.name,
              `${test.name} failed: it was not configured but must be according to the current high test strictness level.`,
            )
          : skip(test.name, `Skipping ${test.name}: not found in the config.`),
      );
    return;
  }
  if (group.tests == null) {
    for (const test of tests)
      reporter.add(skip(test.name, `Skipping ${className}.${functionName(test)}: ${String(group.bypass_reason)}`));
    return;
  }
  for (const test of tests)
    for (const [index, inputs] of group.tests.entries()) {
      const id = `inputs${index}${test.param ? `-${test.param}` : ""}`;
      reporter.add(await runTest(test, `${test.name}[${id}]`, new Fixtures(ctx, family, inputs as never)));
    }
}

/** Runs the acceptance tests; returns the exit code (0: all passed, 1: a test failed, 2: usage). */
export async function runAcceptance(argv: readonly string[], write: (line: string) => void): Promise<number> {
  let options: RunOptions | "help";
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    write(`error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    write(USAGE);
    return 0;
  }
  const reporter = new Reporter(write);
  let config: AcceptanceConfig;
  try {
    config = loadAcceptanceConfig(options.config);
  } catch (error) {
    if (!(error instanceof AcceptanceConfigError)) throw error;
    reporter.add(fail("acceptance_config", error.message));
    reporter.summary();
    return 1;
  }
  const target: ConnectorTarget =
    options.target.kind === "docker"
      ? { kind: "docker", image: options.target.image ?? config.connector_image }
      : options.target;
  if (target.kind === "cli" && !existsSync(target.entry)) {
    reporter.add(fail("connector", `${target.entry} is missing: run npm run build first`));
    reporter.summary();
    return 1;
  }
  const runner = new ConnectorRunner({ target, env: { ...config.custom_environment_variables } });
  const environment = new TestEnvironment();
  const ctx: SessionContext = {
    config,
    connector: new CatConnector(runner, environment),
    environment,
    target,
    basicReads: [],
  };
  reporter.info(`${options.config}, test_strictness_level ${config.test_strictness_level}`);
  reporter.info(`connector: ${runner.description}`);
  if (
    config.acceptance_tests.client_container_config ||
    FAMILIES.some((f) =>
      config.acceptance_tests[f]?.tests?.some(
        (t) => (t as { client_container_config?: unknown }).client_container_config,
      ),
    )
  )
    reporter.info("client_container_config is not run by this runner (CAT runs it in a Dagger container)");
  try {
    for (const family of ORDER) {
      if (options.only && !options.only.includes(family)) continue;
      const hadFake = environment.usesFake;
      await runFamily(family, ctx, reporter);
      if (!hadFake && environment.usesFake) reporter.info(`fake Salesforce started at ${environment.fakeUrl}`);
    }
    if (ctx.connector.log.length) reporter.add(...ourChecks(ctx.connector.log, ctx.basicReads));
  } finally {
    await environment.close();
    runner.close();
  }
  reporter.summary();
  return reporter.failed ? 1 : 0;
}
