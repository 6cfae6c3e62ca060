// Connector configs may hold ${NAME} placeholders. ${FAKE_SALESFORCE_*} ones make the runner start the
// fake Salesforce (once, with the fixed data set of fake-org.ts) and substitute its URL and
// credentials; any other ${NAME} is read from the environment (e.g. secrets in CI). A config without
// placeholders is used exactly as written (a real org).
import { readFileSync } from "node:fs";
import { startFakeSalesforce, type FakeSalesforce } from "../test/fake-salesforce/index.js";
import { acceptanceFakeOptions } from "./fake-org.js";

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const FAKE_PREFIX = "FAKE_SALESFORCE_";

/** Names of the ${NAME} placeholders anywhere in the strings of a JSON value. */
export function placeholdersIn(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === "string") for (const match of value.matchAll(PLACEHOLDER)) found.add(match[1]!);
  else if (Array.isArray(value)) for (const item of value) placeholdersIn(item, found);
  else if (value !== null && typeof value === "object")
    for (const item of Object.values(value as Record<string, unknown>)) placeholdersIn(item, found);
  return found;
}

/** The value with every ${NAME} in its strings replaced (inside strings only: no JSON escaping issue). */
export function substitute(value: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof value === "string")
    return value.replace(PLACEHOLDER, (whole, name: string) => {
      const replacement = values[name];
      if (replacement === undefined) throw new Error(`no value for placeholder ${whole}`);
      return replacement;
    });
  if (Array.isArray(value)) return value.map((item) => substitute(item, values));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, substitute(v, values)]));
  return value;
}

/** Placeholder values of a running fake. */
export function fakePlaceholderValues(fake: Pick<FakeSalesforce, "url" | "credentials">): Record<string, string> {
  const c = fake.credentials;
  return {
    FAKE_SALESFORCE_URL: fake.url,
    FAKE_SALESFORCE_CLIENT_ID: c.clientId,
    FAKE_SALESFORCE_CLIENT_SECRET: c.clientSecret,
    FAKE_SALESFORCE_REFRESH_TOKEN: c.refreshToken,
    FAKE_SALESFORCE_USERNAME: c.username,
    FAKE_SALESFORCE_PASSWORD: c.password,
    FAKE_SALESFORCE_SECURITY_TOKEN: c.securityToken,
  };
}

/**
 * Connector env that makes the connector quick against the fake: Bulk polling and retry backoff in
 * milliseconds instead of seconds. Only set when the fake serves the run.
 */
export const FAKE_CONNECTOR_ENV: Readonly<Record<string, string>> = {
  SOURCE_SALESFORCE_POLL_BASE_MS: "5",
  SOURCE_SALESFORCE_RETRY_BASE_MS: "10",
};

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Loads connector configs, starting the fake Salesforce the first time one needs it. */
export class TestEnvironment {
  private fake: FakeSalesforce | undefined;
  private starting: Promise<FakeSalesforce> | undefined;
  /** Configs this environment filled in with the fake's URL and credentials. */
  private readonly fakeConfigs = new WeakSet<object>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The fake's URL, once started. */
  get fakeUrl(): string | undefined {
    return this.fake?.url;
  }

  get usesFake(): boolean {
    return this.fake !== undefined;
  }

  /** The config file's JSON with its placeholders filled in. */
  async loadConfig(path: string): Promise<Record<string, unknown>> {
    const raw = readJsonFile(path);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new Error(`${path}: not a JSON object`);
    const names = placeholdersIn(raw);
    if (names.size === 0) return raw as Record<string, unknown>;
    const values: Record<string, string> = {};
    const usesFake = [...names].some((name) => name.startsWith(FAKE_PREFIX));
    if (usesFake) Object.assign(values, fakePlaceholderValues(await this.startFake()));
    for (const name of names) {
      if (name in values) continue;
      const fromEnv = this.env[name];
      if (fromEnv === undefined)
        throw new Error(
          `${path}: placeholder \${${name}} has no value (${name.startsWith(FAKE_PREFIX) ? "not a fake Salesforce placeholder" : "set it in the environment"})`,
        );
      values[name] = fromEnv;
    }
    const config = substitute(raw, values) as Record<string, unknown>;
    if (usesFake) this.fakeConfigs.add(config);
    return config;
  }

  /** Extra connector env for a run with this config: the fake's speed-ups when the fake serves it. */
  connectorEnvFor(config: unknown): Record<string, string> {
    return config !== null && typeof config === "object" && this.fakeConfigs.has(config)
      ? { ...FAKE_CONNECTOR_ENV }
      : {};
  }

  private startFake(): Promise<FakeSalesforce> {
    this.starting ??= startFakeSalesforce(acceptanceFakeOptions()).then((fake) => (this.fake = fake));
    return this.starting;
  }

  async close(): Promise<void> {
    if (this.starting) await (await this.starting).stop();
    this.fake = undefined;
    this.starting = undefined;
  }
}
