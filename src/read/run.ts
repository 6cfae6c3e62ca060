import { futureStartDateWarning, type Config } from "../config.js";
import type { SyncOutput } from "../protocol/sync-output.js";
import type { ConfiguredAirbyteCatalog } from "../protocol/types.js";
import { connect } from "../salesforce/connect.js";
import { planStreams } from "./plan.js";
import { parseInputState, parseResumePoints } from "./state.js";
import { runSync } from "./scheduler.js";
import { checkObjectFilterSyntax } from "../soql/builder.js";

/**
 * The read both protocols share: plan every stream against a fresh describe, check the state
 * against the plans (both before any Bulk job exists), then sync.
 */
export async function runRead(
  config: Config,
  catalog: ConfiguredAirbyteCatalog,
  stateInput: unknown,
  output: SyncOutput,
  { syncStartedAt = new Date(), liveProgress = false }: { syncStartedAt?: Date; liveProgress?: boolean } = {},
): Promise<void> {
  const future = futureStartDateWarning(config, syncStartedAt);
  if (future) output.warn(future);
  checkObjectFilterSyntax(config.spec.object_filters ?? []);
  const client = await connect(config, output);
  const plans = await planStreams(client, config, catalog, output.warn);
  const streams = plans.map((plan) => ({
    name: plan.name,
    cursorField: plan.incremental ? plan.cursorField : undefined,
  }));
  const states = parseInputState(stateInput ?? null, streams);
  const resumePoints = parseResumePoints(stateInput ?? null, streams, output.warn);
  await runSync(plans, states, { client, config, writer: output, syncStartedAt, liveProgress, resumePoints });
}
