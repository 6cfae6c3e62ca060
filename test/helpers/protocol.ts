import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { repoRoot } from "./cli.js";

/** The official Airbyte protocol schema the task's reference folder holds (not the project's copy). */
export const officialProtocolPath = join(repoRoot, "../shared/reference/airbyte_protocol.yaml");
export const officialProtocolAvailable = existsSync(officialProtocolPath);

let validator: ValidateFunction | undefined;

function messageValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(parse(readFileSync(officialProtocolPath, "utf8")) as object, "official");
    validator = ajv.getSchema("official#/definitions/AirbyteMessage")!;
  }
  return validator;
}

/** Problems with each message that does not validate as an AirbyteMessage; empty when all do. */
export function invalidMessages(messages: readonly unknown[]): string[] {
  const validate = messageValidator();
  const problems: string[] = [];
  for (const message of messages) {
    if (!validate(message))
      problems.push(`${JSON.stringify(message).slice(0, 200)}: ${JSON.stringify(validate.errors)}`);
  }
  return problems;
}
