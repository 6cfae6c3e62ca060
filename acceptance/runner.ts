// The acceptance run: load acceptance-test-config.yml, run each family's tests against the connector
// (built CLI or a Docker image), print one line per test and the summary; exit code 1 on any failure.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  AcceptanceConfigError,
  FAMILIES,
  loadAcceptanceConfig,
  strictnessProblems,
  type AcceptanceConfig,
  type Family,
} from "./config.js";
import { ConnectorRunner, type ConnectorTarget } from "./connector.js";
import type { CheckContext } from "./context.js";
import { TestEnvironment } from "./environment.js";
import { defaultAcceptanceConfigPath, defaultConnectorPath } from "./paths.js";
import { fail, fromProblems, Reporter, skip, type TestResult } from "./report.js";
import { runBasicReadTest } from "./checks/basic-read.js";
import { runConnectionTest } from "./checks/connection.js";
import { runDiscoveryTest } from "./checks/discovery.js";
import { runFullRefreshTest } from "./checks/full-refresh.js";
import { runIncrementalTest } from "./checks/incremental.js";
import { runSpecTest } from "./checks/spec.js";

export const USAGE = `Usage: node .tools-build/acceptance/run.js [options]

Runs the Airbyte connector acceptance tests of acceptance-test-config.yml against the connector as a
process, without Python or Docker. Configs with \${FAKE_SALESFORCE_*} placeholders run against the fake
Salesforce, started by the runner.

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

type FamilyRunner = (ctx: CheckContext, test: never, index: number) => Promise<TestResult[]>;

const RUNNERS: Record<Family, FamilyRunner> = {
  spec: runSpecTest,
  connection: runConnectionTest,
  discovery: runDiscoveryTest,
  basic_read: runBasicReadTest,
  full_refresh: runFullRefreshTest,
  incremental: runIncrementalTest,
};

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
  reporter.add(
    fromProblems(
      "acceptance_config",
      [...strictnessProblems(config), ...bypassConflicts(config)],
      `${options.config}, test_strictness_level ${config.test_strictness_level}`,
    ),
  );
  const target: ConnectorTarget =
    options.target.kind === "docker"
      ? { kind: "docker", image: options.target.image ?? config.connector_image }
      : options.target;
  if (target.kind === "cli" && !existsSync(target.entry)) {
    reporter.add(fail("connector", `${target.entry} is missing: run npm run build first`));
    reporter.summary();
    return 1;
  }
  const connector = new ConnectorRunner({ target, env: { ...config.custom_environment_variables } });
  const environment = new TestEnvironment();
  const ctx: CheckContext = { config, connector, environment };
  reporter.info(`connector: ${connector.description}`);
  try {
    for (const family of FAMILIES) {
      if (options.only && !options.only.includes(family)) continue;
      const group = config.acceptance_tests[family];
      if (!group) {
        reporter.info(`${family}: not configured`);
        continue;
      }
      if (group.bypass_reason && !group.tests?.length) {
        reporter.add(skip(family, `bypassed: ${group.bypass_reason}`));
        continue;
      }
      const tests = (group.tests ?? []) as never[];
      for (const [index, test] of tests.entries()) {
        const hadFake = environment.usesFake;
        let results: TestResult[];
        try {
          results = await RUNNERS[family](ctx, test, index);
        } catch (error) {
          // A bug in a check, not in the connector: still one named failure, and the run goes on.
          results = [
            fail(
              `${family}[${index + 1}]`,
              `the runner failed: ${String(error instanceof Error ? error.stack?.split("\n").slice(0, 2).join(" ") : error)}`,
            ),
          ];
        }
        if (!hadFake && environment.usesFake) reporter.info(`fake Salesforce started at ${environment.fakeUrl}`);
        reporter.add(...results);
      }
    }
  } finally {
    await environment.close();
    connector.close();
  }
  reporter.summary();
  return reporter.failed ? 1 : 0;
}

function bypassConflicts(config: AcceptanceConfig): string[] {
  return FAMILIES.filter(
    (f) => config.acceptance_tests[f]?.bypass_reason && config.acceptance_tests[f]?.tests?.length,
  ).map((f) => `${f}: has both tests and a bypass_reason`);
}
