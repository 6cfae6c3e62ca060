import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { repoRoot } from "./cli.js";

export const tapPath = join(repoRoot, "dist/singer/main.js");

export interface SingerLine {
  type: string;
  [key: string]: unknown;
}

export interface TapRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the BUILT Singer tap (`npm run build` first) as a process, the way Meltano does. */
export function runTap(args: string[], env: Record<string, string> = {}): Promise<TapRun> {
  if (!existsSync(tapPath)) throw new Error(`${tapPath} is missing: run npm run build first`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [tapPath, ...args], {
      env: { ...process.env, SOURCE_SALESFORCE_RETRY_BASE_MS: "10", SOURCE_SALESFORCE_POLL_BASE_MS: "5", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/** Every stdout line of a sync parsed as JSON (a line that is not JSON throws). */
export function singerLines(run: TapRun): SingerLine[] {
  return run.stdout
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      try {
        return JSON.parse(line) as SingerLine;
      } catch {
        throw new Error(`stdout line is not JSON: ${line.slice(0, 200)}`);
      }
    });
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
