import { existsSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { FAST_RETRIES, jsonLines, repoRoot, runProcess, type ProcessRun } from "./cli.js";

export const tapPath = join(repoRoot, "dist/singer/main.js");

export interface SingerLine {
  type: string;
  [key: string]: unknown;
}

export type TapRun = ProcessRun;

/** Runs the BUILT Singer tap (`npm run build` first) as a process, the way Meltano does. */
export function runTap(args: string[], env: Record<string, string> = {}): Promise<TapRun> {
  if (!existsSync(tapPath)) throw new Error(`${tapPath} is missing: run npm run build first`);
  return runProcess(process.execPath, [tapPath, ...args], { env: { ...FAST_RETRIES, ...env } });
}

/** Every stdout line of a sync parsed as JSON (a line that is not JSON throws). */
export function singerLines(run: TapRun): SingerLine[] {
  return jsonLines<SingerLine>(run.stdout);
}

// The Singer message shapes (singer-io/getting-started, SPEC.md): SCHEMA, RECORD and STATE, plus this
// tap's STATE value {"bookmarks": {"<stream>": {"<replication key>": "<ISO>"}}}.
const nonEmptyString = { type: "string", minLength: 1 };
const stringArray = { type: "array", items: nonEmptyString };

export const singerMessageSchemas: Record<string, object> = {
  SCHEMA: {
    type: "object",
    required: ["type", "stream", "schema", "key_properties"],
    additionalProperties: false,
    properties: {
      type: { const: "SCHEMA" },
      stream: nonEmptyString,
      schema: {
        type: "object",
        required: ["type", "properties"],
        properties: { type: { const: "object" }, properties: { type: "object" } },
      },
      key_properties: stringArray,
      bookmark_properties: stringArray,
    },
  },
  RECORD: {
    type: "object",
    required: ["type", "stream", "record"],
    additionalProperties: false,
    properties: {
      type: { const: "RECORD" },
      stream: nonEmptyString,
      record: { type: "object" },
      time_extracted: { type: "string", format: "date-time" },
      version: { type: "integer" },
    },
  },
  STATE: {
    type: "object",
    required: ["type", "value"],
    additionalProperties: false,
    properties: {
      type: { const: "STATE" },
      value: {
        type: "object",
        required: ["bookmarks"],
        additionalProperties: false,
        properties: {
          bookmarks: {
            type: "object",
            additionalProperties: {
              type: "object",
              minProperties: 1,
              additionalProperties: { type: "string", format: "date-time" },
            },
          },
        },
      },
    },
  },
};

let validators: Map<string, ValidateFunction> | undefined;

/** Problems with each line that is not a valid SCHEMA, RECORD or STATE message; empty when all are. */
export function invalidSingerMessages(lines: readonly SingerLine[]): string[] {
  if (!validators) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    validators = new Map(Object.entries(singerMessageSchemas).map(([type, schema]) => [type, ajv.compile(schema)]));
  }
  const problems: string[] = [];
  for (const line of lines) {
    const validate = validators.get(line.type);
    if (!validate) problems.push(`unknown message type ${JSON.stringify(line.type)}`);
    else if (!validate(line))
      problems.push(`${JSON.stringify(line).slice(0, 200)}: ${JSON.stringify(validate.errors)}`);
  }
  return problems;
}
