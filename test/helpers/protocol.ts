import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { repoRoot } from "./cli.js";

/** The official Airbyte protocol schema the task's reference folder holds (not the project's copy). */
export const officialProtocolPath = join(repoRoot, "../shared/reference/airbyte_protocol.yaml");
export const officialProtocolAvailable = existsSync(officialProtocolPath);

/** The project's copy of the protocol (what the connector itself validates catalogs with). */
const projectProtocolPath = join(repoRoot, "schemas/airbyte_protocol.yaml");

const validators = new Map<string, ValidateFunction>();

function definitionValidator(path: string, definition: string): ValidateFunction {
  const key = `${path}#${definition}`;
  let validator = validators.get(key);
  if (!validator) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(parse(readFileSync(path, "utf8")) as object, "protocol");
    validator = ajv.getSchema(`protocol#/definitions/${definition}`)!;
    validators.set(key, validator);
  }
  return validator;
}

/**
 * Problems with each message that does not validate as an AirbyteMessage; empty when all do.
 * Against the official schema; `orProjectCopy` falls back to the project's copy when the reference
 * folder is absent (so the check runs everywhere).
 */
export function invalidMessages(messages: readonly unknown[], orProjectCopy = false): string[] {
  return invalidAgainst("AirbyteMessage", messages, orProjectCopy);
}

/** Problems with each value that does not validate as the protocol's `definition` (e.g. ConfiguredAirbyteCatalog). */
export function invalidAgainst(definition: string, values: readonly unknown[], orProjectCopy = true): string[] {
  const path = officialProtocolAvailable || !orProjectCopy ? officialProtocolPath : projectProtocolPath;
  const validate = definitionValidator(path, definition);
  const problems: string[] = [];
  for (const value of values) {
    if (!validate(value)) problems.push(`${JSON.stringify(value).slice(0, 200)}: ${JSON.stringify(validate.errors)}`);
  }
  return problems;
}
