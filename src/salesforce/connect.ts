import type { Config } from "../config.js";
import type { Log } from "../log.js";
import { SalesforceClient } from "./client.js";
import { SalesforceSession } from "./session.js";

/** Logs in and returns a client whose retries and session refreshes are reported to `log`. */
export async function connect(config: Config, log: Log): Promise<SalesforceClient> {
  const session = await SalesforceSession.login(config);
  return new SalesforceClient(session, config.spec.api_version, config.spec.api_quota_percent, log);
}
