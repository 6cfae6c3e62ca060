import type { FakeSalesforce } from "../fake-salesforce/index.js";
import { login, V } from "../fake-salesforce/test-helpers.js";

/** Asks the fake what Salesforce would answer, over HTTP like any client (for expectations in tests). */
export async function sfGet<T>(fake: FakeSalesforce, path: string): Promise<T> {
  const token = await login(fake);
  const response = await fetch(`${fake.url}/services/data/v${V}${path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}
