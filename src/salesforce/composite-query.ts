import type { SalesforceClient } from "./client.js";
import type { QueryOperation } from "./bulk2.js";
import type { CompositeResponse } from "./describe.js";
import { COMPOSITE_QUERY_LIMIT } from "./probe-queries.js";
import { queryPath, type QueryPage } from "./rest-query.js";

export type { QueryPage } from "./rest-query.js";
export { nextPages } from "./rest-query.js";

/**
 * Salesforce refuses a request URI longer than 16,384 bytes (414 / 431); a query that would not fit
 * in a GET must travel in a POST body (Bulk) or be split.
 */
export const MAX_REQUEST_URI_BYTES = 16_384;

/** Whether the REST GET of this query fits in a request URI. */
export function fitsInRestGet(client: SalesforceClient, soql: string, operation: QueryOperation): boolean {
  const uri = client.session.instanceUrl + client.dataPath(queryPath(soql, operation));
  return Buffer.byteLength(uri, "utf8") <= MAX_REQUEST_URI_BYTES;
}

interface PendingQuery {
  soql: string;
  operation: QueryOperation;
  resolve(page: QueryPage): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the first pages of REST queries asked for at about the same time (streams starting
 * together) into Composite requests. Salesforce counts a Composite request as ONE API call and allows
 * at most 5 query/queryAll subrequests in it ("Up to 5 of these subrequests can be sObject
 * Collections or query operations": Composite resource documentation), so 5 streams' probes cost one
 * call instead of five. A subrequest that fails, or answers something that is not a query page, is
 * asked again as a plain REST GET (the client's retry policy then decides), so it fails only its own
 * query. A query asked alone goes as a plain GET (the same one call, without the envelope).
 */
export class CompositeQueryBatcher {
  private readonly pending: PendingQuery[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly lingerMs: number;

  constructor(
    private readonly client: SalesforceClient,
    options: { lingerMs?: number } = {},
  ) {
    this.lingerMs = options.lingerMs ?? 5;
  }

  /** The first page of `soql` (up to 2,000 records, totalSize, nextRecordsUrl). */
  firstPage(soql: string, operation: QueryOperation): Promise<QueryPage> {
    return new Promise<QueryPage>((resolve, reject) => {
      this.pending.push({ soql, operation, resolve, reject });
      if (this.pending.length >= COMPOSITE_QUERY_LIMIT) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, COMPOSITE_QUERY_LIMIT);
      void this.send(batch);
    }
  }

  private async send(batch: PendingQuery[]): Promise<void> {
    if (batch.length === 1) {
      await this.alone(batch[0]!);
      return;
    }
    let response: CompositeResponse;
    try {
      response = await this.client.json<CompositeResponse>("/composite", {
        method: "POST",
        json: {
          allOrNone: false,
          compositeRequest: batch.map((query, i) => ({
            method: "GET",
            url: this.client.dataPath(queryPath(query.soql, query.operation)),
            referenceId: `q${i}`,
          })),
        },
      });
    } catch (error) {
      for (const query of batch) query.reject(error);
      return;
    }
    await Promise.all(
      batch.map(async (query, i) => {
        const sub = response.compositeResponse?.find((r) => r.referenceId === `q${i}`);
        if (sub && sub.httpStatusCode >= 200 && sub.httpStatusCode < 300 && isQueryPage(sub.body)) {
          query.resolve(sub.body);
          return;
        }
        await this.alone(query);
      }),
    );
  }

  private async alone(query: PendingQuery): Promise<void> {
    try {
      query.resolve(await this.client.json<QueryPage>(queryPath(query.soql, query.operation)));
    } catch (error) {
      query.reject(error);
    }
  }
}

function isQueryPage(body: unknown): body is QueryPage {
  if (typeof body !== "object" || body === null) return false;
  const page = body as Partial<QueryPage>;
  return typeof page.totalSize === "number" && typeof page.done === "boolean" && Array.isArray(page.records);
}
