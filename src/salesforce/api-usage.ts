import { ApiAllowanceError } from "../errors.js";

/**
 * Tracks the org's daily API usage from the `Sforce-Limit-Info: api-usage=USED/MAX` header Salesforce
 * returns on REST and Bulk 2.0 responses, and stops the sync before it passes the configured share.
 */
export class ApiUsage {
  used: number | undefined;
  max: number | undefined;
  /** Requests this process sent to the data APIs (login excluded). */
  requestsSent = 0;

  constructor(private readonly quotaPercent: number) {}

  observe(header: string | null): void {
    const match = header ? /api-usage=(\d+)\/(\d+)/.exec(header) : null;
    if (!match) return;
    this.used = Number(match[1]);
    this.max = Number(match[2]);
  }

  /** Throws before a request that would take the org past its share; unknown usage never blocks. */
  ensureRoomForRequest(): void {
    if (this.used === undefined || this.max === undefined || this.max <= 0) return;
    const share = ((this.used + 1) / this.max) * 100;
    if (share > this.quotaPercent) {
      throw new ApiAllowanceError(
        `Stopped before passing api_quota_percent=${this.quotaPercent}: the org has used ${this.used} of its ${this.max} daily API requests. ` +
          "The next sync resumes from the last saved state; raise api_quota_percent or sync later to continue.",
      );
    }
  }
}
