/** Airbyte's failure types: fix the config, run again, or a bug to report. */
export type FailureType = "config_error" | "system_error" | "transient_error";

/**
 * The one error type the connector throws on purpose. `main` turns it into a single Airbyte TRACE
 * error: `message` is for the person running the sync (what failed and what to do), `internalMessage`
 * is for engineers.
 */
export class ConnectorError extends Error {
  readonly failureType: FailureType;
  readonly internalMessage: string | undefined;

  constructor(message: string, failureType: FailureType, options: { internalMessage?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "ConnectorError";
    this.failureType = failureType;
    this.internalMessage = options.internalMessage;
  }
}

/**
 * The org's daily API allowance is used up, or would pass api_quota_percent: every further stream
 * would stop the same way, so the sync stops as a whole (with the state it has saved).
 */
export class ApiAllowanceError extends ConnectorError {
  constructor(message: string, internalMessage?: string) {
    super(message, "transient_error", { internalMessage });
    this.name = "ApiAllowanceError";
  }
}

export const configError = (message: string, internalMessage?: string): ConnectorError =>
  new ConnectorError(message, "config_error", { internalMessage });

/** Anything thrown that is not a ConnectorError is a bug or an unforeseen failure: system_error. */
export function asConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new ConnectorError(`Unexpected error: ${text}`, "system_error", { internalMessage: text, cause: error });
}
