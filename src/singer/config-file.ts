import { randomBytes } from "node:crypto";
import { open, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Replaces the JSON file at `path` with `value`, atomically: a temp file in the same directory
 * (created owner-only, as it holds secrets), given the old file's permissions and fsynced, then
 * renamed over it. A reader sees the old file or the new one, never half of one. A symlink is
 * followed, so the file it points to is the one replaced.
 */
export async function rewriteJsonFile(path: string, value: unknown): Promise<void> {
  const target = await realpath(path);
  const { mode } = await stat(target);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
      await handle.chmod(mode & 0o7777);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
