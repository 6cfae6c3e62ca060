import type { Config } from "../config.js";
import { futureStartDateWarning } from "../config.js";
import type { MessageWriter } from "../protocol/writer.js";
import { ConnectorError } from "../errors.js";
import { connect } from "../salesforce/connect.js";
import { resolveEach } from "../query-streams/resolve.js";
import type { SalesforceClient } from "../salesforce/client.js";
import { describeVersions, servedApiVersions } from "../salesforce/api-versions.js";
import { probeQueries } from "../salesforce/probe-queries.js";
import { buildQuery } from "../soql/builder.js";

interface Limits {
  DailyApiRequests?: { Max: number; Remaining: number };
}

/**
 * Proves login and API access with cheap calls: the org's API versions (is api_version served?),
 * /limits, one Composite request per 5 object_filters (each condition tried with LIMIT 1), and every
 * query stream against Salesforce's describes (Composite, 25 objects a call); names each problem.
 */
export async function check(config: Config, writer: MessageWriter, now = new Date()): Promise<void> {
  const client = await connect(config, writer);
  await checkApiVersion(client, config.spec.api_version);
  const limits = await client.json<Limits>("/limits");
  const daily = limits.DailyApiRequests;
  if (daily) {
    writer.info(
      `Connected to ${client.session.instanceUrl}; ${daily.Remaining} of ${daily.Max} daily API requests remain.`,
    );
  }
  await checkObjectFilters(client, config, writer);
  const queries = config.spec.query_streams ?? [];
  if (queries.length > 0) {
    const outcomes = await resolveEach(client, queries, config.spec.concurrency, writer.warn);
    const problems = outcomes.flatMap((o) =>
      "error" in o ? [o.error instanceof Error ? o.error.message : String(o.error)] : [],
    );
    if (problems.length > 0) throw new ConnectorError(problems.join("\n"), "config_error");
  }
  const future = futureStartDateWarning(config, now);
  if (future) writer.warn(future);
  await writer.emit({ type: "CONNECTION_STATUS", connectionStatus: { status: "SUCCEEDED" } });
}

async function checkApiVersion(client: SalesforceClient, apiVersion: string): Promise<void> {
  const served = await servedApiVersions(client);
  if (served.includes(apiVersion)) return;
  throw new ConnectorError(
    `api_version ${apiVersion} is not served by this org (${client.session.instanceUrl} serves ${describeVersions(served)}). Set api_version to one of those, e.g. ${served.at(-1)}.`,
    "config_error",
  );
}

/** Each object_filters condition, tried as Salesforce will run it: `SELECT Id FROM X WHERE (cond) LIMIT 1`. */
async function checkObjectFilters(client: SalesforceClient, config: Config, writer: MessageWriter): Promise<void> {
  const filters = config.spec.object_filters ?? [];
  const problems: string[] = [];
  const probes: Array<{ index: number; soql: string }> = [];
  for (const [index, { object, where }] of filters.entries()) {
    try {
      probes.push({ index, soql: `${buildQuery({ object, fields: ["Id"], userFilter: where })} LIMIT 1` });
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      problems.push(`object_filters.${index} (${object}): ${error.message}`);
    }
  }
  const outcomes = await probeQueries(
    client,
    probes.map((p) => p.soql),
  );
  for (const [k, error] of outcomes.entries()) {
    if (!error) continue;
    const { index } = probes[k]!;
    const { object } = filters[index]!;
    const reason = `${error.errorCode}: ${error.salesforceMessage}`;
    // A slow or failing Salesforce says nothing about the condition: the read will tell.
    if (error.status >= 500 || error.errorCode === "QUERY_TIMEOUT") {
      writer.warn(`object_filters.${index} (${object}) could not be checked: ${reason}`);
    } else {
      problems.push(`object_filters.${index} (${object}): Salesforce refused the condition: ${reason}`);
    }
  }
  if (problems.length > 0) {
    throw new ConnectorError(`${problems.join("\n")}\nFix the condition in object_filters.`, "config_error");
  }
}
