import { withRefreshToken, type Config } from "../config.js";
import type { Log } from "../log.js";
import type { SyncOutput } from "../protocol/sync-output.js";
import { SalesforceClient } from "./client.js";
import { SalesforceSession } from "./session.js";

/**
 * Logs in and returns a client whose retries and session refreshes are reported to `output`. A
 * refresh token Salesforce rotates (at this login or a later one) is handed back as the whole
 * updated config.
 */
export async function connect(
  config: Config,
  output: Log & Pick<SyncOutput, "configChanged">,
): Promise<SalesforceClient> {
  const session = await SalesforceSession.login(config, (refreshToken) =>
    output.configChanged(withRefreshToken(config.input, refreshToken)),
  );
  return new SalesforceClient(
    session,
    config.spec.api_version,
    {
      concurrency: config.spec.concurrency,
      quotaPercent: config.spec.api_quota_percent,
      quotaPercentPerSync: config.spec.api_quota_percent_per_sync,
    },
    output,
  );
}
