import { mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { futureStartDateWarning, parseConfig, readJsonFile, withRefreshToken } from "../src/config.js";
import { redact } from "../src/protocol/redact.js";
import { describeVersions } from "../src/salesforce/api-versions.js";
import { ConnectorError } from "../src/errors.js";
import { parseDurationMs } from "../src/durations.js";

const credentials = {
  auth_type: "oauth2_refresh_token",
  client_id: "cid",
  client_secret: "cs-1",
  refresh_token: "rt-1",
};
const now = new Date("2026-11-28T12:00:00Z");

describe("parseConfig", () => {
  it("applies every default from spec.json", () => {
    const config = parseConfig({ credentials }, now);
    expect(config.loginUrl).toBe("https://login.salesforce.com");
    expect(config.spec).toMatchObject({
      is_sandbox: false,
      api_version: "62.0",
      bulk_api: { version: "2.0" },
      source_action: "query",
      stream_slice_step: "P30D",
      lookback_window: "PT10M",
      api_quota_percent: 80,
      concurrency: 4,
    });
    expect(config.startDate.toISOString()).toBe("2024-11-28T12:00:00.000Z"); // two years of 365 days back
    expect(config.sliceStepMs).toBe(30 * 86_400_000);
    expect(config.lookbackMs).toBe(600_000);
  });

  it("Bulk 1.0 gets pk_chunking true and chunk_size 100000 unless set", () => {
    expect(parseConfig({ credentials, bulk_api: { version: "1.0" } }, now).spec.bulk_api).toEqual({
      version: "1.0",
      pk_chunking: true,
      chunk_size: 100_000,
    });
    expect(
      parseConfig({ credentials, bulk_api: { version: "1.0", pk_chunking: false, chunk_size: 5 } }, now).spec.bulk_api,
    ).toEqual({
      version: "1.0",
      pk_chunking: false,
      chunk_size: 5,
    });
  });

  it.each([
    [{}, "https://login.salesforce.com"],
    [{ is_sandbox: true }, "https://test.salesforce.com"],
    [{ is_sandbox: true, login_url: "https://acme.my.salesforce.com/some/path" }, "https://acme.my.salesforce.com"],
    [{ login_url: "http://127.0.0.1:8080" }, "http://127.0.0.1:8080"],
    [{ login_url: "http://localhost:9" }, "http://localhost:9"],
    [{ login_url: "http://[::1]:9" }, "http://[::1]:9"],
  ])("login URL for %j is %s", (extra, expected) => {
    expect(parseConfig({ credentials, ...extra }, now).loginUrl).toBe(expected);
  });

  it.each([
    ["http://10.0.0.1", /login_url: must use https:\/\//],
    ["ftp://acme.my.salesforce.com", /login_url: must be an https:\/\/ URL, not ftp:/],
    ["acme.my.salesforce.com", /login_url: 'acme.my.salesforce.com' is not a URL/],
  ])("rejects login_url %s", (login_url, message) => {
    expect(() => parseConfig({ credentials, login_url }, now)).toThrow(message);
  });

  it("a date start_date is midnight UTC; a date-time keeps its offset", () => {
    expect(parseConfig({ credentials, start_date: "2024-02-29" }, now).startDate.toISOString()).toBe(
      "2024-02-29T00:00:00.000Z",
    );
    expect(parseConfig({ credentials, start_date: "2024-03-01T02:00:00+02:00" }, now).startDate.toISOString()).toBe(
      "2024-03-01T00:00:00.000Z",
    );
  });

  it("errors are config_errors that never echo a secret", () => {
    let error: unknown;
    try {
      parseConfig({ credentials: { ...credentials, client_secret: 42 }, concurrency: "many" }, now);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).failureType).toBe("config_error");
    expect((error as ConnectorError).message).toMatch(/concurrency: must be integer/);
    expect((error as ConnectorError).message).not.toContain("rt-1");
  });
});

describe("login credentials", () => {
  const key = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" });
  const jwt = { auth_type: "jwt_bearer", client_id: "cid", username: "u@x.test", private_key: key };
  const clientCredentials = { auth_type: "client_credentials", client_id: "cid", client_secret: "cs-2" };

  it("reads the JWT signing key once; a key that is not one names credentials.private_key", () => {
    expect(parseConfig({ credentials: jwt }, now).jwtKey?.asymmetricKeyType).toBe("rsa");
    expect(parseConfig({ credentials }, now).jwtKey).toBeUndefined();
    expect(() => parseConfig({ credentials: { ...jwt, private_key: "nope" } }, now)).toThrow(
      /credentials\.private_key: is not a PEM private key/,
    );
  });

  it.each([
    [{}, /login_url: required with client credentials/],
    [{ is_sandbox: true }, /login_url: required with client credentials/],
    [
      { login_url: "https://test.salesforce.com" },
      /login_url: test\.salesforce\.com does not serve the client credentials flow/,
    ],
  ])("client credentials need the org's My Domain as login_url (%j)", (fields, message) => {
    expect(() => parseConfig({ credentials: clientCredentials, ...fields }, now)).toThrow(message);
  });

  it("client credentials at a My Domain are fine", () => {
    const config = parseConfig({ credentials: clientCredentials, login_url: "https://acme.my.salesforce.com" }, now);
    expect(config.loginUrl).toBe("https://acme.my.salesforce.com");
  });

  it("withRefreshToken hands back the config as given (no defaults added) with only the token replaced", () => {
    const input = { credentials, login_url: "https://acme.my.salesforce.com", custom_extra: 1 };
    const config = parseConfig(input, now);
    expect(config.input).toEqual(input);
    const updated = withRefreshToken(config.input, "rt-2");
    expect(updated).toEqual({ ...input, credentials: { ...credentials, refresh_token: "rt-2" } });
    expect(config.input.credentials).toEqual(credentials); // not changed in place
  });
});

describe("parseDurationMs", () => {
  it.each([
    ["PT10M", 600_000],
    ["P1D", 86_400_000],
    ["P1W", 7 * 86_400_000],
    ["P1M", 30 * 86_400_000],
    ["P1Y", 365 * 86_400_000],
    ["P1DT1H1M1S", 86_400_000 + 3_661_000],
    ["P", undefined],
    ["PT", undefined],
    ["30 days", undefined],
  ])("%s -> %s", (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});

describe("config hardening (issue 13)", () => {
  it("a user name or password in login_url is refused without echoing them, and the password is masked everywhere", () => {
    const login_url = "https://admin:Pa%24%24word-x7@acme.my.salesforce.com";
    let message = "";
    try {
      parseConfig({ credentials, login_url }, now);
    } catch (e) {
      message = (e as ConnectorError).message;
    }
    expect(message).toMatch(/login_url: must not contain a user name or password/);
    expect(message).not.toMatch(/admin|Pa%24|Pa\$\$word/);
    expect(redact("seen: Pa%24%24word-x7 and Pa$$word-x7")).toBe("seen: **** and ****");
  });

  it("quotes a login_url that is not a URL without its userinfo and at most 100 characters", () => {
    expect(() => parseConfig({ credentials, login_url: "https://u:secret-q1@bad host" }, now)).toThrow(
      /login_url: 'https:\/\/bad host' is not a URL/,
    );
    let message = "";
    try {
      parseConfig({ credentials, login_url: `not a url ${"x".repeat(1000)}` }, now);
    } catch (e) {
      message = (e as ConnectorError).message;
    }
    expect(message.length).toBeLessThan(300);
  });

  it("durations past their maximum_duration, start_date outside SOQL's dates, a second filter for one object", () => {
    expect(() => parseConfig({ credentials, stream_slice_step: "P100YT1S" }, now)).toThrow(
      /stream_slice_step: must be at most P100Y/,
    );
    expect(parseConfig({ credentials, stream_slice_step: "P100Y" }, now).sliceStepMs).toBe(36_500 * 86_400_000);
    expect(() => parseConfig({ credentials, start_date: "1699-12-31" }, now)).toThrow(
      /start_date: must be from 1700-01-01/,
    );
    expect(parseConfig({ credentials, start_date: "4000-12-31" }, now).startDate.toISOString()).toBe(
      "4000-12-31T00:00:00.000Z",
    );
    expect(() =>
      parseConfig(
        {
          credentials,
          object_filters: [
            { object: "Account", where: "A = 1" },
            { object: "ACCOUNT", where: "B = 1" },
          ],
        },
        now,
      ),
    ).toThrow(/object_filters\.1\.object: 'ACCOUNT' already has a filter \(object_filters\.0\)/);
  });

  it("a missing required field is named by its path", () => {
    expect(() => parseConfig({ credentials: { auth_type: "oauth2_refresh_token", client_id: "c" } }, now)).toThrow(
      /credentials\.client_secret: is required; credentials\.refresh_token: is required/,
    );
  });

  it("warns of a start_date in the future only", () => {
    expect(futureStartDateWarning(parseConfig({ credentials, start_date: "2027-01-01" }, now), now)).toMatch(
      /^start_date 2027-01-01 is in the future/,
    );
    expect(futureStartDateWarning(parseConfig({ credentials, start_date: "2026-11-28" }, now), now)).toBeUndefined();
    expect(futureStartDateWarning(parseConfig({ credentials }, now), now)).toBeUndefined();
  });

  it("reads JSON files that start with a UTF-8 byte order mark", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bom-"));
    const path = join(dir, "config.json");
    writeFileSync(path, `\uFEFF${JSON.stringify({ a: 1 })}`, "utf8");
    expect(await readJsonFile(path, "config")).toEqual({ a: 1 });
  });
});

describe("describeVersions", () => {
  it("joins contiguous versions into runs", () => {
    expect(describeVersions(["31.0", "32.0", "33.0"])).toBe("31.0 to 33.0");
    expect(describeVersions(["58.0", "60.0", "61.0", "62.0"])).toBe("58.0, 60.0 to 62.0");
  });
});

describe("parse_workers (issue 16)", () => {
  const withEnv = <T>(value: string | undefined, run: () => T): T => {
    const saved = process.env.SOURCE_SALESFORCE_PARSE_WORKERS;
    if (value === undefined) delete process.env.SOURCE_SALESFORCE_PARSE_WORKERS;
    else process.env.SOURCE_SALESFORCE_PARSE_WORKERS = value;
    try {
      return run();
    } finally {
      if (saved === undefined) delete process.env.SOURCE_SALESFORCE_PARSE_WORKERS;
      else process.env.SOURCE_SALESFORCE_PARSE_WORKERS = saved;
    }
  };

  it("defaults to the machine's cores; SOURCE_SALESFORCE_PARSE_WORKERS gives the default instead", () => {
    expect(withEnv(undefined, () => parseConfig({ credentials }, now).parseWorkers)).toBe(availableParallelism());
    expect(withEnv("3", () => parseConfig({ credentials }, now).parseWorkers)).toBe(3);
    expect(withEnv("3", () => parseConfig({ credentials, parse_workers: 1 }, now).parseWorkers)).toBe(1);
  });

  it("a count outside 1-64 is a config_error naming the field or the variable", () => {
    for (const bad of [0, 65, 1.5])
      expect(() => parseConfig({ credentials, parse_workers: bad }, now)).toThrow(/parse_workers/);
    for (const bad of ["0", "two", "65"])
      expect(() => withEnv(bad, () => parseConfig({ credentials }, now))).toThrow(/SOURCE_SALESFORCE_PARSE_WORKERS/);
  });
});
