import type { FakeSalesforce } from "../fake-salesforce/index.js";

/** Asks the fake what Salesforce would answer, over HTTP like any client (for expectations in tests). */
export async function sfGet<T>(fake: FakeSalesforce, path: string): Promise<T> {
  const c = fake.credentials;
  const token = await fetch(`${fake.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      refresh_token: c.refreshToken,
    }),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const response = await fetch(`${fake.url}/services/data/v62.0${path}`, {
    headers: { Authorization: `Bearer ${token.access_token}` },
  });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}
