// An HTTP-level fake of the few BigQuery REST calls the migration makes (tables.get,
// jobs.insert, jobs.get, jobs.getQueryResults), so the real @google-cloud/bigquery client runs
// against it: point BIGQUERY_EMULATOR_HOST at url(). It executes exactly the statements
// components/migration/ddl.ts generates; any other query needs a handler from the test.
import * as http from "http";
import type { AddressInfo } from "net";

export interface FakeTable {
    type: "TABLE" | "SNAPSHOT" | "VIEW";
    rows: number;
    streamingBuffer?: boolean;
    /** For snapshots: expiration in days from the DDL. */
    expirationDays?: number;
}

export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly body?: any;
}

type Rows = Record<string, unknown>[];

class BigQueryError extends Error {
    constructor(readonly code: number, readonly reason: string, message: string) {
        super(message);
    }
}

export class BigQueryFake {
    /** Tables by `project.dataset.table`. */
    readonly tables = new Map<string, FakeTable>();
    readonly requests: RecordedRequest[] = [];
    /** Statements run (not dry runs), in order. */
    readonly statements: string[] = [];
    /** Wall time each job takes before it reports done (the benchmark injects latency here). */
    latencyMs = 0;
    private readonly handlers: { match: RegExp; rows: (sql: string) => Rows; bytes: number }[] = [];
    private readonly faults: { match: RegExp; after: boolean; message: string }[] = [];
    private readonly jobs = new Map<string, { job: any; rows: Rows; doneAt: number }>();
    private server?: http.Server;

    /** Answers queries matching `match` with `rows` (and reports `bytes` on dry runs). */
    onQuery(match: RegExp, rows: (sql: string) => Rows, bytes = 1024): void {
        this.handlers.push({ match, rows, bytes });
    }

    /**
     * Makes the next statement matching `match` fail. With `after`, the statement takes effect
     * first and only its answer is lost: a crash between BigQuery doing the work and the caller
     * recording it.
     */
    failNext(match: RegExp, after = false, message = "injected failure"): void {
        this.faults.push({ match, after, message });
    }

    table(qualified: string): FakeTable | undefined {
        return this.tables.get(qualified);
    }

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return this.url();
    }

    url(): string {
        const addr = this.server!.address() as AddressInfo;
        return `http://127.0.0.1:${addr.port}`;
    }

    async stop(): Promise<void> {
        await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        let data = "";
        req.on("data", (c) => (data += c));
        req.on("end", async () => {
            const url = new URL(req.url ?? "/", "http://fake");
            const body = data ? JSON.parse(data) : undefined;
            this.requests.push({ method: req.method ?? "GET", path: url.pathname, body });
            const send = (code: number, json: unknown) => {
                res.writeHead(code, { "content-type": "application/json" });
                res.end(JSON.stringify(json));
            };
            try {
                send(200, await this.route(req.method ?? "GET", url, body));
            } catch (err) {
                const e = err instanceof BigQueryError ? err : new BigQueryError(500, "internalError", String(err));
                send(e.code, { error: { code: e.code, message: e.message, errors: [{ reason: e.reason, message: e.message }] } });
            }
        });
    }

    private async route(method: string, url: URL, body: any): Promise<unknown> {
        const p = url.pathname.replace(/^\/bigquery\/v2/, "").split("/").filter(Boolean).map(decodeURIComponent);
        if (method === "GET" && p[0] === "projects" && p[2] === "datasets" && p[4] === "tables" && p.length === 6) {
            const key = `${p[1]}.${p[3]}.${p[5]}`;
            const t = this.tables.get(key);
            if (!t) throw new BigQueryError(404, "notFound", `Not found: Table ${p[1]}:${p[3]}.${p[5]}`);
            return {
                kind: "bigquery#table",
                id: `${p[1]}:${p[3]}.${p[5]}`,
                tableReference: { projectId: p[1], datasetId: p[3], tableId: p[5] },
                type: t.type,
                numRows: String(t.rows),
                ...(t.streamingBuffer ? { streamingBuffer: { estimatedRows: "10", estimatedBytes: "1000", oldestEntryTime: String(Date.now()) } } : {}),
            };
        }
        if (method === "POST" && p[0] === "projects" && p[2] === "jobs" && p.length === 3) return this.insertJob(p[1], body);
        if (method === "GET" && p[0] === "projects" && p[2] === "jobs" && p.length === 4) return this.jobStatus(p[3]).job;
        if (method === "GET" && p[0] === "projects" && p[2] === "queries" && p.length === 4) return this.queryResults(p[3]);
        throw new BigQueryError(400, "invalid", `fake: unsupported call ${method} ${url.pathname}`);
    }

    private insertJob(project: string, body: any): unknown {
        const sql: string = body?.configuration?.query?.query ?? "";
        const dryRun = body?.configuration?.dryRun === true;
        const jobId: string = body?.jobReference?.jobId ?? `job_${this.jobs.size + 1}`;
        const jobReference = { projectId: project, jobId, location: body?.jobReference?.location ?? "US" };
        if (!body?.configuration?.query?.maximumBytesBilled) {
            throw new BigQueryError(400, "invalid", "fake: every job of the migration must carry maximumBytesBilled");
        }
        if (dryRun) {
            const handler = this.handlers.find((h) => h.match.test(sql));
            return { kind: "bigquery#job", jobReference, configuration: body.configuration, status: { state: "DONE" }, statistics: { totalBytesProcessed: String(handler?.bytes ?? 0), query: { totalBytesProcessed: String(handler?.bytes ?? 0) } } };
        }
        const fault = this.faults.findIndex((f) => f.match.test(sql));
        if (fault >= 0 && !this.faults[fault].after) {
            const f = this.faults.splice(fault, 1)[0];
            throw new BigQueryError(400, "invalidQuery", f.message);
        }
        const rows = this.execute(sql);
        this.statements.push(sql);
        if (fault >= 0) {
            const f = this.faults.splice(fault, 1)[0];
            throw new BigQueryError(400, "invalidQuery", f.message);
        }
        const job = { kind: "bigquery#job", jobReference, configuration: body.configuration, status: { state: this.latencyMs > 0 ? "RUNNING" : "DONE" }, statistics: { totalBytesProcessed: "0" } };
        this.jobs.set(jobId, { job, rows, doneAt: Date.now() + this.latencyMs });
        return job;
    }

    private jobStatus(jobId: string) {
        const entry = this.jobs.get(jobId);
        if (!entry) throw new BigQueryError(404, "notFound", `Not found: Job ${jobId}`);
        if (Date.now() >= entry.doneAt) entry.job.status = { state: "DONE" };
        return entry;
    }

    private async queryResults(jobId: string): Promise<unknown> {
        const entry = this.jobStatus(jobId);
        const wait = entry.doneAt - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        entry.job.status = { state: "DONE" };
        const rows = entry.rows;
        const names = rows.length > 0 ? Object.keys(rows[0]) : [];
        const typeOf = (v: unknown) =>
            typeof v === "number" ? (Number.isInteger(v) ? "INT64" : "FLOAT64") : typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v) ? "DATE" : "STRING";
        return {
            kind: "bigquery#getQueryResultsResponse",
            jobReference: entry.job.jobReference,
            jobComplete: true,
            totalRows: String(rows.length),
            schema: { fields: names.map((n) => ({ name: n, type: typeOf(rows.find((r) => r[n] !== null)?.[n]), mode: "NULLABLE" })) },
            rows: rows.map((r) => ({ f: names.map((n) => ({ v: r[n] === null || r[n] === undefined ? null : String(r[n]) })) })),
        };
    }

    private need(key: string): FakeTable {
        const t = this.tables.get(key);
        if (!t) throw new BigQueryError(404, "notFound", `Not found: Table ${key}`);
        return t;
    }

    private execute(sql: string): Rows {
        let m: RegExpMatchArray | null;
        if ((m = sql.match(/^CREATE SNAPSHOT TABLE `([^`]+)`\nCLONE `([^`]+)`\nOPTIONS \(expiration_timestamp = TIMESTAMP_ADD\(CURRENT_TIMESTAMP\(\), INTERVAL (\d+) DAY\)\)$/))) {
            if (this.tables.has(m[1])) throw new BigQueryError(409, "duplicate", `Already Exists: Table ${m[1]}`);
            const src = this.need(m[2]);
            this.tables.set(m[1], { type: "SNAPSHOT", rows: src.rows, expirationDays: Number(m[3]) });
            return [];
        }
        if ((m = sql.match(/^DROP TABLE IF EXISTS `([^`]+)`$/))) {
            this.tables.delete(m[1]);
            return [];
        }
        if ((m = sql.match(/^ALTER TABLE `([^`]+)` RENAME TO `([^`]+)`$/))) {
            const src = this.need(m[1]);
            if (src.streamingBuffer) throw new BigQueryError(400, "invalidQuery", `Cannot rename ${m[1]} because it has a streaming buffer`);
            const target = m[1].split(".").slice(0, 2).concat(m[2]).join(".");
            if (this.tables.has(target)) throw new BigQueryError(409, "duplicate", `Already Exists: Table ${target}`);
            this.tables.delete(m[1]);
            this.tables.set(target, src);
            return [];
        }
        if ((m = sql.match(/^CREATE TABLE `([^`]+)`\nCLONE `([^`]+)`$/))) {
            if (this.tables.has(m[1])) throw new BigQueryError(409, "duplicate", `Already Exists: Table ${m[1]}`);
            this.tables.set(m[1], { type: "TABLE", rows: this.need(m[2]).rows });
            return [];
        }
        if ((m = sql.match(/^SELECT\n {2}\(SELECT COUNT\(\*\) FROM `([^`]+)`\) AS source_rows,\n {2}\(SELECT COUNT\(\*\) FROM `([^`]+)`\) AS copy_rows$/))) {
            return [{ source_rows: this.need(m[1]).rows, copy_rows: this.need(m[2]).rows }];
        }
        if ((m = sql.match(/^SELECT COUNT\(\*\) AS n FROM `([^`]+)`$/))) return [{ n: this.need(m[1]).rows }];
        const handler = this.handlers.find((h) => h.match.test(sql));
        if (handler) return handler.rows(sql);
        throw new BigQueryError(400, "invalidQuery", `fake: unsupported statement: ${sql.slice(0, 80)}`);
    }
}
