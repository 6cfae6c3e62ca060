// Runs the built connector as a user would (`node dist/main.js <command> ...`, stdout to a file) and
// reads back what it said: records per stream, the API each stream used, its STATEs and LOG lines.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RequestKind } from "../test/fake-salesforce/index.js";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const connectorPath = join(repoRoot, "dist/main.js");

export interface Message {
  type: string;
  [key: string]: unknown;
}

export interface ConnectorRun {
  code: number | null;
  seconds: number;
  messages: Message[];
}

/** `node dist/main.js ...args` with stdout written to `outFile` (its stderr is the demo's). */
export async function runConnector(args: string[], outFile: string): Promise<ConnectorRun> {
  const out = openSync(outFile, "w");
  const started = performance.now();
  try {
    const child = spawn(process.execPath, [connectorPath, ...args], { stdio: ["ignore", out, "inherit"] });
    const code = await new Promise<number | null>((done, fail) => {
      child.on("error", fail);
      child.on("close", done);
    });
    const seconds = (performance.now() - started) / 1000;
    const messages = readFileSync(outFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Message);
    return { code, seconds, messages };
  } finally {
    closeSync(out);
  }
}

export function logMessages(run: ConnectorRun): Array<{ level: string; message: string }> {
  return run.messages.filter((m) => m.type === "LOG").map((m) => m.log as { level: string; message: string });
}

/** The first error the run reported, if any. */
export function failure(run: ConnectorRun): string | undefined {
  const error = run.messages
    .filter((m) => m.type === "TRACE")
    .map((m) => m.trace as { type: string; error?: { message: string } })
    .find((t) => t.type === "ERROR")?.error?.message;
  if (error !== undefined) return error;
  return run.code === 0 ? undefined : `exit code ${run.code}`;
}

export function recordsOf(run: ConnectorRun): Array<{ stream: string; data: Record<string, unknown> }> {
  return run.messages.filter((m) => m.type === "RECORD").map((m) => m.record as never);
}

/** Each stream's record count, in the order the streams were read. */
export function recordCounts(run: ConnectorRun): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { stream } of recordsOf(run)) counts.set(stream, (counts.get(stream) ?? 0) + 1);
  return counts;
}

/** Which API each stream used, from the connector's own LOG lines (including a fallback to REST). */
export function apiByStream(run: ConnectorRun): Map<string, string> {
  const apis = new Map<string, string>();
  for (const { message } of logMessages(run)) {
    const reading = /^Stream '(.+)': reading .+ through (.+), (?:incremental|full refresh)\.$/.exec(message);
    if (reading) apis.set(reading[1]!, reading[2]!);
    const fallback = /^Stream '(.+)': Salesforce rejected the Bulk query \((.*)\); reading it through REST/.exec(
      message,
    );
    if (fallback) apis.set(fallback[1]!, `REST (Salesforce rejected Bulk: ${fallback[2]})`);
  }
  return apis;
}

export interface StreamStateMessage {
  type: "STREAM";
  stream: { stream_descriptor: { name: string }; stream_state: Record<string, unknown> };
}

/** The last STATE of each stream: what Airbyte hands the next read as `--state`. */
export function lastStates(run: ConnectorRun): StreamStateMessage[] {
  const last = new Map<string, StreamStateMessage>();
  for (const m of run.messages) {
    if (m.type !== "STATE") continue;
    const state = m.state as StreamStateMessage;
    last.set(state.stream.stream_descriptor.name, state);
  }
  return [...last.values()];
}

/** What Salesforce calls each kind of request, for "API calls by API". Logins are not API calls. */
export function apiFamily(kind: RequestKind): string | undefined {
  if (kind === "oauth_token" || kind === "soap_login") return undefined;
  if (kind === "describe_global" || kind === "describe") return "describe";
  if (kind === "composite") return "Composite";
  if (kind === "composite_batch") return "Composite Batch";
  if (kind === "query" || kind === "query_all" || kind === "query_more") return "REST query";
  if (kind.startsWith("bulk2_")) return "Bulk 2.0";
  if (kind.startsWith("bulk1_")) return "Bulk 1.0";
  return kind;
}
