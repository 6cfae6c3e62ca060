import type { DescribeSObjectResult } from "jsforce";
import type { Config } from "../config.js";
import type { Log } from "../log.js";
import { configError } from "../errors.js";
import type { AirbyteCatalog, AirbyteStream } from "../protocol/types.js";
import type { SalesforceClient } from "../salesforce/client.js";
import { describeGlobal, describeObjects } from "../salesforce/describe.js";
import { objectExclusionReason } from "./excluded-objects.js";
import { matchesStreamsCriteria } from "./streams-criteria.js";
import { buildObjectStream } from "./object-stream.js";
import { buildQueryStream } from "./query-stream.js";
import { parseQueryStream } from "../soql/parser.js";
import { resolveQueryStreams } from "../query-streams/resolve.js";

/**
 * describeGlobal, keep what can be read and what the user's criteria select, then describe those
 * objects through Composite (25 per API call) and turn each describe into a stream. Query streams
 * are built from their FROM object's describe. An object that fails to describe is skipped with a
 * warning, never fatal.
 */
export async function discover(client: SalesforceClient, config: Config, warn: Log["warn"]): Promise<AirbyteCatalog> {
  const global = await describeGlobal(client);
  const objectNames: string[] = [];
  const queryable = new Set(global.sobjects.filter((entry) => entry.queryable).map((entry) => entry.name));
  const replicateable = new Set(global.sobjects.filter((entry) => entry.replicateable).map((entry) => entry.name));
  for (const entry of global.sobjects) {
    const reason = objectExclusionReason(entry, queryable);
    if (reason !== undefined) continue;
    if (!matchesStreamsCriteria(entry.name, config.spec.streams_criteria)) continue;
    objectNames.push(entry.name);
  }
  const queryStreams = config.spec.query_streams ?? [];
  for (const query of queryStreams) {
    if (objectNames.some((name) => name.toLowerCase() === query.name.toLowerCase())) {
      throw configError(
        `query_streams: the name '${query.name}' is also an object stream; give the query stream another name.`,
      );
    }
  }
  // Parsing first: a query with a syntax error fails discover before any API call beyond login.
  const queryObjects = new Set(queryStreams.map((q) => parseQueryStream(q.name, q.query).object));
  const objectNameSet = new Set(objectNames);
  // Query streams' FROM objects are described once, together with the object streams.
  const known = new Map<string, DescribeSObjectResult>();
  const objectStreams = new Map<string, AirbyteStream>();
  await describeObjects(client, [...new Set([...objectNames, ...queryObjects])], config.spec.concurrency, (outcome) => {
    if ("error" in outcome) {
      warn(
        `Skipping ${outcome.name}: Salesforce could not describe it (${outcome.error.errorCode}: ${outcome.error.salesforceMessage}).`,
      );
      return;
    }
    if (objectNameSet.has(outcome.name)) {
      // The deleted-records resource serves replicateable objects only.
      const hardDeletes = config.spec.hard_deletes && replicateable.has(outcome.name);
      objectStreams.set(outcome.name, buildObjectStream(outcome.describe, warn, { hardDeletes }));
    }
    if (queryObjects.has(outcome.name)) known.set(outcome.name, outcome.describe);
  });
  const streams = objectNames.flatMap((name) => objectStreams.get(name) ?? []);
  const resolved = await resolveQueryStreams(client, queryStreams, config.spec.concurrency, warn, known);
  streams.push(...resolved.map(buildQueryStream));
  return { streams };
}
