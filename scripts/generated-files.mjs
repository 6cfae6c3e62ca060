// What the generators (generate-types.mjs, generate-validators.mjs) share: how a generated file is
// written, and `--check`, which writes nothing and fails (exit 1) when a committed file is stale.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
const stale = [];

/** Writes `content` to `relPath` (from the repository's root) if it differs; under --check, notes it. */
export async function emit(relPath, content) {
  const path = resolve(root, relPath);
  const current = await readFile(path, "utf8").catch(() => undefined);
  if (current === content) return;
  if (check) {
    stale.push(relPath);
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** Ends a generator: under --check, exit 1 naming every stale file. */
export function finish() {
  if (stale.length === 0) return;
  console.error(`Generated files are stale: ${stale.join(", ")}. Run \`npm run generate\` and commit the result.`);
  process.exit(1);
}
