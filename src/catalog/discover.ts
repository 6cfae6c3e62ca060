import type { DescribeSObjectResult } from "jsforce";
import type { Config } from "../config.js";
import { configError } from "../errors.js";
import type { AirbyteCatalog, AirbyteStream } from "../protocol/types.js";
import type { SalesforceClient } from "../salesforce/client.js";
import { describeGlobal, describeObjects } from "../salesforce/describe.js";
import { objectExclusionReason } from "./excluded-objects.js";
import { matchesStreamsCriteria } from "./streams-criteria.js";
import { buildObjectStream } from "./object-stream.js";
import { buildQueryStream, queryStreamSourceObject } from "./query-stream.js";

export type Warn = (message: string) => void;

/**
 * describeGlobal, keep what can be read and what the user's criteria select, then describe those
 * objects through Composite (25 per API call) and turn each describe into a stream. Query streams
 * are built from their FROM object's describe. An object that fails to describe is skipped with a
 * warning, never fatal.
 */
export async function discover(client: SalesforceClient, config: Config, warn: Warn): Promise<AirbyteCatalog> {
  const global = await describeGlobal(client);
  const objectNames: string[] = [];
  for (const entry of global.sobjects) {
    const reason = objectExclusionReason(entry);
    if (reason !== undefined) continue;
    if (!matchesStreamsCriteria(entry.name, config.spec.streams_criteria)) continue;
    objectNames.push(entry.name);
  }
  const queryStreams = config.spec.query_streams ?? [];
  const queryObjects = queryStreams.map((q) => queryStreamSourceObject(q));
  const objectNameSet = new Set(objectNames);
  const queryObjectSet = new Set(queryObjects);
  for (const query of queryStreams) {
    if (objectNameSet.has(query.name)) {
      throw configError(
        `query_streams: the name '${query.name}' is also an object stream; give the query stream another name.`,
      );
    }
  }
  // Query streams' FROM objects are described once, together with the object streams.
  const toDescribe = [...new Set([...objectNames, ...queryObjects])];
  const describes = new Map<string, DescribeSObjectResult>();
  const objectStreams = new Map<string, AirbyteStream>();
  await describeObjects(client, toDescribe, config.spec.concurrency, (outcome) => {
    if ("error" in outcome) {
      warn(
        `Skipping ${outcome.name}: Salesforce could not describe it (${outcome.error.errorCode}: ${outcome.error.salesforceMessage}).`,
      );
      return;
    }
    if (objectNameSet.has(outcome.name)) objectStreams.set(outcome.name, buildObjectStream(outcome.describe, warn));
    if (queryObjectSet.has(outcome.name)) describes.set(outcome.name, outcome.describe);
  });
  const streams = objectNames.flatMap((name) => objectStreams.get(name) ?? []);
  for (const [index, query] of queryStreams.entries()) {
    const describe = describes.get(queryObjects[index]!);
    if (!describe) {
      warn(`Skipping query stream ${query.name}: its object ${queryObjects[index]} could not be described.`);
      continue;
    }
    streams.push(buildQueryStream(query, describe, warn));
  }
  return { streams };
}
