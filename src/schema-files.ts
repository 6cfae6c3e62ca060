import { readFileSync } from "node:fs";

/** The schema files that ship beside dist/ (package.json "files"); paths resolve from src/ and dist/ alike. */
function loadJson(relativeToPackageRoot: string): unknown {
  return JSON.parse(readFileSync(new URL(`../${relativeToPackageRoot}`, import.meta.url), "utf8"));
}

export const connectorSpecification = loadJson("spec.json") as {
  connectionSpecification: Record<string, unknown>;
} & Record<string, unknown>;

export const airbyteProtocolSchema = loadJson("schemas/airbyte_protocol.json") as {
  definitions: Record<string, unknown>;
};
