// Helpers for the fake's own tests: log in with the refresh-token grant and call the API with fetch.
import type { FakeSalesforce } from "./index.js";

export const V = "62.0";

export async function login(fake: FakeSalesforce): Promise<string> {
  const c = fake.credentials;
  const res = await fetch(`${fake.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      refresh_token: c.refreshToken,
    }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface Api {
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body: unknown): Promise<Response>;
  patch(path: string, body: unknown): Promise<Response>;
  del(path: string): Promise<Response>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  json<T = any>(path: string): Promise<T>;
  token: string;
}

/** `path` is relative to /services/data/v62.0 unless it starts with /services. */
export async function api(fake: FakeSalesforce, token?: string): Promise<Api> {
  const t = token ?? (await login(fake));
  const url = (p: string): string =>
    p.startsWith("/services") ? `${fake.url}${p}` : `${fake.url}/services/data/v${V}${p}`;
  const auth = { authorization: `Bearer ${t}` };
  const send = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(url(p), {
      method,
      headers: { ...auth, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    token: t,
    get: (p, h) => send("GET", p, undefined, h),
    post: (p, b) => send("POST", p, b),
    patch: (p, b) => send("PATCH", p, b),
    del: (p) => send("DELETE", p),
    async json<T>(p: string): Promise<T> {
      const r = await send("GET", p);
      if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    },
  };
}

/** Minimal RFC 4180 parser for checking the fake's CSV output. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text.charAt(i + 1) === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Creates a Bulk 2.0 query job and polls it to completion; returns the job id. */
export async function runBulkJob(a: Api, query: string, operation = "query"): Promise<string> {
  const created = await a.post("/jobs/query", { operation, query });
  if (created.status !== 200) throw new Error(`create: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  for (let k = 0; k < 20; k++) {
    const info = await a.json<{ state: string }>(`/jobs/query/${id}`);
    if (info.state === "JobComplete") return id;
    if (info.state === "Failed" || info.state === "Aborted") throw new Error(`job ${info.state}`);
  }
  throw new Error("job never completed");
}

/**
 * Runs a Bulk 1.0 query job (one batch, no PK chunking) to its Completed batch and returns the URLs
 * of its result files (GET them with `X-SFDC-Session`).
 */
export async function runBulk1Job(
  fake: FakeSalesforce,
  token: string,
  object: string,
  soql: string,
): Promise<{ jobId: string; batchId: string; resultUrls: string[] }> {
  const base = `${fake.url}/services/async/${V}/job`;
  const headers = { "X-SFDC-Session": token };
  const send = async (url: string, init: RequestInit): Promise<string> => {
    const r = await fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${init.method ?? "GET"} ${url}: ${r.status} ${text}`);
    return text;
  };
  const tag = (xml: string, name: string): string => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? "";
  const ns = "http://www.force.com/2009/06/asyncapi/dataload";
  const jobXml =
    `<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="${ns}"><operation>query</operation>` +
    `<object>${object}</object><contentType>CSV</contentType></jobInfo>`;
  const jobId = tag(
    await send(base, { method: "POST", body: jobXml, headers: { "Content-Type": "application/xml" } }),
    "id",
  );
  const batchId = tag(
    await send(`${base}/${jobId}/batch`, { method: "POST", body: soql, headers: { "Content-Type": "text/csv" } }),
    "id",
  );
  for (let k = 0; ; k++) {
    const state = tag(await send(`${base}/${jobId}/batch/${batchId}`, {}), "state");
    if (state === "Completed") break;
    if (state === "Failed" || k > 20) throw new Error(`batch ${state}`);
  }
  const list = await send(`${base}/${jobId}/batch/${batchId}/result`, {});
  const ids = [...list.matchAll(/<result>([^<]+)<\/result>/g)].map((m) => m[1]!);
  return { jobId, batchId, resultUrls: ids.map((id) => `${base}/${jobId}/batch/${batchId}/result/${id}`) };
}
