import type { SyncOutput } from "../read/sync-output.js";
import type { ConfiguredAirbyteCatalog } from "../protocol/types.js";
import type { Config } from "../config.js";
import { futureStartDateWarning, loadConfigFile, readJsonFile } from "../config.js";
import { configError } from "../errors.js";
import { formatAjvErrors, validateConfiguredCatalog } from "../protocol/validate.js";
import { connect } from "../salesforce/connect.js";
import { planStreams } from "../read/plan.js";
import { parseInputState } from "../read/state.js";
import { runSync } from "../read/sync.js";

export interface ReadOptions {
  config: string;
  catalog: string;
  state?: string;
}

/** Airbyte `read`: config, configured catalog and optional state from files. */
export async function read(options: ReadOptions, output: SyncOutput): Promise<void> {
  const syncStartedAt = new Date();
  const config = await loadConfigFile(options.config, syncStartedAt);
  const catalog = await readJsonFile(options.catalog, "catalog");
  if (!validateConfiguredCatalog(catalog)) {
    throw configError(
      `The configured catalog is not valid: ${formatAjvErrors(validateConfiguredCatalog.errors).join("; ")}.`,
    );
  }
  const stateInput = options.state === undefined ? undefined : await readJsonFile(options.state, "state");
  await runRead(config, catalog as ConfiguredAirbyteCatalog, stateInput, output, syncStartedAt);
}

/**
 * The read both protocols share: plan every stream against a fresh describe, check the state
 * against the plans (both before any Bulk job exists), then sync.
 */
export async function runRead(
  config: Config,
  catalog: ConfiguredAirbyteCatalog,
  stateInput: unknown,
  output: SyncOutput,
  syncStartedAt = new Date(),
): Promise<void> {
  const future = futureStartDateWarning(config, syncStartedAt);
  if (future) await output.log("WARN", future);
  const client = await connect(config, output);
  const plans = await planStreams(client, config, catalog, (message) => void output.log("WARN", message));
  const states = parseInputState(
    stateInput ?? null,
    plans.map((plan) => ({ name: plan.name, cursorField: plan.incremental ? plan.cursorField : undefined })),
  );
  await runSync(plans, states, { client, config, writer: output, syncStartedAt });
}
