import { API_NAMES, type ApiName, type ApiUsage } from "../salesforce/api-usage.js";

/** Records delivered per API during a sync, for the end-of-sync summary. */
export class SyncStats {
  private readonly recordsByApi = new Map<ApiName, number>();
  private readonly startedAt = performance.now();

  records(api: ApiName, n: number): void {
    this.recordsByApi.set(api, (this.recordsByApi.get(api) ?? 0) + n);
  }

  /**
   * The one end-of-sync LOG line: totals, then per API requests sent, API calls as Salesforce counts
   * them (Composite = 1), records delivered and seconds with a request of it in flight. Records of a
   * REST query count under REST even when its first page came inside a Composite request.
   */
  summary(usage: ApiUsage): string {
    const parts: string[] = [];
    let records = 0;
    for (const api of API_NAMES) {
      const tally = usage.byApi.get(api);
      const delivered = this.recordsByApi.get(api) ?? 0;
      records += delivered;
      if (!tally && delivered === 0) continue;
      parts.push(
        `${api} ${tally?.requests ?? 0} requests, ${tally?.calls ?? 0} calls, ${delivered} records, ${seconds(tally?.busyMs ?? 0)} s`,
      );
    }
    const org = usage.used !== undefined ? `; the org has used ${usage.used} of ${usage.max} today` : "";
    return (
      `Sent ${usage.requestsSent} Salesforce API requests (${usage.callsMade} API calls as Salesforce counts them), ` +
      `${records} records in ${seconds(performance.now() - this.startedAt)} s${org}. By API: ${parts.length > 0 ? parts.join("; ") : "none"}.`
    );
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
