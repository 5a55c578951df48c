// The BigQuery side: analytics tables get one load job each, of newline-delimited JSON with the
// explicit schema of the stack's catalogue (no auto-detect), WRITE_TRUNCATE so a table is
// replaced whole or not at all. The JSON goes into the job's upload as the rows are read (and
// into a temporary file, to name a line BigQuery refuses), so BigQuery reads while we convert and
// memory stays flat; a row that cannot be converted ends the upload unfinished, so no job runs.
// The table is then read back (tabledata.list, which bills nothing, pages asked for ahead) and
// fingerprinted from the cells BigQuery returns.
import * as crypto from "crypto";
import { once } from "events";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { CATALOGUE, ColumnDef, toBigQueryFields } from "../components/analytics";
import { bigQueryClient } from "../components/migration/warehouse";
import { bqCellCanonical, Fingerprint, keyBucket, type LogicalType, rowText, showValue, type TargetColumn } from "./canonical";
import { type OnRow, PageError, readTableDataPage, type TableDataPage } from "./tabledata";
import type { LoadJob, Target } from "./target";

const BQ_TYPES: Partial<Record<ColumnDef["type"], LogicalType>> = {
    STRING: "STRING", INT64: "INT64", FLOAT64: "FLOAT64", NUMERIC: "NUMERIC", BOOL: "BOOL", DATE: "DATE", TIMESTAMP: "TIMESTAMP", JSON: "JSON", RECORD: "RECORD",
};

/** A catalogue column as the mover's target column. */
export function targetColumn(c: ColumnDef, table: string): TargetColumn {
    const type = BQ_TYPES[c.type];
    if (!type) throw new Error(`${table}.${c.name}: BigQuery type ${c.type} is not one the mover can verify`);
    return {
        name: c.name,
        type,
        required: c.mode === "REQUIRED",
        repeated: c.mode === "REPEATED",
        sqlType: c.type,
        ...(c.fields ? { fields: c.fields.map((f) => targetColumn(f, `${table}.${c.name}`)) } : {}),
    };
}

/** Rows per tabledata.list page, and pages fetched at once when reading a table back. */
const PAGE = 10_000;
const PAGES_IN_FLIGHT = 3;

export function openBigQuery(project: string, dataset: string, location?: string): Target {
    const client = bigQueryClient(project, location);
    const ds = client.dataset(dataset);
    return {
        label: `bigquery ${project}.${dataset}`,
        transactional: false,
        async describe(table) {
            const def = CATALOGUE.find((t) => t.name === table && t.role === "analytics");
            if (!def) return undefined;
            try {
                await ds.table(table).getMetadata();
            } catch (err: any) {
                if (err?.code === 404) throw new Error(`BigQuery table ${project}.${dataset}.${table} does not exist: run \`pulumi up\` for the stack first`);
                throw err;
            }
            return def.columns.map((c) => targetColumn(c, table));
        },
        async references(tables) {
            // Analytics tables carry no foreign keys: each can go at any time.
            return new Map(tables.map((t) => [t, []]));
        },
        async load(job) {
            const { plan } = job;
            const table = plan.table;
            const def = CATALOGUE.find((t) => t.name === table)!;
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-move-"));
            const file = path.join(dir, `${table}.ndjson`);
            try {
                const upload = await openUpload(client, project, {
                    configuration: {
                        load: {
                            destinationTable: { projectId: project, datasetId: dataset, tableId: table },
                            sourceFormat: "NEWLINE_DELIMITED_JSON",
                            schema: { fields: toBigQueryFields(def.columns) },
                            autodetect: false,
                            writeDisposition: "WRITE_TRUNCATE",
                            createDisposition: "CREATE_NEVER",
                            ignoreUnknownValues: false,
                            maxBadRecords: 0,
                        },
                    },
                    jobReference: { jobId: crypto.randomUUID(), projectId: project, ...(location ? { location } : {}) },
                });
                let n: number;
                try {
                    n = await writeRows(job, file, upload);
                } catch (err) {
                    // The upload ends unfinished: no load job exists, and nothing of the table changed.
                    upload.abort();
                    throw err;
                }
                let meta: any;
                try {
                    const ref = (await upload.finish()).jobReference;
                    const created = client.job(ref.jobId, { location: ref.location, projectId: ref.projectId });
                    await created.promise();
                    [meta] = await created.getMetadata();
                } catch (err: any) {
                    throw await nameLoadFailure(job, file, err?.message ?? String(err));
                }
                const loaded = Number(meta.statistics?.load?.outputRows ?? n);
                if (loaded !== n) throw new Error(`load job ${meta.jobReference?.jobId} wrote ${loaded} rows of ${n}`);
                const canon = plan.columns.map((c) => bqCellCanonical(c.target));
                const what = `tabledata.list of ${project}.${dataset}.${table}`;
                const page = (start: number) => listRows(client, what, project, dataset, table, { maxResults: PAGE, startIndex: start, "formatOptions.useInt64Timestamp": true });
                // The table's own row count, not the load's: pages by start index, the next ones
                // always asked for while one is summed, so that BigQuery writes pages while we
                // read. A page waits as its text; its rows are read (and die) only when summed, so
                // pages in flight hold no row objects for the collector to copy again and again.
                const read = async function* (onRow: OnRow): AsyncGenerator<void> {
                    const asked: Promise<string>[] = [];
                    let next = 0;
                    let total = PAGE * PAGES_IN_FLIGHT;
                    const ask = () => {
                        while (asked.length < PAGES_IN_FLIGHT && next < total) {
                            const p = page(next);
                            // Awaited in turn; handled now so that a page failing early is not unhandled.
                            p.catch(() => undefined);
                            asked.push(p);
                            next += PAGE;
                        }
                    };
                    ask();
                    for (let first = true; asked.length; first = false) {
                        const text = await asked.shift()!;
                        if (!first) ask();
                        let p: TableDataPage;
                        try {
                            p = readTableDataPage(text, canon, onRow);
                        } catch (err) {
                            throw err instanceof PageError ? new Error(`${what}: ${err.message}`) : err;
                        }
                        if (p.error) throw new Error(`${what}: ${p.error?.message ?? JSON.stringify(p.error)}`);
                        if (first) {
                            total = p.total;
                            ask();
                        }
                        yield;
                    }
                };
                const sum = async (key?: readonly number[]) => {
                    const all = new Fingerprint();
                    const add = key ? (values: (string | null)[]) => all.add(rowText(values), keyBucket(rowText(key.map((i) => values[i])))) : (values: (string | null)[]) => all.add(rowText(values));
                    for await (const _ of read(add));
                    return all;
                };
                return {
                    rows: n,
                    cascaded: [],
                    fingerprint: () => sum(),
                    buckets: (key) => sum(key),
                    async *rowsIn(key, buckets) {
                        const found: (string | null)[][] = [];
                        for await (const _ of read((values) => buckets.has(keyBucket(rowText(key.map((i) => values[i])))) && found.push(values))) yield* found.splice(0);
                    },
                    commit: async () => undefined,
                    rollback: async () => undefined,
                };
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
        async close() {
            // The client holds no connection of its own.
        },
    };
}

/**
 * One tabledata.list page's text, its body read here: through the client's callback path every
 * page is parsed and deep-copied; its text goes to the cells' canonical forms without becoming
 * objects (tabledata.ts).
 */
function listRows(client: import("@google-cloud/bigquery").BigQuery, what: string, project: string, dataset: string, table: string, qs: Record<string, unknown>): Promise<string> {
    const e = encodeURIComponent;
    const uri = `${(client as any).baseUrl}/projects/${e(project)}/datasets/${e(dataset)}/tables/${e(table)}/data`;
    return new Promise((resolve, reject) => {
        const stream = (client.makeAuthenticatedRequest as any)({ uri, qs });
        const chunks: Buffer[] = [];
        let status = 200;
        stream.on("response", (r: any) => (status = r?.statusCode ?? status));
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("error", reject);
        stream.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            if (status < 400) return resolve(text);
            let body: any;
            try {
                body = JSON.parse(text);
            } catch (err: any) {
                return reject(new Error(`${what}: HTTP ${status}, not JSON: ${err.message}`));
            }
            reject(new Error(`${what}: ${body?.error?.message ?? `HTTP ${status}`}`));
        });
    });
}

/** A load job's multipart upload, its media part written as the rows are converted. */
interface Upload {
    write(chunk: string | Buffer): Promise<void>;
    /** Ends the media part; the job resource BigQuery answers with. */
    finish(): Promise<any>;
    /** Ends the request unfinished, so that no job exists. */
    abort(): void;
}

/**
 * Opens the upload the client's createLoadJob makes (uploadType=multipart: the job's metadata,
 * then the file), here over a request of our own so that the rows go out while they are read and
 * a row that cannot be converted ends the request unfinished: an upload that never completes
 * makes no job.
 */
async function openUpload(client: import("@google-cloud/bigquery").BigQuery, project: string, metadata: object): Promise<Upload> {
    const reqOpts = { method: "POST", uri: `${(client as any).apiEndpoint}/upload/bigquery/v2/projects/${encodeURIComponent(project)}/jobs`, qs: { uploadType: "multipart" } };
    const authed: any = await new Promise((resolve, reject) =>
        (client.makeAuthenticatedRequest as any)(reqOpts, { onAuthenticated: (err: Error | null, opts: unknown) => (err ? reject(err) : resolve(opts)) }),
    );
    const url = new URL(authed.uri);
    for (const [k, v] of Object.entries(authed.qs ?? {})) url.searchParams.set(k, String(v));
    const boundary = crypto.randomUUID();
    const send = url.protocol === "https:" ? https.request : http.request;
    const req = send(url, { method: "POST", headers: { ...(authed.headers ?? {}), "Content-Type": `multipart/related; boundary=${boundary}` } });
    const answer = new Promise<any>((resolve, reject) => {
        req.once("error", reject);
        req.once("response", (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.once("error", reject);
            res.once("end", () => {
                let body: any;
                try {
                    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
                } catch {
                    return reject(new Error(`load upload: HTTP ${res.statusCode}, not JSON`));
                }
                if ((res.statusCode ?? 500) >= 400 || body?.error) return reject(new Error(body?.error?.message ?? `load upload: HTTP ${res.statusCode}`));
                resolve(body);
            });
        });
    });
    // An abort rejects the answer; nobody waits for it then.
    answer.catch(() => undefined);
    const write = async (chunk: string | Buffer) => {
        if (!req.write(chunk)) await Promise.race([once(req, "drain"), answer]);
    };
    await write(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(metadata)}\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`);
    return {
        write,
        finish: async () => {
            req.end(`\r\n--${boundary}--\r\n`);
            return answer;
        },
        abort: () => req.destroy(),
    };
}

/** Streams the rows into the load file and the upload; returns how many. */
async function writeRows(job: LoadJob, file: string, upload: Upload): Promise<number> {
    const { plan } = job;
    const table = plan.table;
    const columns = plan.columns;
    const keys = columns.map((c) => `${JSON.stringify(c.target.name)}:`);
    const corrupt = job.corrupt;
    const out = fs.createWriteStream(file);
    let n = 0;
    let buf = "";
    try {
        for await (const row of job.rows) {
            n++;
            let line = "";
            try {
                job.take(row);
                for (let i = 0; i < columns.length; i++) {
                    let v = columns[i].bq(row);
                    if (corrupt) v = corrupt(table, columns[i].target.name, v ?? null) ?? undefined;
                    // An absent field is SQL NULL; for a JSON column, `null` is JSON's null.
                    if (v !== undefined) line += `${line ? "," : ""}${keys[i]}${v}`;
                }
            } catch (err) {
                throw job.rowError(row, err);
            }
            buf += `{${line}}\n`;
            if (buf.length >= 65536) {
                // Encoded once for the file and the upload.
                const chunk = Buffer.from(buf);
                // once() rejects if the stream errors while we wait.
                const drained = out.write(chunk) ? undefined : once(out, "drain");
                // Awaited below; handled now, so that the file failing while the upload waits is not unhandled.
                drained?.catch(() => undefined);
                await upload.write(chunk);
                await drained;
                buf = "";
            }
            if ((n & 8191) === 0) job.onRows(8192);
        }
        await upload.write(buf);
        await new Promise<void>((resolve, reject) => out.end(buf, () => resolve()).once("error", reject));
    } catch (err) {
        // Close the file before its folder is removed.
        if (!out.closed) {
            const closed = once(out, "close").catch(() => undefined);
            out.destroy();
            await closed;
        }
        throw err;
    }
    job.onRows(n & 8191);
    return n;
}

/**
 * A failed load job as the row it is about. BigQuery names the line ("Rows: 3", "row starting at
 * position 1234"): the line is read back from the load file and named by its key fields.
 */
async function nameLoadFailure(job: LoadJob, file: string, message: string): Promise<Error> {
    const { plan } = job;
    const byRow = /\bRows?: (\d+)/.exec(message);
    const byPosition = /position (\d+)/.exec(message);
    if (!byRow && !byPosition) return new Error(message);
    let line: string | undefined;
    let offset = 0;
    let number = 0;
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    for await (const l of lines) {
        number++;
        if ((byRow && number === Number(byRow[1])) || (byPosition && offset === Number(byPosition[1]))) {
            line = l;
            break;
        }
        offset += Buffer.byteLength(l) + 1;
    }
    lines.close();
    if (line === undefined) return new Error(message);
    let doc: any;
    try {
        // Only to read the key fields back for the message.
        doc = JSON.parse(line);
    } catch {
        return new Error(message);
    }
    const names = plan.key.names.length ? plan.key.targetIndexes.map((i) => plan.columns[i]?.target.name).filter(Boolean) : plan.columns.map((c) => c.target.name);
    const key = names.map((k) => `${k}=${showValue(doc[k] === undefined || doc[k] === null ? null : typeof doc[k] === "object" ? JSON.stringify(doc[k]) : String(doc[k]))}`);
    const column = plan.columns.map((c) => c.target.name).find((c) => new RegExp(`\\b${c}\\b`).test(message));
    const value = column !== undefined ? ` = ${showValue(doc[column] === undefined || doc[column] === null ? null : typeof doc[column] === "object" ? JSON.stringify(doc[column]) : String(doc[column]))}` : "";
    const e = new Error(`row ${key.length === 1 ? key[0] : `(${key.join(", ")})`}${column ? `: column ${column}${value}` : ""}: ${message}`);
    (e as any).named = true;
    return e;
}
