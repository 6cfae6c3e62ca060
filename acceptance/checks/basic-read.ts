// basic_read: a read of the configured catalog ends cleanly; every record belongs to a configured
// stream, conforms to its json_schema and has no column the schema lacks; every stream has records
// (but the configured empty_streams); the expected records are read; incremental streams emit STATE
// whose sourceStats count the records before it; stream statuses run STARTED -> RUNNING -> COMPLETE.
import type { BasicReadTest } from "../config.js";
import { resolvePath } from "../config.js";
import type { ConfiguredCatalog } from "../catalog.js";
import { primaryKey } from "../catalog.js";
import type { ConnectorRun } from "../connector.js";
import { errorMessage, runConnector, testName, type CheckContext } from "../context.js";
import { compareExpectedRecords, loadExpectedRecords } from "../expected-records.js";
import { SchemaValidators, validationProblem } from "../json-schema.js";
import {
  protocolProblems,
  runFailure,
  streamStatuses,
  type RecordMessage,
  type StreamStateMessage,
} from "../protocol.js";
import { fail, fromProblems, pass, skip, type TestResult } from "../report.js";
import { primaryKeyOf } from "../values.js";
import { loadReadInputs, recordsByStream, streamStatesOf } from "./read-common.js";

export async function runBasicReadTest(ctx: CheckContext, test: BasicReadTest, index: number): Promise<TestResult[]> {
  const name = (check: string): string => testName("basic_read", index, check);
  const checks = ["records_match_schema", "streams_have_records", "expected_records", "state_messages"];
  if (test.validate_stream_statuses) checks.push("stream_statuses");
  let inputs;
  try {
    inputs = await loadReadInputs(ctx, test);
  } catch (error) {
    return [fail(name("read"), errorMessage(error)), ...checks.map((c) => skip(name(c), "the connector did not run"))];
  }
  const { config, catalog } = inputs;
  const run = await runConnector(ctx, "read", { config, catalog }, test.timeout_seconds);
  const failure = runFailure(run);
  const byStream = recordsByStream(run);
  const total = [...byStream.values()].reduce((n, list) => n + list.length, 0);
  const results: TestResult[] = [
    failure ? fail(name("read"), failure) : pass(name("read"), `${total} records, ${catalog.streams.length} streams`),
    fromProblems(name("protocol_messages"), protocolProblems([run])),
  ];
  if (failure) return [...results, ...checks.map((c) => skip(name(c), "the read failed"))];

  results.push(
    test.validate_schema === false
      ? skip(name("records_match_schema"), "validate_schema: false")
      : fromProblems(
          name("records_match_schema"),
          schemaProblems(catalog, byStream, test.fail_on_extra_columns !== false),
        ),
  );
  const empty = new Set((test.empty_streams ?? []).map((s) => s.name));
  const withoutRecords = catalog.streams
    .map((s) => s.stream.name)
    .filter((stream) => !empty.has(stream) && !byStream.get(stream)?.length)
    .map((stream) => `${stream}: no records (list it in empty_streams if that is expected)`);
  results.push(fromProblems(name("streams_have_records"), withoutRecords));
  results.push(expectedRecordsResult(ctx, test, name("expected_records"), byStream, catalog));
  results.push(
    test.validate_state_messages === false
      ? skip(name("state_messages"), "validate_state_messages: false")
      : fromProblems(name("state_messages"), stateMessageProblems(run, catalog)),
  );
  if (test.validate_stream_statuses)
    results.push(fromProblems(name("stream_statuses"), statusProblems(run, catalog, byStream)));
  return results;
}

function schemaProblems(
  catalog: ConfiguredCatalog,
  byStream: ReadonlyMap<string, readonly RecordMessage[]>,
  failOnExtraColumns: boolean,
): string[] {
  const problems: string[] = [];
  const validators = new SchemaValidators();
  for (const [stream, list] of byStream) {
    const configured = catalog.streams.find((s) => s.stream.name === stream);
    if (!configured) {
      problems.push(`${stream}: ${list.length} records of a stream that is not in the configured catalog`);
      continue;
    }
    let validate;
    try {
      validate = validators.compile(configured.stream.json_schema);
    } catch (error) {
      problems.push(`${stream}: json_schema does not compile: ${errorMessage(error)}`);
      continue;
    }
    const pk = primaryKey(configured);
    const properties = Object.keys((configured.stream.json_schema.properties ?? {}) as object);
    list.forEach((record, i) => {
      const label = `${stream} record ${i + 1}${pk ? ` (${primaryKeyOf(record.data, pk) ?? "no primary key"})` : ""}`;
      const problem = validationProblem(validate, record.data);
      if (problem) problems.push(`${label}: ${problem}`);
      if (pk && primaryKeyOf(record.data, pk) === undefined)
        problems.push(`${label}: primary key ${JSON.stringify(pk)} missing or null`);
      if (failOnExtraColumns) {
        const extra = Object.keys(record.data).filter((key) => !properties.includes(key));
        if (extra.length) problems.push(`${label}: columns not in the schema: ${extra.join(", ")}`);
      }
    });
  }
  return problems;
}

function expectedRecordsResult(
  ctx: CheckContext,
  test: BasicReadTest,
  name: string,
  byStream: ReadonlyMap<string, readonly RecordMessage[]>,
  catalog: ConfiguredCatalog,
): TestResult {
  const expect = test.expect_records;
  if (!expect) return skip(name, "no expect_records");
  if (!expect.path) return skip(name, `bypassed: ${expect.bypass_reason ?? "no path"}`);
  let expected;
  try {
    expected = loadExpectedRecords(resolvePath(ctx.config, expect.path));
  } catch (error) {
    return fail(name, errorMessage(error));
  }
  const problems = compareExpectedRecords(expected, byStream, catalog, expect.exact_order === true);
  const streams = new Set(expected.map((r) => r.stream)).size;
  return fromProblems(name, problems, `${expected.length} expected records of ${streams} streams`);
}

/** Each incremental stream emits STATE; a state's sourceStats.recordCount equals the stream's records since its previous state. */
function stateMessageProblems(run: ConnectorRun, catalog: ConfiguredCatalog): string[] {
  const problems: string[] = [];
  const incremental = new Set(catalog.streams.filter((s) => s.sync_mode === "incremental").map((s) => s.stream.name));
  const configured = new Set(catalog.streams.map((s) => s.stream.name));
  const sinceState = new Map<string, number>();
  const seen = new Set<string>();
  for (const message of run.messages) {
    if (message.type === "RECORD") {
      const stream = (message.record as RecordMessage).stream;
      sinceState.set(stream, (sinceState.get(stream) ?? 0) + 1);
    } else if (message.type === "STATE") {
      const state = message.state as StreamStateMessage;
      for (const { name } of streamStatesOf(state)) {
        if (!configured.has(name)) problems.push(`STATE for ${name}, which is not in the configured catalog`);
        seen.add(name);
        const count = state.sourceStats?.recordCount;
        if (state.type === "STREAM" && count !== undefined && count !== (sinceState.get(name) ?? 0))
          problems.push(
            `${name}: a STATE says ${count} records, but ${sinceState.get(name) ?? 0} were emitted since the previous one`,
          );
        sinceState.set(name, 0);
      }
    }
  }
  for (const stream of incremental)
    if (!seen.has(stream)) problems.push(`${stream}: incremental, but no STATE message`);
  return problems;
}

function statusProblems(
  run: ConnectorRun,
  catalog: ConfiguredCatalog,
  byStream: ReadonlyMap<string, readonly RecordMessage[]>,
): string[] {
  const problems: string[] = [];
  const statuses = streamStatuses(run);
  for (const { stream } of catalog.streams) {
    const seq = statuses.filter((s) => s.stream === stream.name).map((s) => s.status);
    // RUNNING comes with the first record; a stream without records may skip it.
    const allowed = byStream.get(stream.name)?.length
      ? ["STARTED,RUNNING,COMPLETE"]
      : ["STARTED,COMPLETE", "STARTED,RUNNING,COMPLETE"];
    if (!allowed.includes(seq.join(",")))
      problems.push(
        `${stream.name}: statuses ${seq.join(" -> ") || "(none)"}, expected ${allowed[0]!.replace(/,/g, " -> ")}`,
      );
  }
  return problems;
}
