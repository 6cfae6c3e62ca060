// GET /services/data/vXX.X/limits, in the shape of a real /limits response.
import { json, type Ctx, type Result } from "./http.js";
import { loadReference } from "./reference.js";

const FALLBACK: Record<string, { Max: number; Remaining: number }> = {
  DailyApiRequests: { Max: 15000, Remaining: 15000 },
  DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
  DailyBulkApiRequests: { Max: 5000, Remaining: 5000 },
  DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
  DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
  DataStorageMB: { Max: 5, Remaining: 5 },
  FileStorageMB: { Max: 20, Remaining: 20 },
  HourlyODataCallout: { Max: 10000, Remaining: 9999 },
  SingleEmail: { Max: 15, Remaining: 15 },
};

export function limits(ctx: Ctx): Result {
  const body = (loadReference("camel_limits.json") as typeof FALLBACK | undefined) ?? structuredClone(FALLBACK);
  const max = ctx.state.opts.dailyApiMax;
  body.DailyApiRequests = { Max: max, Remaining: Math.max(0, max - ctx.state.apiUsed) };
  return json(200, body);
}
