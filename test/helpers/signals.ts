import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { expect } from "vitest";
import type { FakeSalesforce } from "../fake-salesforce/index.js";
import { jsonLines, repoRoot } from "./cli.js";
import { liveIds } from "./read-fixtures.js";

export type Line = { type: string; [key: string]: unknown };

export interface SignalledRun {
  code: number | null;
  /** The signal that ended the process, if it did not exit by itself. */
  killedBy: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the signal to the process's exit; undefined when `when` never held. */
  stopMs: number | undefined;
  /** Every stdout line parsed as JSON, and how many of them had arrived when the signal was sent. */
  lines: Line[];
  linesBeforeSignal: number;
}

/**
 * Runs `command args`, and `delayMs` after `when` first holds for the stdout lines (parsed as JSON)
 * and the stderr so far, sends it `signal` and runs `onSignal` (e.g. to count the fake's requests).
 * A process still running `timeoutMs` after its start is killed and the promise rejects.
 */
export function runUntil(
  command: string,
  args: string[],
  options: {
    signal: NodeJS.Signals;
    when: (lines: Line[], stderr: string) => boolean;
    delayMs?: number;
    onSignal?: () => void;
    env?: Record<string, string>;
    timeoutMs?: number;
  },
): Promise<SignalledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let held = false;
    let signalledAt: number | undefined;
    let linesBeforeSignal = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} still running after ${options.timeoutMs} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    const complete = (text: string): string => text.slice(0, text.lastIndexOf("\n") + 1);
    const send = (): void => {
      signalledAt = Date.now();
      linesBeforeSignal = jsonLines(complete(stdout)).length;
      options.onSignal?.();
      child.kill(options.signal);
    };
    const maybeSignal = (): void => {
      if (held || !options.when(jsonLines<{ type: string }>(complete(stdout)), stderr)) return;
      held = true;
      setTimeout(send, options.delayMs ?? 0);
    };
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      maybeSignal();
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      maybeSignal();
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, killedBy) => {
      clearTimeout(timer);
      resolve({
        code,
        killedBy,
        stdout,
        stderr,
        stopMs: signalledAt === undefined ? undefined : Date.now() - signalledAt,
        lines: jsonLines(stdout),
        linesBeforeSignal,
      });
    });
  });
}

/** How a protocol's output names a record's Id and a STATE's cursor (undefined: not that kind of line). */
export interface OutputShape {
  recordId(line: Line): string | undefined;
  stateCursor(line: Line): string | undefined;
}

export const airbyteShape: OutputShape = {
  recordId: (line) => (line.type === "RECORD" ? (line.record as { data: { Id: string } }).data.Id : undefined),
  stateCursor: (line) =>
    line.type === "STATE"
      ? (line.state as { stream: { stream_state: { SystemModstamp: string } } }).stream.stream_state.SystemModstamp
      : undefined,
};

export const singerShape = (stream: string): OutputShape => ({
  recordId: (line) => (line.type === "RECORD" ? (line.record as { Id: string }).Id : undefined),
  stateCursor: (line) =>
    line.type === "STATE"
      ? (line.value as { bookmarks: Record<string, { SystemModstamp: string }> }).bookmarks[stream]?.SystemModstamp
      : undefined,
});

/**
 * No STATE past undelivered records: for each STATE, every live record of the fake whose cursor is
 * before the STATE's came out before it. Returns the last STATE's cursor (there must be one).
 */
export function expectNoStatePastUndelivered(
  fake: FakeSalesforce,
  stream: string,
  lines: readonly Line[],
  shape: OutputShape,
): string {
  const live = new Set(liveIds(fake, stream));
  const rows = [...fake.records(stream)].filter((r) => live.has(r.Id as string));
  const delivered = new Set<string>();
  let last: string | undefined;
  for (const line of lines) {
    const id = shape.recordId(line);
    if (id !== undefined) delivered.add(id);
    const cursor = shape.stateCursor(line);
    if (cursor === undefined) continue;
    const missing = rows
      .filter((r) => Date.parse(String(r.SystemModstamp)) < Date.parse(cursor) && !delivered.has(r.Id as string))
      .map((r) => r.Id);
    expect(missing, `records before the STATE at ${cursor}`).toEqual([]);
    last = cursor;
  }
  expect(last, "a STATE before the signal").toBeDefined();
  return last!;
}

let validMessage: ValidateFunction | undefined;

/** Lines that are not valid AirbyteMessages under the project's copy of the official protocol schema. */
export function invalidAirbyteMessages(lines: readonly Line[]): string[] {
  if (!validMessage) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const schema = parseYaml(readFileSync(join(repoRoot, "schemas/airbyte_protocol.yaml"), "utf8")) as object;
    ajv.addSchema(schema, "protocol");
    validMessage = ajv.getSchema("protocol#/definitions/AirbyteMessage")!;
  }
  return lines
    .filter((line) => !validMessage!(line))
    .map((line) => `${JSON.stringify(line).slice(0, 200)}: ${JSON.stringify(validMessage!.errors)}`);
}
