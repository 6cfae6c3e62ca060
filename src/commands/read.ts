import type { SyncOutput } from "../protocol/sync-output.js";
import type { ConfiguredAirbyteCatalog } from "../protocol/types.js";
import { loadConfigFile, readJsonFile } from "../config.js";
import { configError } from "../errors.js";
import { formatAjvErrors, validateConfiguredCatalog, withoutUnsetOptionals } from "../protocol/validate.js";
import { runRead } from "../read/run.js";

export interface ReadOptions {
  config: string;
  catalog: string;
  state?: string;
  progress?: boolean;
}

/** Airbyte `read`: config, configured catalog and optional state from files. */
export async function read(options: ReadOptions, output: SyncOutput): Promise<void> {
  const syncStartedAt = new Date();
  const config = await loadConfigFile(options.config, syncStartedAt);
  const catalog = withoutUnsetOptionals("ConfiguredAirbyteCatalog", await readJsonFile(options.catalog, "catalog"));
  if (!validateConfiguredCatalog(catalog)) {
    throw configError(
      `The configured catalog is not valid: ${formatAjvErrors(validateConfiguredCatalog.errors).join("; ")}.`,
    );
  }
  const stateInput = options.state === undefined ? undefined : await readJsonFile(options.state, "state");
  await runRead(config, catalog as ConfiguredAirbyteCatalog, stateInput, output, {
    syncStartedAt,
    liveProgress: options.progress,
  });
}
