// A typed client of the local warehouse's control API (`/_warehouse/`), for harnesses that run
// the warehouse as its own process. BigQuery's own API is reached with the real client instead.
import type { FaultSpec, TableSummary } from "./server";
import type { JobLogEntry } from "./store";

export type { FaultSpec, JobLogEntry, TableSummary };

export class WarehouseControl {
    /** `url` is the warehouse's base URL, as its ready line prints it. */
    constructor(readonly url: string) {}

    private async call<T>(method: "GET" | "POST", route: string, body?: unknown): Promise<T> {
        const res = await fetch(`${this.url.replace(/\/$/, "")}/_warehouse/${route}`, {
            method,
            headers: body === undefined ? {} : { "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        const json = text ? JSON.parse(text) : {};
        if (!res.ok) throw new Error(`warehouse control ${method} ${route}: ${res.status} ${json?.error?.message ?? text}`);
        return json as T;
    }

    /** Every table and view, with type, rows, schema, partitioning, clustering, labels and expiration. */
    async tables(): Promise<TableSummary[]> {
        return (await this.call<{ tables: TableSummary[] }>("GET", "tables")).tables;
    }

    /** The statement log: every job with its outcome. */
    async jobs(): Promise<JobLogEntry[]> {
        return (await this.call<{ jobs: JobLogEntry[] }>("GET", "jobs")).jobs;
    }

    /** Makes the k-th job from now fail (dry runs do not count): before it takes effect, or after, losing only its answer. */
    async failJob(k: number, options: { after?: boolean; message?: string } = {}): Promise<FaultSpec[]> {
        return (await this.call<{ faults: FaultSpec[] }>("POST", "faults", { failJob: k, after: options.after === true, ...(options.message ? { message: options.message } : {}) })).faults;
    }

    async clearFaults(): Promise<void> {
        await this.call("POST", "faults", { clear: true });
    }

    async faults(): Promise<FaultSpec[]> {
        return (await this.call<{ faults: FaultSpec[] }>("GET", "faults")).faults;
    }

    /** Keeps streamed rows in the streaming buffer (BigQuery then refuses renames and snapshots miss them), or flushes it. */
    async streaming(options: { hold?: boolean; flush?: boolean | string }): Promise<void> {
        await this.call("POST", "streaming", options);
    }

    /** How long every job reports RUNNING. */
    async latency(ms: number): Promise<void> {
        await this.call("POST", "latency", { ms });
    }

    /** Empties the warehouse: datasets, tables, jobs, the log and the faults. */
    async reset(): Promise<void> {
        await this.call("POST", "reset");
    }
}
