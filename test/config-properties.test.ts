// Property-style test (issue 13, "Done means"): configs generated from spec.json, each property
// (nested oneOf branches and array items too) missing, of the wrong type, at and past each bound.
// For each: the connector refuses it with one config_error naming the field, or accepts it and every
// value derived from it works in the window arithmetic, SOQL literals and URLs. The built CLI runs a
// sample of the same cases against the fake (test/cli/config-properties.test.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig, type Config } from "../src/config.js";
import { ConnectorError } from "../src/errors.js";
import { planWindows, syncWindowBounds } from "../src/read/windows.js";
import { soqlDateTime } from "../src/soql/builder.js";
import { repoRoot } from "./helpers/cli.js";
import { generateConfigCases, namesField, type ConfigCase } from "./helpers/spec-configs.js";
import { propertyTestGeneration } from "./helpers/spec-config-base.js";

const NOW = new Date("2026-05-01T12:00:00Z");
const spec = JSON.parse(readFileSync(join(repoRoot, "spec.json"), "utf8")).connectionSpecification;
const fake = {
  url: "http://127.0.0.1:4242",
  credentials: {
    clientId: "3MVG9-client-id",
    clientSecret: "client-secret-7Qx",
    refreshToken: "refresh-token-8Wz",
    username: "integration@example.test",
    password: "password-9Vy",
    securityToken: "security-token-2Ku",
  },
};
const SECRETS = [fake.credentials.clientSecret, fake.credentials.refreshToken, fake.credentials.password, "pw@"];
const cases = generateConfigCases(spec, propertyTestGeneration(fake));

/** What the read does with a parsed config: none of it may throw, or only a config_error naming the field. */
function expectUsable(config: Config, c: ConfigCase): void {
  expect(Number.isSafeInteger(config.sliceStepMs) && config.sliceStepMs > 0, "stream_slice_step").toBe(true);
  expect(Number.isSafeInteger(config.lookbackMs) && config.lookbackMs >= 0, "lookback_window").toBe(true);
  expect(Number.isSafeInteger(config.jobTimeoutMs) && config.jobTimeoutMs > 0, "job_timeout").toBe(true);
  const refresh = config.formulaRefreshMs;
  expect(refresh === undefined || (Number.isSafeInteger(refresh) && refresh > 0), "formula_refresh").toBe(true);
  expect(soqlDateTime(config.startDate)).toMatch(/^\d{4}-\d\d-\d\dT/);
  const url = new URL(config.loginUrl);
  expect(url.username + url.password, "no userinfo").toBe("");
  expect(config.spec.api_version).toMatch(/^\d\d\.0$/);
  const bulk = config.spec.bulk_api;
  if (bulk.version === "2.0" && bulk.max_records !== undefined) expect(String(bulk.max_records)).toMatch(/^\d+$/);
  // First sync: start_date to now; later syncs: a cursor far back or at now, less the lookback.
  for (const stateCursor of [undefined, new Date("1700-01-01T00:00:00Z"), NOW]) {
    const { start, end } = syncWindowBounds({
      stateCursor,
      lookbackMs: config.lookbackMs,
      startDate: config.startDate,
      syncStartedAt: NOW,
    });
    expect(soqlDateTime(start), "window start is a SOQL literal").toMatch(/^\d{4}-/);
    try {
      planWindows({ start, end, stepMs: config.sliceStepMs });
    } catch (error) {
      expect(error, String(error)).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).failureType).toBe("config_error");
      expect((error as ConnectorError).message).toMatch(/^stream_slice_step /);
      void c;
    }
  }
}

describe(`${cases.length} configs generated from spec.json, through parseConfig`, () => {
  it("cover every kind of case, and most fields both ways", () => {
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(["at bound", "extreme", "missing", "past bound", "wrong type"]);
    expect(cases.length).toBeGreaterThan(150);
  });

  it.each(cases.map((c) => [`${c.field} ${c.kind}: ${c.what}`, c] as const))("%s", (_, c) => {
    let parsed: Config | undefined;
    let error: unknown;
    try {
      parsed = parseConfig(c.config, NOW);
    } catch (e) {
      error = e;
    }
    if (error !== undefined) {
      expect(error, String(error)).toBeInstanceOf(ConnectorError);
      const { failureType, message } = error as ConnectorError;
      expect(failureType).toBe("config_error");
      expect(namesField(message, c.field), message).toBe(true);
      expect(message.length, "no value echoed whole").toBeLessThan(1_000);
      for (const secret of SECRETS) expect(message).not.toContain(secret);
    }
    if (!c.mayWork) expect(error, "the connector must refuse it").toBeDefined();
    if (parsed) expectUsable(parsed, c);
  });
});
