// Public entry point of the fake Salesforce server used by the connector's tests.
// It is an independent implementation of Salesforce's documented behaviour: it imports nothing
// from src/, and the connector must not be able to tell it from a real org.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { Activity } from "./activity.js";
import { Sessions } from "./auth.js";
import { buildOrgWithObjects, defaultObjects } from "./default-org.js";
import { Faults } from "./faults.js";
import { makeId } from "./ids.js";
import { Org, type ObjectSpecInternal } from "./org.js";
import { ResultCache } from "./result-cache.js";
import { startServer } from "./server.js";
import type { FakeState } from "./state.js";
import type { FakeOptions, FakeSalesforce, RequestKind } from "./types.js";

export type {
  ApiFamily,
  BatchFaultSpec,
  FakeActivity,
  FakeConnectedApp,
  FakeCredentials,
  FakeFieldSpec,
  FakeObjectSpec,
  FakeOptions,
  FakeSalesforce,
  FaultSpec,
  FaultType,
  RecordedRequest,
  ResultCacheStats,
  RequestFaultSpec,
  RequestKind,
  SubrequestFaultSpec,
} from "./types.js";
export { buildOrgWithObjects, defaultObjects };
export { allTypesFields } from "./default-org.js";
export {
  buildContentDocuments,
  buildFormulaObject,
  buildManySmallObjects,
  buildTiedStampsObject,
  buildWideObject,
  updateRowsPerObject,
  type ContentDocumentsOptions,
  type FormulaObjectOptions,
  type ManySmallOptions,
  type TiedStampsOptions,
} from "./scenario-orgs.js";
export { MAX_URI_AND_HEADER_BYTES } from "./request-limits.js";
export { ALL_FIELD_TYPES } from "./describe-builder.js";
export { GENERATED_FROM, GENERATED_UNTIL } from "./generate.js";
export { DELETE_LOG_DAYS } from "./deleted.js";

const ORG_ID = makeId("00D", 424_242);

let appKeys: { privateKey: string; publicKey: KeyObject } | undefined;

/** The connected app's key pair: generated once per process (RSA key generation takes a while). */
function connectedAppKeys(): { privateKey: string; publicKey: KeyObject } {
  if (!appKeys) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    appKeys = { privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey };
  }
  return appKeys;
}

export async function startFakeSalesforce(options: FakeOptions = {}): Promise<FakeSalesforce> {
  const now = options.now ?? (() => new Date());
  // An extra object named like a base one replaces it (e.g. a bigger Account); others are appended.
  const extra = options.extraObjects ?? [];
  const replaced = new Set(extra.map((o) => o.name.toLowerCase()));
  const specs: ObjectSpecInternal[] = [
    ...(options.objects ?? defaultObjects(options.referenceDescribes ?? true)).filter(
      (o) => !replaced.has(o.name.toLowerCase()),
    ),
    ...extra,
  ];
  const org = new Org(specs, now);
  const user = org.get("User");
  const keys = connectedAppKeys();
  const username = "integration@fake-salesforce.test";
  // With a job latency, completion is time-based unless a poll count is also given.
  const defaultPolls = options.bulkJobLatencyMs ? 0 : 2;
  const state: FakeState = {
    url: "",
    org,
    opts: {
      dailyApiMax: options.dailyApiMax ?? 100_000,
      bulk2PollsUntilComplete: options.bulk2PollsUntilComplete ?? defaultPolls,
      defaultBulk2PageSize: options.defaultBulk2PageSize ?? 50_000,
      bulk2ResultsLatencyMs: options.bulk2ResultsLatencyMs ?? 0,
      bulk1PollsUntilComplete: options.bulk1PollsUntilComplete ?? defaultPolls,
      bulk1ResultFileRows: options.bulk1ResultFileRows ?? 50_000,
      restBatchSize: options.restBatchSize ?? 2000,
      deletedIdLimit: options.deletedIdLimit ?? 600_000,
      now,
      requestLatencyMs: options.requestLatencyMs ?? 0,
      authLatencyMs: options.authLatencyMs ?? options.requestLatencyMs ?? 0,
      bulkJobLatencyMs: options.bulkJobLatencyMs ?? 0,
      cacheResultBodies: options.cacheResultBodies ?? false,
    },
    credentials: {
      clientId: "3MVG9fakeSalesforceClientId.0123456789",
      clientSecret: "FAKE0123456789SECRET",
      refreshToken: "5Aep861fakeRefreshToken.0123456789",
      username,
      // Contains XML/form special characters on purpose: clients must escape them.
      password: "Pa$$w0rd&<1>",
      securityToken: "FAKESECURITYTOKEN123",
    },
    connectedApp: {
      refreshTokenRotation: false,
      jwtUserApproved: true,
      clientCredentialsRunAs: username,
      myDomain: true,
      ...options.connectedApp,
    },
    appPublicKey: keys.publicKey,
    orgId: ORG_ID,
    userId: user && user.store.size > 0 ? user.store.idOf(0) : makeId("005", 0),
    sessions: new Sessions(ORG_ID),
    faults: new Faults(),
    requests: [],
    activity: new Activity(),
    apiCallsCounted: 0,
    apiUsed: options.dailyApiUsed ?? 0,
    apiDisabled: false,
    jobs: new Map(),
    bulk1Jobs: new Map(),
    locators: new Map(),
    resultCache: new ResultCache(),
    serial: 1,
  };
  const server = await startServer(state);
  state.url = server.url;

  const fake: FakeSalesforce = {
    url: server.url,
    credentials: state.credentials,
    connectedApp: state.connectedApp,
    appPrivateKey: keys.privateKey,
    get requests() {
      return state.requests;
    },
    count: (kind?: RequestKind) =>
      kind ? state.requests.filter((r) => r.kind === kind).length : state.requests.length,
    get apiCallsCounted() {
      return state.apiCallsCounted;
    },
    activity: () => state.activity.snapshot(),
    resultCache: () => state.resultCache.stats(),
    resetCounts() {
      state.requests.length = 0;
      state.apiCallsCounted = 0;
      state.activity.reset();
    },
    inject: (fault) => state.faults.inject(fault),
    clearFaults: () => state.faults.clear(),
    expireSessions: () => state.sessions.expireAll(),
    forgetJobs() {
      const forgotten = state.jobs.size + state.bulk1Jobs.size;
      for (const id of state.jobs.keys()) state.activity.jobReleased("bulk2", id);
      for (const job of state.bulk1Jobs.values()) state.activity.jobReleased("bulk1", job.id);
      state.jobs.clear();
      state.bulk1Jobs.clear();
      return forgotten;
    },
    setApiDisabled(disabled) {
      state.apiDisabled = disabled;
    },
    *records(object) {
      const obj = org.require(object);
      for (let i = 0; i < obj.store.size; i++) if (obj.store.existsAt(i)) yield obj.store.row(i);
    },
    update: (object, ids, changes) => org.update(object, ids, changes),
    insert: (object, rows) => org.insert(object, rows),
    delete: (object, ids) => org.delete(object, ids),
    hardDelete: (object, ids) => org.hardDelete(object, ids),
    recalculate: (object, ids, values) => org.recalculate(object, ids, values),
    stop: () => server.close(),
  };
  return fake;
}
