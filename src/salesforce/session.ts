import type { Config } from "../config.js";
import { ConnectorError } from "../errors.js";
import { registerSecret } from "../protocol/redact.js";
import { jwtAssertion } from "./jwt-assertion.js";
import { OAUTH_CUT_SHORT, requestToken, type OAuthTokenResponse } from "./oauth-token.js";

/** Called when Salesforce answers a refresh_token grant with a new refresh token (rotation). */
export type RefreshTokenRotated = (refreshToken: string) => Promise<void>;

type Credentials = Config["spec"]["credentials"];

/**
 * A logged-in Salesforce session: where the org lives and the token to use. Four OAuth grants go
 * through our own token request (refresh token, username-password, JWT bearer, client credentials);
 * SOAP login through jsforce. Everything after login goes through SalesforceClient. `refresh()` logs
 * in again when Salesforce says the session expired: the JWT bearer flow signs a new assertion, and a
 * rotated refresh token is used from then on and handed to `onRotated`.
 */
export class SalesforceSession {
  instanceUrl = "";
  accessToken = "";
  private refreshing: Promise<void> | undefined;
  /** Our own copy: with refresh token rotation, refresh_token changes during the run. */
  private readonly credentials: Credentials;

  private constructor(
    private readonly config: Config,
    private readonly onRotated: RefreshTokenRotated,
  ) {
    this.credentials = structuredClone(config.spec.credentials);
  }

  static async login(config: Config, onRotated: RefreshTokenRotated = async () => {}): Promise<SalesforceSession> {
    const session = new SalesforceSession(config, onRotated);
    await session.logIn();
    return session;
  }

  /** Concurrent callers that all saw an expired session share one refresh. */
  refresh(): Promise<void> {
    this.refreshing ??= this.logIn().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async logIn(): Promise<void> {
    const token = await obtainToken(this.config, this.credentials);
    this.instanceUrl = token.instanceUrl;
    this.accessToken = token.accessToken;
    const credentials = this.credentials;
    if (
      credentials.auth_type === "oauth2_refresh_token" &&
      token.refreshToken !== undefined &&
      token.refreshToken !== credentials.refresh_token
    ) {
      credentials.refresh_token = token.refreshToken;
      await this.onRotated(token.refreshToken);
    }
  }
}

interface Token {
  instanceUrl: string;
  accessToken: string;
  refreshToken?: string;
}

const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

async function obtainToken(config: Config, credentials: Credentials): Promise<Token> {
  const loginUrl = config.loginUrl;
  try {
    switch (credentials.auth_type) {
      case "oauth2_refresh_token":
        return fromOAuth(
          await requestToken(loginUrl, {
            grant_type: "refresh_token",
            refresh_token: credentials.refresh_token,
            client_id: credentials.client_id,
            client_secret: credentials.client_secret,
          }),
        );
      case "jwt_bearer": {
        // Signed anew for every login: an expired session is renewed with a fresh assertion.
        const assertion = jwtAssertion(
          { clientId: credentials.client_id, username: credentials.username, audience: loginUrl },
          config.jwtKey!,
        );
        registerSecret(assertion);
        return fromOAuth(await requestToken(loginUrl, { grant_type: JWT_BEARER_GRANT, assertion }));
      }
      case "client_credentials":
        return fromOAuth(
          await requestToken(loginUrl, {
            grant_type: "client_credentials",
            client_id: credentials.client_id,
            client_secret: credentials.client_secret,
          }),
        );
      case "username_password":
        return await passwordLogin(config, credentials);
    }
  } catch (error) {
    throw loginError(error, config);
  }
}

/** OAuth username-password flow with a client id and secret; without them, SOAP login. */
async function passwordLogin(
  config: Config,
  credentials: Extract<Credentials, { auth_type: "username_password" }>,
): Promise<Token> {
  const password = credentials.password + (credentials.security_token ?? "");
  if (credentials.client_id && credentials.client_secret) {
    return fromOAuth(
      await requestToken(config.loginUrl, {
        grant_type: "password",
        username: credentials.username,
        password,
        client_id: credentials.client_id,
        client_secret: credentials.client_secret,
      }),
    );
  }
  // jsforce's modules are loaded one at a time, as needed: the whole package costs ~35 MB of RSS
  // in a process that otherwise streams records in ~100 MB.
  const { Connection } = await import("jsforce/lib/connection.js");
  const conn = new Connection({ loginUrl: config.loginUrl, version: config.spec.api_version });
  await conn.login(credentials.username, password);
  const token = { instanceUrl: conn.instanceUrl, accessToken: conn.accessToken ?? "" };
  registerSecret(token.accessToken);
  return token;
}

/** Every token is registered as a secret the moment it arrives, before anything could echo it. */
function fromOAuth(response: OAuthTokenResponse): Token {
  registerSecret(response.access_token);
  registerSecret(response.refresh_token);
  return {
    instanceUrl: response.instance_url,
    accessToken: response.access_token,
    ...(typeof response.refresh_token === "string" ? { refreshToken: response.refresh_token } : {}),
  };
}

const UNREACHABLE = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** One clear message per way a login fails; the person reading it learns which setting to change. */
function loginError(error: unknown, config: Config): ConnectorError {
  const err = error as Error & { code?: string; errno?: string; name?: string };
  const where = config.loginUrl;
  const code = err.code ?? err.errno ?? (err.cause as { code?: string } | undefined)?.code;
  if (code && UNREACHABLE.has(code)) {
    const wrongHost = code === "ENOTFOUND" || code === "EAI_AGAIN";
    return new ConnectorError(
      `Cannot reach the Salesforce login URL ${where} (${code}). Check login_url and is_sandbox, and that this machine can reach Salesforce.`,
      wrongHost ? "config_error" : "transient_error",
      { internalMessage: `${err.name}: ${err.message}` },
    );
  }
  const oauthHint = oauthErrorHint(err.name, err.message, config);
  if (oauthHint) {
    return new ConnectorError(
      `Salesforce rejected the login at ${where}: ${err.message} (${err.name}). ${oauthHint}`,
      "config_error",
    );
  }
  if (/INVALID_LOGIN/.test(err.message)) {
    return new ConnectorError(
      `Salesforce rejected the username/password login at ${where}: Invalid username, password, security token; or user locked out. Check the credentials and security_token.`,
      "config_error",
    );
  }
  if (err.name === OAUTH_CUT_SHORT) {
    return new ConnectorError(
      `The login endpoint at ${where} answered JSON cut short (status 200, not a whole token answer). Run again; if it persists, a proxy between this machine and Salesforce is cutting answers.`,
      "transient_error",
      { internalMessage: err.message },
    );
  }
  const httpStatus = Number(/^ERROR_HTTP_(\d+)$/.exec(err.name)?.[1]);
  if (httpStatus >= 500) {
    return new ConnectorError(
      `Salesforce's login endpoint at ${where} answered HTTP ${httpStatus}. Run again later.`,
      "transient_error",
      { internalMessage: err.message.slice(0, 500) },
    );
  }
  if (
    /^ERROR_HTTP_\d+$/.test(err.name) ||
    /<html|<!DOCTYPE/i.test(err.message) ||
    /could not extract session/.test(err.message)
  ) {
    const status = /^ERROR_HTTP_(\d+)$/.exec(err.name)?.[1];
    return new ConnectorError(
      `${where} did not answer as a Salesforce login endpoint${status ? ` (HTTP ${status})` : ""}. Check login_url (e.g. https://acme.my.salesforce.com) and is_sandbox.`,
      "config_error",
      { internalMessage: err.message.slice(0, 500) },
    );
  }
  return new ConnectorError(`Login to Salesforce at ${where} failed: ${err.message.slice(0, 300)}`, "system_error", {
    internalMessage: `${err.name}: ${err.message.slice(0, 2000)}`,
  });
}

/** What to change for each OAuth error, by login flow; undefined for errors that are not about the config. */
function oauthErrorHint(code: string, description: string, config: Config): string | undefined {
  const credentials = config.spec.credentials;
  const flow = credentials.auth_type;
  if (code === "invalid_client_id" || code === "invalid_client") {
    return flow === "jwt_bearer"
      ? "Check that client_id is the consumer key of the connected app holding the certificate."
      : "Check client_id and client_secret.";
  }
  if (code !== "invalid_grant") return undefined;
  switch (flow) {
    case "oauth2_refresh_token":
      return (
        "Re-authenticate to get a new refresh token, and check the client id and is_sandbox/login_url match the org that issued it. " +
        "If the connected app rotates refresh tokens, run with the config the last sync handed back (Airbyte stores it; the Singer tap rewrites its --config file)."
      );
    case "username_password":
      return "Check username, password and security token, and that the user may use the API.";
    case "jwt_bearer":
      if (/invalid assertion/i.test(description)) {
        return "Upload the certificate matching private_key to the connected app (Use digital signatures), and check that client_id is that app's consumer key.";
      }
      if (/hasn't approved|not approved/i.test(description)) {
        return `The connected app is not pre-authorised for ${credentials.username}: in its policies set Permitted Users to "Admin approved users are pre-authorized" and add the user's profile or permission set; check username.`;
      }
      if (/audience/i.test(description)) {
        return `The JWT audience is the login URL (${config.loginUrl}): use login.salesforce.com for production, is_sandbox: true (test.salesforce.com) for a sandbox, or the org's My Domain as login_url. Check is_sandbox and login_url.`;
      }
      if (/expired/i.test(description)) {
        return "The assertion is valid for 3 minutes from this machine's clock: check the clock (NTP).";
      }
      return "Check client_id, username and the certificate uploaded to the connected app.";
    case "client_credentials":
      if (/not supported on this domain/i.test(description)) {
        return "Salesforce serves the client credentials flow only on the org's My Domain: set login_url to it (e.g. https://acme.my.salesforce.com, see Setup > My Domain).";
      }
      if (/client credentials user/i.test(description)) {
        return "Set a Run As user for the connected app: in its policies, under Client Credentials Flow, choose the integration user.";
      }
      return "Check client_id and client_secret, and that the connected app has Enable Client Credentials Flow on and a Run As user.";
  }
}
