// Shared mutable state of one fake server instance.
import type { Faults } from "./faults.js";
import type { Org } from "./org.js";
import type { Sessions } from "./auth.js";
import type { BulkJob } from "./bulk2.js";
import type { QueryLocator } from "./rest-query.js";
import type { FakeCredentials, RecordedRequest } from "./types.js";

export interface ResolvedOptions {
  dailyApiMax: number;
  bulk2PollsUntilComplete: number;
  defaultBulk2PageSize: number;
  restBatchSize: number;
  now: () => Date;
}

export interface FakeState {
  url: string;
  org: Org;
  opts: ResolvedOptions;
  credentials: FakeCredentials;
  orgId: string;
  userId: string;
  sessions: Sessions;
  faults: Faults;
  requests: RecordedRequest[];
  apiCallsCounted: number;
  apiUsed: number;
  apiDisabled: boolean;
  jobs: Map<string, BulkJob>;
  locators: Map<string, QueryLocator>;
  /** Counter for server-made Ids (jobs, locators). */
  serial: number;
}

export function limitInfo(state: FakeState): string {
  return `api-usage=${state.apiUsed}/${state.opts.dailyApiMax}`;
}
