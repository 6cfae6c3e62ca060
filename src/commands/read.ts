import type { MessageWriter } from "../protocol/writer.js";
import type { ConfiguredAirbyteCatalog } from "../protocol/types.js";
import { loadConfigFile, readJsonFile } from "../config.js";
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

/** read: validate config, catalog and state, plan every stream against a fresh describe, then sync. */
export async function read(options: ReadOptions, writer: MessageWriter): Promise<void> {
  const syncStartedAt = new Date();
  const config = await loadConfigFile(options.config, syncStartedAt);
  const catalog = await readJsonFile(options.catalog, "catalog");
  if (!validateConfiguredCatalog(catalog)) {
    throw configError(
      `The configured catalog is not valid: ${formatAjvErrors(validateConfiguredCatalog.errors).join("; ")}.`,
    );
  }
  const stateInput = options.state === undefined ? undefined : await readJsonFile(options.state, "state");
  const client = await connect(config, writer);
  const plans = await planStreams(
    client,
    config,
    catalog as ConfiguredAirbyteCatalog,
    (message) => void writer.log("WARN", message),
  );
  const states = parseInputState(
    stateInput ?? null,
    plans.map((plan) => ({ name: plan.name, cursorField: plan.incremental ? plan.cursorField : undefined })),
  );
  await runSync(plans, states, { client, config, writer, syncStartedAt });
}
