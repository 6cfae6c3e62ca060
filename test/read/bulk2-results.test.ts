// Bulk 2.0 results read with a decoder that parses on other threads (salesforce/bulk2-results.ts,
// issue 16): the next page's rows are handed on between the current page's, each page's in order,
// and every position a checkpoint would save names both pages, so a later run continues both and
// hands on every row exactly once. Real HTTP against the fake Salesforce; the decoder is csv-parse
// on this thread, held at a gate so the interleaving is certain rather than a matter of timing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { baseConfig, liveIds, widgetObject } from "../helpers/read-fixtures.js";
import { parseConfig } from "../../src/config.js";
import { connect } from "../../src/salesforce/connect.js";
import type { SalesforceClient } from "../../src/salesforce/client.js";
import { createQueryJob, defaultPollSettings, waitForJob } from "../../src/salesforce/bulk2.js";
import { readJobResults, type ResultsPosition } from "../../src/salesforce/bulk2-results.js";
import { decodeRows, type CsvDecoder } from "../../src/salesforce/csv-results.js";
import { parseBulkProgress } from "../../src/read/bulk-progress.js";

const ROWS = 12_000;
const PAGE = 4000;
const OBJECT = "Pages__c";

let fake: FakeSalesforce;
let client: SalesforceClient;
let job: { id: string; total: number };
const savedEnv = { ...process.env };

beforeAll(async () => {
  process.env.SOURCE_SALESFORCE_POLL_BASE_MS = "5";
  fake = await startFakeSalesforce({ extraObjects: [widgetObject(ROWS, OBJECT)] });
  const config = parseConfig(baseConfig(fake, { streams_criteria: [{ criteria: "exacts", value: OBJECT }] }));
  client = await connect(config, { warn: () => {}, info: () => {}, configChanged: async () => {} });
  const created = await createQueryJob(client, `SELECT Id, Name FROM ${OBJECT}`, "query");
  const done = await waitForJob(client, created.id, defaultPollSettings(60_000));
  job = { id: created.id, total: done.numberRecordsProcessed! };
});
afterAll(async () => {
  process.env = savedEnv;
  await fake?.stop();
});

/**
 * csv-parse here, said to be parallel; the first page (the one without a locator) stops after its
 * first part until `gate` opens, so the page after it is read meanwhile.
 */
function gatedDecoder(gate: Promise<void>): CsvDecoder<string[][]> {
  return {
    parallel: true,
    async *decode(response, skip, path) {
      let parts = 0;
      for await (const part of decodeRows(response.body, skip, path)) {
        yield part;
        if (!path.includes("locator=") && ++parts === 1) await gate;
      }
    },
  };
}

interface Taken {
  ids: string[];
  /** The position after each part, and the Ids handed on up to it. */
  positions: Array<{ position: ResultsPosition; ids: number }>;
  pageEnds: ResultsPosition[];
}

async function readAll(decoder: CsvDecoder<string[][]>, from?: ResultsPosition, open?: () => void): Promise<Taken> {
  const taken: Taken = { ids: [], positions: [], pageEnds: [] };
  const expectation = { header: ["Id", "Name"], total: job.total };
  const pages = readJobResults(client, job.id, PAGE, expectation, decoder, {
    from,
    onPageEnd: async (position) => void taken.pageEnds.push(structuredClone(position)),
  });
  for await (const part of pages) {
    taken.ids.push(...part.output.map((row) => row[0]!));
    taken.positions.push({ position: structuredClone(part.position), ids: taken.ids.length });
    if (part.position.ahead !== undefined) open?.();
  }
  return taken;
}

describe("Bulk 2.0 results with a parallel decoder", () => {
  let first: Taken;
  let pageIds: string[][];

  it("hands the next page's rows on between the current page's, each page's in order, every row once", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    first = await readAll(gatedDecoder(gate), undefined, open);
    const all = liveIds(fake, OBJECT);
    expect([...first.ids].sort()).toEqual([...all].sort());
    // The fake serves Ids in order, PAGE to a page.
    const sorted = [...first.ids].sort();
    pageIds = [0, 1, 2].map((p) => sorted.slice(p * PAGE, (p + 1) * PAGE));
    const page2 = new Set(pageIds[1]);
    const lastOfPage1 = first.ids.lastIndexOf(pageIds[0]!.at(-1)!);
    const firstOfPage2 = first.ids.findIndex((id) => page2.has(id));
    expect(firstOfPage2).toBeLessThan(lastOfPage1);
    for (const ids of pageIds) expect(first.ids.filter((id) => ids.includes(id))).toEqual(ids);
  });

  it("names both pages in every position while both are read, and the page after at each page's end", async () => {
    const both = first.positions.filter((p) => p.position.ahead !== undefined);
    expect(both.length).toBeGreaterThan(0);
    // The pages before the one a locator names: each page's end gave the next one's locator.
    const pagesBefore = (locator: string | undefined): number =>
      locator === undefined ? 0 : first.pageEnds.findIndex((end) => end.locator === locator) + 1;
    for (const { position, ids } of first.positions) {
      // What a checkpoint here covers is exactly what was handed on.
      expect(pagesBefore(position.locator) * PAGE + position.rows + (position.ahead?.rows ?? 0)).toBe(ids);
    }
    // At page 1's end, page 2 had rows handed on already: the position starts there, not at 0.
    expect(first.pageEnds[0]!.locator).toEqual(expect.any(String));
    expect(first.pageEnds[0]!.rows).toBeGreaterThan(0);
    expect(first.pageEnds[0]!.ahead).toBeUndefined();
  });

  it("a page read whole beside the one before it ends with it: one page end, naming the page after both", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // Page 1 waits after its first part until page 2 is read whole.
    const decoder: CsvDecoder<string[][]> = {
      parallel: true,
      async *decode(response, skip, path) {
        yield* gatedDecoder(gate).decode(response, skip, path);
        if (path.includes("locator=")) open();
      },
    };
    const taken = await readAll(decoder);
    expect([...taken.ids].sort()).toEqual([...first.ids].sort());
    // Not also one naming page 2 with all its rows handed on, the same rows covered twice.
    expect(taken.pageEnds).toEqual([{ locator: first.pageEnds[1]!.locator, rows: 0 }]);
  });

  it("a read resumed at a position naming two pages hands on every row not handed on before, once", async () => {
    const at = first.positions.find((p) => p.position.ahead !== undefined && p.position.rows > 0)!;
    // As a STATE round trip would give it back.
    const saved = parseBulkProgress(
      JSON.parse(JSON.stringify({ api: "2.0", job: job.id, query: "0123456789abcdef", ...at.position })),
    );
    expect(saved).toMatchObject({ ahead: at.position.ahead });
    if (saved?.api !== "2.0") throw new Error("expected a Bulk 2.0 position");
    const { api: _api, job: _job, query: _query, ...from } = saved;
    const resumed = await readAll(gatedDecoder(Promise.resolve()), from);
    const before = first.ids.slice(0, at.ids);
    expect([...before, ...resumed.ids].sort()).toEqual([...first.ids].sort());
    expect(resumed.ids).toHaveLength(ROWS - at.ids);
  });
});
