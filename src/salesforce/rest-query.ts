import type { SalesforceClient } from "./client.js";
import type { QueryOperation } from "./bulk2.js";
import { UnexpectedAnswerError } from "./api-error.js";
import { isObject } from "../util/is-object.js";
import { pause } from "../shutdown.js";

/**
 * One page of a REST query/queryAll answer (up to 2,000 records), as the REST API Developer Guide
 * documents it (Query, Execute a SOQL Query).
 */
export interface QueryPage {
  totalSize: number;
  done: boolean;
  records: Array<Record<string, unknown>>;
  nextRecordsUrl?: string;
}

/** `/query?q=…` or `/queryAll?q=…`, relative to the client's data path. */
export function queryPath(soql: string, operation: QueryOperation): string {
  return `/${operation}?q=${encodeURIComponent(soql)}`;
}

/** Where a REST query's paging stands after the pages checked so far. */
export interface QueryPaging {
  /** The first page's totalSize: the pages must add up to it. */
  readonly totalSize: number;
  /** Records on the pages checked so far. */
  readonly delivered: number;
  /** The next page's nextRecordsUrl; undefined once a page said done. */
  readonly next: string | undefined;
  /** Every nextRecordsUrl followed so far (a locator never repeats). */
  readonly followed: ReadonlySet<string>;
}

/**
 * Checks one REST query page (`previous`: the paging after the pages before it; none for the first)
 * before any of its records is delivered, and returns the paging after it. Salesforce documents
 * `done: false` pages as carrying `nextRecordsUrl`, and `totalSize` as the number of records the
 * query returns: a page without the URL, one whose URL was followed before, one with no record that
 * is not the last, or pages that do not add up to totalSize are not Salesforce's answer
 * (UnexpectedAnswerError: asked again, then the stream fails). CPU only: a few comparisons a page.
 * `path` names the request in the error. Composite-batched first pages (composite-query.ts) are
 * held to it by nextPages.
 */
export function checkQueryPage(page: unknown, previous: QueryPaging | undefined, path: string): QueryPaging {
  const fail = (detail: string): never => {
    throw new UnexpectedAnswerError(detail, path);
  };
  if (!isObject(page) || !Array.isArray(page.records) || typeof page.done !== "boolean")
    return fail("not a query result (no records array or done flag)");
  const totalSize = previous?.totalSize ?? page.totalSize;
  if (typeof totalSize !== "number" || !Number.isSafeInteger(totalSize) || totalSize < 0) return fail("no totalSize");
  const delivered = (previous?.delivered ?? 0) + page.records.length;
  if (delivered > totalSize) fail(`more records than its totalSize ${totalSize}`);
  if (page.done) {
    if (delivered !== totalSize) fail(`the pages hold ${delivered} records; totalSize said ${totalSize}`);
    return { totalSize, delivered, next: undefined, followed: previous?.followed ?? new Set() };
  }
  const next = page.nextRecordsUrl;
  if (typeof next !== "string" || next === "") return fail("done is false but there is no nextRecordsUrl");
  const followed = previous?.followed ?? new Set<string>();
  if (followed.has(next)) fail("its nextRecordsUrl points back at a page already read");
  if (page.records.length === 0) fail("a page with no records that is not the last");
  return { totalSize, delivered, next, followed: new Set(followed).add(next) };
}

/**
 * REST query/queryAll, for what Bulk cannot serve (objects Bulk rejects, compound and base64
 * fields). Yields one page (up to 2,000 records) at a time, following nextRecordsUrl; a page cut off
 * mid-body is asked for again by the client, a page checkQueryPage refuses is asked for again here.
 * Paging is bounded by totalSize: every page before the last has a record, and none passes it.
 */
export async function* restQuery(
  client: SalesforceClient,
  soql: string,
  operation: QueryOperation,
  onTotalSize?: (totalSize: number) => void,
): AsyncGenerator<Array<Record<string, unknown>>> {
  const { page: first, after } = await checkedPage(client, queryPath(soql, operation), undefined);
  onTotalSize?.(after.totalSize);
  if (first.records.length > 0) yield first.records;
  for await (const page of nextPages(client, first, after)) {
    if (page.records.length > 0) yield page.records;
  }
}

/**
 * The pages after `first`, following nextRecordsUrl (queryMore: one API call per page), each checked
 * by checkQueryPage before it is handed on. `firstPaging`: the first page's check, when the caller
 * made it; otherwise the first page is checked here (a first page that fails then throws: only its
 * caller can ask for it again).
 */
export async function* nextPages(
  client: SalesforceClient,
  first: QueryPage,
  firstPaging?: QueryPaging,
): AsyncGenerator<QueryPage> {
  let paging = firstPaging ?? checkQueryPage(first, undefined, client.dataPath("/query"));
  while (paging.next !== undefined) {
    const checked = await checkedPage(client, paging.next, paging);
    paging = checked.after;
    yield checked.page;
  }
}

/** The first page of a query by a plain GET of its path (queryPath), checked (a refused one is asked again). */
export async function firstQueryPage(client: SalesforceClient, path: string): Promise<QueryPage> {
  return (await checkedPage(client, path, undefined)).page;
}

async function checkedPage(
  client: SalesforceClient,
  path: string,
  previous: QueryPaging | undefined,
): Promise<{ page: QueryPage; after: QueryPaging }> {
  for (let attempt = 1; ; attempt++) {
    const page = await client.json<unknown>(path);
    try {
      return { page: page as QueryPage, after: checkQueryPage(page, previous, client.dataPath(path).split("?")[0]!) };
    } catch (error) {
      const decision = client.decideAfterBodyFailure(error, attempt);
      if (decision.action !== "retry") throw decision.action === "fail" ? decision.error : error;
      await pause(decision.delayMs);
    }
  }
}
