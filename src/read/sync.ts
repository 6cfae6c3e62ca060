import type { Config } from "../config.js";
import type { MessageWriter } from "../protocol/writer.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { StreamCursor } from "./state.js";
import { asConnectorError, ConnectorError } from "../errors.js";
import { buildQuery } from "../salesforce/soql.js";
import { extract, type RecordSink } from "./extract.js";
import { nextStateCursor, planWindows, SAFETY_LAG_MS, syncWindowBounds } from "./windows.js";
import { stateBlob } from "./state.js";

export interface SyncContext {
  client: SalesforceClient;
  config: Config;
  writer: MessageWriter;
  syncStartedAt: Date;
}

/**
 * Reads the planned streams one after another. Incremental streams read half-open windows
 * [from, to) on their cursor and emit STATE = `to` only after the window's last record, so an
 * interrupted sync resumes at the last finished window. A failing stream is reported and the
 * others still run; a stop for the org's API quota stops them all.
 */
export async function runSync(plans: StreamPlan[], states: Map<string, StreamCursor>, ctx: SyncContext): Promise<void> {
  const failed: Array<{ name: string; error: ConnectorError }> = [];
  for (const plan of plans) {
    try {
      await syncStream(plan, states.get(plan.name), ctx);
    } catch (caught) {
      const error = asConnectorError(caught);
      failed.push({ name: plan.name, error });
      await ctx.writer.streamStatus(plan.name, "INCOMPLETE");
      await ctx.writer.traceError(error, plan.name);
      if (stopsEverything(caught)) break;
    }
  }
  const usage = ctx.client.usage;
  await ctx.writer.log(
    "INFO",
    `Sent ${usage.requestsSent} Salesforce API requests${usage.used !== undefined ? `; the org has used ${usage.used} of ${usage.max} today` : ""}.`,
  );
  if (failed.length > 0) {
    const first = failed[0]!.error;
    throw new ConnectorError(
      `${failed.length} of ${plans.length} streams did not finish: ${failed.map((f) => f.name).join(", ")}. First error: ${first.message}`,
      first.failureType,
    );
  }
}

/** The org's API allowance is shared: once we stop for it, every further stream would stop too. */
function stopsEverything(error: unknown): boolean {
  return error instanceof ConnectorError && /api_quota_percent|REQUEST_LIMIT_EXCEEDED/.test(error.message);
}

async function syncStream(plan: StreamPlan, state: StreamCursor | undefined, ctx: SyncContext): Promise<void> {
  const { writer, config, client } = ctx;
  await writer.streamStatus(plan.name, "STARTED");
  await writer.log(
    "INFO",
    `Stream '${plan.name}': reading ${plan.object} through ${plan.api === "bulk" ? `Bulk API ${config.spec.bulk_api.version}` : `REST (${plan.restReason})`}, ${plan.incremental ? "incremental" : "full refresh"}.`,
  );
  const streamJson = JSON.stringify(plan.name);
  let running = false;
  let windowRecords = 0;
  let estimatedBefore = 0;
  let windowEstimate = 0;
  const sink: RecordSink = {
    async records(batch) {
      if (!running) {
        running = true;
        await writer.streamStatus(plan.name, "RUNNING");
      }
      await writer.records(streamJson, batch, Date.now());
      windowRecords += batch.length;
    },
    async estimate(rows) {
      windowEstimate = rows;
      await writer.estimate(plan.name, estimatedBefore + rows);
    },
    warn(message) {
      void writer.log("WARN", message);
    },
  };
  const query = (window?: { from: Date; to: Date }): string =>
    buildQuery({
      object: plan.object,
      fields: plan.fields,
      userFilter: plan.userFilter,
      window: window && { cursorField: plan.cursorField!, from: window.from, to: window.to },
    });

  if (!plan.incremental) {
    await extract(client, config, plan, query(), sink);
  } else {
    const cursorField = plan.cursorField!;
    const { start, end } = syncWindowBounds({
      stateCursor: state?.cursor,
      lookbackMs: config.lookbackMs,
      startDate: config.startDate,
      syncStartedAt: ctx.syncStartedAt,
      safetyLagMs: SAFETY_LAG_MS,
    });
    let cursor = state?.cursor;
    const windows = planWindows({ start, end, stepMs: config.sliceStepMs });
    for (const window of windows) {
      windowRecords = 0;
      windowEstimate = 0;
      await extract(client, config, plan, query(window), sink);
      estimatedBefore += windowEstimate;
      cursor = nextStateCursor(window.to, cursor);
      await writer.streamState(plan.name, stateBlob(cursorField, cursor, state?.raw), windowRecords);
    }
    // No window to read (the state is at or past the sync's end): repeat the state so it is kept.
    if (windows.length === 0 && cursor !== undefined) {
      await writer.streamState(plan.name, stateBlob(cursorField, cursor, state?.raw), 0);
    }
  }
  await writer.streamStatus(plan.name, "COMPLETE");
}
