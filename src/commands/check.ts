import type { Config } from "../config.js";
import type { MessageWriter } from "../protocol/writer.js";
import { ConnectorError } from "../errors.js";
import { connect } from "../salesforce/connect.js";
import { resolveEach } from "../query-streams/resolve.js";

interface Limits {
  DailyApiRequests?: { Max: number; Remaining: number };
}

/**
 * Proves login and API access with one cheap call (/limits), then checks every query stream against
 * Salesforce's describes (Composite, 25 objects a call) and names each one that would fail.
 */
export async function check(config: Config, writer: MessageWriter): Promise<void> {
  const client = await connect(config, writer);
  const limits = await client.json<Limits>("/limits");
  const daily = limits.DailyApiRequests;
  if (daily) {
    writer.info(
      `Connected to ${client.session.instanceUrl}; ${daily.Remaining} of ${daily.Max} daily API requests remain.`,
    );
  }
  const queries = config.spec.query_streams ?? [];
  if (queries.length > 0) {
    const outcomes = await resolveEach(client, queries, config.spec.concurrency, writer.warn);
    const problems = outcomes.flatMap((o) =>
      "error" in o ? [o.error instanceof Error ? o.error.message : String(o.error)] : [],
    );
    if (problems.length > 0) throw new ConnectorError(problems.join("\n"), "config_error");
  }
  await writer.emit({ type: "CONNECTION_STATUS", connectionStatus: { status: "SUCCEEDED" } });
}
