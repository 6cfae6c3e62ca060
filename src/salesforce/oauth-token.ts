import { send } from "./http.js";
import { isObject } from "../util/is-object.js";

/** The code of a 200 JSON answer that does not parse (cut short on the way): worth another try. */
export const OAUTH_CUT_SHORT = "OAUTH_ANSWER_CUT_SHORT";

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
  // A successful answer may hold a token even when it is cut short or malformed: its text is never
  // quoted in a message. Error answers hold none and are quoted (their start) to tell what answered.
  const shown = (): string =>
    response.ok
      ? `${text.length} characters of ${response.header("content-type") ?? "no Content-Type"}`
      : text.slice(0, 2000);
  let body: Partial<OAuthTokenResponse> & { error?: unknown; error_description?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    const json = /\bjson\b/i.test(response.header("content-type") ?? "");
    if (response.ok && json) throw new OAuthError(OAUTH_CUT_SHORT, shown());
    throw new OAuthError(`ERROR_HTTP_${response.status}`, shown());
  }
  if (
    !response.ok ||
    !isObject(body) ||
    typeof body.access_token !== "string" ||
    typeof body.instance_url !== "string"
  ) {
    if (isObject(body) && typeof body.error === "string")
      throw new OAuthError(body.error, String(body.error_description ?? ""));
    throw new OAuthError(`ERROR_HTTP_${response.status}`, shown());
  }
  return body as OAuthTokenResponse;
}
