import type { FakeSalesforce } from "../fake-salesforce/index.js";

/** The connector's config for a fake org: OAuth refresh-token login at the fake, plus `overrides`. */
export function connectorConfig(
  fake: FakeSalesforce,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const c = fake.credentials;
  return {
    credentials: {
      auth_type: "oauth2_refresh_token",
      client_id: c.clientId,
      client_secret: c.clientSecret,
      refresh_token: c.refreshToken,
    },
    login_url: fake.url,
    ...overrides,
  };
}
