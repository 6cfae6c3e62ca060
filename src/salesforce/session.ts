import type { Config } from "../config.js";
import { ConnectorError } from "../errors.js";
import { registerSecret } from "../protocol/redact.js";

/**
 * A logged-in Salesforce session: where the org lives and the token to use. jsforce does the three
 * login flows (OAuth refresh token, OAuth username-password, SOAP login); everything after login goes
 * through SalesforceClient. `refresh()` repeats the login when Salesforce says the session expired.
 */
export class SalesforceSession {
  private refreshing: Promise<void> | undefined;

  private constructor(
    private readonly config: Config,
    public instanceUrl: string,
    public accessToken: string,
  ) {}

  static async login(config: Config): Promise<SalesforceSession> {
    const { instanceUrl, accessToken } = await obtainToken(config);
    return new SalesforceSession(config, instanceUrl, accessToken);
  }

  /** Concurrent callers that all saw an expired session share one refresh. */
  refresh(): Promise<void> {
    this.refreshing ??= obtainToken(this.config)
      .then(({ instanceUrl, accessToken }) => {
        this.instanceUrl = instanceUrl;
        this.accessToken = accessToken;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}

interface Token {
  instanceUrl: string;
  accessToken: string;
}

interface OAuthTokenResponse {
  access_token: string;
  instance_url: string;
}

async function obtainToken(config: Config): Promise<Token> {
  const { credentials, api_version } = config.spec;
  const loginUrl = config.loginUrl;
  try {
    // jsforce's modules are loaded one at a time, as needed: the whole package costs ~35 MB of RSS
    // in a process that otherwise streams records in ~100 MB.
    const { OAuth2 } = await import("jsforce/lib/oauth2.js");
    let token: Token;
    if (credentials.auth_type === "oauth2_refresh_token") {
      const oauth2 = new OAuth2({ loginUrl, clientId: credentials.client_id, clientSecret: credentials.client_secret });
      token = fromOAuth((await oauth2.refreshToken(credentials.refresh_token)) as unknown as OAuthTokenResponse);
    } else {
      const password = credentials.password + (credentials.security_token ?? "");
      if (credentials.client_id && credentials.client_secret) {
        const oauth2 = new OAuth2({
          loginUrl,
          clientId: credentials.client_id,
          clientSecret: credentials.client_secret,
        });
        token = fromOAuth((await oauth2.authenticate(credentials.username, password)) as unknown as OAuthTokenResponse);
      } else {
        const { Connection } = await import("jsforce/lib/connection.js");
        const conn = new Connection({ loginUrl, version: api_version });
        await conn.login(credentials.username, password);
        token = { instanceUrl: conn.instanceUrl, accessToken: conn.accessToken ?? "" };
      }
    }
    registerSecret(token.accessToken);
    return token;
  } catch (error) {
    throw loginError(error, config);
  }
}

function fromOAuth(response: OAuthTokenResponse): Token {
  return { instanceUrl: response.instance_url, accessToken: response.access_token };
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
  switch (err.name) {
    case "invalid_grant":
      return new ConnectorError(
        `Salesforce rejected the login at ${where}: ${err.message} (invalid_grant). ` +
          (config.spec.credentials.auth_type === "oauth2_refresh_token"
            ? "Re-authenticate to get a new refresh token, and check the client id and is_sandbox/login_url match the org that issued it."
            : "Check username, password and security token, and that the user may use the API."),
        "config_error",
      );
    case "invalid_client_id":
    case "invalid_client":
      return new ConnectorError(
        `Salesforce rejected the connected app's credentials at ${where}: ${err.message} (${err.name}). Check client_id and client_secret.`,
        "config_error",
      );
  }
  if (/INVALID_LOGIN/.test(err.message)) {
    return new ConnectorError(
      `Salesforce rejected the username/password login at ${where}: Invalid username, password, security token; or user locked out. Check the credentials and security_token.`,
      "config_error",
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
