// Port of connector_acceptance_test/tests/test_incremental.py (CAT 3.9): TestIncremental's
// test_two_sequential_reads, test_read_sequential_slices and test_state_with_abnormally_large_values,
// with the future_state and configured_catalog_for_incremental fixtures and their high-strictness rules.
import { readFileSync } from "node:fs";
import type { IncrementalConfig } from "../config.js";
import {
  filterOutput,
  incrementalOnlyCatalog,
  recordOf,
  stateOf,
  type ConfiguredCatalog,
  type ConfiguredStream,
  type StateMessage,
} from "./common.js";
import type { AirbyteMessage } from "./models.js";
import { makeHashable, parsePyJson, pyEqual, pyType, truthy } from "./python.js";
import { assert, fail, skip, type CatTest } from "./pytest.js";
import type { Fixtures } from "./session.js";

type F = Fixtures<IncrementalConfig>;
type Dict = Record<string, unknown>;
const MIN_BATCHES_TO_TEST = 5;
const SCHEMA_TYPES_MAPPING: Record<string, string> = {
  str: "str",
  string: "str",
  int: "int",
  integer: "int",
  int32: "int",
  int64: "int",
  float: "float",
  double: "float",
  number: "float",
};

/** future_state_configuration + future_state */
function futureState(fx: F, catalog: ConfiguredCatalog): Dict[] {
  const future = fx.inputs.future_state;
  let path: string;
  if (future && future.bypass_reason != null) skip("`future_state` has a bypass reason, skipping.");
  else if (future?.future_state_path) path = fx.path(future.future_state_path);
  else if (fx.strictness === "high")
    fail(
      "High test strictness level error: a future state configuration must be provided in high test strictness level or a bypass reason should be filled.",
    );
  else skip("`future_state` not specified, skipping.");
  const states = parsePyJson(readFileSync(path, "utf8")) as Dict[];
  if (fx.strictness === "high") {
    const missing = future.missing_streams;
    if (!missing.every((s) => s.bypass_reason != null))
      fail("High test strictness level error: all missing_streams must have a bypass reason specified.");
    const all = catalog.streams
      .filter((s) => s.stream.supported_sync_modes.includes("incremental"))
      .map((s) => s.stream.name);
    const inStates = new Set(states.map((s) => ((s.stream as Dict).stream_descriptor as Dict).name as string));
    const declared = new Set(missing.map((s) => s.name));
    const undeclared = [...new Set(all)].filter((n) => !declared.has(n) && !inStates.has(n));
    if (undeclared.length)
      fail(
        `High test strictness level error: ${undeclared.join(", ")} streams are missing in your future_state file, please declare a state for those streams or fill-in a valid bypass_reason.`,
      );
  }
  return states;
}

/** configured_catalog_for_incremental */
async function catalogForIncremental(fx: F): Promise<ConfiguredCatalog> {
  const catalog = incrementalOnlyCatalog(structuredClone(await fx.configuredCatalog()));
  for (const stream of catalog.streams)
    if (!stream.cursor_field?.length) {
      if (stream.stream.default_cursor_field?.length) stream.cursor_field = [...stream.stream.default_cursor_field];
      else
        fail(
          `All incremental streams should either have \`cursor_field\` declared in the configured_catalog or \`default_cursor_field\` specified in the catalog output by discover. Stream ${stream.stream.name} does not have either property defined.`,
        );
    }
  return catalog;
}

const isPerStream = (m: AirbyteMessage | undefined) => stateOf(m!)?.type === "STREAM";

/** construct_latest_state_from_messages */
function latestStates(messages: AirbyteMessage[]): Map<string, Dict> {
  const latest = new Map<string, Dict>();
  for (const m of messages) {
    const state = stateOf(m);
    if (state?.type === "STREAM" && state.stream)
      latest.set(state.stream.stream_descriptor.name, state.stream.stream_state ?? {});
  }
  return latest;
}

/** naive_diff_records: DeepDiff(ignore_order=True) finds a difference. */
function recordsDiffer(a: AirbyteMessage[], b: AirbyteMessage[]): boolean {
  const hashes = (list: AirbyteMessage[]) => list.map((m) => makeHashable(recordOf(m).data)).sort();
  return !pyEqual(hashes(a), hashes(b));
}

const streamStateOf = (m: AirbyteMessage): unknown => {
  const state = stateOf(m);
  return state.stream ? state.stream.stream_state : state;
};
const recordCountOf = (m: AirbyteMessage): number => {
  const stats = stateOf(m).sourceStats;
  if (!stats)
    throw new Error("AttributeError: 'NoneType' object has no attribute 'recordCount' (a STATE without sourceStats)");
  return stats.recordCount ?? 0;
};

/** _get_unique_state_messages_with_record_count (mutates sourceStats as CAT does, on copies) */
function uniqueStatesWithRecordCount(input: AirbyteMessage[]): Array<[AirbyteMessage, number]> {
  const states = input.map((m) => structuredClone(m));
  if (states.length <= 1) return states.filter((s) => recordCountOf(s)).map((s) => [s, 0]);
  let current = 0;
  const unique: AirbyteMessage[] = [];
  while (current < states.length - 1) {
    let next = current + 1;
    while (pyEqual(streamStateOf(states[current]!), streamStateOf(states[next]!)) && next < states.length - 1) next++;
    const sum = states.slice(current, next).reduce((n, s) => n + recordCountOf(s), 0);
    (stateOf(states[current]!) as StateMessage).sourceStats = { recordCount: sum };
    unique.push(states[current]!);
    if (next === states.length - 1 && !pyEqual(streamStateOf(states[current]!), streamStateOf(states[next]!)))
      unique.push(states[next]!);
    current = next;
  }
  const nonZero = unique.filter((s) => recordCountOf(s));
  const total = nonZero.reduce((n, s) => n + recordCountOf(s), 0);
  return nonZero.map((s, idx) => [s, total - nonZero.slice(0, idx + 1).reduce((n, x) => n + recordCountOf(x), 0)]);
}

/** _states_with_expected_record_count_batch_selector */
function batchSelector(unique: Array<[AirbyteMessage, number]>): Array<[AirbyteMessage, number]> {
  if (unique.length < 3) return unique.slice(-1);
  const sampleRate = Math.floor(unique.length / MIN_BATCHES_TO_TEST) || 1;
  return unique.filter((_, idx) => idx !== 0 && idx % sampleRate === 0 && idx !== unique.length - 1);
}

/** get_next_state_input */
function nextStateInput(message: AirbyteMessage, perStream: Map<string, Dict>): Dict[] {
  const state = stateOf(message);
  if (state?.type === "STREAM" && state.stream?.stream_state && Object.keys(state.stream.stream_state).length)
    perStream.set(state.stream.stream_descriptor.name, state.stream.stream_state);
  return [...perStream].map(([name, streamState]) => ({
    type: "STREAM",
    stream: { stream_descriptor: { name }, stream_state: streamState },
  }));
}

/** _get_cursor_values_from_states_by_cursor: a depth-first walk, LIFO as CAT's stack is. */
function cursorValuesFromStates(states: unknown, cursorField: string): Array<[unknown, Dict, string]> {
  const values: Array<[unknown, Dict, string]> = [];
  const stack: unknown[] = [states];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (node !== null && typeof node === "object")
      for (const [key, value] of Object.entries(node as Dict)) {
        if (key === cursorField || ("cursor_field" in (node as Dict) && key === "cursor"))
          values.push([value, node as Dict, key]);
        stack.push(value);
      }
  }
  return values;
}

/** _check_cursor_by_char_types */
function sameCharTypes(actual: string, expected: string): boolean {
  if (actual.length !== expected.length) return false;
  const alpha = (c: string) => /\p{L}/u.test(c);
  const digit = (c: string) => /\p{Nd}/u.test(c);
  return [...actual].every((a, i) => {
    const e = expected[i]!;
    if (alpha(a) && alpha(e)) return true;
    if (digit(a) && digit(e)) return true;
    return !alpha(a) && !digit(a) && !alpha(e) && !digit(e) && a === e;
  });
}

export const TestIncremental: Array<CatTest<F>> = [
  {
    name: "TestIncremental.test_two_sequential_reads",
    async run(fx) {
      const config = await fx.connectorConfig();
      const catalog = await catalogForIncremental(fx);
      const output1 = await fx.callRead(config, catalog);
      const records1 = filterOutput(output1, "RECORD");
      const states1 = filterOutput(output1, "STATE");
      assert(states1.length, "First Read should produce at least one state");
      assert(records1.length, "First Read should produce at least one record");
      let stateInput: unknown;
      if (isPerStream(states1.at(-1))) {
        stateInput = [...latestStates(states1)].map(([name, streamState]) => {
          const descriptor: Dict = { name };
          if ("stream_namespace" in streamState) descriptor.namespace = streamState.stream_namespace;
          return { type: "STREAM", stream: { stream_descriptor: descriptor, stream_state: streamState } };
        });
      } else stateInput = stateOf(states1.at(-1)!).data;
      const records2 = filterOutput(await fx.callReadWithState(config, catalog, stateInput), "RECORD");
      assert(
        recordsDiffer(records1, records2),
        `Records should change between reads but did not. (${records1.length} records in both reads, state ${JSON.stringify(stateInput).slice(0, 300)})`,
      );
    },
  },
  {
    name: "TestIncremental.test_read_sequential_slices",
    async run(fx) {
      if (fx.inputs.skip_comprehensive_incremental_tests)
        skip("Skipping new incremental test based on acceptance-test-config.yml");
      const config = await fx.connectorConfig();
      const catalog = await catalogForIncremental(fx);
      for (const stream of catalog.streams) {
        const perStreamCatalog: ConfiguredCatalog = { streams: [stream] };
        const output1 = await fx.callRead(config, perStreamCatalog);
        if (filterOutput(output1, "RECORD").length === 0) continue;
        const states1 = filterOutput(output1, "STATE");
        if (states1.length === 0) continue;
        const selected = batchSelector(uniqueStatesWithRecordCount(states1));
        if (!selected.length)
          fail(
            "Unable to test because there is no suitable state checkpoint, likely due to a zero record count in the states.",
          );
        const perStream = new Map<string, Dict>();
        for (const [idx, [message, expectedCount]] of selected.entries()) {
          assert(message.type === "STATE", "assert state_message.type == Type.STATE");
          const stateInput = nextStateInput(message, perStream);
          const recordsN = filterOutput(await fx.callReadWithState(config, perStreamCatalog, stateInput), "RECORD");
          assert(
            recordsN.length >= expectedCount,
            `Read ${idx + 1} of ${selected.length} should produce at least one record. (stream ${stream.stream.name}: ${recordsN.length} records, expected at least ${expectedCount}; state ${JSON.stringify(stateInput).slice(0, 300)})`,
          );
        }
      }
    },
  },
  {
    name: "TestIncremental.test_state_with_abnormally_large_values",
    async run(fx) {
      const config = await fx.connectorConfig();
      const configured = await fx.configuredCatalog();
      const future = futureState(fx, configured);
      const catalog = incrementalOnlyCatalog(configured);
      const output = await fx.callReadWithState(config, catalog, future);
      const records = filterOutput(output, "RECORD");
      const states = filterOutput(output, "STATE");
      assert(
        records.length === 0,
        `The sync should produce no records when run with the state with abnormally large values ${records.length ? recordOf(records[0]!).stream : ""}`,
      );
      assert(states.length, "The sync should produce at least one STATE message");
      const cursorFieldOf = (s: ConfiguredStream): string | undefined =>
        (s.cursor_field?.length ? s.cursor_field : s.stream.default_cursor_field)?.[0];
      const cursorFields = new Map(
        catalog.streams.filter((s) => s.sync_mode === "incremental").map((s) => [s.stream.name, cursorFieldOf(s)]),
      );
      const actualValues = new Map<string, Array<[unknown, Dict, string]>>();
      for (const message of states) {
        const state = stateOf(message);
        if (!state.stream) throw new Error("AttributeError: 'NoneType' object has no attribute 'stream_descriptor'");
        const name = state.stream.stream_descriptor.name;
        if (!cursorFields.has(name))
          throw new Error(`KeyError: '${name}' (a STATE for a stream that is not configured)`);
        actualValues.set(name, cursorValuesFromStates(state.stream.stream_state ?? {}, cursorFields.get(name)!));
      }
      const futureValues = new Map<string, Array<[unknown, Dict, string]>>();
      for (const entry of future) {
        const s = entry.stream as Dict;
        const name = (s.stream_descriptor as Dict).name as string;
        if (cursorFields.has(name))
          futureValues.set(name, cursorValuesFromStates(s.stream_state, cursorFields.get(name)!));
      }
      assert(
        [...futureValues.values()].every((v) => v.length),
        "Future state must be set up for all given streams",
      );
      const cursorFormat = fx.inputs.future_state!.cursor_format;
      for (const stream of catalog.streams) {
        const field = cursorFields.get(stream.stream.name)!;
        const fieldSchema = (stream.stream.json_schema.properties as Dict | undefined)?.[field] as Dict | undefined;
        if (!fieldSchema)
          throw new Error(`KeyError: '${field}' (not in the json_schema properties of ${stream.stream.name})`);
        const pattern = (cursorFormat.streams.find((s) => s.name === stream.stream.name) ?? cursorFormat).format;
        if (!actualValues.has(stream.stream.name)) continue;
        const actual = actualValues.get(stream.stream.name)!;
        const expectedFuture = futureValues.get(stream.stream.name);
        if (!expectedFuture) throw new Error(`KeyError: '${stream.stream.name}' (no future state for it)`);
        const schemaTypes =
          typeof fieldSchema.type === "string" ? [fieldSchema.type] : ((fieldSchema.type ?? []) as string[]);
        const types = schemaTypes
          .filter((t) => t !== "null")
          .map(
            (t) =>
              SCHEMA_TYPES_MAPPING[t] ??
              fail(`Unsupported type: ${t}. Update SCHEMA_TYPES_MAPPING with the ${t} and its corresponding function`),
          );
        for (let i = 0; i < Math.min(actual.length, expectedFuture.length); i++) {
          const [a, aParent, aKey] = actual[i]!;
          const [f, fParent, fKey] = expectedFuture[i]!;
          for (const type of types) {
            const isType = (parent: Dict, key: string) => {
              const t = pyType(parent, key);
              return t === type || (type === "int" && t === "bool");
            };
            if (truthy(a))
              assert(
                isType(aParent, aKey),
                `Cursor value ${String(a)} is not of type ${type}. Expected ${type}, got ${pyType(aParent, aKey)}`,
              );
            if (truthy(f))
              assert(
                isType(fParent, fKey),
                `Cursor value ${String(f)} is not of type ${type}. Expected ${type}, got ${pyType(fParent, fKey)}`,
              );
          }
          if (!(truthy(a) && truthy(f))) continue;
          // A numeric cursor that passed the type check has the right format.
          if (typeof a === "number" || typeof a === "boolean") continue;
          if (pattern) {
            assert(
              new RegExp(`^(?:${pattern})`).test(String(a)),
              `Actual cursor value ${String(a)} does not match pattern: ${pattern}`,
            );
            assert(
              new RegExp(`^(?:${pattern})`).test(String(f)),
              `Future cursor value ${String(f)} does not match pattern: ${pattern}`,
            );
          } else
            assert(
              sameCharTypes(String(a), String(f)),
              `Actual and future state formats do not match. Actual cursor value: ${String(a)}, future cursor value: ${String(f)}`,
            );
        }
      }
    },
  },
];
