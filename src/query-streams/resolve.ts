import type { DescribeSObjectResult, Field } from "jsforce";
import type { QueryStreams } from "../generated/config.js";
import type { SalesforceClient } from "../salesforce/client.js";
import type { Log } from "../log.js";
import { configError, ConnectorError } from "../errors.js";
import { describeObjects } from "../salesforce/describe.js";
import { BULK_UNSUPPORTED_TYPES, chooseCursorField } from "../salesforce/facts.js";
import { fieldJsonSchema } from "../salesforce/field-types.js";
import { parseQueryStream, type ParsedQuery } from "../soql/parser.js";

type QueryStreamConfig = QueryStreams[number];

/** A query stream checked against Salesforce's describes: canonical field paths and their schemas. */
export interface ResolvedQueryStream {
  name: string;
  /** The parsed query with every field path spelled as Salesforce spells it. */
  parsed: ParsedQuery;
  /** JSON schema properties; relationship paths nest: Owner: {type: object, properties: {Name}}. */
  properties: Record<string, Record<string, unknown>>;
  /** Top-level cursor (SystemModstamp, LastModifiedDate, CreatedDate) when the query selects one and has no LIMIT. */
  cursorField: string | undefined;
  /** Selected paths the Bulk API cannot serve (compound address/location, base64). */
  bulkUnsupported: string[];
}

/**
 * Describes a query's FROM object and, level by level, every object its relationship paths reach
 * (Composite: 25 describes per API call), then types each selected path. A polymorphic reference
 * (Owner, What) resolves a field common to all its targets; where they disagree on the type, or
 * only some have it, the field is a nullable string.
 */
export async function resolveQueryStreams(
  client: SalesforceClient,
  queries: readonly QueryStreamConfig[],
  concurrency: number,
  warn: Log["warn"],
  known: Map<string, DescribeSObjectResult> = new Map(),
): Promise<ResolvedQueryStream[]> {
  const outcomes = await resolveEach(client, queries, concurrency, warn, known);
  const resolved: ResolvedQueryStream[] = [];
  for (const outcome of outcomes) {
    if ("error" in outcome) throw outcome.error;
    resolved.push(outcome);
  }
  return resolved;
}

export interface FailedQuery {
  name: string;
  error: unknown;
}

/** Like resolveQueryStreams, but every query gets its own outcome: `check` reports each bad query. */
export async function resolveEach(
  client: SalesforceClient,
  queries: readonly QueryStreamConfig[],
  concurrency: number,
  warn: Log["warn"],
  known: Map<string, DescribeSObjectResult> = new Map(),
): Promise<Array<ResolvedQueryStream | FailedQuery>> {
  const parsed = queries.map((q): { name: string; parsed: ParsedQuery } | FailedQuery => {
    try {
      return { name: q.name, parsed: parseQueryStream(q.name, q.query) };
    } catch (error) {
      return { name: q.name, error };
    }
  });
  const describes = new Map(known);
  for (let round = 0; ; round++) {
    const missing = new Set<string>();
    const results = parsed.map((q): ResolvedQueryStream | FailedQuery | undefined => {
      if ("error" in q) return q;
      try {
        return resolveOne(q.name, q.parsed, describes, missing, warn);
      } catch (error) {
        return { name: q.name, error };
      }
    });
    if (missing.size === 0) return results.map((r) => r!);
    if (round > 6) throw new Error("query stream relationship paths did not resolve");
    await describeObjects(client, [...missing], concurrency, (outcome) => {
      if ("describe" in outcome) describes.set(outcome.name, outcome.describe);
      else if (outcome.error.status === 404 || outcome.error.errorCode === "NOT_FOUND")
        describes.set(outcome.name, NO_SUCH_OBJECT);
      else {
        throw new ConnectorError(
          `Salesforce could not describe ${outcome.name} for a query stream (${outcome.error.errorCode}: ${outcome.error.salesforceMessage}). Run again.`,
          "transient_error",
        );
      }
    });
  }
}

/** Marks an object Salesforce says does not exist. */
const NO_SUCH_OBJECT = { name: "", fields: [] } as unknown as DescribeSObjectResult;

/** Resolves one query, or returns undefined after adding the describes it still needs to `missing`. */
function resolveOne(
  name: string,
  parsed: ParsedQuery,
  describes: Map<string, DescribeSObjectResult>,
  missing: Set<string>,
  warn: Log["warn"],
): ResolvedQueryStream | undefined {
  const from = describes.get(parsed.object);
  if (!from) {
    missing.add(parsed.object);
    return undefined;
  }
  if (from === NO_SUCH_OBJECT)
    throw queryError(name, `${parsed.object} is not an object in this org (or the user cannot see it)`);
  const properties: Record<string, Record<string, unknown>> = {};
  const canonicalFields: string[] = [];
  const bulkUnsupported: string[] = [];
  let complete = true;
  for (const path of parsed.fields) {
    const resolved = resolvePath(name, from, path.split("."), describes, missing, warn);
    if (!resolved) {
      complete = false;
      continue;
    }
    canonicalFields.push(resolved.canonical.join("."));
    if (resolved.type && BULK_UNSUPPORTED_TYPES.has(resolved.type)) bulkUnsupported.push(resolved.canonical.join("."));
    place(properties, resolved.canonical, resolved.schema);
  }
  if (!complete) return undefined;
  const topLevel = from.fields.filter((f) => canonicalFields.includes(f.name));
  return {
    name,
    parsed: { ...parsed, object: from.name, fields: canonicalFields },
    properties,
    // A LIMIT would apply to every window, not to the stream: such a query is full refresh only.
    cursorField: parsed.limit === undefined ? chooseCursorField(topLevel) : undefined,
    bulkUnsupported,
  };
}

function resolvePath(
  name: string,
  from: DescribeSObjectResult,
  segments: string[],
  describes: Map<string, DescribeSObjectResult>,
  missing: Set<string>,
  warn: Log["warn"],
): { canonical: string[]; schema: Record<string, unknown>; type?: string } | undefined {
  let objects = [from];
  const canonical: string[] = [];
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const matches = objects
      .map((o) => o.fields.find((f) => (last ? f.name : f.relationshipName)?.toLowerCase() === segment.toLowerCase()))
      .filter((f): f is Field => f !== undefined);
    if (matches.length === 0) throw queryError(name, `${from.name} has no field ${segments.join(".")}`);
    const first = matches[0]!;
    canonical.push(last ? first.name : first.relationshipName!);
    if (last) {
      const sameEverywhere = matches.length === objects.length && matches.every((f) => f.type === first.type);
      if (sameEverywhere)
        return { canonical, schema: fieldJsonSchema(first, warn, objects[0]!.name), type: first.type };
      const targets = objects.map((o) => `${o.name}: ${o.fields.find((f) => f.name === first.name)?.type ?? "absent"}`);
      warn(
        `query stream '${name}': ${segments.join(".")} differs between the reference's targets (${targets.join(", ")}); typed as string.`,
      );
      return { canonical, schema: { type: ["null", "string"] } };
    }
    const targets = [...new Set(matches.flatMap((f) => f.referenceTo ?? []))];
    const next: DescribeSObjectResult[] = [];
    for (const target of targets) {
      const describe = describes.get(target);
      if (!describe) missing.add(target);
      else if (describe !== NO_SUCH_OBJECT) next.push(describe);
    }
    if (next.length < targets.filter((t) => describes.get(t) !== NO_SUCH_OBJECT).length) return undefined;
    objects = next;
    if (objects.length === 0) throw queryError(name, `${from.name} has no field ${segments.join(".")}`);
  }
  return undefined;
}

/** Puts a schema at a nested path, creating nullable parent objects: Owner.Name -> Owner.properties.Name. */
function place(
  properties: Record<string, Record<string, unknown>>,
  path: string[],
  schema: Record<string, unknown>,
): void {
  let level = properties;
  for (const parent of path.slice(0, -1)) {
    level[parent] ??= { type: ["null", "object"], additionalProperties: true, properties: {} };
    level = level[parent]!.properties as Record<string, Record<string, unknown>>;
  }
  level[path.at(-1)!] = schema;
}

function queryError(name: string, problem: string) {
  return configError(`query stream '${name}': ${problem}. Fix the query in query_streams.`);
}
