// The `streams_criteria` option: which discovered objects to keep, by name.
//
// Semantics follow airbyte source-salesforce (utils.py filter_streams_by_criteria, used by
// api.py get_validated_streams): names and values compare case-insensitively, and an object is
// kept when ANY criterion matches (the union of the per-criterion lists). So a negative criterion
// alone excludes, but next to a positive one it widens rather than narrows the selection.
import type { FilterSalesforceObjects } from "../generated/config.js";

export type StreamsCriterion = FilterSalesforceObjects[number];

const MATCHERS: Readonly<Record<StreamsCriterion["criteria"], (name: string, value: string) => boolean>> = {
  "starts with": (name, value) => name.startsWith(value),
  "ends with": (name, value) => name.endsWith(value),
  contains: (name, value) => name.includes(value),
  exacts: (name, value) => name === value,
  "starts not with": (name, value) => !name.startsWith(value),
  "ends not with": (name, value) => !name.endsWith(value),
  "not contains": (name, value) => !name.includes(value),
  "not exacts": (name, value) => name !== value,
};

/** True when the object should be discovered; no (or empty) criteria keep every object. */
export function matchesStreamsCriteria(name: string, criteria: readonly StreamsCriterion[] | undefined): boolean {
  if (criteria === undefined || criteria.length === 0) return true;
  const lowerName = name.toLowerCase();
  return criteria.some(({ criteria: kind, value }) => MATCHERS[kind](lowerName, value.toLowerCase()));
}
