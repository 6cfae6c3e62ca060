import type { Config } from "../config.js";
import type { MessageWriter } from "../protocol/writer.js";
import { connect } from "../salesforce/connect.js";

interface Limits {
  DailyApiRequests?: { Max: number; Remaining: number };
}

/** Proves login and API access with one cheap call (/limits), and says how much of the daily allowance is left. */
export async function check(config: Config, writer: MessageWriter): Promise<void> {
  const client = await connect(config, writer);
  const limits = await client.json<Limits>("/limits");
  const daily = limits.DailyApiRequests;
  if (daily) {
    await writer.log(
      "INFO",
      `Connected to ${client.session.instanceUrl}; ${daily.Remaining} of ${daily.Max} daily API requests remain.`,
    );
  }
  await writer.emit({ type: "CONNECTION_STATUS", connectionStatus: { status: "SUCCEEDED" } });
}
