// The valid base config the property-style test mutates: every property of spec.json present, with
// values that work against the fake Salesforce (Widget__c objects from read-fixtures' widgetObject).
import { generateKeyPairSync } from "node:crypto";
import type { FakeSalesforce } from "../fake-salesforce/index.js";
import type { Generation } from "./spec-configs.js";

/** A signing key for runs without a fake (the fake's own app key is used where there is one). */
let spareKey: string | undefined;
function privateKey(fake: { appPrivateKey?: string }): string {
  spareKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;
  return fake.appPrivateKey ?? spareKey;
}

export function propertyTestGeneration(
  fake: Pick<FakeSalesforce, "url" | "credentials"> & { appPrivateKey?: string },
): Generation {
  const c = fake.credentials;
  const oauth = {
    auth_type: "oauth2_refresh_token",
    client_id: c.clientId,
    client_secret: c.clientSecret,
    refresh_token: c.refreshToken,
  };
  return {
    base: {
      credentials: oauth,
      is_sandbox: false,
      login_url: fake.url,
      api_version: "62.0",
      start_date: "2024-01-01",
      bulk_api: { version: "2.0", max_records: 50_000 },
      source_action: "query",
      formula_refresh: "P7D",
      hard_deletes: false,
      streams_criteria: [{ criteria: "exacts", value: "Widget__c" }],
      object_filters: [{ object: "Widget__c", where: "Name != null" }],
      query_streams: [
        { name: "active_widgets", query: "SELECT Id, Name, SystemModstamp FROM Widget__c WHERE Active__c = true" },
      ],
      stream_slice_step: "P30D",
      lookback_window: "PT10M",
      api_quota_percent: 80,
      concurrency: 4,
      job_timeout: "PT2H",
      max_bulk_jobs: 5,
      bulk_threshold: 10_000,
      api_quota_percent_per_sync: 50,
      parse_workers: 2,
    },
    branches: {
      credentials: {
        oauth2_refresh_token: oauth,
        username_password: {
          auth_type: "username_password",
          username: c.username,
          password: c.password,
          security_token: c.securityToken,
          client_id: c.clientId,
          client_secret: c.clientSecret,
        },
        jwt_bearer: {
          auth_type: "jwt_bearer",
          client_id: c.clientId,
          username: c.username,
          private_key: privateKey(fake),
        },
        client_credentials: { auth_type: "client_credentials", client_id: c.clientId, client_secret: c.clientSecret },
      },
      bulk_api: {
        "2.0": { version: "2.0", max_records: 50_000 },
        "1.0": { version: "1.0", pk_chunking: true, chunk_size: 100_000 },
      },
    },
    extra: {
      api_version: { valid: ["47.0", "64.0", "79.0"], invalid: ["46.0", "80.0", "10.0", "99.0", "62", "v62.0"] },
      start_date: {
        valid: [
          "1700-01-01",
          "4000-12-31",
          "2024-02-29",
          "2024-01-01T00:00:00Z",
          "2024-01-01T05:30:00.123456789+05:30",
        ],
        invalid: [
          "1699-12-31",
          "4000-12-31T00:00:01Z",
          "0001-01-01",
          "2023-02-29",
          "2024-13-01",
          "2024-01-01T00:00:00",
        ],
      },
      login_url: {
        valid: [fake.url.replace("127.0.0.1", "localhost"), "https://acme.my.salesforce.com"],
        invalid: [
          "http://acme.my.salesforce.com",
          "ftp://acme.my.salesforce.com",
          "acme",
          "https://u:pw@acme.my.salesforce.com",
        ],
      },
      stream_slice_step: {
        valid: ["PT1S", "P1Y2M3W4DT5H6M7S"],
        invalid: ["P1000000Y", "P99999999999999999999D", "P0D", "PT0S", "P", "30 days"],
      },
      lookback_window: { valid: ["PT0S", "P0D"], invalid: ["P1000000Y", "P", "-PT10M"] },
      job_timeout: { valid: ["PT1S"], invalid: ["P1000000Y", "PT0S"] },
      "bulk_api.max_records": { invalid: [1e21] },
      object_filters: {
        valid: [
          [
            { object: "Widget__c", where: "Active__c = true" },
            { object: "Gadget__c", where: "Name != null" },
          ],
        ],
      },
      "object_filters.object": { valid: ["widget__c"] },
      "query_streams.name": { valid: ["a", "A_1"], invalid: ["1a", "a-b"] },
    },
  };
}
