// Port of connector_acceptance_test/tests/test_full_refresh.py (CAT 3.9): two reads of the
// configured catalog in full refresh, without caching; the second read's records must all be
// emitted after the first read's. (CAT 3.9 no longer compares the two reads' records.)
import type { FullRefreshConfig } from "../config.js";
import { filterOutput, fullRefreshOnlyCatalog, recordOf } from "./common.js";
import { assert, type CatTest } from "./pytest.js";
import type { Fixtures } from "./session.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const TestFullRefresh: Array<CatTest<Fixtures<FullRefreshConfig>>> = [
  {
    name: "TestFullRefresh.test_sequential_reads",
    async run(fx) {
      const config = await fx.connectorConfig();
      const catalog = fullRefreshOnlyCatalog(await fx.configuredCatalog());
      await fx.ignoredFields();
      const records1 = filterOutput(await fx.callRead(config, catalog, { enableCaching: false }), "RECORD").map(
        recordOf,
      );
      // sleep to ensure that the emitted_at timestamp is different
      await sleep(100);
      const records2 = filterOutput(await fx.callRead(config, catalog, { enableCaching: false }), "RECORD").map(
        recordOf,
      );
      // assert_emitted_at_increase_on_subsequent_runs
      assert(records1.length, "At least one record should be read using provided catalog");
      if (records2.length === 0)
        throw new Error("ValueError: min() arg is an empty sequence (the second read returned no records)");
      const maxFirst = Math.max(...records1.map((r) => r.emitted_at));
      const minSecond = Math.min(...records2.map((r) => r.emitted_at));
      assert(
        maxFirst < minSecond,
        `emitted_at should increase on subsequent runs (first read up to ${maxFirst}, second from ${minSecond})`,
      );
    },
  },
];
