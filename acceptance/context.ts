// What every check family gets: the acceptance config, the connector runner and the environment
// (configs with placeholders filled in, the fake Salesforce when they need it).
import type { AcceptanceConfig } from "./config.js";
import { resolvePath } from "./config.js";
import type { ConnectorCommand, ConnectorInputs, ConnectorRun, ConnectorRunner } from "./connector.js";
import type { TestEnvironment } from "./environment.js";

export interface CheckContext {
  config: AcceptanceConfig;
  connector: ConnectorRunner;
  environment: TestEnvironment;
}

/** Default time limits per connector command, when a test sets no timeout_seconds. */
const DEFAULT_TIMEOUT_S: Record<ConnectorCommand, number> = { spec: 60, check: 120, discover: 300, read: 1800 };

export function runConnector(
  ctx: CheckContext,
  command: ConnectorCommand,
  inputs: ConnectorInputs,
  timeoutSeconds?: number,
): Promise<ConnectorRun> {
  // Against the fake, the connector may poll and back off in milliseconds (custom_environment_variables still win).
  const timeoutMs = (timeoutSeconds ?? DEFAULT_TIMEOUT_S[command]) * 1000;
  return ctx.connector.run(command, inputs, timeoutMs, ctx.environment.connectorEnvFor(inputs.config));
}

/** A connector config from the acceptance config's path, placeholders substituted. */
export function loadConnectorConfig(ctx: CheckContext, path: string): Promise<Record<string, unknown>> {
  return ctx.environment.loadConfig(resolvePath(ctx.config, path));
}

export const testName = (family: string, index: number, check: string): string => `${family}[${index + 1}].${check}`;

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
