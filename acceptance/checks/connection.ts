// connection: `check` answers one CONNECTION_STATUS, SUCCEEDED or FAILED as the test expects
// (exit code 0 either way), or for status "exception" ends with a TRACE error and a non-zero exit.
import type { ConnectionTest } from "../config.js";
import type { ConnectorRun } from "../connector.js";
import { errorMessage, loadConnectorConfig, runConnector, testName, type CheckContext } from "../context.js";
import { clip, ofType, protocolProblems, runFailure, traceErrors } from "../protocol.js";
import { fail, fromProblems, pass, skip, type TestResult } from "../report.js";

export async function runConnectionTest(ctx: CheckContext, test: ConnectionTest, index: number): Promise<TestResult[]> {
  const name = (check: string): string => testName("connection", index, check);
  let config: Record<string, unknown>;
  try {
    config = await loadConnectorConfig(ctx, test.config_path);
  } catch (error) {
    return [fail(name("status"), errorMessage(error)), skip(name("protocol_messages"), "the connector did not run")];
  }
  const run = await runConnector(ctx, "check", { config }, test.timeout_seconds);
  return [statusResult(name("status"), test, run), fromProblems(name("protocol_messages"), protocolProblems([run]))];
}

function statusResult(name: string, test: ConnectionTest, run: ConnectorRun): TestResult {
  const where = `${test.config_path}, expected ${test.status}`;
  if (test.status === "exception") {
    if (run.code !== 0 && traceErrors(run).length > 0)
      return pass(name, `${where}: ${clip(traceErrors(run)[0]?.message ?? "")}`);
    return fail(name, `${where}: exit code ${run.code}, ${traceErrors(run).length} TRACE errors`);
  }
  const failure = runFailure(run);
  if (failure) return fail(name, `${where}: ${failure}`);
  const statuses = ofType(run, "CONNECTION_STATUS").map(
    (m) => m.connectionStatus as { status?: string; message?: string } | undefined,
  );
  if (statuses.length !== 1) return fail(name, `${where}: ${statuses.length} CONNECTION_STATUS messages (expected 1)`);
  const status = statuses[0] ?? {};
  const want = test.status === "succeed" ? "SUCCEEDED" : "FAILED";
  if (status.status !== want)
    return fail(name, `${where}: got ${String(status.status)}${status.message ? ` (${clip(status.message)})` : ""}`);
  if (want === "FAILED" && !status.message) return fail(name, `${where}: FAILED without a message`);
  return pass(name, status.message ? `${where}: ${clip(status.message)}` : where);
}
