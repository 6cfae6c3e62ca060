// Real Salesforce responses kept outside the repo (see the folder's README for their origin).
// Tests that need them skip, with the reason in their title, when the folder is absent.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const REFERENCE_DIR = process.env.SALESFORCE_REFERENCE_DIR ?? "/work/shared/reference/salesforce";
export const HAS_REFERENCE = existsSync(REFERENCE_DIR);
export const SKIP_NOTE = HAS_REFERENCE ? "" : ` [SKIPPED: reference folder ${REFERENCE_DIR} not found]`;

export function readReference<T>(file: string): T {
  return JSON.parse(readFileSync(join(REFERENCE_DIR, file), "utf8")) as T;
}
