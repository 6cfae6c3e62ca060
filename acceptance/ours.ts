// Checks of our own, after CAT's tests, over the runs CAT's tests made (no extra connector runs).
// CAT passes or skips over each of these silently:
//   Ours.test_stdout_is_airbyte_protocol  every stdout line is a JSON AirbyteMessage valid against
//                                         schemas/airbyte_protocol.yaml (CAT drops a line that does
//                                         not parse, with a log warning)
//   Ours.test_reads_end_cleanly           every read CAT expects to work exits 0 with no TRACE error
//                                         (CAT ignores the exit code)
//   Ours.test_state_record_counts         each STATE's sourceStats.recordCount is the number of the
//                                         stream's records since its previous STATE (CAT's
//                                         test_read_sequential_slices relies on it)
//   Ours.test_expected_records_data       each expected record is read with equal data (CAT 3.6+
//                                         compares only the primary keys of streams that have one)
import type { LoggedRun } from "./cat/session.js";
import { modelValidator } from "./cat/models.js";
import { makeHashable, parsePyJson, pyEqual } from "./cat/python.js";
import type { ConfiguredCatalog, RecordMessage } from "./cat/common.js";
import { fail, pass, type TestResult } from "./report.js";

type Dict = Record<string, unknown>;

export interface BasicReadOutput {
  test: string;
  catalog: ConfiguredCatalog;
  records: RecordMessage[];
  expected: Map<string, Dict[]>;
}

function result(name: string, problems: string[], passDetail: string, max = 5): TestResult {
  if (problems.length === 0) return pass(name, passDetail);
  const shown = problems.slice(0, max).join("; ");
  return fail(name, problems.length > max ? `${shown} (and ${problems.length - max} more)` : shown);
}

const clip = (text: string, max = 160): string => {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
};

function protocolProblems(log: readonly LoggedRun[]): string[] {
  const validate = modelValidator("AirbyteMessage");
  const problems: string[] = [];
  for (const { test, run } of log)
    for (const line of run.stdout.split("\n")) {
      if (line.trim() === "") continue;
      let message: unknown;
      try {
        message = parsePyJson(line);
      } catch {
        problems.push(`${test}, ${run.label}: stdout line is not JSON: ${clip(line)}`);
        continue;
      }
      if (!validate(message))
        problems.push(
          `${test}, ${run.label}: not a valid AirbyteMessage (${(validate.errors ?? [])
            .slice(0, 2)
            .map((e) => `${e.instancePath || "/"} ${e.message}`)
            .join("; ")}): ${clip(line, 100)}`,
        );
    }
  return problems;
}

function cleanEndProblems(log: readonly LoggedRun[]): string[] {
  return log
    .filter((entry) => entry.expectClean)
    .flatMap(({ test, run, messages }) => {
      const errors = messages.filter((m) => m.type === "TRACE" && (m.trace as { type?: string }).type === "ERROR");
      if (run.code === 0 && errors.length === 0) return [];
      const why =
        (errors[0]?.trace as { error?: { message?: string } } | undefined)?.error?.message ??
        run.stderr.split("\n").filter(Boolean).at(-1) ??
        "";
      return [
        `${test}, ${run.label}: exit code ${run.code}${errors.length ? `, ${errors.length} TRACE errors` : ""}: ${clip(why)}`,
      ];
    });
}

function recordCountProblems(log: readonly LoggedRun[]): string[] {
  const problems: string[] = [];
  for (const { test, run, messages } of log) {
    if (!run.label.startsWith("read")) continue;
    const since = new Map<string, number>();
    for (const m of messages) {
      if (m.type === "RECORD") {
        const stream = (m.record as RecordMessage).stream;
        since.set(stream, (since.get(stream) ?? 0) + 1);
      } else if (m.type === "STATE") {
        const state = m.state as {
          type?: string;
          stream?: { stream_descriptor: { name: string } };
          sourceStats?: { recordCount?: number };
        };
        if (state.type !== "STREAM" || !state.stream) continue;
        const name = state.stream.stream_descriptor.name;
        const count = state.sourceStats?.recordCount;
        if (count !== (since.get(name) ?? 0))
          problems.push(
            `${test}, ${run.label}: a STATE of ${name} says ${String(count)} records, ${since.get(name) ?? 0} were emitted since the previous one`,
          );
        since.set(name, 0);
      }
    }
  }
  return problems;
}

function expectedDataProblems(reads: readonly BasicReadOutput[]): string[] {
  const problems: string[] = [];
  for (const { test, catalog, records, expected } of reads)
    for (const [stream, wanted] of expected) {
      const pk = catalog.streams.find((s) => s.stream.name === stream)?.stream.source_defined_primary_key;
      if (!pk?.length) continue; // CAT compares these whole already
      const pkOf = (data: Dict) => pk.map((path) => path.reduce<unknown>((d, k) => (d as Dict | undefined)?.[k], data));
      const key = (data: Dict) => makeHashable(pkOf(data));
      const actual = new Map(records.filter((r) => r.stream === stream).map((r) => [key(r.data), r.data]));
      for (const data of wanted) {
        const got = actual.get(key(data));
        if (!got) continue; // CAT's test_read reports a missing key
        if (!pyEqual(got, data)) {
          const fields = [...new Set([...Object.keys(data), ...Object.keys(got)])].filter(
            (f) => !pyEqual(data[f], got[f]),
          );
          problems.push(
            `${test}: ${stream} ${JSON.stringify(pkOf(data))} differs in ${fields.join(", ")} (expected ${clip(JSON.stringify(fields.map((f) => data[f])), 80)}, read ${clip(JSON.stringify(fields.map((f) => got[f])), 80)})`,
          );
        }
      }
    }
  return problems;
}

export function ourChecks(log: readonly LoggedRun[], reads: readonly BasicReadOutput[]): TestResult[] {
  const lines = log.reduce((n, { run }) => n + run.stdout.split("\n").filter((l) => l.trim()).length, 0);
  const clean = log.filter((entry) => entry.expectClean).length;
  const expected = reads.reduce((n, r) => n + [...r.expected.values()].reduce((m, list) => m + list.length, 0), 0);
  return [
    result("Ours.test_stdout_is_airbyte_protocol", protocolProblems(log), `${lines} lines of ${log.length} runs`),
    result("Ours.test_reads_end_cleanly", cleanEndProblems(log), `${clean} reads`),
    result("Ours.test_state_record_counts", recordCountProblems(log), "every STATE"),
    result("Ours.test_expected_records_data", expectedDataProblems(reads), `${expected} expected records`),
  ];
}
