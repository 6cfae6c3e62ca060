// What both yardstick clients (physical-limit.ts, naive-client.ts) do before their own parsing: run
// one Bulk 2.0 query job and GET its results pages in turn, as plainly and quickly as Node allows.
import { get } from "node:http";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";

export const MAX_RECORDS = 50_000;

/** GET with node:http and gzip, the fastest plain way to pull a page (fetch's web streams are slower). */
function getPage(
  url: string,
  headers: Record<string, string>,
): Promise<{ body: Readable; locator: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { ...headers, "Accept-Encoding": "gzip" } }, (res) => {
      const body = res.headers["content-encoding"] === "gzip" ? pipeline(res, createGunzip(), () => {}) : res;
      resolve({ body, locator: res.headers["sforce-locator"] as string | undefined });
    }).on("error", reject);
  });
}

/** Creates the job, waits for it, then yields each results page's (decompressed) body in turn. */
export async function* bulk2Pages(url: string, accessToken: string, soql: string): AsyncGenerator<Readable> {
  const auth = { Authorization: `Bearer ${accessToken}` };
  const base = `${url}/services/data/v62.0/jobs/query`;
  const created = await fetch(base, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ operation: "query", query: soql }),
  });
  const job = (await created.json()) as { id: string };
  for (;;) {
    const status = (await (await fetch(`${base}/${job.id}`, { headers: auth })).json()) as { state: string };
    if (status.state === "JobComplete") break;
    if (status.state === "Failed" || status.state === "Aborted") throw new Error(`job ${status.state}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  let locator: string | null = null;
  do {
    const params = new URLSearchParams({ maxRecords: String(MAX_RECORDS) });
    if (locator) params.set("locator", locator);
    const page = await getPage(`${base}/${job.id}/results?${params}`, { ...auth, Accept: "text/csv" });
    locator = page.locator ?? null;
    yield page.body;
  } while (locator && locator !== "null");
}
