import { ApiAllowanceError } from "../errors.js";

/** The Salesforce APIs a request can belong to, as the end-of-sync summary names them. */
export type ApiName = "REST" | "Composite" | "Composite Batch" | "Bulk 2.0" | "Bulk 1.0";
export const API_NAMES: readonly ApiName[] = ["REST", "Composite", "Composite Batch", "Bulk 2.0", "Bulk 1.0"];

/** Which API a data path (`/services/data/vNN.0/...` or `/services/async/...`) belongs to. */
export function apiOf(fullPath: string): ApiName {
  if (fullPath.startsWith("/services/async/")) return "Bulk 1.0";
  if (/^\/services\/data\/v[\d.]+\/jobs\//.test(fullPath)) return "Bulk 2.0";
  if (/^\/services\/data\/v[\d.]+\/composite\/batch(?:[/?]|$)/.test(fullPath)) return "Composite Batch";
  if (/^\/services\/data\/v[\d.]+\/composite(?:[/?]|$)/.test(fullPath)) return "Composite";
  return "REST";
}

/** Per API: requests sent, API calls as Salesforce counts them, and seconds with one in flight. */
export interface ApiTally {
  requests: number;
  calls: number;
  busyMs: number;
}

export interface UsageLimits {
  /** Stop before the org's daily usage passes this percentage (config api_quota_percent). */
  quotaPercent: number;
  /** Stop once this sync alone used this percentage of the daily allowance (api_quota_percent_per_sync). */
  quotaPercentPerSync?: number | undefined;
}

/**
 * Tracks the org's daily API usage from the `Sforce-Limit-Info: api-usage=USED/MAX` header Salesforce
 * returns on REST and Bulk 2.0 responses, and the calls this process made, and stops the sync before
 * it passes the configured shares.
 */
export class ApiUsage {
  used: number | undefined;
  max: number | undefined;
  /** Requests this process sent to the data APIs (login excluded). */
  requestsSent = 0;
  /** API calls this process made, as Salesforce counts them (a Composite Batch counts its subrequests). */
  callsMade = 0;
  readonly byApi = new Map<ApiName, ApiTally>();
  private readonly inFlight = new Map<ApiName, { count: number; since: number }>();

  constructor(private readonly limits: UsageLimits) {}

  observe(header: string | null): void {
    const match = header ? /api-usage=(\d+)\/(\d+)/.exec(header) : null;
    if (!match) return;
    this.used = Number(match[1]);
    this.max = Number(match[2]);
  }

  /** Throws before a request of `calls` API calls that would pass a configured share; unknown usage never blocks. */
  ensureRoomForRequest(calls = 1): void {
    if (this.used === undefined || this.max === undefined || this.max <= 0) return;
    const { quotaPercent, quotaPercentPerSync } = this.limits;
    if (((this.used + calls) / this.max) * 100 > quotaPercent) {
      throw new ApiAllowanceError(
        `Stopped before passing api_quota_percent=${quotaPercent}: the org has used ${this.used} of its ${this.max} daily API requests. ` +
          "The next sync resumes from the last saved state; raise api_quota_percent or sync later to continue.",
      );
    }
    if (quotaPercentPerSync !== undefined && ((this.callsMade + calls) / this.max) * 100 > quotaPercentPerSync) {
      throw new ApiAllowanceError(
        `Stopped before this sync passed api_quota_percent_per_sync=${quotaPercentPerSync}: it made ${this.callsMade} API calls of the org's ${this.max} a day. ` +
          "The next sync resumes from the last saved state; raise api_quota_percent_per_sync to read more in one sync.",
      );
    }
  }

  /** A request of `api` worth `calls` API calls was sent; the returned function marks it finished (idempotent). */
  started(api: ApiName, calls: number): () => void {
    this.requestsSent++;
    this.callsMade += calls;
    const tally = this.tally(api);
    tally.requests++;
    tally.calls += calls;
    const gauge = this.inFlight.get(api) ?? { count: 0, since: 0 };
    this.inFlight.set(api, gauge);
    if (gauge.count++ === 0) gauge.since = performance.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--gauge.count === 0) tally.busyMs += performance.now() - gauge.since;
    };
  }

  private tally(api: ApiName): ApiTally {
    let tally = this.byApi.get(api);
    if (!tally) this.byApi.set(api, (tally = { requests: 0, calls: 0, busyMs: 0 }));
    return tally;
  }
}
