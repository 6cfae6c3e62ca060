// incremental (configured incremental streams only):
// - first_read: a read without state ends cleanly and returns records;
// - states_emitted: every stream emits STATE with a cursor at its cursor field, never moving back;
// - read_from_last_state: a read from each stream's last STATE returns only records whose cursor is
//   at or after it, minus the config's lookback_window (default PT10M);
// - read_from_intermediate_state: the same from a STATE in the middle of the first read, and every
//   record of the first read at or after that state is read again (nothing lost on resume);
// - future_state: the future state covers every stream (but missing_streams) and returns no records.
import { resolvePath, type IncrementalTest } from "../config.js";
import { cursorPath, incrementalOnly, primaryKey, type ConfiguredCatalog } from "../catalog.js";
import type { ConnectorRun } from "../connector.js";
import { errorMessage, runConnector, testName, type CheckContext } from "../context.js";
import { readJsonFile } from "../environment.js";
import { protocolProblems, runFailure, type StreamStateMessage } from "../protocol.js";
import { fail, fromProblems, pass, skip, type TestResult } from "../report.js";
import {
  compareCursors,
  minusLookback,
  parseDurationMs,
  primaryKeyOf,
  toCursor,
  valueAtPath,
  type Cursor,
} from "../values.js";
import {
  checkpoints,
  loadReadInputs,
  recordsByStream,
  stateInput,
  streamStatesOf,
  type StreamCheckpoint,
} from "./read-common.js";

const DEFAULT_LOOKBACK = "PT10M";
const CHECKS = ["states_emitted", "read_from_last_state", "read_from_intermediate_state", "future_state"] as const;

export async function runIncrementalTest(
  ctx: CheckContext,
  test: IncrementalTest,
  index: number,
): Promise<TestResult[]> {
  const name = (check: string): string => testName("incremental", index, check);
  const skipRest = (why: string): TestResult[] => CHECKS.map((c) => skip(name(c), why));
  let inputs;
  try {
    inputs = await loadReadInputs(ctx, test, true);
  } catch (error) {
    return [fail(name("first_read"), errorMessage(error)), ...skipRest("the connector did not run")];
  }
  const catalog = incrementalOnly(inputs.catalog);
  if (catalog.streams.length === 0)
    return [skip(name("first_read"), "no incremental stream in the catalog"), ...skipRest("no incremental stream")];
  const { config } = inputs;
  const lookbackText = typeof config.lookback_window === "string" ? config.lookback_window : DEFAULT_LOOKBACK;
  const lookbackMs = parseDurationMs(lookbackText);
  if (lookbackMs === undefined)
    return [
      fail(name("first_read"), `lookback_window ${JSON.stringify(lookbackText)} is not an ISO-8601 duration`),
      ...skipRest("bad config"),
    ];

  const read = (state?: unknown): Promise<ConnectorRun> =>
    runConnector(ctx, "read", { config, catalog, ...(state === undefined ? {} : { state }) }, test.timeout_seconds);
  const runs: ConnectorRun[] = [];
  const first = await read();
  runs.push(first);
  const results: TestResult[] = [];
  const firstFailure = runFailure(first);
  const firstRecords = recordsByStream(first);
  const total = [...firstRecords.values()].reduce((n, list) => n + list.length, 0);
  if (firstFailure) results.push(fail(name("first_read"), firstFailure));
  else if (total === 0) results.push(fail(name("first_read"), "the first read returned no records"));
  else results.push(pass(name("first_read"), `${total} records`));
  if (firstFailure) return [...results, ...skipRest("the first read failed"), protocolResult(name, runs)];

  // states_emitted
  const byStream = checkpoints(first, catalog);
  const stateProblems: string[] = [];
  for (const configured of catalog.streams) {
    const stream = configured.stream.name;
    const list = byStream.get(stream) ?? [];
    if (list.length === 0) stateProblems.push(`${stream}: no STATE message`);
    else if (list.some((c) => c.cursor === undefined))
      stateProblems.push(
        `${stream}: a STATE has no value at its cursor field ${(cursorPath(configured) ?? []).join(".")}`,
      );
    else
      for (let i = 1; i < list.length; i++)
        if ((compareCursors(list[i]!.cursor!, list[i - 1]!.cursor!) ?? 0) < 0) {
          stateProblems.push(
            `${stream}: the STATE cursor moves back from ${list[i - 1]!.cursor!.text} to ${list[i]!.cursor!.text}`,
          );
          break;
        }
  }
  const stateCount = [...byStream.values()].reduce((n, list) => n + list.length, 0);
  results.push(fromProblems(name("states_emitted"), stateProblems, `${stateCount} STATE messages`));
  const usable = new Map(
    [...byStream].filter(([, list]) => list.length > 0 && list.every((c) => c.cursor !== undefined)),
  );

  // read_from_last_state
  if (usable.size === 0) results.push(skip(name("read_from_last_state"), "no stream emitted a usable STATE"));
  else {
    const last = new Map([...usable].map(([stream, list]) => [stream, list.at(-1)!]));
    const second = await read(stateInput(last.values()));
    runs.push(second);
    const problems = runFailure(second)
      ? [runFailure(second)!]
      : cursorFloorProblems(second, catalog, last, lookbackMs);
    results.push(
      fromProblems(name("read_from_last_state"), problems, `${recordCount(second)} records after the last state`),
    );
  }

  // read_from_intermediate_state
  // The middle one of the states before the last: records after it exist, so the resume is tested.
  const middle = new Map(
    [...usable]
      .filter(([, list]) => list.length >= 2)
      .map(([stream, list]) => [stream, list[Math.floor((list.length - 2) / 2)]!]),
  );
  if (test.skip_comprehensive_incremental_tests)
    results.push(skip(name("read_from_intermediate_state"), "skip_comprehensive_incremental_tests"));
  else if (middle.size === 0)
    results.push(skip(name("read_from_intermediate_state"), "no stream emitted two or more STATE messages"));
  else {
    const third = await read(stateInput(middle.values()));
    runs.push(third);
    const failure = runFailure(third);
    const problems = failure
      ? [failure]
      : [...cursorFloorProblems(third, catalog, middle, lookbackMs), ...lostRecords(first, third, catalog, middle)];
    results.push(
      fromProblems(
        name("read_from_intermediate_state"),
        problems,
        `${recordCount(third)} records from ${[...middle].map(([s, c]) => `${s}@${c.cursor!.text}`).join(", ")}`,
      ),
    );
  }

  // future_state
  results.push(await futureStateResult(ctx, test, name("future_state"), catalog, read, runs));
  results.push(protocolResult(name, runs));
  return results;
}

function protocolResult(name: (check: string) => string, runs: ConnectorRun[]): TestResult {
  return fromProblems(name("protocol_messages"), protocolProblems(runs));
}

const recordCount = (run: ConnectorRun): number => run.messages.filter((m) => m.type === "RECORD").length;

/** Records of streams read from a state must have cursor >= that state's cursor minus the lookback. */
function cursorFloorProblems(
  run: ConnectorRun,
  catalog: ConfiguredCatalog,
  from: ReadonlyMap<string, StreamCheckpoint>,
  lookbackMs: number,
): string[] {
  const problems: string[] = [];
  for (const [stream, list] of recordsByStream(run)) {
    const checkpoint = from.get(stream);
    const configured = catalog.streams.find((s) => s.stream.name === stream);
    if (!checkpoint || !configured) continue;
    const path = cursorPath(configured) ?? [];
    const floor = minusLookback(checkpoint.cursor!, lookbackMs);
    const early: string[] = [];
    for (const record of list) {
      const cursor = toCursor(valueAtPath(record.data, path));
      const cmp = cursor ? compareCursors(cursor, floor) : undefined;
      if (cursor === undefined) early.push(`(no ${path.join(".")})`);
      else if (cmp === undefined) early.push(`${cursor.text} (not comparable with ${checkpoint.cursor!.text})`);
      else if (cmp < 0) early.push(cursor.text);
    }
    if (early.length)
      problems.push(
        `${stream}: ${early.length} records before the state ${checkpoint.cursor!.text} minus the lookback (${floor.text}): ${early.slice(0, 3).join(", ")}`,
      );
  }
  return problems;
}

/** Records of the first read at or after the resumed state must all be read again. */
function lostRecords(
  first: ConnectorRun,
  resumed: ConnectorRun,
  catalog: ConfiguredCatalog,
  from: ReadonlyMap<string, StreamCheckpoint>,
): string[] {
  const problems: string[] = [];
  const again = recordsByStream(resumed);
  for (const [stream, checkpoint] of from) {
    const configured = catalog.streams.find((s) => s.stream.name === stream);
    const pk = configured && primaryKey(configured);
    if (!configured || !pk) continue;
    const path = cursorPath(configured) ?? [];
    const seen = new Set((again.get(stream) ?? []).map((r) => primaryKeyOf(r.data, pk)));
    const lost = (recordsByStream(first).get(stream) ?? []).filter((r) => {
      const cursor: Cursor | undefined = toCursor(valueAtPath(r.data, path));
      return cursor && (compareCursors(cursor, checkpoint.cursor!) ?? -1) >= 0 && !seen.has(primaryKeyOf(r.data, pk));
    });
    if (lost.length)
      problems.push(
        `${stream}: ${lost.length} records at or after ${checkpoint.cursor!.text} not read again from that state (${lost
          .slice(0, 3)
          .map((r) => primaryKeyOf(r.data, pk))
          .join(", ")})`,
      );
  }
  return problems;
}

async function futureStateResult(
  ctx: CheckContext,
  test: IncrementalTest,
  name: string,
  catalog: ConfiguredCatalog,
  read: (state?: unknown) => Promise<ConnectorRun>,
  runs: ConnectorRun[],
): Promise<TestResult> {
  const future = test.future_state;
  if (!future) return skip(name, "no future_state");
  if (!future.future_state_path) return skip(name, `bypassed: ${future.bypass_reason ?? "no future_state_path"}`);
  let state: unknown;
  try {
    state = readJsonFile(resolvePath(ctx.config, future.future_state_path));
  } catch (error) {
    return fail(name, errorMessage(error));
  }
  const problems: string[] = [];
  const covered = new Set(futureStateStreams(state));
  const missingOk = new Set((future.missing_streams ?? []).map((s) => s.name));
  for (const configured of catalog.streams) {
    const stream = configured.stream.name;
    if (!covered.has(stream) && !missingOk.has(stream))
      problems.push(`${stream}: not in ${future.future_state_path} (add it, or list it in missing_streams)`);
  }
  const run = await read(state);
  runs.push(run);
  const failure = runFailure(run);
  if (failure) problems.push(failure);
  for (const [stream, list] of recordsByStream(run))
    problems.push(`${stream}: ${list.length} records read from a state in the future (expected none)`);
  return fromProblems(name, problems, `no records from ${future.future_state_path}`);
}

/** Stream names a state file covers: an array of state messages, one message, or a LEGACY object. */
function futureStateStreams(state: unknown): string[] {
  const messages = Array.isArray(state) ? state : [state];
  return messages.flatMap((message) => {
    if (message === null || typeof message !== "object") return [];
    const m = message as StreamStateMessage;
    if (m.type === "STREAM" || m.type === "GLOBAL" || m.type === "LEGACY" || "data" in m)
      return streamStatesOf(m).map((s) => s.name);
    return Object.keys(m); // a bare LEGACY object keyed by stream name
  });
}
