// Injected faults: each spec hits matching requests (or Bulk 1.0 batches, or Composite subrequests)
// after skipping `after` of them, `times` times.
import type {
  BatchFaultSpec,
  FaultSpec,
  RequestFaultSpec,
  RequestKind,
  SubrequestFaultSpec,
  ValueFaultSpec,
} from "./types.js";

interface ActiveFault {
  spec: FaultSpec;
  seen: number;
  hits: number;
}

export class Faults {
  private active: ActiveFault[] = [];

  inject(spec: FaultSpec): void {
    this.active.push({ spec, seen: 0, hits: 0 });
  }

  clear(): void {
    this.active = [];
  }

  /** The fault to apply to this request, if any. Every fault of that kind counts the request. */
  take(kind: RequestKind): RequestFaultSpec | ValueFaultSpec | undefined {
    let chosen: RequestFaultSpec | ValueFaultSpec | undefined;
    for (const f of this.active) {
      if (f.spec.kind === "bulk1_batch" || f.spec.kind === "composite_subrequest" || f.spec.kind !== kind) continue;
      if (this.hit(f, chosen === undefined)) chosen = f.spec;
    }
    return chosen;
  }

  /** The outcome fault for a new Bulk 1.0 batch of this type, if any (every matching spec counts it). */
  takeBatch(type: BatchFaultSpec["type"]): BatchFaultSpec | undefined {
    let chosen: BatchFaultSpec | undefined;
    for (const f of this.active) {
      if (f.spec.kind !== "bulk1_batch" || f.spec.type !== type) continue;
      if (this.hit(f, chosen === undefined)) chosen = f.spec;
    }
    return chosen;
  }

  /** The fault for the subrequest at `index` of a Composite request with this url, if any. */
  takeSubrequest(url: string, index: number): SubrequestFaultSpec | undefined {
    let chosen: SubrequestFaultSpec | undefined;
    for (const f of this.active) {
      const spec = f.spec;
      if (spec.kind !== "composite_subrequest") continue;
      if (spec.index !== undefined && spec.index !== index) continue;
      if (spec.url !== undefined && !(typeof spec.url === "string" ? url.includes(spec.url) : spec.url.test(url)))
        continue;
      if (this.hit(f, chosen === undefined)) chosen = spec;
    }
    return chosen;
  }

  /** Counts the request/batch; true (and one hit used) when this fault applies and none applied yet. */
  private hit(f: ActiveFault, free: boolean): boolean {
    f.seen++;
    const eligible = free && f.seen > (f.spec.after ?? 0) && f.hits < (f.spec.times ?? 1);
    if (eligible) f.hits++;
    return eligible;
  }
}
