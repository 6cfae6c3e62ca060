import type { SalesforceClient } from "./client.js";
import type { QueryOperation } from "./bulk2.js";

/** One page of a REST query/queryAll answer (up to 2,000 records). */
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

/**
 * REST query/queryAll, for what Bulk cannot serve (objects Bulk rejects, compound and base64
 * fields). Yields one page (up to 2,000 records) at a time, following nextRecordsUrl; a page cut off
 * mid-body is asked for again by the client.
 */
export async function* restQuery(
  client: SalesforceClient,
  soql: string,
  operation: QueryOperation,
  onTotalSize?: (totalSize: number) => void,
): AsyncGenerator<Array<Record<string, unknown>>> {
  const first = await client.json<QueryPage>(queryPath(soql, operation));
  onTotalSize?.(first.totalSize);
  if (first.records.length > 0) yield first.records;
  for await (const page of nextPages(client, first)) {
    if (page.records.length > 0) yield page.records;
  }
}

/** The pages after `first`, following nextRecordsUrl (queryMore: one API call per page). */
export async function* nextPages(client: SalesforceClient, first: QueryPage): AsyncGenerator<QueryPage> {
  let page = first;
  while (!page.done && page.nextRecordsUrl !== undefined) {
    page = await client.json<QueryPage>(page.nextRecordsUrl);
    yield page;
  }
}
