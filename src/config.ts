import { readFile } from "node:fs/promises";
import type { KeyObject } from "node:crypto";
import { availableParallelism } from "node:os";
import type { BulkAPI10, BulkAPI20, SalesforceSourceSpec } from "./generated/config.js";
// spec.json's connectionSpecification as ajv standalone code (scripts/generate-validators.mjs).
import { validateConfig } from "./generated/validate-config.js";
import { configError } from "./errors.js";
import { connectorSpecification } from "./schema-files.js";
import { formatAjvErrors } from "./protocol/validate.js";
import { registerSecret, registerSecretsBySchema } from "./protocol/redact.js";
import { parseDurationMs } from "./durations.js";
import { parseTimestamp, START_DATE } from "./util/datetime.js";
import { isObject } from "./util/is-object.js";
import { readPrivateKey } from "./util/private-key.js";

/** The config as users write it: the type is generated from spec.json's connectionSpecification. */
export type RawConfig = SalesforceSourceSpec;

/** Defaults from spec.json applied: every field the spec gives a default is present. */
export type SpecWithDefaults = RawConfig &
  Required<
    Pick<
      RawConfig,
      | "is_sandbox"
      | "api_version"
      | "source_action"
      | "stream_slice_step"
      | "lookback_window"
      | "api_quota_percent"
      | "concurrency"
      | "job_timeout"
      | "hard_deletes"
      | "max_bulk_jobs"
      | "bulk_threshold"
    >
  > & { bulk_api: BulkAPI20 | Required<BulkAPI10> };

/** What the rest of the connector reads: the validated spec plus values derived from it once. */
export interface Config {
  spec: SpecWithDefaults;
  /** The config exactly as given (no defaults added): what a changed config is handed back from. */
  input: RawConfig;
  /** The JWT bearer flow's signing key, read once from credentials.private_key. */
  jwtKey?: KeyObject;
  /** Origin (scheme://host[:port]) that login requests go to. */
  loginUrl: string;
  /** Where an incremental stream without state starts. */
  startDate: Date;
  sliceStepMs: number;
  lookbackMs: number;
  jobTimeoutMs: number;
  /** formula_refresh: how old a stream's last full read may get before formula fields force another; undefined = never. */
  formulaRefreshMs: number | undefined;
  /** object name (as written) -> SOQL condition */
  objectFilters: Map<string, string>;
  /** parse_workers, or its default: threads that parse Bulk results (1 = on the main thread). */
  parseWorkers: number;
}

const PRODUCTION_LOGIN = "https://login.salesforce.com";
const SANDBOX_LOGIN = "https://test.salesforce.com";
const TWO_YEARS_MS = 2 * 365 * 24 * 3600 * 1000;
/** SOQL "Minimum and Maximum Dates": the earliest and latest valid dates (UTC). */
const EARLIEST_SOQL_DATE = new Date("1700-01-01T00:00:00Z");
const LATEST_SOQL_DATE = new Date("4000-12-31T00:00:00Z");

export async function loadConfigFile(path: string, now = new Date()): Promise<Config> {
  return parseConfig(await readJsonFile(path, "config"), now);
}

/** Reads a JSON file for the CLI; the parse error never quotes the text, which may hold secrets. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw configError(`Cannot read the ${what} file ${path} (${code}). Check the path passed to --${what}.`);
  }
  try {
    // Editors on Windows save UTF-8 with a byte order mark; JSON.parse refuses it.
    return JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text) as unknown;
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw configError(
      `The ${what} file ${path} is not valid JSON${position ? ` (at character ${position})` : ""}. Fix the file's syntax.`,
    );
  }
}

export function parseConfig(input: unknown, now = new Date()): Config {
  // Secrets are registered before anything can fail, so no later message can echo them.
  registerSecretsBySchema(connectorSpecification.connectionSpecification, input);
  if (!isObject(input)) {
    throw configError("The config must be a JSON object with at least a `credentials` object.");
  }
  registerUrlPassword((input as { login_url?: unknown }).login_url);
  const spec = structuredClone(input) as RawConfig;
  spec.bulk_api ??= { version: "2.0" };
  const problems: string[] = [];
  if (!validateConfig(spec))
    problems.push(...formatAjvErrors(validateConfig.errors).map(humanize(validateConfig.errors)));
  problems.push(...semanticProblems(spec, new Set(validateConfig.errors?.map((e) => e.instancePath))));
  if (problems.length > 0) {
    throw configError(`Invalid configuration: ${problems.join("; ")}. Fix these fields and run again.`);
  }
  const resolved = applyBranchDefaults(spec);
  return {
    spec: resolved,
    input: structuredClone(input) as RawConfig,
    ...(resolved.credentials.auth_type === "jwt_bearer"
      ? { jwtKey: readPrivateKey(resolved.credentials.private_key) }
      : {}),
    loginUrl: resolveLoginUrl(resolved),
    startDate: resolved.start_date ? parseStartDate(resolved.start_date)! : new Date(now.getTime() - TWO_YEARS_MS),
    sliceStepMs: parseDurationMs(resolved.stream_slice_step)!,
    lookbackMs: parseDurationMs(resolved.lookback_window)!,
    jobTimeoutMs: parseDurationMs(resolved.job_timeout)!,
    formulaRefreshMs: resolved.formula_refresh === undefined ? undefined : parseDurationMs(resolved.formula_refresh)!,
    objectFilters: new Map((resolved.object_filters ?? []).map((f) => [f.object, f.where])),
    parseWorkers: resolved.parse_workers ?? defaultParseWorkers(),
  };
}

/** The machine's cores, or SOURCE_SALESFORCE_PARSE_WORKERS (CI runs the read tests with 1 and with 2). */
function defaultParseWorkers(): number {
  const fromEnv = process.env.SOURCE_SALESFORCE_PARSE_WORKERS;
  if (fromEnv === undefined || fromEnv === "") return Math.min(64, availableParallelism());
  const workers = Number(fromEnv);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw configError(
      `SOURCE_SALESFORCE_PARSE_WORKERS must be a whole number from 1 to 64 (it is ${JSON.stringify(fromEnv.slice(0, 20))}). Fix or unset it, or set parse_workers in the config.`,
    );
  return workers;
}

/**
 * ajv's wording where it is not enough: a pattern error quotes the regex (the spec's
 * pattern_descriptor says it in words), and a discriminator error does not list the allowed tags.
 */
function humanize(errors: typeof validateConfig.errors) {
  return (line: string, index: number): string => {
    const error = errors?.[index];
    const path = line.slice(0, line.indexOf(":"));
    const schema = error?.parentSchema as
      { pattern_descriptor?: string; oneOf?: Array<{ properties?: Record<string, { const?: unknown }> }> } | undefined;
    if (error?.keyword === "pattern") {
      return `${path}: must be ${schema?.pattern_descriptor ?? `a string matching ${String(error.params.pattern)}`}`;
    }
    if (error?.keyword === "required") {
      const missing = String(error.params.missingProperty);
      return `${path === "(root)" ? "" : `${path}.`}${missing}: is required`;
    }
    if (error?.keyword === "discriminator") {
      const tag = String(error.params.tag);
      const allowed = (schema?.oneOf ?? []).map((branch) => JSON.stringify(branch.properties?.[tag]?.const));
      return `${path}.${tag}: must be one of ${allowed.join(", ")}`;
    }
    return line;
  };
}

/** The config as given with the refresh token Salesforce rotated to: what a sync hands back. */
export function withRefreshToken(input: RawConfig, refreshToken: string): RawConfig {
  const updated = structuredClone(input);
  if (updated.credentials.auth_type === "oauth2_refresh_token") updated.credentials.refresh_token = refreshToken;
  return updated;
}

const SHARED_LOGIN_HOSTS = new Set(["login.salesforce.com", "test.salesforce.com"]);

/** What the login flows need beyond each branch's required fields. */
function credentialsProblems(spec: RawConfig): string[] {
  const credentials = spec.credentials as Partial<RawConfig["credentials"]> | undefined;
  if (credentials?.auth_type === "jwt_bearer" && typeof credentials.private_key === "string") {
    try {
      readPrivateKey(credentials.private_key);
    } catch (error) {
      return [`credentials.private_key: ${(error as Error).message}`];
    }
  }
  if (credentials?.auth_type === "client_credentials") {
    if (spec.login_url === undefined) {
      return [
        "login_url: required with client credentials, which Salesforce serves only on the org's My Domain; set it to the My Domain URL (e.g. https://acme.my.salesforce.com, see Setup > My Domain)",
      ];
    }
    const host = URL.canParse(spec.login_url) ? new URL(spec.login_url).hostname : "";
    if (SHARED_LOGIN_HOSTS.has(host)) {
      return [
        `login_url: ${host} does not serve the client credentials flow; set the org's My Domain URL (e.g. https://acme.my.salesforce.com, see Setup > My Domain)`,
      ];
    }
  }
  return [];
}

/** Rules JSON schema cannot say clearly; `schemaErrors` (ajv instance paths) are not repeated. */
function semanticProblems(spec: RawConfig, schemaErrors: ReadonlySet<string>): string[] {
  const problems: string[] = [...credentialsProblems(spec)];
  if (typeof spec.login_url === "string" && !schemaErrors.has("/login_url")) {
    const problem = loginUrlProblem(spec.login_url);
    if (problem) problems.push(`login_url: ${problem}`);
  }
  if (typeof spec.start_date === "string" && !schemaErrors.has("/start_date")) {
    const start = parseStartDate(spec.start_date);
    if (start === undefined) problems.push(`start_date: ${spec.start_date} is not a real date`);
    else if (start < EARLIEST_SOQL_DATE || start > LATEST_SOQL_DATE) {
      problems.push("start_date: must be from 1700-01-01 to 4000-12-31, the dates SOQL accepts");
    }
  }
  for (const key of ["stream_slice_step", "lookback_window", "job_timeout", "formula_refresh"] as const) {
    const value = spec[key];
    if (typeof value === "string" && key !== "lookback_window" && parseDurationMs(value) === 0) {
      problems.push(`${key}: must be a duration longer than zero`);
    }
  }
  const names = new Set<string>();
  for (const [index, stream] of (Array.isArray(spec.query_streams) ? spec.query_streams : []).entries()) {
    if (typeof stream?.name !== "string") continue;
    if (names.has(stream.name.toLowerCase()))
      problems.push(`query_streams.${index}.name: '${shown(stream.name)}' is used twice`);
    names.add(stream.name.toLowerCase());
  }
  // Filters are looked up by object (case-insensitively, as SOQL names are): a second one would be lost.
  const filtered = new Map<string, number>();
  for (const [index, filter] of (Array.isArray(spec.object_filters) ? spec.object_filters : []).entries()) {
    if (typeof filter?.object !== "string") continue;
    const first = filtered.get(filter.object.toLowerCase());
    if (first !== undefined) {
      problems.push(
        `object_filters.${index}.object: '${shown(filter.object)}' already has a filter (object_filters.${first}); join the two conditions with AND in one filter`,
      );
    } else filtered.set(filter.object.toLowerCase(), index);
  }
  return problems;
}

/** A config value quoted in a message: never a URL's user name or password, never more than 100 characters. */
function shown(text: string): string {
  const safe = text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1");
  return safe.length > 100 ? `${safe.slice(0, 100)}…` : safe;
}

/** `https://user:password@host`: the password is masked in every message, even before the URL is refused. */
function registerUrlPassword(loginUrl: unknown): void {
  if (typeof loginUrl !== "string") return;
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(loginUrl)?.[1];
  const password = userinfo?.includes(":") ? userinfo.slice(userinfo.indexOf(":") + 1) : undefined;
  if (!password) return;
  registerSecret(password);
  try {
    registerSecret(decodeURIComponent(password));
  } catch {
    // not percent-encoded: the raw form is registered
  }
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function loginUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `'${shown(text)}' is not a URL; use e.g. https://acme.my.salesforce.com`;
  }
  if (url.username || url.password) {
    return "must not contain a user name or password (user:password@); remove them, the connector logs in with credentials";
  }
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && LOOPBACK_HOST.test(url.hostname)) return undefined;
  if (url.protocol === "http:") return "must use https:// (http:// is accepted only for loopback hosts)";
  return `must be an https:// URL, not ${url.protocol}`;
}

/** The WARN for a start_date after `now`: incremental streams without state read nothing until then. */
export function futureStartDateWarning(config: Config, now: Date): string | undefined {
  if (!config.spec.start_date || config.startDate.getTime() <= now.getTime()) return undefined;
  return `start_date ${config.spec.start_date} is in the future: incremental streams without a saved state read no records until then.`;
}

function resolveLoginUrl(spec: SpecWithDefaults): string {
  if (spec.login_url) return new URL(spec.login_url).origin;
  return spec.is_sandbox ? SANDBOX_LOGIN : PRODUCTION_LOGIN;
}

/** A date means midnight UTC; a date-time keeps its offset. Rejects 2024-02-30 and friends. */
function parseStartDate(text: string): Date | undefined {
  return parseTimestamp(text, START_DATE);
}

/** ajv does not apply defaults inside oneOf branches; the Bulk 1.0 branch has two. */
function applyBranchDefaults(spec: RawConfig): SpecWithDefaults {
  const bulk = spec.bulk_api!;
  const bulkApi =
    bulk.version === "1.0"
      ? { version: "1.0" as const, pk_chunking: bulk.pk_chunking ?? true, chunk_size: bulk.chunk_size ?? 100_000 }
      : bulk;
  return { ...(spec as SpecWithDefaults), bulk_api: bulkApi };
}
