// Bulk API 1.0 query jobs (/services/async/{version}), XML in and out, authenticated with
// X-SFDC-Session. jsforce's Bulk 1.0 has no PK-chunking option (jsforce issue 605) and its own
// retry/session handling, so the few calls are made here through SalesforceClient like every other
// request: one retry policy, one session refresh, one API-usage count.
import type { SalesforceClient } from "./client.js";
import type { QueryOperation } from "./bulk2.js";
import { readCsvResource, type CsvDecoder, type ResourcePart } from "./csv-results.js";
import { ConnectorError } from "../errors.js";
import { UnexpectedAnswerError } from "./api-error.js";
import { pause } from "../shutdown.js";

const NAMESPACE = "http://www.force.com/2009/06/asyncapi/dataload";

export type BatchState = "Queued" | "InProgress" | "Completed" | "Failed" | "NotProcessed";

export interface BatchInfo {
  id: string;
  jobId: string;
  state: BatchState;
  stateMessage: string;
  numberRecordsProcessed: number;
}

export interface JobInfo {
  id: string;
  state: string;
  object: string;
}

export interface PkChunking {
  chunkSize: number;
  /** Share and History objects chunk on their parent's Ids. */
  parent?: string;
}

const path = (client: SalesforceClient, rest: string): string => `/services/async/${client.apiVersion}/job${rest}`;
const XML_CONTENT = { "Content-Type": "application/xml; charset=UTF-8" };

export async function createJob(
  client: SalesforceClient,
  object: string,
  operation: QueryOperation,
  pkChunking: PkChunking | undefined,
): Promise<JobInfo> {
  const headers: Record<string, string> = { ...XML_CONTENT };
  if (pkChunking) {
    headers["Sforce-Enable-PKChunking"] =
      `chunkSize=${pkChunking.chunkSize}${pkChunking.parent ? `; parent=${pkChunking.parent}` : ""}`;
  }
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="${NAMESPACE}">` +
    `<operation>${operation}</operation><object>${escapeXml(object)}</object>` +
    `<concurrencyMode>Parallel</concurrencyMode><contentType>CSV</contentType></jobInfo>`;
  return jobInfo(await xml(client, path(client, ""), { method: "POST", headers, body }));
}

export async function addQueryBatch(client: SalesforceClient, jobId: string, soql: string): Promise<BatchInfo> {
  const response = await xml(client, path(client, `/${jobId}/batch`), {
    method: "POST",
    headers: { "Content-Type": "text/csv; charset=UTF-8" },
    body: soql,
  });
  return batchInfos(response)[0]!;
}

export async function listBatches(client: SalesforceClient, jobId: string): Promise<BatchInfo[]> {
  return batchInfos(await xml(client, path(client, `/${jobId}/batch`)));
}

/** The SOQL a batch runs; for a PK-chunked batch it carries the chunk's Id range. */
export function batchRequest(client: SalesforceClient, jobId: string, batchId: string): Promise<string> {
  return text(client, path(client, `/${jobId}/batch/${batchId}/request`));
}

export async function resultIds(client: SalesforceClient, jobId: string, batchId: string): Promise<string[]> {
  const body = await xml(client, path(client, `/${jobId}/batch/${batchId}/result`));
  return [...body.matchAll(/<result>([^<]+)<\/result>/g)].map((m) => m[1]!);
}

export function resultPath(client: SalesforceClient, jobId: string, batchId: string, resultId: string): string {
  return path(client, `/${jobId}/batch/${batchId}/result/${resultId}`);
}

/**
 * Streams every result file of a completed batch. Result files carry no row count of their own, so
 * the batch's numberRecordsProcessed is the check: files that add up to fewer rows (a body cut at a
 * row boundary, a page that is not CSV) are read again, skipping the rows each already delivered;
 * more rows than the batch reported fail the stream. Each file is text/csv with the query's header
 * (csv-results.ts). Costs no request unless a file must be read again. `skipRows`: the batch's
 * first rows (in file order) an earlier run already delivered.
 */
export async function* readBatchResults<T>(
  client: SalesforceClient,
  batch: Pick<BatchInfo, "id" | "jobId" | "numberRecordsProcessed">,
  header: readonly string[],
  decoder: CsvDecoder<T>,
  skipRows = 0,
): AsyncGenerator<ResourcePart<T>> {
  const delivered = new Map<string, number>();
  for (let attempt = 1; ; attempt++) {
    // Asked again on a re-read too: a list that was not Salesforce's (an HTML page) names no file.
    const ids = await resultIds(client, batch.jobId, batch.id);
    let total = 0;
    for (const resultId of ids) {
      const filePath = resultPath(client, batch.jobId, batch.id, resultId);
      const rows: number = yield* readCsvResource(client, filePath, decoder, {
        sessionHeader: "x-sfdc-session",
        expectedHeader: header,
        skipRows: Math.max(delivered.get(resultId) ?? 0, skipRows - total),
      });
      delivered.set(resultId, Math.max(rows, delivered.get(resultId) ?? 0));
      total += rows;
    }
    if (total === batch.numberRecordsProcessed) return;
    if (total > batch.numberRecordsProcessed)
      throw new ConnectorError(
        `The result files of Bulk 1.0 batch ${batch.id} hold ${total} rows, more than the ${batch.numberRecordsProcessed} Salesforce reported. Run the sync again.`,
        "transient_error",
      );
    const short = new UnexpectedAnswerError(
      `its result files hold ${total} rows; the batch reported numberRecordsProcessed ${batch.numberRecordsProcessed}`,
      path(client, `/${batch.jobId}/batch/${batch.id}/result`),
    );
    const decision = client.decideAfterBodyFailure(short, attempt);
    if (decision.action !== "retry") throw decision.action === "fail" ? decision.error : short;
    await pause(decision.delayMs);
  }
}

export async function setJobState(client: SalesforceClient, jobId: string, state: "Closed" | "Aborted"): Promise<void> {
  const body = `<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="${NAMESPACE}"><state>${state}</state></jobInfo>`;
  await xml(client, path(client, `/${jobId}`), { method: "POST", headers: XML_CONTENT, body });
}

async function text(
  client: SalesforceClient,
  fullPath: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<string> {
  const response = await client.request(fullPath, { ...options, sessionHeader: "x-sfdc-session" });
  return response.text();
}

/**
 * An XML answer (jobInfo, batchInfo, result-list). One that is not XML (a proxy's HTML page with
 * status 200) would read as no batches or no result files: a GET is asked again, then fails as
 * transient; a POST is not repeated (it may have reached Salesforce).
 */
async function xml(
  client: SalesforceClient,
  fullPath: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const response = await client.request(fullPath, { ...options, sessionHeader: "x-sfdc-session" });
    const type = response.header("content-type");
    if (type === undefined || /\bxml\b/i.test(type)) return response.text();
    response.discard();
    const refused = new UnexpectedAnswerError(`Content-Type ${JSON.stringify(type.slice(0, 80))}, not XML`, fullPath);
    if ((options.method ?? "GET") !== "GET") throw refused;
    const decision = client.decideAfterBodyFailure(refused, attempt);
    if (decision.action !== "retry") throw decision.action === "fail" ? decision.error : refused;
    await pause(decision.delayMs);
  }
}

function jobInfo(body: string): JobInfo {
  const fields = flatFields(body);
  return { id: fields.id ?? "", state: fields.state ?? "", object: fields.object ?? "" };
}

function batchInfos(body: string): BatchInfo[] {
  return [...body.matchAll(/<batchInfo(?:\s[^>]*)?>([\s\S]*?)<\/batchInfo>/g)].map((m) => {
    const fields = flatFields(m[1]!);
    return {
      id: fields.id ?? "",
      jobId: fields.jobId ?? "",
      state: (fields.state ?? "Queued") as BatchState,
      stateMessage: fields.stateMessage ?? "",
      numberRecordsProcessed: Number(fields.numberRecordsProcessed ?? 0),
    };
  });
}

/** jobInfo and batchInfo are flat: <name>value</name> pairs. */
function flatFields(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<([A-Za-z]+)>([^<]*)<\/\1>/g)) fields[m[1]!] ??= unescapeXml(m[2]!);
  return fields;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
