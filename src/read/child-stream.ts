// A filter-requiring object (ContentDocumentLink, IdeaComment: catalog/excluded-objects.ts CHILD_OBJECTS)
// read as a child of its parent: the parent's Ids through REST (2,000 a call, only Id selected), and for
// each group of 200 of them one REST query `WHERE <parent field> IN (...)` (more calls only when a group
// has more than 2,000 children). REST, not Bulk: a Bulk job per 200 parents would cost 4+ calls and a
// job's wait each. Full refresh: a link added to an old document does not move the document's stamp,
// so the parent's incremental window would miss it.
import type { Config } from "../config.js";
import type { SalesforceClient } from "../salesforce/client.js";
import { nextPages, restQuery, type QueryPage } from "../salesforce/rest-query.js";
import { PARENT_IDS_PER_QUERY } from "../catalog/excluded-objects.js";
import type { StreamPlan } from "./plan.js";
import type { RecordSink } from "./extractor.js";
import { createRestRecordConverter } from "./records/convert.js";

/** Reads a child stream whole; holds one group of parent Ids and one REST page at a time. */
export async function extractChildStream(
  client: SalesforceClient,
  _config: Config,
  plan: StreamPlan,
  sink: RecordSink,
  /** The parent Ids' first page (the sync's Composite batcher shares it with other streams' probes). */
  firstPage: (soql: string, operation: "query") => Promise<QueryPage> = (soql) =>
    client.json<QueryPage>(`/query?q=${encodeURIComponent(soql)}`),
): Promise<void> {
  const child = plan.capture.child;
  if (!child) throw new Error(`extractChildStream: stream '${plan.name}' is not a child stream`);
  const convert = createRestRecordConverter(plan.schema, plan.fields, sink.log.warn);
  const readGroup = async (ids: string[]): Promise<void> => {
    for await (const records of restQuery(client, child.children(ids), plan.operation)) {
      await sink.records(records.map(convert));
    }
  };
  let group: string[] = [];
  const first = await firstPage(child.parentIds(), "query");
  const pages = async function* (): AsyncGenerator<QueryPage> {
    yield first;
    yield* nextPages(client, first);
  };
  for await (const { records: parents } of pages()) {
    for (const parent of parents) {
      group.push(String(parent.Id));
      if (group.length === PARENT_IDS_PER_QUERY) {
        await readGroup(group);
        group = [];
      }
    }
  }
  if (group.length > 0) await readGroup(group);
}
