// BigQuery's v2 REST API over plain HTTP/JSON, as the Terraform provider calls it: datasets and
// tables by path under the configured endpoint, errors carried in the `error` object.

export type ApiObject = Record<string, any>;

/** A non-2xx answer from the API. */
export class BigQueryApiError extends Error {
    constructor(
        readonly status: number,
        readonly method: string,
        readonly url: string,
        message: string,
        readonly reason?: string,
    ) {
        super(`googleapi: Error ${status}: ${message}${reason ? `, ${reason}` : ""} (${method} ${url})`);
        this.name = "BigQueryApiError";
    }
}

export const isNotFound = (e: unknown): boolean => e instanceof BigQueryApiError && e.status === 404;

// The stand-in exists so that nothing reaches Google; an endpoint there is a configuration mistake.
const GOOGLE_HOST = /(^|\.)(googleapis\.com|google\.com)$/i;

/** Why `endpoint` cannot be the stand-in's BigQuery endpoint, or undefined. */
export function endpointProblem(endpoint: string): string | undefined {
    // pulumi-gcp validates custom endpoints with ValidateCustomEndpoint: `.*/[^/]+/$`.
    if (!/.*\/[^/]+\/$/.test(endpoint)) return `"${endpoint}" must be a URL ending in a path and a slash, like http://127.0.0.1:9050/bigquery/v2/`;
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        return `"${endpoint}" is not a URL`;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `"${endpoint}" must be http or https`;
    if (GOOGLE_HOST.test(url.hostname)) return `"${endpoint}" is Google's; the stand-in only talks to a local BigQuery`;
    return undefined;
}

const enc = encodeURIComponent;

export class BigQueryClient {
    constructor(readonly endpoint: string) {
        const problem = endpointProblem(endpoint);
        if (problem) throw new Error(`BigQuery endpoint ${problem}`);
    }

    async request(method: string, path: string, body?: unknown): Promise<ApiObject> {
        const url = this.endpoint + path;
        const res = await fetch(url, {
            method,
            headers: body === undefined ? {} : { "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        let json: ApiObject = {};
        if (text) {
            try {
                json = JSON.parse(text);
            } catch {
                if (!res.ok) throw new BigQueryApiError(res.status, method, url, text.slice(0, 300));
                throw new Error(`BigQuery ${method} ${url}: answer is not JSON: ${text.slice(0, 200)}`);
            }
        }
        if (!res.ok) {
            const err = json.error ?? {};
            throw new BigQueryApiError(res.status, method, url, String(err.message ?? res.statusText), err.errors?.[0]?.reason);
        }
        return json;
    }

    private dataset(project: string, dataset: string): string {
        return `projects/${enc(project)}/datasets/${enc(dataset)}`;
    }

    private table(project: string, dataset: string, table: string): string {
        return `${this.dataset(project, dataset)}/tables/${enc(table)}`;
    }

    // The Terraform provider asks for access policy version 3 on every dataset call.
    insertDataset(project: string, body: ApiObject) {
        return this.request("POST", `projects/${enc(project)}/datasets?accessPolicyVersion=3`, body);
    }
    getDataset(project: string, dataset: string) {
        return this.request("GET", `${this.dataset(project, dataset)}?accessPolicyVersion=3`);
    }
    patchDataset(project: string, dataset: string, body: ApiObject) {
        return this.request("PATCH", `${this.dataset(project, dataset)}?accessPolicyVersion=3`, body);
    }
    deleteDataset(project: string, dataset: string, deleteContents: boolean) {
        return this.request("DELETE", `${this.dataset(project, dataset)}?deleteContents=${deleteContents}`);
    }

    insertTable(project: string, dataset: string, body: ApiObject) {
        return this.request("POST", `${this.dataset(project, dataset)}/tables`, body);
    }
    getTable(project: string, dataset: string, table: string) {
        return this.request("GET", this.table(project, dataset, table));
    }
    updateTable(project: string, dataset: string, table: string, body: ApiObject) {
        return this.request("PUT", this.table(project, dataset, table), body);
    }
    deleteTable(project: string, dataset: string, table: string) {
        return this.request("DELETE", this.table(project, dataset, table));
    }
    listRowAccessPolicies(project: string, dataset: string, table: string) {
        return this.request("GET", `${this.table(project, dataset, table)}/rowAccessPolicies`);
    }

    /** jobs.query: how the provider runs the DDL that drops columns in place. */
    query(project: string, sql: string) {
        return this.request("POST", `projects/${enc(project)}/queries`, { query: sql, useLegacySql: false });
    }
}
