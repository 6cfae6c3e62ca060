import type { SalesforceClient } from "./client.js";
import type { QueryOperation } from "./bulk2.js";

interface QueryPage {
  totalSize: number;
  done: boolean;
  records: Array<Record<string, unknown>>;
  nextRecordsUrl?: string;
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
  let path: string | undefined = `/${operation}?q=${encodeURIComponent(soql)}`;
  let first = true;
  while (path !== undefined) {
    const page: QueryPage = await client.json<QueryPage>(path);
    if (first) onTotalSize?.(page.totalSize);
    first = false;
    if (page.records.length > 0) yield page.records;
    path = page.done ? undefined : page.nextRecordsUrl;
  }
}
