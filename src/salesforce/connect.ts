import type { Config } from "../config.js";
import type { SyncOutput } from "../read/sync-output.js";
import { SalesforceClient } from "./client.js";
import { SalesforceSession } from "./session.js";

/** Logs in and returns a client whose retries and warnings are reported as LOG messages. */
export async function connect(config: Config, writer: Pick<SyncOutput, "log">): Promise<SalesforceClient> {
  const session = await SalesforceSession.login(config);
  return new SalesforceClient(session, config.spec.api_version, config.spec.api_quota_percent, (level, message) => {
    void writer.log(level, message);
  });
}
