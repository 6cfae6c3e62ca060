import { ConnectorError } from "../errors.js";

/** What the lookup needs of SalesforceClient (a structural type: the client also asks it, on a version refusal). */
export interface VersionsSource {
  json<T>(path: string): Promise<T>;
  readonly session: { readonly instanceUrl: string };
}

/**
 * The API versions the org serves, from its Versions resource (`GET /services/data/`:
 * `[{label, url, version}]`, no authentication needed, one request).
 */
export async function servedApiVersions(client: VersionsSource): Promise<string[]> {
  const answer = await client.json<unknown>("/services/data/");
  const versions = Array.isArray(answer)
    ? answer.map((entry) => (entry as { version?: unknown } | null)?.version).filter((v) => typeof v === "string")
    : [];
  if (versions.length === 0) {
    throw new ConnectorError(
      `Salesforce's list of API versions (${client.session.instanceUrl}/services/data/) was not the list Salesforce sends; a proxy may be answering instead. Run check again.`,
      "transient_error",
    );
  }
  return versions;
}

/** "31.0 to 64.0" for a contiguous run, runs joined with commas otherwise. */
export function describeVersions(versions: readonly string[]): string {
  const majors = [...new Set(versions.map(Number))].filter(Number.isFinite).sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < majors.length;) {
    let j = i;
    while (j + 1 < majors.length && majors[j + 1] === majors[j]! + 1) j++;
    const [from, to] = [majors[i]!.toFixed(1), majors[j]!.toFixed(1)];
    runs.push(i === j ? from : `${from} to ${to}`);
    i = j + 1;
  }
  return runs.join(", ");
}
