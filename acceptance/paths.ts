// Where the project is, whether this runs from acceptance/*.ts (vitest) or .tools-build/acceptance/*.js.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "schemas", "airbyte_protocol.yaml"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no project root (package.json + schemas/) above ${start}`);
  }
}

export const projectRoot = findProjectRoot(import.meta.dirname);
/** The project's own copy of the Airbyte protocol schema, so the runner works outside this workspace. */
export const protocolSchemaPath = join(projectRoot, "schemas", "airbyte_protocol.yaml");
export const defaultAcceptanceConfigPath = join(projectRoot, "acceptance-test-config.yml");
export const defaultConnectorPath = join(projectRoot, "dist", "main.js");
