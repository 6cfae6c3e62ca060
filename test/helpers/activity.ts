import { expect } from "vitest";
import type { FakeSalesforce } from "../fake-salesforce/index.js";

export interface Bounds {
  /** `concurrency`: Salesforce requests in flight at most (logins included unless excludeLogins). */
  concurrency?: number;
  /** `max_bulk_jobs`: Bulk jobs (2.0 and 1.0 together) open at most. */
  maxBulkJobs?: number;
  excludeLogins?: boolean;
}

/**
 * The peaks since the last fake.resetCounts() stayed within the connector's bounds; `reached` also
 * demands they were reached (a sequential run would pass the bound check alone). Returns the peaks.
 */
export function expectWithinBounds(
  fake: FakeSalesforce,
  bounds: Bounds,
  reached = false,
): { requests: number; bulkJobs: number } {
  const activity = fake.activity();
  const peaks = {
    requests: bounds.excludeLogins ? activity.maxApiInFlight : activity.maxInFlight,
    bulkJobs: activity.maxOpenBulkJobs,
  };
  const detail = JSON.stringify(activity);
  if (bounds.concurrency !== undefined) {
    expect(peaks.requests, `requests in flight: ${detail}`).toBeLessThanOrEqual(bounds.concurrency);
    if (reached) expect(peaks.requests, `requests in flight: ${detail}`).toBe(bounds.concurrency);
  }
  if (bounds.maxBulkJobs !== undefined) {
    expect(peaks.bulkJobs, `open Bulk jobs: ${detail}`).toBeLessThanOrEqual(bounds.maxBulkJobs);
    if (reached) expect(peaks.bulkJobs, `open Bulk jobs: ${detail}`).toBe(bounds.maxBulkJobs);
  }
  return peaks;
}
