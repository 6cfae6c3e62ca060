// read/plan in-process against the fake Salesforce: an object stream goes through the API its
// catalog entry names (the x-bulk-* keys discover wrote), not through a second reading of the describe.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeSalesforce, type FakeSalesforce } from "../fake-salesforce/index.js";
import { baseConfig } from "../helpers/read-fixtures.js";
import { parseConfig } from "../../src/config.js";
import { connect } from "../../src/salesforce/connect.js";
import { discover } from "../../src/catalog/discover.js";
import { planStreams } from "../../src/read/plan.js";
import type { AirbyteStream } from "../../src/protocol/types.js";

let fake: FakeSalesforce;
beforeAll(async () => {
  fake = await startFakeSalesforce();
});
afterAll(() => fake?.stop());

const log = { warn: () => {}, info: () => {}, configChanged: async () => {} };

async function planOf(object: string, edit: (stream: AirbyteStream) => void = () => {}) {
  const config = parseConfig(baseConfig(fake, { streams_criteria: [{ criteria: "exacts", value: object }] }));
  const client = await connect(config, log);
  const stream = (await discover(client, config, log.warn)).streams[0]!;
  edit(stream);
  const [plan] = await planStreams(
    client,
    config,
    { streams: [{ stream, sync_mode: "full_refresh", destination_sync_mode: "overwrite" }] },
    log.warn,
  );
  return plan!;
}

const properties = (stream: AirbyteStream) => stream.json_schema.properties as Record<string, unknown>;

describe("which API a plan reads through", () => {
  it("REST for the compound fields the catalog lists", async () => {
    let listed: string[] = [];
    const plan = await planOf("Account", (stream) => {
      listed = stream.json_schema["x-bulk-unsupported-fields"] as string[];
    });
    // Account has BillingAddress in both the generated and the reference describe (which adds more).
    expect(listed).toContain("BillingAddress");
    expect(plan.api).toBe("rest");
    expect(plan.restReason).toBe(`the Bulk API cannot select ${listed.join(", ")} (compound or base64 fields)`);
  });

  it("Bulk once the catalog lists none (a catalog without the keys is left to Salesforce to refuse)", async () => {
    const plan = await planOf("Account", (stream) => delete stream.json_schema["x-bulk-unsupported-fields"]);
    expect(plan.api).toBe("bulk");
  });

  it("Bulk when the listed fields are not selected", async () => {
    const plan = await planOf("Account", (stream) => {
      for (const field of stream.json_schema["x-bulk-unsupported-fields"] as string[]) delete properties(stream)[field];
    });
    expect(plan.api).toBe("bulk");
  });

  it("REST for an object the catalog marks x-bulk-unsupported-object, Bulk without the mark", async () => {
    expect(await planOf("TaskStatus")).toMatchObject({
      api: "rest",
      restReason: "the Bulk API does not support this object",
    });
    const unmarked = await planOf("TaskStatus", (stream) => delete stream.json_schema["x-bulk-unsupported-object"]);
    expect(unmarked.api).toBe("bulk");
  });
});
