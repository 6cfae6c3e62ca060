import type { Config } from "../config.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { ApiName } from "../salesforce/api-usage.js";
import type { StreamPlan } from "./plan.js";
import type { Window } from "../util/datetime.js";
import type { Extractor } from "./extractor.js";
import type { BulkResume } from "./bulk-progress.js";
import type { StreamSink } from "./sink.js";
import type { Semaphore } from "../util/concurrency.js";
import { SalesforceApiError } from "../salesforce/api-error.js";
import { extractBulk1 } from "./extract-bulk1.js";
import { extractBulk2 } from "./extract-bulk2.js";
import { extractRest, type FirstPage } from "./extract-rest.js";

/** The extractor of each `bulk_api.version`. */
const BULK: Readonly<Record<Config["spec"]["bulk_api"]["version"], { extract: Extractor; api: ApiName }>> = {
  "2.0": { extract: extractBulk2, api: "Bulk 2.0" },
  "1.0": { extract: extractBulk1, api: "Bulk 1.0" },
};

/** What a stream's reads share with the other streams of the sync. */
export interface ExtractContext {
  client: SalesforceClient;
  config: Config;
  /** `max_bulk_jobs`: a permit is held from a window's job creation until its results are read and it is deleted. */
  bulkJobs: Semaphore;
  /** First pages of REST reads (the sync's Composite batcher). */
  firstPage: FirstPage;
}

/**
 * Which API reads a stream's windows, chosen per window: Bulk (the configured version) while
 * Salesforce accepts the stream's Bulk query, REST from the first rejection on. The choice is the
 * stream's own (the plan is not changed), so the extractors stay one-API each.
 */
export class WindowExtractor {
  private restReason: string | undefined;

  constructor(
    private readonly ctx: ExtractContext,
    private readonly plan: StreamPlan,
    private readonly sink: StreamSink,
  ) {
    this.restReason = plan.api === "rest" ? plan.restReason : undefined;
  }

  get usesBulk(): boolean {
    return this.restReason === undefined;
  }

  /** Why REST (the plan's reason or Salesforce's rejection), for log lines. */
  get reasonForRest(): string | undefined {
    return this.restReason;
  }

  /**
   * Reads one window (without one: the whole stream) and hands every record to the sink. `resume`:
   * the Bulk job an earlier run left for it and where checkpoints go (bulk-progress.ts).
   */
  async read(window: Window | undefined, resume?: BulkResume): Promise<void> {
    const { client, config } = this.ctx;
    if (this.usesBulk) {
      const bulk = BULK[config.spec.bulk_api.version];
      try {
        this.sink.api = bulk.api;
        await this.ctx.bulkJobs.use(() => bulk.extract(client, config, this.plan, window, this.sink, resume));
        return;
      } catch (error) {
        const reason = bulkRejection(error);
        if (reason === undefined) throw error;
        this.restReason = reason;
        this.sink.log.warn(
          `Stream '${this.plan.name}': Salesforce rejected the Bulk query (${reason}); reading it through REST instead.`,
        );
      }
    }
    this.sink.api = "REST";
    await extractRest(client, config, this.plan, window, this.sink, this.ctx.firstPage);
  }
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
