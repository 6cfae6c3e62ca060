// Shared mutable state of one fake server instance.
import type { Activity } from "./activity.js";
import type { Faults } from "./faults.js";
import type { Org } from "./org.js";
import type { Sessions } from "./auth.js";
import type { BulkJob } from "./bulk2.js";
import type { Bulk1Job } from "./bulk1.js";
import type { QueryLocator } from "./rest-query.js";
import type { ResultCache } from "./result-cache.js";
import type { KeyObject } from "node:crypto";
import type { FakeConnectedApp, FakeCredentials, RecordedRequest } from "./types.js";

export interface ResolvedOptions {
  dailyApiMax: number;
  bulk2PollsUntilComplete: number;
  defaultBulk2PageSize: number;
  bulk2ResultsLatencyMs: number;
  bulk1PollsUntilComplete: number;
  bulk1ResultFileRows: number;
  restBatchSize: number;
  deletedIdLimit: number;
  now: () => Date;
  requestLatencyMs: number;
  authLatencyMs: number;
  bulkJobLatencyMs: number;
  cacheResultBodies: boolean;
}

export interface FakeState {
  url: string;
  org: Org;
  opts: ResolvedOptions;
  credentials: FakeCredentials;
  connectedApp: FakeConnectedApp;
  /** The public key of the certificate uploaded to the connected app (JWT bearer signatures). */
  appPublicKey: KeyObject;
  orgId: string;
  userId: string;
  sessions: Sessions;
  faults: Faults;
  requests: RecordedRequest[];
  /** In-flight requests and open Bulk jobs, with peaks. */
  activity: Activity;
  apiCallsCounted: number;
  apiUsed: number;
  apiDisabled: boolean;
  jobs: Map<string, BulkJob>;
  /** Bulk API 1.0 jobs (with their batches). */
  bulk1Jobs: Map<string, Bulk1Job>;
  locators: Map<string, QueryLocator>;
  /** Rendered Bulk results bodies (`cacheResultBodies`). */
  resultCache: ResultCache;
  /** Counter for server-made Ids (jobs, batches, results, locators). */
  serial: number;
}

export function limitInfo(state: FakeState): string {
  return `api-usage=${state.apiUsed}/${state.opts.dailyApiMax}`;
}
