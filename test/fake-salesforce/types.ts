// Public types of the fake Salesforce server. The connector's tests depend on these names.

export type RequestKind =
  | "oauth_token"
  | "soap_login"
  | "describe_global"
  | "describe"
  | "composite"
  | "composite_batch"
  | "limits"
  | "get_deleted"
  | "query"
  | "query_all"
  | "query_more"
  | "bulk2_create"
  | "bulk2_status"
  | "bulk2_results"
  | "bulk2_delete"
  | "bulk2_abort"
  | "bulk1_create_job"
  | "bulk1_job_status"
  | "bulk1_close_job"
  | "bulk1_abort_job"
  | "bulk1_create_batch"
  | "bulk1_batch_list"
  | "bulk1_batch_status"
  | "bulk1_batch_request"
  | "bulk1_result_list"
  | "bulk1_result"
  | "other";

export interface FakeFieldSpec {
  name: string;
  /** Salesforce describe `type` (string, picklist, reference, datetime, address, ...). */
  type: string;
  /** Any other describe attribute (nillable, length, referenceTo, relationshipName, compoundFieldName, ...). */
  [attribute: string]: unknown;
}

export interface FakeObjectSpec {
  name: string;
  /** Full describe JSON; if absent it is built from `fields`. */
  describe?: object;
  fields?: FakeFieldSpec[];
  /** Overrides for its describeGlobal entry (queryable, retrieveable, ...). */
  globalAttributes?: object;
  /** A count => deterministic generated rows; or explicit rows. */
  records?: number | (() => Iterable<Record<string, unknown>>);
  /** Default true; false => Bulk 2.0 / 1.0 job creation fails with INVALIDENTITY / InvalidEntity. */
  bulkSupported?: boolean;
  /**
   * Bulk 1.0 PK chunking support. Default: as documented, custom objects, Account, Asset, Campaign,
   * CampaignMember, Case, CaseArticle, CaseHistory, Contact, Event, EventRelation, Lead, LoginHistory,
   * Opportunity, Task, User, WorkOrder, WorkOrderLineItem, and sharing objects whose parent supports it.
   */
  pkChunkingSupported?: boolean;
  /** Its describe answers 500 UNKNOWN_EXCEPTION (also inside Composite, as a failed subrequest). */
  describeFails?: boolean;
  /** Its describe answer has no `fields` array (also inside Composite); queries still see the fields. */
  describeOmitsFields?: boolean;
}

export interface FakeOptions {
  /** Replaces the default org. */
  objects?: FakeObjectSpec[];
  /** Added to the default org; one named like a default object replaces it. */
  extraObjects?: FakeObjectSpec[];
  /**
   * The default org's Account, Contact and Custom__c use the real describes of ../shared/reference
   * when that folder is present (default true). False always uses the generated shapes, for data
   * that must not depend on what sits beside the repo (the acceptance tests' expected records).
   */
  referenceDescribes?: boolean;
  /** Default 100000. */
  dailyApiMax?: number;
  /** Default 0; every counted API call increments it (Sforce-Limit-Info and /limits show it). */
  dailyApiUsed?: number;
  /** Default 2: status polls that see UploadComplete/InProgress before JobComplete. */
  bulk2PollsUntilComplete?: number;
  /** Rows per Bulk 2.0 results page when maxRecords is absent; default 50000. */
  defaultBulk2PageSize?: number;
  /** Delay before each Bulk 2.0 results page answers (server time to first byte); default 0. */
  bulk2ResultsLatencyMs?: number;
  /**
   * Default 2: status reads (GET batch, batch list or job info) a Bulk 1.0 batch answers with
   * Queued/InProgress before Completed (or Failed). Counted per batch.
   */
  bulk1PollsUntilComplete?: number;
  /** Rows per Bulk 1.0 result file; a batch with more rows has several result ids. Default 50000. */
  bulk1ResultFileRows?: number;
  /** Most Ids one deleted-records answer lists (Salesforce: 600,000; more is EXCEEDED_ID_LIMIT). */
  deletedIdLimit?: number;
  /** REST query page size, default 2000 (Sforce-Query-Options: batchSize=N, clamped to 200..2000, overrides it). */
  restBatchSize?: number;
  /** Clock for mutation timestamps, token issued_at and job dates; default the real clock. */
  now?: () => Date;
  /**
   * Every request to an API path (`/services/data`, `/services/async`) answers after this many ms,
   * whatever its outcome, as a real org's network and server time; default 0. Measured on the real
   * clock, not `now`.
   */
  requestLatencyMs?: number;
  /**
   * The same for every other request (OAuth token/revoke, SOAP login, identity URL, the `/services/data`
   * version list); default requestLatencyMs.
   */
  authLatencyMs?: number;
  /**
   * A Bulk 2.0 job is not JobComplete (or Failed), and a Bulk 1.0 batch not Completed (or Failed),
   * before this many ms after its creation (real clock); default 0. When set, the polls options above
   * default to 0; if both are set, both must hold.
   */
  bulkJobLatencyMs?: number;
  /** The connected app's policies; each defaults as documented on FakeConnectedApp. */
  connectedApp?: Partial<FakeConnectedApp>;
  /**
   * Default false. True serves a Bulk 2.0 results page or a Bulk 1.0 result file answered with no
   * fault and no rewritten value from a cache of its exact bytes (after gzip when gzip is accepted),
   * rendered once per query, operation, data version, row range, CSV dialect and encoding: a record
   * changed since is a new data version, so a later job renders afresh. `drop_mid_body` still cuts a
   * cached body. For benchmarks, where rendering and gzipping pages in the measuring process would
   * take CPU from the client measured (a real org's serving costs the client none); the cache holds
   * every body it has sent until the fake stops.
   */
  cacheResultBodies?: boolean;
}

/** See FakeSalesforce.resultCache. */
export interface ResultCacheStats {
  /** Bodies held (one per key and encoding). */
  entries: number;
  /** Their bytes, as sent (after gzip when gzip was accepted). */
  bytes: number;
  /** Answers served from the cache. */
  hits: number;
  /** Cacheable answers rendered (and stored, unless cut or abandoned). */
  misses: number;
}

/** The connected app's policies (Setup > App Manager > Manage / Edit Policies). Tests may change them live. */
export interface FakeConnectedApp {
  /**
   * Refresh token rotation (default false): each refresh_token grant answers a new `refresh_token` and
   * retires the one it was given, so using the old one again is `invalid_grant`.
   */
  refreshTokenRotation: boolean;
  /**
   * JWT bearer: the user is pre-authorised ("Admin approved users are pre-authorized" and the user's
   * profile or permission set added). Default true; false answers "user hasn't approved this consumer".
   */
  jwtUserApproved: boolean;
  /** JWT `aud` values the org accepts (a trailing slash is ignored). Default: the fake's own URL. */
  jwtAudiences?: string[];
  /**
   * Username of the client credentials flow's "Run As" user. Default the integration user; null means
   * none is set ("no client credentials user enabled").
   */
  clientCredentialsRunAs: string | null;
  /**
   * Whether the fake's URL is the org's My Domain (default true). false makes it behave like
   * login.salesforce.com for the client credentials grant: "request not supported on this domain".
   */
  myDomain: boolean;
}

export interface RecordedRequest {
  kind: RequestKind;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Request body as text. */
  body: string;
  /** SOQL of a REST query (`q`), of a Bulk 2.0 job creation or of a Bulk 1.0 batch. */
  soql?: string;
  /** API version from the path (`62.0`), when the path has one. */
  apiVersion?: string;
  /** When it arrived: epoch ms with sub-ms precision (performance.timeOrigin + performance.now()). */
  receivedAt: number;
  /** When its response was finished or its connection closed (same clock); absent while in flight. */
  answeredAt?: number;
}

/**
 * Request faults. Salesforce's own failures: `http500`, `http503`, `invalid_session`, `request_limit`,
 * `job_failed` (Bulk 2.0 create). The network's: `drop`, `drop_mid_body`, and `slow_body` (the whole
 * answer, well framed, in 16 KiB pieces 20 ms apart, as over a congested link). Broken answers, as a proxy,
 * captive portal or maintenance page (or a Salesforce bug) would give them:
 * - `html_page`: 200 `text/html` page instead of the answer (any kind; never reaches Salesforce).
 * - `truncated_json`: the JSON answer cut to half its length, the response otherwise complete and well
 *   framed (Content-Length of the cut body); any kind answering JSON (`oauth_token`, `query`, ...).
 * - `no_locator` (`bulk2_results`): the page lacks its `Sforce-Locator` header.
 * - `no_record_count` (`bulk2_results`): the page lacks `Sforce-NumberOfRecords`, body complete.
 * - `short_page` (`bulk2_results`): no `Sforce-NumberOfRecords`, and the body ends cleanly after half
 *   the page's rows (rounded down): well-formed CSV, fewer rows, the true next locator. On a Bulk 1.0
 *   result file (`bulk1_result`, which has no row count header): the file ends after half its rows.
 * - `self_locator` (`bulk2_results`): `Sforce-Locator` points back at this very page.
 * - `wrong_header` (`bulk2_results`): a well-formed text/csv page whose header row names
 *   `Unexpected__c` instead of the first selected field.
 * - `no_next_records_url` (`query`, `query_all`, `query_more`): a page with `done: false` and no
 *   `nextRecordsUrl` (a page that is `done: true` is left alone).
 * - `rewrite_value`: see ValueFaultSpec.
 */
export type FaultType =
  | "http500"
  | "http503"
  | "drop"
  | "drop_mid_body"
  | "slow_body"
  | "invalid_session"
  | "request_limit"
  | "job_failed"
  | "html_page"
  | "truncated_json"
  | "no_locator"
  | "no_record_count"
  | "short_page"
  | "self_locator"
  | "no_next_records_url"
  | "wrong_header";

export interface RequestFaultSpec {
  kind: RequestKind;
  /** How many matching requests it hits (default 1); Infinity = persistent. */
  times?: number;
  /** Skip this many matching requests first (default 0). */
  after?: number;
  type: FaultType;
  /** `html_page` only: the page's HTML (default: a maintenance page whose tags carry quoted attributes). */
  body?: string;
}

/**
 * One value of a results page rewritten, as a proxy or a broken export would: on a Bulk 2.0 results
 * page (`bulk2_results`), a Bulk 1.0 result file (`bulk1_result`) or a REST page (`query`,
 * `query_all`, `query_more`). Counted per matching request like a RequestFaultSpec. A page without
 * that column or row is sent unchanged.
 */
export interface ValueFaultSpec {
  kind: "bulk2_results" | "bulk1_result" | "query" | "query_all" | "query_more";
  type: "rewrite_value";
  /**
   * CSV: the column as the header names it (`Amount__c`, `Geo__Latitude__s`, `Account.Name`).
   * REST: the record's key, dotted for nested objects (`Amount__c`, `Geo__c.latitude`, `Account.Name`).
   */
  field: string;
  /** Written as is: CSV gets its text (quoted where CSV needs it), REST JSON gets the JSON value. */
  value: unknown;
  /** 0-based row within the page or file (default 0). */
  row?: number;
  times?: number;
  after?: number;
}

/**
 * Bulk 1.0 batch outcomes, counted per batch as batches are created (across jobs), not per request:
 * - `batch_failed`: the matching PK-chunk batch ends Failed with `message`
 *   (default "InternalServerError : Failed to write query result.").
 * - `query_timeout`: the matching non-chunked batch ends Failed with `message` (default
 *   "InvalidBatch : Failed to process query: QUERY_TIMEOUT: Your query request was running for too long.").
 */
export interface BatchFaultSpec {
  kind: "bulk1_batch";
  type: "batch_failed" | "query_timeout";
  /** How many matching batches it hits (default 1); Infinity = persistent. */
  times?: number;
  /** Skip this many matching batches first (default 0). */
  after?: number;
  message?: string;
}

/**
 * A failure of ONE Composite (or Composite Batch) subrequest, answered inside the 200 Composite
 * response while the other subrequests run normally. Counted per matching subrequest, across requests.
 * - `http500`: 500 UNKNOWN_EXCEPTION; `http503`: 503 SERVER_UNAVAILABLE;
 * - `malformed_query`: 400 MALFORMED_QUERY; `query_timeout`: 400 QUERY_TIMEOUT.
 */
export interface SubrequestFaultSpec {
  kind: "composite_subrequest";
  type: "http500" | "http503" | "malformed_query" | "query_timeout";
  /** Matches the subrequest's url (after @{ref} substitution): a RegExp, or a substring. Default: any. */
  url?: RegExp | string;
  /** Matches the subrequest's 0-based position in its request. Default: any. */
  index?: number;
  /** How many matching subrequests it hits (default 1); Infinity = persistent. */
  times?: number;
  /** Skip this many matching subrequests first (default 0). */
  after?: number;
  /** Replaces the error body's message. */
  message?: string;
}

export type FaultSpec = RequestFaultSpec | ValueFaultSpec | BatchFaultSpec | SubrequestFaultSpec;

/** The API a request belongs to: logins ("auth"), REST incl. Composite, Bulk 2.0 (`/jobs/`), Bulk 1.0. */
export type ApiFamily = "auth" | "rest" | "bulk2" | "bulk1";

/**
 * Requests in flight (from arrival until the response is finished or the connection closed,
 * latency included) and Bulk jobs open, with their peaks since start or the last resetCounts().
 * Open: a Bulk 2.0 job from its creation until it is deleted or aborted; a Bulk 1.0 job from its
 * creation until it is aborted, or closed with every batch in a final state (Completed, Failed,
 * NotProcessed, as last read by a status request).
 */
export interface FakeActivity {
  inFlight: number;
  maxInFlight: number;
  /** Peak of REST, Bulk 2.0 and Bulk 1.0 requests together (logins left out). */
  maxApiInFlight: number;
  inFlightByApi: Record<ApiFamily, number>;
  maxInFlightByApi: Record<ApiFamily, number>;
  /** Only kinds seen since the reset. */
  maxInFlightByKind: Partial<Record<RequestKind, number>>;
  openBulkJobs: number;
  maxOpenBulkJobs: number;
  maxOpenBulkJobsByApi: { bulk2: number; bulk1: number };
  openBulkJobIds: string[];
}

export interface FakeCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  username: string;
  password: string;
  securityToken: string;
}

export interface FakeSalesforce {
  readonly url: string;
  /** The current credentials; with refresh token rotation, `refreshToken` is the latest one issued. */
  readonly credentials: FakeCredentials;
  /** The connected app's policies, live: a change applies to the next token request. */
  readonly connectedApp: FakeConnectedApp;
  /**
   * The private key (PKCS#8 PEM) whose certificate is uploaded to the connected app ("Use digital
   * signatures"): JWT bearer assertions signed with it verify; the app holds only the public key.
   */
  readonly appPrivateKey: string;
  readonly requests: RecordedRequest[];
  count(kind?: RequestKind): number;
  readonly apiCallsCounted: number;
  /** In-flight requests and open Bulk jobs now, with their peaks. */
  activity(): FakeActivity;
  /** The results cache's counts (`cacheResultBodies`; all zero when it is off). */
  resultCache(): ResultCacheStats;
  /** Clears the request log and the API call counter; peaks restart from what is in flight/open now. */
  resetCounts(): void;
  inject(fault: FaultSpec): void;
  clearFaults(): void;
  expireSessions(): void;
  /**
   * Deletes every Bulk 2.0 and Bulk 1.0 job with its batches and results, as Salesforce does with
   * jobs older than seven days ("Job and Batch Lifespan", Bulk API Developer Guide): from then on a
   * job's Ids answer as unknown (Bulk 2.0 `404 NOT_FOUND`, Bulk 1.0 `400 InvalidJob`). Returns how
   * many jobs were forgotten.
   */
  forgetJobs(): number;
  setApiDisabled(disabled: boolean): void;
  records(object: string): Iterable<Record<string, unknown>>;
  update(object: string, ids: string[], changes?: Record<string, unknown>): void;
  insert(object: string, rows: Array<Record<string, unknown>>): string[];
  /** Soft delete (recycle bin): queryAll still reads the rows with IsDeleted = true; logged for getDeleted. */
  delete(object: string, ids: string[]): void;
  /**
   * Hard delete, or a soft-deleted row's recycle bin emptied: the rows leave query and queryAll; the
   * deleted-records resource still lists them (with the first deletion's date) for 15 days.
   */
  hardDelete(object: string, ids: string[]): void;
  /** New values of formula fields (calculated: true) without moving SystemModstamp/LastModifiedDate. */
  recalculate(object: string, ids: string[], values: Record<string, unknown>): void;
  stop(): Promise<void>;
}
