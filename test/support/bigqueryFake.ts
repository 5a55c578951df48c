// An HTTP-level fake of the few BigQuery REST calls the stack makes (tables.get, jobs.insert,
// jobs.get, jobs.getQueryResults; for the data move, multipart load-job uploads and
// tabledata.list), so the real @google-cloud/bigquery client runs against it: point
// BIGQUERY_EMULATOR_HOST at url(). It executes exactly the statements
// components/migration/ddl.ts generates; any other query needs a handler from the test. Load
// jobs are checked as BigQuery checks them: explicit schema, unknown fields, required fields,
// value types; a job that fails leaves the table as it was.
import * as http from "http";
import type { AddressInfo } from "net";

/** A field of a table schema, as the API writes it. */
export interface FakeField {
    name: string;
    type: string;
    mode?: string;
    fields?: FakeField[];
}

export interface FakeTable {
    type: "TABLE" | "SNAPSHOT" | "VIEW";
    rows: number;
    schema?: FakeField[];
    /** Loaded rows, one JSON document each (as the load's lines, validated). */
    data?: string[];
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
    /** Fault injection: load jobs silently keep this many rows fewer than they report. */
    loseRowsOnLoad = 0;
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
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", async () => {
            const url = new URL(req.url ?? "/", "http://fake");
            const raw = Buffer.concat(chunks);
            const isUpload = url.pathname.startsWith("/upload/");
            let body: any;
            try {
                body = !isUpload && raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
            } catch {
                body = undefined;
            }
            this.requests.push({ method: req.method ?? "GET", path: url.pathname, body: isUpload ? undefined : body });
            const send = (code: number, json: unknown) => {
                res.writeHead(code, { "content-type": "application/json" });
                res.end(JSON.stringify(json));
            };
            try {
                if (isUpload) return send(200, this.upload(url, String(req.headers["content-type"] ?? ""), raw));
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
                numRows: String(t.data ? t.data.length : t.rows),
                ...(t.schema ? { schema: { fields: t.schema } } : {}),
                ...(t.streamingBuffer ? { streamingBuffer: { estimatedRows: "10", estimatedBytes: "1000", oldestEntryTime: String(Date.now()) } } : {}),
            };
        }
        if (method === "GET" && p[0] === "projects" && p[2] === "datasets" && p[4] === "tables" && p[6] === "data" && p.length === 7) {
            return this.listRows(`${p[1]}.${p[3]}.${p[5]}`, url.searchParams);
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

    /** POST /upload/bigquery/v2/projects/{p}/jobs?uploadType=multipart: a load job with its data. */
    private upload(url: URL, contentType: string, raw: Buffer): unknown {
        const project = url.pathname.split("/")[5];
        if (url.searchParams.get("uploadType") !== "multipart") throw new BigQueryError(400, "invalid", "fake: only multipart uploads are supported");
        const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
        if (!boundary) throw new BigQueryError(400, "invalid", "fake: multipart upload without a boundary");
        const parts = splitMultipart(raw, boundary);
        if (parts.length !== 2) throw new BigQueryError(400, "invalid", `fake: expected metadata and media parts, got ${parts.length}`);
        const meta = JSON.parse(parts[0].toString("utf8"));
        const load = meta?.configuration?.load;
        const jobId: string = meta?.jobReference?.jobId ?? `job_${this.jobs.size + 1}`;
        const jobReference = { projectId: project, jobId, location: meta?.jobReference?.location ?? "US" };
        const job: any = { kind: "bigquery#job", jobReference, configuration: meta.configuration, status: { state: "DONE" }, statistics: { load: { outputRows: "0" } } };
        this.jobs.set(jobId, { job, rows: [], doneAt: Date.now() + this.latencyMs });
        const fail = (message: string) => {
            job.status = { state: "DONE", errorResult: { reason: "invalid", message }, errors: [{ reason: "invalid", message }] };
            return job;
        };
        if (!load) return fail("fake: not a load job");
        if (load.sourceFormat !== "NEWLINE_DELIMITED_JSON") return fail(`fake: sourceFormat ${load.sourceFormat} is not NEWLINE_DELIMITED_JSON`);
        if (load.autodetect === true || !load.schema?.fields?.length) return fail("fake: the data move must give an explicit schema (no autodetect)");
        const d = load.destinationTable;
        const key = `${d.projectId}.${d.datasetId}.${d.tableId}`;
        const table = this.tables.get(key);
        if (!table) return fail(`Not found: Table ${key}`);
        const fields: FakeField[] = load.schema.fields;
        const lines = parts[1].toString("utf8").split("\n").filter((l) => l.length > 0);
        for (let i = 0; i < lines.length; i++) {
            let doc: any;
            try {
                doc = JSON.parse(lines[i]);
            } catch {
                return fail(`Error while reading data, error message: JSON parsing error in row starting at position ${i}: ${lines[i].slice(0, 40)}`);
            }
            const problem = checkRecord(fields, doc, "");
            if (problem) return fail(`Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${i + 1}; Errors: 1. ${problem}`);
        }
        table.schema = table.schema ?? fields;
        const kept = this.loseRowsOnLoad > 0 ? lines.slice(0, Math.max(0, lines.length - this.loseRowsOnLoad)) : lines;
        table.data = load.writeDisposition === "WRITE_APPEND" ? [...(table.data ?? []), ...kept] : kept;
        job.statistics = { load: { outputRows: String(lines.length), inputFiles: "1" } };
        return job;
    }

    /** tabledata.list: rows in the f/v form, every leaf a string; TIMESTAMP as int64 micros when asked. */
    private listRows(key: string, qs: URLSearchParams): unknown {
        const t = this.need(key);
        const data = t.data ?? [];
        const start = Number(qs.get("pageToken") ?? qs.get("startIndex") ?? 0);
        const max = Number(qs.get("maxResults") ?? 100_000);
        const micros = qs.get("formatOptions.useInt64Timestamp") === "true";
        const page = data.slice(start, start + max).map((line) => toFv(t.schema ?? [], JSON.parse(line), micros));
        return { kind: "bigquery#tableDataList", totalRows: String(data.length), rows: page, ...(start + max < data.length ? { pageToken: String(start + max) } : {}) };
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

function splitMultipart(raw: Buffer, boundary: string): Buffer[] {
    const delimiter = Buffer.from(`--${boundary}`);
    const parts: Buffer[] = [];
    let at = raw.indexOf(delimiter);
    while (at >= 0) {
        const next = raw.indexOf(delimiter, at + delimiter.length);
        if (next < 0) break;
        const part = raw.subarray(at + delimiter.length, next);
        const headerEnd = part.indexOf("\r\n\r\n");
        if (headerEnd >= 0) parts.push(part.subarray(headerEnd + 4, part.length - 2));
        at = next;
    }
    return parts;
}

const LEAF_CHECKS: Record<string, (v: unknown) => boolean> = {
    STRING: (v) => typeof v === "string",
    INTEGER: (v) => (typeof v === "string" && /^-?\d+$/.test(v)) || (typeof v === "number" && Number.isInteger(v)),
    FLOAT: (v) => typeof v === "number" || (typeof v === "string" && !Number.isNaN(Number(v))),
    NUMERIC: (v) => (typeof v === "string" || typeof v === "number") && /^-?\d{1,29}(\.\d{1,9})?$/.test(String(v)),
    BOOLEAN: (v) => typeof v === "boolean",
    DATE: (v) => typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v),
    TIMESTAMP: (v) => typeof v === "string" && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?$/.test(v),
    JSON: (v) => {
        if (typeof v !== "string") return true;
        try {
            JSON.parse(v);
            return true;
        } catch {
            return false;
        }
    },
};
const LEGACY: Record<string, string> = { INT64: "INTEGER", FLOAT64: "FLOAT", BOOL: "BOOLEAN", STRUCT: "RECORD" };

function checkRecord(fields: FakeField[], doc: any, prefix: string): string | undefined {
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return `${prefix || "row"}: not a JSON object`;
    for (const k of Object.keys(doc)) if (!fields.some((f) => f.name === k)) return `No such field: ${prefix}${k}.`;
    for (const f of fields) {
        const v = doc[f.name];
        const type = LEGACY[f.type] ?? f.type;
        const name = `${prefix}${f.name}`;
        if (f.mode === "REPEATED") {
            if (v === undefined || v === null) continue;
            if (!Array.isArray(v)) return `${name}: expected an array`;
            for (const e of v) {
                const p = type === "RECORD" ? checkRecord(f.fields ?? [], e, `${name}.`) : LEAF_CHECKS[type]?.(e) === false ? `${name}: invalid ${type} value ${JSON.stringify(e)}` : undefined;
                if (p) return p;
            }
            continue;
        }
        if (v === undefined || v === null) {
            if (f.mode === "REQUIRED") return `Missing required field: ${name}.`;
            continue;
        }
        if (type === "RECORD") {
            const p = checkRecord(f.fields ?? [], v, `${name}.`);
            if (p) return p;
        } else if (LEAF_CHECKS[type] && !LEAF_CHECKS[type](v)) return `${name}: invalid ${type} value ${JSON.stringify(v)}`;
    }
    return undefined;
}

function toFv(fields: FakeField[], doc: any, micros: boolean): unknown {
    const leaf = (f: FakeField, v: any): unknown => {
        if (v === null || v === undefined) return null;
        const type = LEGACY[f.type] ?? f.type;
        if (type === "RECORD") return toFv(f.fields ?? [], v, micros);
        if (type === "TIMESTAMP") {
            const m = /\.(\d{1,6})/.exec(v);
            const us = BigInt(Date.parse(String(v).replace(/\.\d+/, ""))) * 1000n + BigInt((m?.[1] ?? "").padEnd(6, "0"));
            return micros ? us.toString() : (Number(us) / 1e6).toExponential();
        }
        if (type === "JSON") return typeof v === "string" ? v : JSON.stringify(v);
        return String(v);
    };
    return { f: fields.map((f) => ({ v: f.mode === "REPEATED" ? (doc[f.name] ?? []).map((e: any) => ({ v: leaf({ ...f, mode: "NULLABLE" }, e) })) : leaf(f, doc[f.name]) })) };
}
