import { expect } from "vitest";
import type { FakeObjectSpec, FakeSalesforce } from "../fake-salesforce/index.js";
import { ofType, runCli, traceErrors, writeTempFiles, type CliRun } from "./cli.js";
import { connectorConfig } from "./connector-config.js";

/** A custom object with the field types a read must type correctly, and `count` generated rows. */
export function widgetObject(count: number, name = "Widget__c"): FakeObjectSpec {
  return {
    name,
    records: count,
    fields: [
      { name: "Id", type: "id" },
      { name: "Name", type: "string" },
      { name: "Amount__c", type: "currency" },
      { name: "Quantity__c", type: "int" },
      { name: "Ratio__c", type: "double" },
      { name: "Active__c", type: "boolean" },
      { name: "Notes__c", type: "textarea" },
      { name: "Due__c", type: "date" },
      { name: "IsDeleted", type: "boolean" },
      { name: "CreatedDate", type: "datetime" },
      { name: "LastModifiedDate", type: "datetime" },
      { name: "SystemModstamp", type: "datetime" },
    ],
  };
}

export function baseConfig(fake: FakeSalesforce, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return connectorConfig(fake, { start_date: "2020-01-01", ...overrides });
}

interface DiscoveredStream {
  name: string;
  json_schema: Record<string, unknown>;
  supported_sync_modes: string[];
  default_cursor_field?: string[];
}

/** Runs discover and configures the named streams in `mode` (incremental where given and supported). */
export async function configuredCatalog(
  config: Record<string, unknown>,
  streams: Record<string, "full_refresh" | "incremental">,
): Promise<unknown> {
  const files = writeTempFiles({ "config.json": config });
  const run = await runCli(["discover", "--config", files["config.json"]!]);
  const discovered = (ofType(run, "CATALOG")[0]?.catalog as { streams: DiscoveredStream[] } | undefined)?.streams;
  if (!discovered) throw new Error(`discover failed: ${run.stdout.slice(0, 500)}`);
  return {
    streams: Object.entries(streams).map(([name, mode]) => {
      const stream = discovered.find((s) => s.name === name);
      if (!stream) throw new Error(`stream ${name} not discovered`);
      return {
        stream,
        sync_mode: mode,
        destination_sync_mode: mode === "incremental" ? "append_dedup" : "overwrite",
        ...(mode === "incremental" ? { cursor_field: stream.default_cursor_field } : {}),
        primary_key: [["Id"]],
      };
    }),
  };
}

export async function readOnce(
  config: unknown,
  catalog: unknown,
  state?: unknown,
  env: Record<string, string> = {},
): Promise<CliRun> {
  const files = writeTempFiles({
    "config.json": config,
    "catalog.json": catalog,
    ...(state === undefined ? {} : { "state.json": state }),
  });
  return runCli(
    [
      "read",
      "--config",
      files["config.json"]!,
      "--catalog",
      files["catalog.json"]!,
      ...(state === undefined ? [] : ["--state", files["state.json"]!]),
    ],
    env,
  );
}

export type RecordData = Record<string, unknown>;

export function records(run: CliRun, stream?: string): RecordData[] {
  return ofType(run, "RECORD")
    .map((m) => m.record as { stream: string; data: RecordData })
    .filter((r) => stream === undefined || r.stream === stream)
    .map((r) => r.data);
}

export function states(
  run: CliRun,
): Array<{ type: string; stream: { stream_descriptor: { name: string }; stream_state: Record<string, string> } }> {
  return ofType(run, "STATE").map((m) => m.state as never);
}

/** The STREAM_STATUS values of one stream, in order. */
export function streamStatuses(run: CliRun, stream: string): string[] {
  return ofType(run, "TRACE")
    .map((m) => m.trace as { type: string; stream_status?: { stream_descriptor: { name: string }; status: string } })
    .filter((t) => t.type === "STREAM_STATUS" && t.stream_status!.stream_descriptor.name === stream)
    .map((t) => t.stream_status!.status);
}

/** The state messages of the run as the next run's --state input (Airbyte passes the last per stream). */
export function nextStateInput(run: CliRun): unknown[] {
  const last = new Map<string, unknown>();
  for (const state of states(run)) last.set(state.stream.stream_descriptor.name, state);
  return [...last.values()];
}

/** Ids a plain query returns: fake.records() also holds soft-deleted rows (IsDeleted). */
export function liveIds(fake: FakeSalesforce, object: string): string[] {
  return [...fake.records(object)].filter((r) => r.IsDeleted !== true).map((r) => r.Id as string);
}

/** Every expected Id exactly once: nothing lost, nothing doubled. */
export function expectEachOnce(rows: RecordData[], expected: string[]): void {
  const got = rows.map((r) => r.Id as string);
  expect(new Set(got).size, "no duplicates").toBe(got.length);
  expect(got.slice().sort()).toEqual(expected.slice().sort());
}

/**
 * Discover, then a full-refresh read of one stream, through any way of running the connector (the
 * built CLI, an installed package, the image); `path` maps a file name to what the runner passes.
 */
export async function discoverThenRead(
  run: (args: string[], files: Record<string, unknown>) => Promise<CliRun>,
  path: (file: string) => string,
  config: unknown,
  streamName: string,
): Promise<{ discovered: CliRun; read: CliRun }> {
  const discovered = await run(["discover", "--config", path("config.json")], { "config.json": config });
  const catalog = ofType(discovered, "CATALOG")[0]?.catalog as { streams: Array<{ name: string }> } | undefined;
  const stream = catalog?.streams.find((s) => s.name === streamName);
  if (!stream) throw new Error(`${streamName} was not discovered: ${discovered.stderr.slice(0, 500)}`);
  const configured = {
    streams: [{ stream, sync_mode: "full_refresh", destination_sync_mode: "overwrite", primary_key: [["Id"]] }],
  };
  const read = await run(["read", "--config", path("config.json"), "--catalog", path("catalog.json")], {
    "config.json": config,
    "catalog.json": configured,
  });
  return { discovered, read };
}

/** A read refused as bad input: one config_error TRACE matching `pattern`, exit 1, no record, no Bulk job. */
export function expectRefusedBeforeAnyJob(fake: FakeSalesforce, run: CliRun, pattern: RegExp): void {
  expect(run.code).toBe(1);
  const errors = traceErrors(run);
  expect(errors).toHaveLength(1);
  expect(errors[0]!.failure_type).toBe("config_error");
  expect(errors[0]!.message).toMatch(pattern);
  expect(fake.count("bulk2_create")).toBe(0);
  expect(records(run)).toEqual([]);
}
