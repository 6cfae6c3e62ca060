import { withRefreshToken, type Config } from "../config.js";
import type { SyncOutput } from "../read/sync-output.js";
import { SalesforceClient } from "./client.js";
import { SalesforceSession } from "./session.js";

/**
 * Logs in and returns a client whose retries and warnings are reported as LOG messages. A refresh
 * token Salesforce rotates (at this login or a later one) is handed back as the whole updated config.
 */
export async function connect(
  config: Config,
  output: Pick<SyncOutput, "log" | "configChanged">,
): Promise<SalesforceClient> {
  const session = await SalesforceSession.login(config, (refreshToken) =>
    output.configChanged(withRefreshToken(config.input, refreshToken)),
  );
  return new SalesforceClient(session, config.spec.api_version, config.spec.api_quota_percent, (level, message) => {
    void output.log(level, message);
  });
}
