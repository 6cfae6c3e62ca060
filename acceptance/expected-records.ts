// expected_records.jsonl (Airbyte's format: one {"stream", "data", "emitted_at"} per line) and the
// comparison basic_read makes: every expected record is read, with equal data, matched by primary key.
import { readFileSync } from "node:fs";
import type { ConfiguredCatalog } from "./catalog.js";
import { primaryKey } from "./catalog.js";
import type { RecordMessage } from "./protocol.js";
import { deepEqual, differingFields, primaryKeyOf } from "./values.js";

export interface ExpectedRecord {
  stream: string;
  data: Record<string, unknown>;
}

export function loadExpectedRecords(path: string): ExpectedRecord[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const out: ExpectedRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${path}:${i + 1}: not JSON`);
    }
    const r = parsed as Partial<ExpectedRecord>;
    if (typeof r.stream !== "string" || r.data === null || typeof r.data !== "object")
      throw new Error(`${path}:${i + 1}: expected {"stream": ..., "data": {...}}`);
    out.push({ stream: r.stream, data: r.data });
  });
  return out;
}

/**
 * Problems: an expected stream that is not configured, an expected record not read, or read with
 * other values. Records read beyond the expected ones are fine (Airbyte's extra_records default).
 */
export function compareExpectedRecords(
  expected: readonly ExpectedRecord[],
  actual: ReadonlyMap<string, readonly RecordMessage[]>,
  catalog: ConfiguredCatalog,
  exactOrder: boolean,
): string[] {
  const problems: string[] = [];
  const byStream = new Map<string, ExpectedRecord[]>();
  for (const record of expected) byStream.set(record.stream, [...(byStream.get(record.stream) ?? []), record]);
  for (const [stream, wanted] of byStream) {
    const configured = catalog.streams.find((s) => s.stream.name === stream);
    if (!configured) {
      problems.push(`${stream}: has expected records but is not in the configured catalog`);
      continue;
    }
    const got = (actual.get(stream) ?? []).map((r) => r.data);
    const pk = primaryKey(configured);
    const missing: string[] = [];
    const differing: string[] = [];
    if (pk) {
      const index = new Map<string, { data: Record<string, unknown>; position: number }>();
      got.forEach((data, position) => {
        const key = primaryKeyOf(data, pk);
        if (key !== undefined && !index.has(key)) index.set(key, { data, position });
      });
      let lastPosition = -1;
      let outOfOrder: string | undefined;
      for (const record of wanted) {
        const key = primaryKeyOf(record.data, pk) ?? JSON.stringify(record.data).slice(0, 60);
        const found = index.get(key);
        if (!found) missing.push(key);
        else {
          if (!deepEqual(record.data, found.data))
            differing.push(`${key} (${differingFields(record.data, found.data).join(", ")})`);
          if (found.position < lastPosition && outOfOrder === undefined) outOfOrder = key;
          lastPosition = found.position;
        }
      }
      if (exactOrder && outOfOrder !== undefined)
        problems.push(`${stream}: record ${outOfOrder} is out of the expected order`);
    } else {
      // No primary key: each expected record must equal some record read.
      for (const record of wanted)
        if (!got.some((data) => deepEqual(data, record.data))) missing.push(JSON.stringify(record.data).slice(0, 80));
    }
    if (missing.length)
      problems.push(
        `${stream}: ${missing.length} of ${wanted.length} expected records not read (${summarise(missing)})`,
      );
    if (differing.length)
      problems.push(`${stream}: ${differing.length} records differ from the expected ones: ${summarise(differing)}`);
  }
  return problems;
}

function summarise(items: string[], max = 3): string {
  return items.length > max ? `${items.slice(0, max).join(", ")}, …` : items.join(", ");
}
