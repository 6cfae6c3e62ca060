// full_refresh: two full-refresh reads of the catalog (every stream set to full refresh) return the
// same records, compared per stream by primary key (or as whole records), minus ignored_fields.
import type { FullRefreshTest } from "../config.js";
import { fullRefreshOnly, primaryKey, type ConfiguredCatalog } from "../catalog.js";
import { errorMessage, runConnector, testName, type CheckContext } from "../context.js";
import { protocolProblems, runFailure, type RecordMessage } from "../protocol.js";
import { fail, fromProblems, pass, skip, type TestResult } from "../report.js";
import { deepEqual, differingFields, primaryKeyOf, withoutFields } from "../values.js";
import { loadReadInputs, recordsByStream } from "./read-common.js";

export async function runFullRefreshTest(
  ctx: CheckContext,
  test: FullRefreshTest,
  index: number,
): Promise<TestResult[]> {
  const name = (check: string): string => testName("full_refresh", index, check);
  let inputs;
  try {
    inputs = await loadReadInputs(ctx, test);
  } catch (error) {
    return [fail(name("reads"), errorMessage(error)), skip(name("two_reads_identical"), "the connector did not run")];
  }
  const catalog = fullRefreshOnly(inputs.catalog);
  const first = await runConnector(ctx, "read", { config: inputs.config, catalog }, test.timeout_seconds);
  const second = await runConnector(ctx, "read", { config: inputs.config, catalog }, test.timeout_seconds);
  const failures = [runFailure(first), runFailure(second)].filter((f): f is string => f !== undefined);
  const results: TestResult[] = [
    failures.length
      ? fail(name("reads"), failures.join("; "))
      : pass(name("reads"), `2 reads of ${catalog.streams.length} streams`),
    fromProblems(name("protocol_messages"), protocolProblems([first, second])),
  ];
  if (failures.length) return [...results, skip(name("two_reads_identical"), "a read failed")];
  const ignored = Object.fromEntries(
    Object.entries(test.ignored_fields ?? {}).map(([stream, fields]) => [stream, fields.map((f) => f.name)]),
  );
  results.push(
    fromProblems(
      name("two_reads_identical"),
      differences(catalog, recordsByStream(first), recordsByStream(second), ignored),
    ),
  );
  return results;
}

function differences(
  catalog: ConfiguredCatalog,
  first: ReadonlyMap<string, readonly RecordMessage[]>,
  second: ReadonlyMap<string, readonly RecordMessage[]>,
  ignored: Readonly<Record<string, string[]>>,
): string[] {
  const problems: string[] = [];
  for (const configured of catalog.streams) {
    const stream = configured.stream.name;
    const strip = (r: RecordMessage): Record<string, unknown> => withoutFields(r.data, ignored[stream] ?? []);
    const a = (first.get(stream) ?? []).map(strip);
    const b = (second.get(stream) ?? []).map(strip);
    if (a.length !== b.length)
      problems.push(`${stream}: ${a.length} records in the first read, ${b.length} in the second`);
    const pk = primaryKey(configured);
    if (pk) {
      const second = new Map(b.map((data) => [primaryKeyOf(data, pk), data]));
      const missing: string[] = [];
      const changed: string[] = [];
      for (const data of a) {
        const key = primaryKeyOf(data, pk);
        const other = second.get(key);
        if (!other) missing.push(String(key));
        else if (!deepEqual(data, other)) changed.push(`${key} (${differingFields(data, other).join(", ")})`);
      }
      if (missing.length)
        problems.push(
          `${stream}: ${missing.length} records of the first read missing from the second (${missing.slice(0, 3).join(", ")})`,
        );
      if (changed.length)
        problems.push(
          `${stream}: ${changed.length} records differ between the reads: ${changed.slice(0, 3).join(", ")}`,
        );
    } else {
      const sorted = (list: Record<string, unknown>[]): string[] => list.map((d) => JSON.stringify(d)).sort();
      if (!deepEqual(sorted(a), sorted(b))) problems.push(`${stream}: the two reads return different records`);
    }
  }
  return problems;
}
