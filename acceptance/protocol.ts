// Airbyte protocol validation against the project's copy of the official schema
// (schemas/airbyte_protocol.yaml), and accessors for the messages the checks look at.
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import type { AirbyteMessage, ConnectorRun } from "./connector.js";
import { protocolSchemaPath } from "./paths.js";

let ajv: Ajv | undefined;

function protocolAjv(): Ajv {
  if (!ajv) {
    // The official schema carries Java-only keywords (existingJavaType): strict mode off.
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(parse(readFileSync(protocolSchemaPath, "utf8")) as object, "airbyte_protocol");
  }
  return ajv;
}

export function protocolValidator(definition: string): ValidateFunction {
  const validate = protocolAjv().getSchema(`airbyte_protocol#/definitions/${definition}`);
  if (!validate) throw new Error(`${protocolSchemaPath} has no definition ${definition}`);
  return validate;
}

export function formatErrors(errors: ErrorObject[] | null | undefined, max = 3): string {
  const list = (errors ?? []).map((e) => {
    const where = e.instancePath || "/";
    const extra =
      e.keyword === "additionalProperties"
        ? ` '${String(e.params.additionalProperty)}'`
        : e.keyword === "enum"
          ? ` ${JSON.stringify(e.params.allowedValues)}`
          : "";
    return `${where} ${e.message ?? e.keyword}${extra}`;
  });
  return list.length > max ? `${list.slice(0, max).join("; ")} (and ${list.length - max} more)` : list.join("; ");
}

/** Problems with the run's output as Airbyte protocol: non-JSON stdout lines and invalid messages. */
export function protocolProblems(runs: readonly ConnectorRun[]): string[] {
  const validate = protocolValidator("AirbyteMessage");
  const problems: string[] = [];
  for (const run of runs) {
    for (const line of run.nonJsonLines)
      problems.push(`${run.label}: stdout line is not a JSON message: ${clip(line)}`);
    run.messages.forEach((message, index) => {
      if (!validate(message))
        problems.push(
          `${run.label}: message ${index + 1} (${describeMessage(message)}) ${formatErrors(validate.errors)}`,
        );
    });
  }
  return problems;
}

export function clip(text: string, max = 160): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

function describeMessage(message: AirbyteMessage): string {
  const record = message.record as { stream?: unknown } | undefined;
  return typeof record?.stream === "string" ? `${message.type} of ${record.stream}` : String(message.type);
}

export interface RecordMessage {
  stream: string;
  namespace?: string;
  data: Record<string, unknown>;
  emitted_at?: number;
}

export interface StreamStateMessage {
  type?: string;
  stream?: { stream_descriptor: { name: string; namespace?: string }; stream_state?: unknown };
  global?: { stream_states?: Array<{ stream_descriptor: { name: string }; stream_state?: unknown }> };
  data?: unknown;
  sourceStats?: { recordCount?: number };
}

export const ofType = (run: ConnectorRun, type: string): AirbyteMessage[] =>
  run.messages.filter((m) => m.type === type);

export function records(run: ConnectorRun): RecordMessage[] {
  return ofType(run, "RECORD").map((m) => m.record as RecordMessage);
}

export function states(run: ConnectorRun): StreamStateMessage[] {
  return ofType(run, "STATE").map((m) => m.state as StreamStateMessage);
}

export interface TraceError {
  message?: string;
  internal_message?: string;
  failure_type?: string;
}

export function traceErrors(run: ConnectorRun): TraceError[] {
  return ofType(run, "TRACE")
    .map((m) => m.trace as { type?: string; error?: TraceError })
    .filter((t) => t.type === "ERROR")
    .map((t) => t.error ?? {});
}

export function streamStatuses(run: ConnectorRun): Array<{ stream: string; status: string }> {
  return ofType(run, "TRACE")
    .map(
      (m) => m.trace as { type?: string; stream_status?: { stream_descriptor?: { name?: string }; status?: string } },
    )
    .filter((t) => t.type === "STREAM_STATUS")
    .map((t) => ({ stream: t.stream_status?.stream_descriptor?.name ?? "?", status: t.stream_status?.status ?? "?" }));
}

/**
 * Why a run did not end normally (exit code 0, no TRACE error), or undefined when it did. The first
 * error message and the stderr tail make the failure line readable.
 */
export function runFailure(run: ConnectorRun): string | undefined {
  if (run.spawnError) return `${run.label}: could not start: ${run.spawnError}`;
  if (run.timedOut) return `${run.label}: timed out after ${Math.round(run.durationMs / 1000)} s`;
  const errors = traceErrors(run);
  if (run.code !== 0 || errors.length > 0) {
    const why = errors[0]?.message ?? clip(run.stderr.split("\n").filter(Boolean).slice(-3).join(" | ")) ?? "";
    return `${run.label}: exit code ${run.code ?? run.signal}${errors.length ? `, TRACE error` : ""}${why ? `: ${clip(why)}` : ""}`;
  }
  return undefined;
}
