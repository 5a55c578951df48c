// Errors as BigQuery's REST API writes them, so the real client maps them the same way
// (ApiError with code, errors[].reason and message).

const STATUS: Record<number, string> = { 400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ALREADY_EXISTS", 500: "INTERNAL", 501: "NOT_IMPLEMENTED" };

export class BigQueryError extends Error {
    constructor(
        readonly code: number,
        readonly reason: string,
        message: string,
        /** What the error is about (a query's position, a field), as errors[].location. */
        readonly location?: string,
    ) {
        super(message);
        this.name = "BigQueryError";
    }

    /** Raised while analysing a statement: BigQuery answers jobs.insert itself with it, creating no job. */
    atAnalysis = false;

    /** The entry of `errors[]` and of a job's `errorResult`. */
    proto(): { reason: string; message: string; location?: string } {
        return { reason: this.reason, message: this.message, ...(this.location ? { location: this.location } : {}) };
    }

    /** The HTTP body of a failed call. */
    body(): unknown {
        return { error: { code: this.code, message: this.message, errors: [{ ...this.proto(), domain: "global" }], status: STATUS[this.code] ?? "UNKNOWN" } };
    }
}

export const notFound = (message: string) => new BigQueryError(404, "notFound", message);
export const duplicate = (message: string) => new BigQueryError(409, "duplicate", message);
export const invalid = (message: string, location?: string) => new BigQueryError(400, "invalid", message, location);
export const invalidQuery = (message: string, location?: string) => new BigQueryError(400, "invalidQuery", message, location);
export const unsupported = (message: string) => new BigQueryError(400, "invalidQuery", message);

/** The HTTP status BigQuery answers with for a failed job's reason (jobs.getQueryResults on that job). */
export function statusOfReason(reason: string): number {
    switch (reason) {
        case "notFound":
            return 404;
        case "duplicate":
            return 409;
        case "accessDenied":
            return 403;
        case "internalError":
        case "backendError":
            return 500;
        default:
            return 400;
    }
}
