import type { StreamPlan } from "./plan.js";
import { buildQuery } from "../salesforce/soql.js";

/** A half-open range [from, to) on the stream's cursor. */
export interface Window {
  from: Date;
  to: Date;
}

/** The stream's SOQL for one window (or, for full refresh, without one). */
export function windowQuery(plan: StreamPlan, window?: Window): string {
  return buildQuery({
    object: plan.object,
    fields: plan.fields,
    userFilter: plan.userFilter,
    window: window && { cursorField: plan.cursorField!, from: window.from, to: window.to },
  });
}
