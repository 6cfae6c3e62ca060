// Salesforce REST error bodies: a JSON array of {message, errorCode} with an HTTP status.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  get body(): Array<Record<string, unknown>> {
    return [{ message: this.message, errorCode: this.errorCode, ...this.extra }];
  }
}

export const notFound = (): ApiError => new ApiError(404, "NOT_FOUND", "The requested resource does not exist");
export const invalidSession = (): ApiError => new ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid");
export const requestLimit = (): ApiError =>
  new ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
export const apiDisabled = (): ApiError =>
  new ApiError(403, "API_DISABLED_FOR_ORG", "API is not enabled for this Organization or Partner");
export const unknownException = (): ApiError =>
  new ApiError(
    500,
    "UNKNOWN_EXCEPTION",
    "An unexpected error occurred. Please include this ErrorId if you contact support: 1914826283-22712 (-1127328163)",
  );
export const serverUnavailable = (): ApiError =>
  new ApiError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later.");
