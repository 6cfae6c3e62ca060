// Loads the real describe/limits captures from ../shared/reference/salesforce (next to the repo)
// when present; callers fall back to generated shapes when they are absent.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..");

// The folder sits beside the repo; also try from the working directory, for compiled copies.
const candidates = [
  process.env.FAKE_SALESFORCE_REFERENCE_DIR,
  path.resolve(repoRoot, "../shared/reference/salesforce"),
  path.resolve(process.cwd(), "../shared/reference/salesforce"),
].filter((p): p is string => !!p);

export const referenceDir = candidates.find((p) => existsSync(p)) ?? candidates[0]!;

const cache = new Map<string, unknown>();

/** Parsed JSON of a reference file, or undefined when the folder or file is missing. */
export function loadReference(file: string): Record<string, unknown> | undefined {
  if (cache.has(file)) return structuredClone(cache.get(file)) as Record<string, unknown> | undefined;
  const p = path.join(referenceDir, file);
  let value: unknown;
  try {
    value = existsSync(p) ? JSON.parse(readFileSync(p, "utf8")) : undefined;
  } catch {
    value = undefined;
  }
  cache.set(file, value);
  return structuredClone(value) as Record<string, unknown> | undefined;
}
