// Injected faults: each spec hits matching requests after skipping `after` of them, `times` times.
import type { FaultSpec, FaultType, RequestKind } from "./types.js";

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
  take(kind: RequestKind): FaultType | undefined {
    let chosen: FaultType | undefined;
    for (const f of this.active) {
      if (f.spec.kind !== kind) continue;
      f.seen++;
      const eligible = f.seen > (f.spec.after ?? 0) && f.hits < (f.spec.times ?? 1);
      if (eligible && chosen === undefined) {
        f.hits++;
        chosen = f.spec.type;
      }
    }
    return chosen;
  }
}
