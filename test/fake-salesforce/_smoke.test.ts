import { it } from "vitest";
import { startFakeSalesforce } from "./index.js";
import { defaultObjects } from "./default-org.js";
import { api, runBulkJob } from "./test-helpers.js";
it("perf", async () => {
  const big = await startFakeSalesforce({
    objects: defaultObjects().map((s) => (s.name === "Account" ? { ...s, records: 200_000 } : s)),
    bulk2PollsUntilComplete: 0,
  });
  const a = await api(big);
  const d = await a.json("/sobjects/Account/describe");
  const fields = d.fields
    .filter((f: any) => f.type !== "address" && f.type !== "location" && f.type !== "base64")
    .map((f: any) => f.name);
  const id = await runBulkJob(a, `SELECT ${fields.join(",")} FROM Account`);
  for (const enc of ["gzip", "identity"]) {
    const t = Date.now();
    let locator: string | null = null;
    let bytes = 0;
    do {
      const r = await a.get(`/jobs/query/${id}/results?maxRecords=50000${locator ? `&locator=${locator}` : ""}`, {
        "accept-encoding": enc,
      });
      for await (const chunk of r.body!) bytes += (chunk as Uint8Array).length;
      locator = r.headers.get("sforce-locator");
      if (locator === "null") locator = null;
    } while (locator);
    console.log(enc, "results ms", Date.now() - t, "MB", bytes / 1e6, "rss MB", process.memoryUsage().rss / 1e6);
  }
  await big.stop();
}, 300_000);
