import type { Config } from "../config.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { StreamPlan } from "./plan.js";
import type { Window } from "../util/datetime.js";
import type { Extractor, RecordSink } from "./extractor.js";
import { discardJob, type BulkResume } from "./bulk-progress.js";
import { SalesforceApiError } from "../salesforce/api-error.js";
import { extractBulk1 } from "./extract-bulk1.js";
import { extractBulk2 } from "./extract-bulk2.js";
import { extractRest } from "./extract-rest.js";

/** The extractor of each `bulk_api.version`. */
const BULK: Readonly<Record<Config["spec"]["bulk_api"]["version"], Extractor>> = {
  "2.0": extractBulk2,
  "1.0": extractBulk1,
};

/**
 * Runs one SOQL query of a stream through the API its plan chose and hands every record to the
 * sink. Bulk falls back to REST when Salesforce says Bulk cannot serve the object or a field
 * (the plan is updated so later windows go straight to REST).
 */
export async function extract(
  client: SalesforceClient,
  config: Config,
  plan: StreamPlan,
  window: Window | undefined,
  sink: RecordSink,
  resume?: BulkResume,
): Promise<void> {
  const restPlanned = plan.api === "rest";
  if (plan.api === "bulk") {
    try {
      await BULK[config.spec.bulk_api.version](client, config, plan, window, sink, resume);
      return;
    } catch (error) {
      const reason = bulkRejection(error);
      if (reason === undefined) throw error;
      plan.api = "rest";
      plan.restReason = reason;
      sink.log.warn(
        `Stream '${plan.name}': Salesforce rejected the Bulk query (${reason}); reading it through REST instead.`,
      );
    }
  }
  // A job an earlier run left for this read is of no use to REST.
  if (resume?.from && restPlanned) {
    sink.log.info(
      `Stream '${plan.name}': reading through REST; the earlier Bulk job ${resume.from.job} is not continued.`,
    );
    await discardJob(client, resume.from, sink.log.warn);
  }
  await extractRest(client, config, plan, window, sink);
}

/** Salesforce's answers that mean "Bulk cannot run this query; REST can". */
function bulkRejection(error: unknown): string | undefined {
  if (!(error instanceof SalesforceApiError)) return undefined;
  const message = error.salesforceMessage;
  if (/^INVALIDENTITY$/i.test(error.errorCode) || /not supported by the Bulk API/i.test(message)) return message;
  if (
    /compound data not supported|not supported in Bulk Query|FUNCTIONALITY_NOT_ENABLED/i.test(
      `${error.errorCode} ${message}`,
    )
  ) {
    return message;
  }
  return undefined;
}
