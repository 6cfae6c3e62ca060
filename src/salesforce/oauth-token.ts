import { send } from "./http.js";

/** What `/services/oauth2/token` answers to every grant; `refresh_token` only where Salesforce issues one. */
export interface OAuthTokenResponse {
  access_token: string;
  instance_url: string;
  /** A refresh_token grant answers a new one when the connected app rotates refresh tokens. */
  refresh_token?: string;
}

/**
 * Salesforce's OAuth error (`{error, error_description}`): `name` is the code (`invalid_grant`), the
 * message its description. A body that is not an OAuth answer becomes `ERROR_HTTP_<status>` with the
 * body's start as message, so login errors can tell "not a Salesforce login endpoint" apart.
 */
export class OAuthError extends Error {
  constructor(code: string, description: string) {
    super(description);
    this.name = code;
  }
}

/**
 * POST `/services/oauth2/token` at the login URL with a form-encoded grant. One function for every
 * grant (refresh token, password, JWT bearer, client credentials), through the same transport as the
 * data APIs: the whole answer, including a rotated refresh token, reaches the caller.
 */
export async function requestToken(loginUrl: string, params: Record<string, string>): Promise<OAuthTokenResponse> {
  const response = await send({
    url: `${loginUrl}/services/oauth2/token`,
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  let body: Partial<OAuthTokenResponse> & { error?: unknown; error_description?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new OAuthError(`ERROR_HTTP_${response.status}`, text.slice(0, 2000));
  }
  if (!response.ok || typeof body.access_token !== "string" || typeof body.instance_url !== "string") {
    if (typeof body.error === "string") throw new OAuthError(body.error, String(body.error_description ?? ""));
    throw new OAuthError(`ERROR_HTTP_${response.status}`, text.slice(0, 2000));
  }
  return body as OAuthTokenResponse;
}
