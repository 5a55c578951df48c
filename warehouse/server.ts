// LocalWarehouse: an HTTP double of BigQuery's v2 REST API that holds rows. The real
// `@google-cloud/bigquery` client talks to it through BIGQUERY_EMULATOR_HOST=url(), and any other
// client through url() + "/bigquery/v2/". Every query is analyzed and computed by ZetaSQL
// (warehouse/query.ts); tables, loads, streaming inserts and reads follow the REST API's rules
// (warehouse/store.ts). A control API under /_warehouse/ lists tables and jobs, injects faults
// and resets the store (warehouse/control.ts is its client).
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { acquireZetaSql, releaseZetaSql } from "../zetasql/server";
import { Cell, Row, rowFromObject, rowFromRaw, RowProblem, rowJsonEncoder, rowToApi, TimestampFormat } from "./cells";
import { BigQueryError, duplicate, invalid, notFound, statusOfReason, unsupported } from "./errors";
import { JsonSyntaxError, member, parseRaw, plain, Raw } from "./json";
import { QueryEngine, StatementResult, TableName } from "./query";
import { Field, normalizeSchema, schemaSummary } from "./schema";
import { evolveSchema, JobLogEntry, JobRecord, Store, StoreJson, tableKey, tableLabel, TableRecord } from "./store";
import { LoadLines, UploadReader } from "./upload";

/** A request as it reached the warehouse (uploads without their data). */
export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly body?: any;
}

/** A table as the control API and the in-process accessors describe it. */
export interface TableSummary {
    /** `project.dataset.table`. */
    readonly table: string;
    readonly type: "TABLE" | "VIEW" | "SNAPSHOT";
    readonly rows: number;
    readonly bytes: number;
    /** `name:TYPE` per column (ARRAY<..>, STRUCT<..>, NOT NULL). */
    readonly schema: string[];
    readonly timePartitioning?: { type: string; field?: string; expirationMs?: string };
    readonly rangePartitioning?: { field: string; range: { start: string; end: string; interval: string } };
    readonly clustering?: string[];
    readonly requirePartitionFilter: boolean;
    readonly labels: Record<string, string>;
    readonly description?: string;
    /** Milliseconds since the epoch. */
    readonly expirationTime?: number;
    readonly creationTime: number;
    /** For a snapshot: its base table; for a clone: the table or snapshot it was cloned from. */
    readonly snapshotOf?: string;
    readonly cloneOf?: string;
    readonly view?: string;
    readonly streamingBufferRows: number;
}

/** A fault armed for the k-th job from now, or for the next statement matching a pattern. */
export interface FaultSpec {
    /** 1 is the next job that is not a dry run. */
    readonly failJob?: number;
    readonly match?: string;
    /** Let the job take effect and lose only its answer. */
    readonly after: boolean;
    readonly message: string;
}

interface Fault {
    remaining?: number;
    match?: { test(sql: string): boolean };
    after: boolean;
    message: string;
}

export interface LocalWarehouseOptions {
    /** Write the whole store here after every change, and read it at start. */
    readonly stateFile?: string;
}

/** A table or view definition for in-process seeding (the fields of tables.insert). */
export interface TableDefinition {
    readonly schema?: readonly Record<string, unknown>[];
    readonly timePartitioning?: { type?: string; field?: string; expirationMs?: number | string };
    readonly rangePartitioning?: Record<string, unknown>;
    readonly clustering?: readonly string[];
    readonly requirePartitionFilter?: boolean;
    readonly labels?: Record<string, string>;
    readonly description?: string;
    readonly view?: string;
    readonly expirationTime?: number;
}

const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
const split = (qualified: string): [string, string, string] => {
    const [p, d, ...t] = qualified.split(".");
    if (!p || !d || t.length === 0) throw new Error(`"${qualified}" is not project.dataset.table`);
    return [p, d, t.join(".")];
};

/** An answer already written as JSON. */
class JsonText {
    constructor(readonly text: string) {}
}

class InjectedFault extends BigQueryError {
    constructor(message: string) {
        // A 4xx: the client does not retry it, so the caller sees the loss.
        super(400, "injectedFault", message);
    }
}

export class LocalWarehouse {
    readonly store = new Store();
    /** Every API request, in order (not the control API's). */
    readonly requests: RecordedRequest[] = [];
    /** How long each job reports RUNNING before DONE (the benchmark's stand-in for BigQuery's latency). */
    latencyMs = 0;
    /** Fault injection: load jobs silently keep this many rows fewer than they report. */
    loseRowsOnLoad = 0;
    /** When set, rows from tabledata.insertAll stay in the streaming buffer until flushStreamingBuffer(). */
    holdStreamingBuffer = false;
    private readonly faults: Fault[] = [];
    private server?: http.Server;
    private engine?: QueryEngine;
    private queue: Promise<unknown> = Promise.resolve();
    private dirty = false;
    private jobSeq = 0;

    constructor(private readonly options: LocalWarehouseOptions = {}) {
        this.store.onChange = () => (this.dirty = true);
        if (options.stateFile && fs.existsSync(options.stateFile)) {
            this.store.load(JSON.parse(fs.readFileSync(options.stateFile, "utf8")) as StoreJson);
            this.dirty = false;
        }
    }

    /** Listens on 127.0.0.1 (a free port by default) with ZetaSQL ready; returns url(). */
    async start(port = 0): Promise<string> {
        const zeta = await acquireZetaSql();
        this.engine = new QueryEngine(this.store, zeta);
        this.server = http.createServer((req, res) => this.handle(req, res));
        try {
            await new Promise<void>((resolve, reject) => {
                this.server!.once("error", reject);
                this.server!.listen(port, "127.0.0.1", resolve);
            });
        } catch (err) {
            await this.engine.close();
            releaseZetaSql();
            this.engine = undefined;
            throw err;
        }
        return this.url();
    }

    url(): string {
        const addr = this.server?.address() as AddressInfo | null;
        if (!addr) throw new Error("the warehouse is not listening");
        return `http://127.0.0.1:${addr.port}`;
    }

    async stop(): Promise<void> {
        const server = this.server;
        this.server = undefined;
        if (server) {
            server.closeAllConnections?.();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
        await this.queue.catch(() => undefined);
        this.flush();
        if (this.engine) {
            await this.engine.close();
            this.engine = undefined;
            releaseZetaSql();
        }
    }

    private get queries(): QueryEngine {
        if (!this.engine) throw new Error("the warehouse is not started");
        return this.engine;
    }

    /** Runs effects one at a time, then writes the state file: HTTP handlers await ZetaSQL in between. */
    private serial<T>(fn: () => T | Promise<T>): Promise<T> {
        const run = this.queue.then(fn, fn);
        this.queue = run.then(
            () => this.flush(),
            () => this.flush(),
        );
        return run;
    }

    private flush(): void {
        if (!this.dirty || !this.options.stateFile) return;
        this.dirty = false;
        const file = this.options.stateFile;
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(this.store.toJSON()));
        fs.renameSync(tmp, file);
    }

    // -----------------------------------------------------------------------------------------
    // In-process accessors (tests and the benchmark set data up without HTTP)

    /** Creates a dataset (`location` US unless given); existing ones are left as they are. */
    createDataset(project: string, dataset: string, meta: Record<string, unknown> = {}): void {
        if (!this.store.dataset(project, dataset)) this.store.insertDataset(project, { datasetReference: { projectId: project, datasetId: dataset }, ...meta });
        this.flush();
    }

    /** Creates a table or view at `project.dataset.table`, and its dataset when missing. */
    async createTable(qualified: string, def: TableDefinition): Promise<TableSummary> {
        const [p, d, t] = split(qualified);
        this.createDataset(p, d);
        const body: Record<string, any> = {
            tableReference: { projectId: p, datasetId: d, tableId: t },
            ...(def.schema ? { schema: { fields: def.schema } } : {}),
            ...(def.timePartitioning ? { timePartitioning: def.timePartitioning } : {}),
            ...(def.rangePartitioning ? { rangePartitioning: def.rangePartitioning } : {}),
            ...(def.clustering && def.clustering.length > 0 ? { clustering: { fields: [...def.clustering] } } : {}),
            ...(def.requirePartitionFilter !== undefined ? { requirePartitionFilter: def.requirePartitionFilter } : {}),
            ...(def.labels ? { labels: def.labels } : {}),
            ...(def.description ? { description: def.description } : {}),
            ...(def.expirationTime !== undefined ? { expirationTime: String(def.expirationTime) } : {}),
            ...(def.view !== undefined ? { view: { query: def.view, useLegacySql: false } } : {}),
        };
        await this.serial(() => this.insertTable(p, d, body));
        return this.table(qualified)!;
    }

    /** Appends rows given as JavaScript objects, checked as a load job checks them; `streaming` puts them in the streaming buffer. */
    insertRows(qualified: string, rows: readonly Record<string, unknown>[], options: { streaming?: boolean } = {}): void {
        const t = this.store.needTable(...split(qualified));
        this.store.writable(t, "insert into");
        const converted = rows.map((r, i) => {
            try {
                return rowFromObject(t.schema, r);
            } catch (err) {
                throw new Error(`${qualified} row ${i + 1}: ${(err as Error).message}`);
            }
        });
        this.store.appendRows(t, converted, options.streaming === true);
        this.flush();
    }

    /** Replaces every row of a table. */
    replaceRows(qualified: string, rows: readonly Record<string, unknown>[]): void {
        const t = this.store.needTable(...split(qualified));
        this.store.writable(t, "replace the rows of");
        this.store.setRows(t, []);
        this.insertRows(qualified, rows);
    }

    /** The stored rows of a table (canonical cells: INTEGER as decimal strings, JSON as its text, ...). */
    rows(qualified: string): Row[] {
        return this.store.needTable(...split(qualified)).rows;
    }

    table(qualified: string): TableSummary | undefined {
        const t = this.store.table(...split(qualified));
        return t ? this.summary(t) : undefined;
    }

    tables(): TableSummary[] {
        return this.store
            .allTables()
            .map((t) => this.summary(t))
            .sort((a, b) => a.table.localeCompare(b.table));
    }

    private summary(t: TableRecord): TableSummary {
        const ref = (r: any) => (r ? `${r.projectId}.${r.datasetId}.${r.tableId}` : undefined);
        return {
            table: tableKey(t.projectId, t.datasetId, t.tableId),
            type: t.type,
            rows: t.type === "VIEW" ? 0 : t.rows.length,
            bytes: t.type === "VIEW" ? 0 : this.store.numBytes(t),
            schema: schemaSummary(t.schema),
            ...(t.meta.timePartitioning ? { timePartitioning: t.meta.timePartitioning } : {}),
            ...(t.meta.rangePartitioning ? { rangePartitioning: t.meta.rangePartitioning } : {}),
            ...(t.meta.clustering?.fields ? { clustering: [...t.meta.clustering.fields] } : {}),
            requirePartitionFilter: this.store.requiredPartitionColumn(t) !== undefined,
            labels: { ...(t.meta.labels ?? {}) },
            ...(t.meta.description ? { description: t.meta.description } : {}),
            ...(t.meta.expirationTime !== undefined ? { expirationTime: Number(t.meta.expirationTime) } : {}),
            creationTime: t.creationTime,
            ...(t.meta.snapshotDefinition ? { snapshotOf: ref(t.meta.snapshotDefinition.baseTableReference) } : {}),
            ...(t.meta.cloneDefinition ? { cloneOf: ref(t.meta.cloneDefinition.baseTableReference) } : {}),
            ...(t.meta.view ? { view: t.meta.view.query } : {}),
            streamingBufferRows: t.streaming?.rows ?? 0,
        };
    }

    /** Marks the last `rows` rows of a table as still in the streaming buffer (all of them by default); 0 flushes it. */
    setStreamingBuffer(qualified: string, rows?: number): void {
        const t = this.store.needTable(...split(qualified));
        const n = Math.min(rows ?? t.rows.length, t.rows.length);
        t.streaming = n > 0 ? { rows: n, bytes: 0, oldestEntryTime: this.store.now() } : undefined;
        this.store.changed();
        this.flush();
    }

    /** Moves streamed rows into storage, for one table or all. */
    flushStreamingBuffer(qualified?: string): void {
        for (const t of qualified ? [this.store.needTable(...split(qualified))] : this.store.allTables()) t.streaming = undefined;
        this.store.changed();
        this.flush();
    }

    /** Prices a table as if it held `bytes` bytes (undefined: its rows' own size), for maximumBytesBilled tests. */
    setBilledBytes(qualified: string, bytes: number | undefined): void {
        this.store.needTable(...split(qualified)).billedBytes = bytes;
        this.store.changed();
        this.flush();
    }

    /** Runs one statement in-process, as a job of `project` would (no fault injection, not logged). */
    async query(sql: string, options: { project?: string; defaultDataset?: string; dryRun?: boolean; maximumBytesBilled?: number } = {}): Promise<StatementResult> {
        const project = options.project ?? [...this.store.datasets.values()][0]?.projectId ?? "local";
        return this.serial(() => this.queries.run(sql, { ...options, project }));
    }

    /**
     * Makes the k-th job from now (1: the next one; dry runs do not count) fail: before it takes
     * effect, or, with `after`, once it has taken effect, losing only its answer.
     */
    failJob(k: number, after = false, message = "injected failure"): void {
        if (!Number.isInteger(k) || k < 1) throw new Error(`failJob: k must be a whole number from 1, got ${k}`);
        this.faults.push({ remaining: k, after, message });
    }

    /** Makes the next statement matching `match` fail, like failJob (queries only; the match is tried once per statement). */
    failNext(match: { test(sql: string): boolean }, after = false, message = "injected failure"): void {
        this.faults.push({ match, after, message });
    }

    clearFaults(): void {
        this.faults.length = 0;
    }

    /** The faults still armed. */
    pendingFaults(): FaultSpec[] {
        return this.faults.map((f) => ({ ...(f.remaining !== undefined ? { failJob: f.remaining } : { match: String(f.match) }), after: f.after, message: f.message }));
    }

    /** The statement log: every job, with what became of it. */
    get jobLog(): readonly JobLogEntry[] {
        return this.store.log;
    }

    /** Statements that took effect (query jobs, not dry runs), in order. */
    get statements(): string[] {
        return this.store.log.filter((e) => e.kind === "query" && !e.dryRun && (e.outcome === "done" || e.outcome === "lost-after")).map((e) => e.statement ?? "");
    }

    /** The whole store as it is now, to come back to with restore() (rows are shared, never copied). */
    checkpoint(): StoreJson {
        return copyState(this.store.toJSON());
    }

    /** Puts the store back as it was at the checkpoint, with no faults armed and no requests recorded. */
    restore(checkpoint: StoreJson): void {
        this.store.load(copyState(checkpoint));
        this.requests.length = 0;
        this.faults.length = 0;
        this.store.changed();
        this.flush();
    }

    /** Empties the store, the logs and the faults. */
    reset(): void {
        this.store.clear();
        this.requests.length = 0;
        this.faults.length = 0;
        this.store.changed();
        this.flush();
    }

    // -----------------------------------------------------------------------------------------
    // HTTP

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const chunks: Buffer[] = [];
        // A load's rows are read while they arrive (warehouse/upload.ts).
        const boundary = /\/upload\//.test(req.url ?? "") ? /boundary="?([^";]+)"?/.exec(String(req.headers["content-type"] ?? ""))?.[1] : undefined;
        const reader = boundary ? new UploadReader(boundary) : undefined;
        req.on("data", (c: Buffer) => (reader ? reader.write(c) : chunks.push(c)));
        req.on("end", async () => {
            reader?.end();
            const url = new URL(req.url ?? "/", "http://warehouse");
            // The client puts BIGQUERY_EMULATOR_HOST in front of API paths as given, and of uploads after
            // the same prefix: with or without /bigquery/v2 in it, each path has one meaning.
            url.pathname = url.pathname.replace(/^\/bigquery\/v2(?=\/upload\/)/, "");
            if (!url.pathname.startsWith("/_warehouse/") && !url.pathname.startsWith("/upload/") && !url.pathname.startsWith("/bigquery/v2/")) url.pathname = `/bigquery/v2${url.pathname}`;
            const raw = reader ? (reader.raw() ?? Buffer.alloc(0)) : Buffer.concat(chunks);
            const method = req.method ?? "GET";
            const send = (code: number, json: unknown) => {
                if (res.headersSent) return;
                const text = json === undefined ? "" : json instanceof JsonText ? json.text : JSON.stringify(json);
                res.writeHead(code, { "content-type": "application/json; charset=UTF-8" });
                res.end(text);
            };
            try {
                if (url.pathname.startsWith("/_warehouse/")) return send(200, await this.control(method, url, raw));
                const isUpload = url.pathname.startsWith("/upload/");
                const text = raw.toString("utf8");
                let body: any;
                if (!isUpload && text.trim()) {
                    try {
                        body = JSON.parse(text);
                    } catch {
                        throw invalid("Invalid JSON payload received.");
                    }
                }
                this.requests.push({ method, path: url.pathname, ...(isUpload ? {} : { body }) });
                if (isUpload) return send(200, await this.upload(url, String(req.headers["content-type"] ?? ""), raw, reader));
                const answer = await this.route(method, url, body, text);
                if (answer === undefined) {
                    res.writeHead(204);
                    res.end();
                    return;
                }
                send(200, answer);
            } catch (err) {
                const e = err instanceof BigQueryError ? err : new BigQueryError(500, "internalError", `local warehouse: ${(err as Error)?.stack ?? String(err)}`);
                send(e.code, e.body());
            }
        });
    }

    private async route(method: string, url: URL, body: any, text: string): Promise<unknown> {
        if (!url.pathname.startsWith("/bigquery/v2/")) throw notFound(`Not found: ${url.pathname}`);
        const p = url.pathname.slice("/bigquery/v2/".length).split("/").filter(Boolean).map(decodeURIComponent);
        const q = url.searchParams;
        if (p[0] === "projects" && p.length === 1 && method === "GET") {
            const ids = [...new Set([...this.store.datasets.values()].map((d) => d.projectId))].sort();
            return { kind: "bigquery#projectList", projects: ids.map((id) => ({ kind: "bigquery#project", id, numericId: "0", projectReference: { projectId: id }, friendlyName: id })), totalItems: ids.length };
        }
        if (p[0] !== "projects" || !p[1]) throw notFound(`Not found: ${url.pathname}`);
        const project = p[1];
        // Datasets
        if (p[2] === "datasets" && p.length === 3) {
            if (method === "GET") {
                const all = this.store.listDatasets(project);
                return {
                    kind: "bigquery#datasetList",
                    etag: "",
                    datasets: all.map((d) => ({ kind: "bigquery#dataset", id: `${d.projectId}:${d.datasetId}`, datasetReference: { datasetId: d.datasetId, projectId: d.projectId }, labels: d.meta.labels, location: d.meta.location })),
                };
            }
            if (method === "POST") return this.serial(() => this.store.datasetResource(this.store.insertDataset(project, body ?? {})));
        }
        if (p[2] === "datasets" && p.length === 4) {
            const d = p[3];
            if (method === "GET") return this.store.datasetResource(this.store.needDataset(project, d));
            if (method === "PATCH" || method === "PUT") return this.serial(() => this.store.datasetResource(this.store.changeDataset(project, d, body ?? {}, method === "PUT")));
            if (method === "DELETE") return this.serial(() => void this.store.deleteDataset(project, d, q.get("deleteContents") === "true"));
        }
        // Tables
        if (p[2] === "datasets" && p[4] === "tables" && p.length === 5) {
            if (method === "GET") {
                const list = this.store.listTables(project, p[3]);
                const max = Number(q.get("maxResults") ?? 1000);
                const start = Number(q.get("pageToken") ?? 0);
                const page = list.slice(start, start + max);
                return {
                    kind: "bigquery#tableList",
                    etag: "",
                    tables: page.map((t) => ({
                        kind: "bigquery#table",
                        id: tableLabel(t),
                        tableReference: { projectId: t.projectId, datasetId: t.datasetId, tableId: t.tableId },
                        type: t.type,
                        creationTime: String(t.creationTime),
                        ...(t.meta.labels ? { labels: t.meta.labels } : {}),
                        ...(t.meta.timePartitioning ? { timePartitioning: t.meta.timePartitioning } : {}),
                        ...(t.meta.clustering ? { clustering: t.meta.clustering } : {}),
                        ...(t.meta.expirationTime ? { expirationTime: t.meta.expirationTime } : {}),
                    })),
                    totalItems: list.length,
                    ...(start + max < list.length ? { nextPageToken: String(start + max) } : {}),
                };
            }
            if (method === "POST") return this.serial(() => this.insertTable(project, p[3], body ?? {}));
        }
        if (p[2] === "datasets" && p[4] === "tables" && p.length === 6) {
            const [d, t] = [p[3], p[5]];
            if (method === "GET") return this.store.tableResource(this.store.needTable(project, d, t));
            if (method === "PATCH" || method === "PUT") return this.serial(() => this.changeTable(project, d, t, body ?? {}, method === "PUT"));
            if (method === "DELETE") return this.serial(() => void this.store.deleteTable(this.store.needTable(project, d, t)));
        }
        if (p[2] === "datasets" && p[4] === "tables" && p.length === 7) {
            const [d, t] = [p[3], p[5]];
            if (p[6] === "data" && method === "GET") return this.listRows(this.store.needTable(project, d, t), q);
            if (p[6] === "insertAll" && method === "POST") return this.serial(() => this.insertAll(project, d, t, text));
            if (p[6] === "rowAccessPolicies" && method === "GET") {
                this.store.needTable(project, d, t);
                return {};
            }
        }
        // Jobs
        if (p[2] === "jobs" && p.length === 3) {
            if (method === "POST") return this.insertJob(project, body ?? {});
            if (method === "GET") return this.listJobs(project, q);
        }
        if (p[2] === "jobs" && p.length === 4 && method === "GET") return this.jobResource(this.job(project, p[3]));
        if (p[2] === "jobs" && p.length === 5 && p[4] === "cancel" && method === "POST") return { kind: "bigquery#jobCancelResponse", job: this.jobResource(this.job(project, p[3])) };
        if (p[2] === "jobs" && p.length === 5 && p[4] === "delete" && method === "DELETE") {
            this.store.jobs.delete(`${project}:${p[3]}`);
            return undefined;
        }
        if (p[2] === "queries" && p.length === 3 && method === "POST") return this.syncQuery(project, body ?? {});
        if (p[2] === "queries" && p.length === 4 && method === "GET") return this.queryResults(this.job(project, p[3]), q);
        throw invalid(`The local warehouse does not serve ${method} ${url.pathname}`);
    }

    // -----------------------------------------------------------------------------------------
    // Tables

    private async insertTable(project: string, dataset: string, body: Record<string, any>): Promise<unknown> {
        const ref = body?.tableReference ?? {};
        if ((ref.projectId && ref.projectId !== project) || (ref.datasetId && ref.datasetId !== dataset)) {
            throw invalid(`The table reference ${ref.projectId}:${ref.datasetId} does not match the request's ${project}:${dataset}`);
        }
        this.store.needDataset(project, dataset);
        let schema: Field[] | undefined;
        if (body.view) {
            if (body.schema?.fields?.length) throw invalid("Schema field shouldn't be used as input with a view");
            if (body.view.useLegacySql !== true) schema = await this.queries.viewSchema(project, String(body.view.query ?? ""));
        }
        return this.store.tableResource(this.store.createTable(project, dataset, body, schema ? { schema } : {}));
    }

    private async changeTable(project: string, dataset: string, table: string, body: Record<string, any>, replace: boolean): Promise<unknown> {
        const t = this.store.needTable(project, dataset, table);
        let viewSchema: Field[] | undefined;
        if (t.type === "VIEW") {
            const query = body.view?.query ?? t.meta.view?.query;
            const legacy = body.view?.useLegacySql ?? t.meta.view?.useLegacySql;
            if (legacy !== true) viewSchema = await this.queries.viewSchema(project, String(query));
            if (viewSchema && t.schema.length > 0 && !body.view) viewSchema = undefined;
        }
        return this.store.tableResource(this.store.changeTable(t, body, replace, viewSchema));
    }

    private listRows(t: TableRecord, q: URLSearchParams): unknown {
        if (t.type === "VIEW") throw invalid(`Cannot list a table of type VIEW.`);
        const start = Number(q.get("pageToken") ?? q.get("startIndex") ?? 0);
        const max = Math.min(Number(q.get("maxResults") ?? 100_000), 100_000);
        const selected = q.get("selectedFields");
        const fields = selected ? selected.split(",").map((n) => t.schema.find((f) => f.name.toLowerCase() === n.trim().toLowerCase()) ?? this.fail(invalid(`Field ${n} not found in table ${tableLabel(t)}`))) : t.schema;
        // Written as text row by row: a whole table read back page by page is a million rows, and
        // building every {f: [{v}]} object only to stringify it was most of the time spent.
        const encode = rowJsonEncoder(fields, timestampFormat(q));
        const end = Math.min(start + max, t.rows.length);
        let rows = "";
        for (let i = Math.max(start, 0); i < end; i++) rows += (rows ? "," : "") + encode(t.rows[i]);
        const pageToken = start + max < t.rows.length ? `,"pageToken":${JSON.stringify(String(start + max))}` : "";
        return new JsonText(`{"kind":"bigquery#tableDataList","etag":${JSON.stringify(t.etag)},"totalRows":"${t.rows.length}","rows":[${rows}]${pageToken}}`);
    }

    private fail(e: BigQueryError): never {
        throw e;
    }

    private insertAll(project: string, dataset: string, table: string, text: string): unknown {
        const t = this.store.needTable(project, dataset, table);
        this.store.writable(t, "stream into");
        let body: Raw;
        try {
            body = parseRaw(text);
        } catch (err) {
            throw invalid(`Invalid JSON payload received. ${(err as JsonSyntaxError).message}`);
        }
        const skipInvalid = plain(member(body, "skipInvalidRows") ?? { t: "null", start: 0, end: 0 }) === true;
        const ignoreUnknown = plain(member(body, "ignoreUnknownValues") ?? { t: "null", start: 0, end: 0 }) === true;
        if (member(body, "templateSuffix")) throw unsupported("templateSuffix is not supported by the local warehouse");
        const rows = member(body, "rows");
        if (!rows || rows.t !== "arr") throw invalid("No rows present in the request.");
        const good: Row[] = [];
        const insertErrors: { index: number; errors: { reason: string; location: string; message: string }[] }[] = [];
        rows.items.forEach((item, index) => {
            const json = member(item, "json");
            try {
                if (!json) throw new RowProblem("row has no json");
                good.push(rowFromRaw(t.schema, json, text, { ignoreUnknown }));
            } catch (err) {
                if (!(err instanceof RowProblem)) throw err;
                insertErrors.push({ index, errors: [{ reason: "invalid", location: "", message: err.message }] });
            }
        });
        if (insertErrors.length > 0 && !skipInvalid) {
            // Without skipInvalidRows one bad row stops the whole request.
            const bad = new Set(insertErrors.map((e) => e.index));
            const stopped = rows.items.map((_, i) => i).filter((i) => !bad.has(i)).map((index) => ({ index, errors: [{ reason: "stopped", location: "", message: "" }] }));
            return { kind: "bigquery#tableDataInsertAllResponse", insertErrors: [...insertErrors, ...stopped].sort((a, b) => a.index - b.index) };
        }
        this.store.appendRows(t, good, this.holdStreamingBuffer);
        return { kind: "bigquery#tableDataInsertAllResponse", ...(insertErrors.length ? { insertErrors } : {}) };
    }

    // -----------------------------------------------------------------------------------------
    // Jobs

    private job(project: string, jobId: string): JobRecord {
        const j = this.store.jobs.get(`${project}:${jobId}`);
        if (!j) throw notFound(`Not found: Job ${project}:${jobId}`);
        return j;
    }

    private jobResource(j: JobRecord): Record<string, unknown> {
        const done = this.store.now() >= j.doneAt;
        const status = done ? { state: "DONE", ...(j.error ? { errorResult: j.error, errors: [j.error] } : {}) } : { state: "RUNNING" };
        return {
            kind: "bigquery#job",
            etag: "",
            id: `${j.projectId}:${j.location}.${j.jobId}`,
            selfLink: `/bigquery/v2/projects/${j.projectId}/jobs/${j.jobId}?location=${j.location}`,
            user_email: "local-warehouse@localhost",
            jobReference: { projectId: j.projectId, jobId: j.jobId, location: j.location },
            configuration: j.configuration,
            status,
            statistics: { ...j.statistics, creationTime: String(j.creationTime), startTime: String(j.creationTime), ...(done ? { endTime: String(Math.max(j.doneAt, j.creationTime)) } : {}) },
        };
    }

    private listJobs(project: string, q: URLSearchParams): unknown {
        const all = [...this.store.jobs.values()].filter((j) => j.projectId === project).sort((a, b) => b.creationTime - a.creationTime);
        const max = Number(q.get("maxResults") ?? 1000);
        return { kind: "bigquery#jobList", etag: "", jobs: all.slice(0, max).map((j) => ({ ...this.jobResource(j), state: this.store.now() >= j.doneAt ? "DONE" : "RUNNING" })) };
    }

    private newJob(project: string, ref: any, configuration: Record<string, any>): JobRecord {
        const jobId = String(ref?.jobId ?? `job_${Date.now().toString(36)}_${++this.jobSeq}`);
        if (this.store.jobs.has(`${project}:${jobId}`)) throw duplicate(`Already Exists: Job ${project}:${ref?.location ?? "US"}.${jobId}`);
        const now = this.store.now();
        return { projectId: project, jobId, location: String(ref?.location ?? "US"), configuration, statistics: {}, creationTime: now, doneAt: now + this.latencyMs };
    }

    /** The fault for this job, if one is due: counting faults tick on every job that is not a dry run. */
    private dueFault(statement: string | undefined): Fault | undefined {
        let due: Fault | undefined;
        for (const f of this.faults) {
            if (f.remaining !== undefined) {
                f.remaining--;
                if (f.remaining === 0 && !due) due = f;
            } else if (!due && statement !== undefined && f.match!.test(statement)) due = f;
        }
        for (let i = this.faults.length - 1; i >= 0; i--) if (this.faults[i] === due || this.faults[i].remaining === 0) this.faults.splice(i, 1);
        return due;
    }

    private logJob(j: JobRecord, kind: JobLogEntry["kind"], statement: string | undefined, dryRun: boolean, outcome: JobLogEntry["outcome"], error?: string): void {
        this.store.log.push({ jobId: j.jobId, projectId: j.projectId, kind, ...(statement !== undefined ? { statement } : {}), dryRun, outcome, ...(error ? { error } : {}), time: j.creationTime });
        this.store.changed();
    }

    private async insertJob(project: string, body: Record<string, any>): Promise<unknown> {
        const configuration = body.configuration ?? {};
        if (configuration.query) {
            const j = await this.runQueryJob(project, body.jobReference, configuration, configuration.dryRun === true);
            return this.jobResource(j);
        }
        if (configuration.copy) return this.jobResource(await this.runCopyJob(project, body.jobReference, configuration));
        if (configuration.load) throw unsupported("Load jobs from Cloud Storage are not supported by the local warehouse: upload the data (multipart)");
        throw unsupported(`Job type not supported by the local warehouse: ${Object.keys(configuration).filter((k) => k !== "dryRun" && k !== "labels").join(", ") || "none"}`);
    }

    /**
     * A query job: analysis errors answer the insert (as BigQuery's do); anything after analysis
     * fails the job itself, which the insert reports in its status and getQueryResults as an error.
     */
    private async runQueryJob(project: string, ref: any, configuration: Record<string, any>, dryRun: boolean): Promise<JobRecord> {
        const qc = configuration.query ?? {};
        const sql = String(qc.query ?? "");
        const defaultDataset = qc.defaultDataset?.datasetId ? String(qc.defaultDataset.datasetId) : undefined;
        if (qc.defaultDataset?.projectId && qc.defaultDataset.projectId !== project) throw unsupported("A defaultDataset in another project than the job's is not supported by the local warehouse");
        if (qc.useLegacySql === true) throw invalid("Legacy SQL is not supported by the local warehouse; set useLegacySql to false");
        if (Array.isArray(qc.queryParameters) && qc.queryParameters.length > 0) throw unsupported("Query parameters are not supported by the local warehouse");
        return this.serial(async () => {
            const j = this.newJob(project, ref, { ...configuration, query: { ...qc, useLegacySql: false } });
            const maximumBytesBilled = qc.maximumBytesBilled !== undefined && qc.maximumBytesBilled !== null ? Number(qc.maximumBytesBilled) : undefined;
            if (dryRun) {
                const r = await this.queries.run(sql, { project, defaultDataset, dryRun: true }).catch((err) => {
                    this.logJob(j, "query", sql, true, "failed", (err as Error).message);
                    throw err;
                });
                j.statistics = this.queryStatistics(r);
                j.doneAt = j.creationTime;
                this.logJob(j, "query", sql, true, "done");
                // Dry runs are not kept as jobs, as in BigQuery.
                return j;
            }
            const fault = this.dueFault(sql);
            if (fault && !fault.after) {
                this.logJob(j, "query", sql, false, "lost-before", fault.message);
                throw new InjectedFault(fault.message);
            }
            let result: StatementResult;
            try {
                result = await this.queries.run(sql, { project, defaultDataset, maximumBytesBilled });
            } catch (err) {
                if (!(err instanceof BigQueryError)) throw err;
                if (err.atAnalysis) {
                    this.logJob(j, "query", sql, false, "failed", err.message);
                    throw err;
                }
                j.error = err.proto();
                this.store.jobs.set(`${project}:${j.jobId}`, j);
                this.logJob(j, "query", sql, false, "failed", err.message);
                return j;
            }
            if (qc.destinationTable && result.schema && result.rows) this.writeDestination(qc, result);
            j.statistics = this.queryStatistics(result);
            j.result = result.schema && result.rows ? { schema: result.schema, rows: result.rows } : undefined;
            j.affectedRows = result.affectedRows;
            this.store.jobs.set(`${project}:${j.jobId}`, j);
            if (fault) {
                this.logJob(j, "query", sql, false, "lost-after", fault.message);
                throw new InjectedFault(fault.message);
            }
            this.logJob(j, "query", sql, false, "done");
            return j;
        });
    }

    private queryStatistics(r: StatementResult): Record<string, unknown> {
        const bytes = String(r.bytesProcessed);
        return {
            totalBytesProcessed: bytes,
            query: {
                totalBytesProcessed: bytes,
                totalBytesBilled: bytes,
                statementType: r.statementType,
                cacheHit: false,
                referencedTables: r.referencedTables.map((t) => ({ ...t })),
                ...(r.schema ? { schema: { fields: r.schema } } : {}),
                ...(r.ddl ? { ddlOperationPerformed: r.ddl.operation, ddlTargetTable: { ...r.ddl.target } } : {}),
                ...(r.affectedRows !== undefined ? { numDmlAffectedRows: String(r.affectedRows) } : {}),
            },
        };
    }

    /** A query job's destinationTable: its rows written as writeDisposition says. */
    private writeDestination(qc: Record<string, any>, r: StatementResult): void {
        const d = qc.destinationTable;
        const existing = this.store.table(d.projectId, d.datasetId, d.tableId);
        const disposition = qc.writeDisposition ?? "WRITE_EMPTY";
        const rows = r.rows ?? [];
        if (!existing) {
            if (qc.createDisposition === "CREATE_NEVER") throw notFound(`Not found: Table ${tableLabel(d)}`);
            this.store.createTable(d.projectId, d.datasetId, { tableReference: { tableId: d.tableId } }, { schema: r.schema, rows });
            return;
        }
        this.store.writable(existing, "write to");
        if (disposition === "WRITE_EMPTY" && existing.rows.length > 0) throw duplicate(`Already Exists: Table ${tableLabel(d)}`);
        if (disposition === "WRITE_APPEND") {
            evolveSchema(existing.schema, r.schema!, tableLabel(d));
            this.store.appendRows(existing, rows, false);
        } else this.store.setRows(existing, rows, r.schema);
    }

    private async runCopyJob(project: string, ref: any, configuration: Record<string, any>): Promise<JobRecord> {
        const c = configuration.copy;
        return this.serial(async () => {
            const j = this.newJob(project, ref, configuration);
            if (configuration.dryRun === true) throw invalid("Copy jobs have no dry run");
            const fault = this.dueFault(undefined);
            if (fault && !fault.after) {
                this.logJob(j, "copy", undefined, false, "lost-before", fault.message);
                throw new InjectedFault(fault.message);
            }
            try {
                const sources: any[] = c.sourceTables ?? (c.sourceTable ? [c.sourceTable] : []);
                if (sources.length !== 1) throw unsupported("The local warehouse copies one source table per job");
                const s = sources[0];
                const source = this.store.needTable(s.projectId ?? project, s.datasetId, s.tableId);
                const target: TableName = { projectId: c.destinationTable.projectId ?? project, datasetId: c.destinationTable.datasetId, tableId: c.destinationTable.tableId };
                const op = String(c.operationType ?? "COPY");
                const meta: Record<string, any> = c.destinationExpirationTime ? { expirationTime: String(Date.parse(c.destinationExpirationTime)) } : {};
                if (op === "SNAPSHOT") this.queries.snapshot(source, target, meta);
                else if (op === "CLONE" || op === "RESTORE" || op === "COPY") {
                    const existing = this.store.table(target.projectId, target.datasetId, target.tableId);
                    const disposition = c.writeDisposition ?? "WRITE_EMPTY";
                    if (existing && disposition === "WRITE_APPEND" && op === "COPY") {
                        this.store.writable(existing, "append to");
                        evolveSchema(existing.schema, source.schema, tableLabel(target));
                        this.store.appendRows(existing, this.store.storedRows(source).slice(), false);
                    } else {
                        if (existing && disposition === "WRITE_TRUNCATE") {
                            this.store.writable(existing, "overwrite");
                            this.store.deleteTable(existing);
                        }
                        this.queries.clone(source, target, meta);
                        if (op === "COPY") delete this.store.needTable(target.projectId, target.datasetId, target.tableId).meta.cloneDefinition;
                    }
                } else throw invalid(`Invalid operationType ${op}`);
                j.statistics = { copy: { copiedRows: String(this.store.storedRows(source).length) } };
            } catch (err) {
                if (!(err instanceof BigQueryError)) throw err;
                j.error = err.proto();
                this.store.jobs.set(`${project}:${j.jobId}`, j);
                this.logJob(j, "copy", undefined, false, "failed", err.message);
                return j;
            }
            this.store.jobs.set(`${project}:${j.jobId}`, j);
            if (fault) {
                this.logJob(j, "copy", undefined, false, "lost-after", fault.message);
                throw new InjectedFault(fault.message);
            }
            this.logJob(j, "copy", undefined, false, "done");
            return j;
        });
    }

    /** jobs.query: a query job answered with its first page of results once done (or after timeoutMs). */
    private async syncQuery(project: string, body: Record<string, any>): Promise<unknown> {
        const { query, useLegacySql, dryRun, maximumBytesBilled, location, labels, queryParameters, destinationTable, writeDisposition, createDisposition, defaultDataset } = body;
        const configuration = { query: { query, useLegacySql, maximumBytesBilled, queryParameters, destinationTable, writeDisposition, createDisposition, defaultDataset }, ...(labels ? { labels } : {}), ...(dryRun ? { dryRun } : {}) };
        const j = await this.runQueryJob(project, { location }, configuration, dryRun === true);
        if (dryRun) {
            return { kind: "bigquery#queryResponse", jobReference: { projectId: project, location: j.location }, jobComplete: true, totalBytesProcessed: j.statistics.totalBytesProcessed, schema: j.statistics.query?.schema, cacheHit: false };
        }
        const q = new URLSearchParams();
        if (body.timeoutMs !== undefined) q.set("timeoutMs", String(body.timeoutMs));
        if (body.maxResults !== undefined) q.set("maxResults", String(body.maxResults));
        const f = body.formatOptions ?? {};
        if (f.useInt64Timestamp !== undefined) q.set("formatOptions.useInt64Timestamp", String(f.useInt64Timestamp));
        if (f.timestampOutputFormat !== undefined) q.set("formatOptions.timestampOutputFormat", String(f.timestampOutputFormat));
        const answer = (await this.queryResults(j, q)) as Record<string, unknown>;
        return { ...answer, kind: "bigquery#queryResponse" };
    }

    private async queryResults(j: JobRecord, q: URLSearchParams): Promise<unknown> {
        const timeout = Number(q.get("timeoutMs") ?? DEFAULT_QUERY_TIMEOUT_MS);
        const wait = Math.min(j.doneAt - this.store.now(), timeout);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const done = this.store.now() >= j.doneAt;
        if (!done) return { kind: "bigquery#getQueryResultsResponse", jobReference: { projectId: j.projectId, jobId: j.jobId, location: j.location }, jobComplete: false };
        if (j.error) throw new BigQueryError(statusOfReason(j.error.reason), j.error.reason, j.error.message, j.error.location);
        const rows = j.result?.rows ?? [];
        const start = Number(q.get("pageToken") ?? q.get("startIndex") ?? 0);
        const max = Number(q.get("maxResults") ?? 100_000);
        const ts = timestampFormat(q);
        const schema = j.result?.schema;
        return {
            kind: "bigquery#getQueryResultsResponse",
            etag: "",
            jobReference: { projectId: j.projectId, jobId: j.jobId, location: j.location },
            jobComplete: true,
            cacheHit: false,
            totalBytesProcessed: String(j.statistics.totalBytesProcessed ?? "0"),
            ...(j.affectedRows !== undefined ? { numDmlAffectedRows: String(j.affectedRows) } : {}),
            ...(schema ? { schema: { fields: schema }, totalRows: String(rows.length), rows: rows.slice(start, start + max).map((r) => rowToApi(schema, r, ts)) } : { totalRows: "0" }),
            ...(schema && start + max < rows.length ? { pageToken: String(start + max) } : {}),
        };
    }

    // -----------------------------------------------------------------------------------------
    // Load jobs (multipart upload: the job's metadata, then newline-delimited JSON)

    private async upload(url: URL, contentType: string, raw: Buffer, reader?: UploadReader): Promise<unknown> {
        const m = /^\/upload\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.exec(url.pathname);
        if (!m) throw notFound(`Not found: ${url.pathname}`);
        const project = decodeURIComponent(m[1]);
        if (url.searchParams.get("uploadType") !== "multipart") throw unsupported("The local warehouse takes multipart uploads only (uploadType=multipart)");
        if (reader?.lines) {
            if (!reader.complete) throw invalid("A load upload has a metadata part and a media part, and this one ended inside its media part");
            const { meta, lines } = reader;
            return this.serial(() => this.runLoadJob(project, meta, lines));
        }
        const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
        if (!boundary) throw invalid("A multipart upload needs a boundary");
        const parts = splitMultipart(raw, boundary);
        if (parts.length !== 2) throw invalid(`A load upload has a metadata part and a media part, not ${parts.length}`);
        let meta: any;
        try {
            meta = JSON.parse(parts[0].toString("utf8"));
        } catch {
            throw invalid("The metadata part of the upload is not JSON");
        }
        return this.serial(() => this.runLoadJob(project, meta, parts[1].toString("utf8")));
    }

    private runLoadJob(project: string, meta: any, data: string | LoadLines): unknown {
        const configuration = meta?.configuration ?? {};
        const j = this.newJob(project, meta?.jobReference, configuration);
        j.statistics = { load: { inputFiles: "1", inputFileBytes: String(typeof data === "string" ? Buffer.byteLength(data) : data.bytes), outputRows: "0", outputBytes: "0", badRecords: "0" } };
        const fault = this.dueFault(undefined);
        if (fault && !fault.after) {
            this.logJob(j, "load", undefined, false, "lost-before", fault.message);
            throw new InjectedFault(fault.message);
        }
        try {
            j.statistics = this.load(project, configuration.load, data);
        } catch (err) {
            if (!(err instanceof BigQueryError)) throw err;
            j.error = err.proto();
            this.store.jobs.set(`${project}:${j.jobId}`, j);
            this.logJob(j, "load", undefined, false, "failed", err.message);
            return this.jobResource(j);
        }
        this.store.jobs.set(`${project}:${j.jobId}`, j);
        if (fault) {
            this.logJob(j, "load", undefined, false, "lost-after", fault.message);
            throw new InjectedFault(fault.message);
        }
        this.logJob(j, "load", undefined, false, "done");
        return this.jobResource(j);
    }

    /** Checks every line before writing anything: a load that fails leaves the table as it was. */
    private load(project: string, load: any, data: string | LoadLines): Record<string, unknown> {
        if (!load) throw invalid("Not a load job: configuration.load is missing");
        const format = load.sourceFormat ?? "CSV";
        if (format !== "NEWLINE_DELIMITED_JSON") throw unsupported(`The local warehouse loads NEWLINE_DELIMITED_JSON only, not ${format}`);
        const d = load.destinationTable ?? {};
        const target: TableName = { projectId: d.projectId ?? project, datasetId: d.datasetId, tableId: d.tableId };
        this.store.needDataset(target.projectId, target.datasetId);
        let table = this.store.table(target.projectId, target.datasetId, target.tableId);
        if (table) this.store.writable(table, "load into");
        const given = load.schema?.fields?.length ? normalizeSchema(load.schema.fields) : undefined;
        if (!given && load.autodetect === true && !table) throw unsupported("Schema auto-detection is not supported by the local warehouse: give the load an explicit schema");
        const fields = given ?? table?.schema;
        if (!fields || fields.length === 0) throw invalid(`No schema specified on job or table ${tableLabel(target)}.`);
        if (!table && load.createDisposition === "CREATE_NEVER") throw notFound(`Not found: Table ${tableLabel(target)}`);
        const disposition = load.writeDisposition ?? "WRITE_APPEND";
        // Lines read while the upload arrived were read with the load's own schema, which is `fields`.
        let read: LoadLines;
        if (typeof data === "string") {
            read = new LoadLines(fields, load.ignoreUnknownValues === true, Number(load.maxBadRecords ?? 0));
            for (const line of data.split("\n")) read.add(line);
            read.bytes = Buffer.byteLength(data);
        } else read = data;
        if (read.error) throw read.error;
        const { rows, badRecords } = read;
        const kept = this.loseRowsOnLoad > 0 ? rows.slice(0, Math.max(0, rows.length - this.loseRowsOnLoad)) : rows;
        if (!table) {
            table = this.store.createTable(target.projectId, target.datasetId, {
                tableReference: { tableId: target.tableId },
                ...(load.timePartitioning ? { timePartitioning: load.timePartitioning } : {}),
                ...(load.clustering ? { clustering: load.clustering } : {}),
            }, { schema: fields, rows: kept });
        } else if (disposition === "WRITE_TRUNCATE") {
            this.store.setRows(table, kept, given ?? table.schema);
        } else if (disposition === "WRITE_EMPTY" && table.rows.length > 0) {
            throw invalid(`Cannot load into ${tableLabel(table)}: writeDisposition WRITE_EMPTY and the table already has data`);
        } else {
            if (given) {
                const added = given.find((g) => !table!.schema.some((f) => f.name.toLowerCase() === g.name.toLowerCase()));
                if (added) throw invalid(`Provided Schema does not match Table ${tableLabel(table)}. Cannot add fields (field: ${added.name})`);
                evolveSchema(table.schema, mergeForAppend(table.schema, given), tableLabel(table));
            }
            const tableFields = table.schema;
            const adapted = kept.map((r) => Object.fromEntries(tableFields.map((f) => [f.name, r[f.name] ?? (f.mode === "REPEATED" ? [] : null)])) as Row);
            for (const f of tableFields) if (f.mode === "REQUIRED" && adapted.some((r) => r[f.name] === null)) throw invalid(`Missing required field: ${f.name}.`);
            this.store.appendRows(table, adapted, false);
        }
        return { load: { inputFiles: "1", inputFileBytes: String(read.bytes), outputRows: String(rows.length), outputBytes: "0", badRecords: String(badRecords) } };
    }

    // -----------------------------------------------------------------------------------------
    // Control API

    private async control(method: string, url: URL, raw: Buffer): Promise<unknown> {
        const route = url.pathname.slice("/_warehouse/".length);
        const body = raw.length ? JSON.parse(raw.toString("utf8")) : {};
        if (route === "tables" && method === "GET") return { tables: this.tables() };
        if (route === "jobs" && method === "GET") return { jobs: this.jobLog };
        if (route === "faults" && method === "GET") return { faults: this.pendingFaults() };
        if (route === "faults" && method === "POST") {
            if (body.clear) this.clearFaults();
            if (body.failJob !== undefined) this.failJob(Number(body.failJob), body.after === true, body.message ?? "injected failure");
            return { faults: this.pendingFaults() };
        }
        if (route === "reset" && method === "POST") {
            await this.serial(() => this.reset());
            return {};
        }
        if (route === "streaming" && method === "POST") {
            if (body.hold !== undefined) this.holdStreamingBuffer = body.hold === true;
            if (body.flush) this.flushStreamingBuffer(body.flush === true ? undefined : String(body.flush));
            return { hold: this.holdStreamingBuffer };
        }
        if (route === "latency" && method === "POST") {
            this.latencyMs = Math.max(0, Number(body.ms ?? 0));
            return { ms: this.latencyMs };
        }
        throw notFound(`Not found: control ${method} /_warehouse/${route}`);
    }
}


/**
 * A copy of the store's state. Rows are immutable once stored (every change replaces the row or
 * the array), so the arrays are copied and the rows shared; everything else is cloned.
 */
function copyState(s: StoreJson): StoreJson {
    return {
        datasets: structuredClone(s.datasets),
        tables: s.tables.map((t) => ({ ...structuredClone({ ...t, rows: [] }), rows: t.rows.slice() })),
        jobs: structuredClone(s.jobs),
        log: structuredClone(s.log),
    };
}

/** The load schema's fields in the table's terms, for the append compatibility check. */
function mergeForAppend(table: readonly Field[], given: readonly Field[]): Field[] {
    return [...table.map((f) => given.find((g) => g.name.toLowerCase() === f.name.toLowerCase()) ?? f), ...given.filter((g) => !table.some((f) => f.name.toLowerCase() === g.name.toLowerCase()))];
}

function timestampFormat(q: URLSearchParams): TimestampFormat {
    const format = q.get("formatOptions.timestampOutputFormat");
    if (format === "ISO8601_STRING") return "iso";
    if (format === "INT64") return "micros";
    if (format === "FLOAT64") return "float";
    return q.get("formatOptions.useInt64Timestamp") === "true" ? "micros" : "float";
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

export type { Cell, Row };
