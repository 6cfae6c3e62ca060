import type { SalesforceClient } from "./client.js";
import type { QueryOperation } from "./bulk2.js";
import type { CompositeResponse } from "./describe.js";
import { parseErrorBody } from "./api-error.js";
import { COMPOSITE_QUERY_LIMIT } from "./probe-queries.js";
import { checkQueryPage, firstQueryPage, queryPath, type QueryPage } from "./rest-query.js";

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

interface Pending {
  /** The subrequest's path under the data API root (a query, or another GET resource). */
  path: string;
  /** Query/queryAll subrequests count against Composite's 5; other resources only against its 25. */
  isQuery: boolean;
  /** Whether a subrequest's body is the answer (else it is asked again alone). */
  accepts(body: unknown): boolean;
  resolve(body: unknown): void;
  reject(error: unknown): void;
}

/** Salesforce's cap on subrequests in one Composite request. */
const COMPOSITE_SUBREQUEST_LIMIT = 25;

/**
 * Coalesces the first pages of REST queries asked for at about the same time (streams starting
 * together) into Composite requests. Salesforce counts a Composite request as ONE API call and allows
 * at most 5 query/queryAll subrequests in it ("Up to 5 of these subrequests can be sObject
 * Collections or query operations": Composite resource documentation), so 5 streams' probes cost one
 * call instead of five. Other GET resources asked meanwhile (`resource`: a stream's deleted records)
 * ride along, up to 25 subrequests in all. A subrequest that fails, or answers something that is not
 * its answer's shape, is asked again as a plain REST GET (the client's retry policy then decides), so
 * it fails only its own caller. A request asked alone goes as a plain GET (the same one call, without
 * the envelope).
 */
export class CompositeQueryBatcher {
  private readonly pending: Pending[] = [];
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
    return this.enqueue<QueryPage>(queryPath(soql, operation), true, isQueryPage);
  }

  /** The JSON body of a GET resource (path under the data API root), carried with the next queries. */
  resource(path: string): Promise<unknown> {
    return this.enqueue<unknown>(path, false, (body) => typeof body === "object" && body !== null);
  }

  private enqueue<T>(path: string, isQuery: boolean, accepts: (body: unknown) => boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ path, isQuery, accepts, resolve: resolve as (body: unknown) => void, reject });
      const queries = this.pending.filter((p) => p.isQuery).length;
      if (queries >= COMPOSITE_QUERY_LIMIT || this.pending.length >= COMPOSITE_SUBREQUEST_LIMIT) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const batch: Pending[] = [];
      let queries = 0;
      for (let i = 0; i < this.pending.length && batch.length < COMPOSITE_SUBREQUEST_LIMIT;) {
        const next = this.pending[i]!;
        if (next.isQuery && queries === COMPOSITE_QUERY_LIMIT) {
          i++;
          continue;
        }
        if (next.isQuery) queries++;
        batch.push(next);
        this.pending.splice(i, 1);
      }
      void this.send(batch);
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    if (batch.length === 1 && this.fits(batch[0]!)) {
      await this.alone(batch[0]!);
      return;
    }
    let response: CompositeResponse;
    try {
      response = await this.composite(batch);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    await Promise.all(
      batch.map(async (entry, i) => {
        const sub = response.compositeResponse?.find((r) => r.referenceId === `q${i}`);
        if (sub && sub.httpStatusCode >= 200 && sub.httpStatusCode < 300 && entry.accepts(sub.body)) {
          entry.resolve(sub.body);
          return;
        }
        await this.alone(entry);
      }),
    );
  }

  private composite(batch: Pending[]): Promise<CompositeResponse> {
    return this.client.json<CompositeResponse>("/composite", {
      method: "POST",
      json: {
        allOrNone: false,
        compositeRequest: batch.map((entry, i) => ({
          method: "GET",
          url: this.client.dataPath(entry.path),
          referenceId: `q${i}`,
        })),
      },
    });
  }

  private fits(entry: Pending): boolean {
    const uri = this.client.session.instanceUrl + this.client.dataPath(entry.path);
    return Buffer.byteLength(uri, "utf8") <= MAX_REQUEST_URI_BYTES;
  }

  /**
   * One request on its own: a plain GET, or, when its GET would not fit in a URI (a SELECT of hundreds
   * of fields), a Composite request of one: its url travels in the body, as Salesforce Help 000386264
   * suggests for long SOQL (the query locators after it are short).
   */
  private async alone(entry: Pending): Promise<void> {
    try {
      if (this.fits(entry)) {
        entry.resolve(
          entry.isQuery ? await firstQueryPage(this.client, entry.path) : await this.client.json<unknown>(entry.path),
        );
        return;
      }
      const sub = (await this.composite([entry])).compositeResponse?.[0];
      if (sub && sub.httpStatusCode >= 200 && sub.httpStatusCode < 300 && entry.accepts(sub.body))
        entry.resolve(sub.body);
      else entry.reject(parseErrorBody(sub?.httpStatusCode ?? 500, JSON.stringify(sub?.body ?? null), "/composite"));
    } catch (error) {
      entry.reject(error);
    }
  }
}

/** A subresponse body that passes the same page check as a plain GET (rest-query.ts checkQueryPage). */
function isQueryPage(body: unknown): body is QueryPage {
  try {
    checkQueryPage(body, undefined, "/composite");
    return true;
  } catch {
    return false;
  }
}
