// What is happening at once: HTTP requests in flight (overall, per API, per request kind) and Bulk
// jobs open, each with its peak since the fake started or since the last reset. Tests of a client's
// `concurrency` and `max_bulk_jobs` bounds assert on the peaks.
import type { ApiFamily, FakeActivity, RequestKind } from "./types.js";

/** Which API a request path belongs to (logins and other unauthenticated paths are "auth"). */
export function apiFamilyOf(path: string): ApiFamily {
  if (path.startsWith("/services/async/")) return "bulk1";
  if (/^\/services\/data\/v\d+\.\d+\/jobs\//.test(path)) return "bulk2";
  if (/^\/services\/data\/v\d+\.\d+(\/|$)/.test(path)) return "rest";
  return "auth";
}

const FAMILIES: ApiFamily[] = ["auth", "rest", "bulk2", "bulk1"];
type JobApi = "bulk2" | "bulk1";

/** A gauge with its high-water mark. */
class Gauge {
  now = 0;
  max = 0;
  up(): void {
    this.now++;
    if (this.now > this.max) this.max = this.now;
  }
  down(): void {
    this.now--;
  }
  reset(): void {
    this.max = this.now;
  }
}

export class Activity {
  private readonly requests = new Gauge();
  /** Requests other than logins (REST, Bulk 2.0, Bulk 1.0 together). */
  private readonly apiRequests = new Gauge();
  private readonly byApi = new Map<ApiFamily, Gauge>(FAMILIES.map((f) => [f, new Gauge()]));
  private readonly byKind = new Map<RequestKind, Gauge>();
  private readonly jobs = new Gauge();
  private readonly jobsByApi = new Map<JobApi, Gauge>([
    ["bulk2", new Gauge()],
    ["bulk1", new Gauge()],
  ]);
  /** Open jobs by "api:id". */
  private readonly open = new Set<string>();

  /** A request arrived; the returned function marks it answered (idempotent). */
  begin(kind: RequestKind, api: ApiFamily): () => void {
    const gauges = [this.requests, this.byApi.get(api)!, this.kindGauge(kind)];
    if (api !== "auth") gauges.push(this.apiRequests);
    for (const g of gauges) g.up();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      for (const g of gauges) g.down();
    };
  }

  jobOpened(api: JobApi, id: string): void {
    const key = `${api}:${id}`;
    if (this.open.has(key)) return;
    this.open.add(key);
    this.jobs.up();
    this.jobsByApi.get(api)!.up();
  }

  jobReleased(api: JobApi, id: string): void {
    if (!this.open.delete(`${api}:${id}`)) return;
    this.jobs.down();
    this.jobsByApi.get(api)!.down();
  }

  /** Peaks restart from what is in flight / open right now. */
  reset(): void {
    for (const g of [this.requests, this.apiRequests, this.jobs, ...this.byApi.values(), ...this.byKind.values()])
      g.reset();
    for (const g of this.jobsByApi.values()) g.reset();
  }

  snapshot(): FakeActivity {
    const byApi = (pick: (g: Gauge) => number): Record<ApiFamily, number> =>
      Object.fromEntries(FAMILIES.map((f) => [f, pick(this.byApi.get(f)!)])) as Record<ApiFamily, number>;
    const maxByKind: Partial<Record<RequestKind, number>> = {};
    for (const [kind, g] of this.byKind) if (g.max > 0) maxByKind[kind] = g.max;
    return {
      inFlight: this.requests.now,
      maxInFlight: this.requests.max,
      maxApiInFlight: this.apiRequests.max,
      inFlightByApi: byApi((g) => g.now),
      maxInFlightByApi: byApi((g) => g.max),
      maxInFlightByKind: maxByKind,
      openBulkJobs: this.jobs.now,
      maxOpenBulkJobs: this.jobs.max,
      maxOpenBulkJobsByApi: { bulk2: this.jobsByApi.get("bulk2")!.max, bulk1: this.jobsByApi.get("bulk1")!.max },
      openBulkJobIds: [...this.open].map((k) => k.slice(k.indexOf(":") + 1)),
    };
  }

  private kindGauge(kind: RequestKind): Gauge {
    let g = this.byKind.get(kind);
    if (!g) this.byKind.set(kind, (g = new Gauge()));
    return g;
  }
}
