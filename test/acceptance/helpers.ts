import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runAcceptance } from "../../acceptance/runner.js";

export const repoRoot = resolve(import.meta.dirname, "../..");
export const fixturesDir = join(repoRoot, "test/acceptance/fixtures");
export const fixtureConnector = join(fixturesDir, "connector.mjs");

/**
 * The fixture acceptance config in a temp file, paths resolved in the fixtures folder, FIXTURE_MODE
 * (and `env`) set for the connector.
 */
export function fixtureConfig(
  mode: string,
  edit: (yaml: string) => string = (y) => y,
  env: Record<string, string> = {},
): string {
  const yaml = readFileSync(join(fixturesDir, "acceptance-test-config.yml"), "utf8");
  const file = join(mkdtempSync(join(tmpdir(), "acceptance-test-")), "acceptance-test-config.yml");
  const variables = Object.entries({ FIXTURE_MODE: mode, ...env })
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join("\n");
  writeFileSync(
    file,
    `${edit(yaml)}\nbase_path: ${JSON.stringify(fixturesDir)}\ncustom_environment_variables:\n${variables}\n`,
  );
  return file;
}

export interface RunnerOutput {
  code: number;
  lines: string[];
  failed: string[];
  summary: string | undefined;
  skipped: string[];
}

/** Runs the runner in-process (from the TypeScript sources) and collects its lines. */
export async function runRunner(args: string[]): Promise<RunnerOutput> {
  const lines: string[] = [];
  const code = await runAcceptance(args, (line) => lines.push(...line.split("\n")));
  return fromLines(code, lines);
}

export function fromLines(code: number, lines: string[]): RunnerOutput {
  return {
    code,
    lines,
    failed: lines.filter((l) => l.startsWith("FAIL ")).map((l) => l.slice(5).split(":")[0]!),
    summary: lines.find((l) => /^\d+ passed, \d+ failed$/.test(l)),
    skipped: lines.filter((l) => l.startsWith("SKIP ")).map((l) => l.slice(5).split(":")[0]!),
  };
}
