import { buildQuery } from "../soql/builder.js";
import type { ParsedQuery } from "../soql/parser.js";
import type { Window } from "../util/datetime.js";
import { addWindowToQuery, earliestCursorQuery, queryWithoutWindow } from "../soql/rewrite.js";

/** The SOQL a stream runs: one per window (or one for full refresh), and the first-change lookup. */
export interface StreamQuery {
  kind: "object" | "query_stream";
  select(window?: Window): string;
  /** The earliest cursor value in the window: `SELECT cursor … ORDER BY cursor ASC LIMIT 1`. */
  firstChange(window: Window): string;
  /**
   * The window's SELECT (with the cursor field) in `ORDER BY cursor, Id` order, for REST reads that
   * save a STATE after each page; undefined for a query stream with its own ORDER BY or LIMIT.
   */
  ordered(window: Window): string | undefined;
}

/** Object streams: the selected fields, the object's object_filters condition, the window. */
export function objectStreamQuery(
  object: string,
  fields: string[],
  userFilter: string | undefined,
  cursorField: string | undefined,
): StreamQuery {
  const cursorWindow = (window: Window) => ({ cursorField: cursorField!, ...window });
  return {
    kind: "object",
    select: (window) => buildQuery({ object, fields, userFilter, window: window && cursorWindow(window) }),
    firstChange: (window) =>
      buildQuery({
        object,
        fields: [cursorField!],
        userFilter,
        window: cursorWindow(window),
        orderBy: [cursorField!],
        limit: 1,
      }),
    ordered: (window) =>
      buildQuery({
        object,
        fields: fields.some((f) => f.toLowerCase() === cursorField!.toLowerCase()) ? fields : [...fields, cursorField!],
        userFilter,
        window: cursorWindow(window),
        orderBy: [cursorField!, "Id"],
      }),
  };
}

/** A child object's records for a group of parent Ids (`<field> IN (...)`), and the parent's Id query. */
export interface ChildQuery {
  parentIds(): string;
  children(parentIds: readonly string[]): string;
}

export function childStreamQuery(
  object: string,
  fields: string[],
  userFilter: string | undefined,
  link: { parent: string; field: string; parentFilter: string | undefined },
): ChildQuery {
  return {
    parentIds: () => buildQuery({ object: link.parent, fields: ["Id"], userFilter: link.parentFilter }),
    children: (ids) => buildQuery({ object, fields, userFilter, idsIn: { field: link.field, ids } }),
  };
}

/** Query streams: the user's query with the window AND-ed into its WHERE, before ORDER BY/LIMIT. */
export function queryStreamQuery(parsed: ParsedQuery, cursorField: string | undefined): StreamQuery {
  return {
    kind: "query_stream",
    select: (window) =>
      window ? addWindowToQuery(parsed, { cursorField: cursorField!, ...window }) : queryWithoutWindow(parsed),
    firstChange: (window) => earliestCursorQuery(parsed, { cursorField: cursorField!, ...window }),
    ordered: (window) =>
      parsed.orderBy === undefined && parsed.limit === undefined
        ? addWindowToQuery(
            { ...parsed, orderBy: `${cursorField!} ASC, Id ASC` },
            { cursorField: cursorField!, ...window },
          )
        : undefined,
  };
}
