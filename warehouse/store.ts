// What the warehouse holds: datasets, tables with their rows, jobs and the statement log, with
// the REST API's rules for creating, changing and deleting them. Everything here is plain JSON,
// so the whole store can be written to a state file after each change and read back.
import { randomBytes } from "crypto";
import { Cell, Row, rowBytes } from "./cells";
import { BigQueryError, duplicate, invalid, notFound } from "./errors";
import { Field, findField, normalizeSchema } from "./schema";

export type TableType = "TABLE" | "VIEW" | "SNAPSHOT";

export interface DatasetRecord {
    projectId: string;
    datasetId: string;
    /** The dataset's settable fields as the API holds them (location, labels, access, ...). */
    meta: Record<string, any>;
    creationTime: number;
    lastModifiedTime: number;
    etag: string;
}

/** Rows that arrived by streaming and have not been flushed: the last `rows` rows of the table. */
export interface StreamingBuffer {
    rows: number;
    bytes: number;
    oldestEntryTime: number;
}

export interface TableRecord {
    projectId: string;
    datasetId: string;
    tableId: string;
    type: TableType;
    /** Settable and definition fields as the API holds them (description, labels, timePartitioning, view, snapshotDefinition, ...). */
    meta: Record<string, any>;
    schema: Field[];
    rows: Row[];
    streaming?: StreamingBuffer;
    creationTime: number;
    lastModifiedTime: number;
    etag: string;
    /** Bumped whenever rows or schema change: caches of encoded rows and results key on it. */
    version: number;
    /** Set by a test to price the table as if it held this many bytes. */
    billedBytes?: number;
}

/** One entry of the statement log. */
export interface JobLogEntry {
    readonly jobId: string;
    readonly projectId: string;
    readonly kind: "query" | "load" | "copy";
    readonly statement?: string;
    readonly dryRun: boolean;
    /** done; failed (BigQuery refused it); lost-before / lost-after (an injected fault, before or after it took effect). */
    outcome: "done" | "failed" | "lost-before" | "lost-after";
    error?: string;
    readonly time: number;
}

export interface JobRecord {
    projectId: string;
    jobId: string;
    location: string;
    configuration: Record<string, any>;
    statistics: Record<string, any>;
    error?: { reason: string; message: string; location?: string };
    creationTime: number;
    /** Until then the job reports RUNNING (latency injected by a test or the bench). */
    doneAt: number;
    result?: { schema: Field[]; rows: Row[] };
    /** For DML: rows inserted, updated or deleted. */
    affectedRows?: number;
}

export const tableKey = (p: string, d: string, t: string) => `${p}.${d}.${t}`;
export const datasetKey = (p: string, d: string) => `${p}:${d}`;
/** `p:d.t`, BigQuery's way of naming a table in messages. */
export const tableLabel = (t: { projectId: string; datasetId: string; tableId: string }) => `${t.projectId}:${t.datasetId}.${t.tableId}`;

const etag = () => randomBytes(12).toString("base64");
const TABLE_ID = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd} ]{1,1024}$/u;
const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;
const PARTITION_TYPES = ["DAY", "HOUR", "MONTH", "YEAR"];
const PARTITION_COLUMN_TYPES = ["DATE", "TIMESTAMP", "DATETIME"];
const CLUSTER_TYPES = ["STRING", "INTEGER", "NUMERIC", "BIGNUMERIC", "BOOLEAN", "DATE", "DATETIME", "TIMESTAMP", "GEOGRAPHY"];
// The API writes int64 fields as strings.
const INT64_DATASET_FIELDS = ["defaultTableExpirationMs", "defaultPartitionExpirationMs", "maxTimeTravelHours"];
const PRIMITIVE_ROLES: Record<string, string> = { "roles/bigquery.dataOwner": "OWNER", "roles/bigquery.dataEditor": "WRITER", "roles/bigquery.dataViewer": "READER" };
const DEFAULT_ACCESS = [
    { role: "WRITER", specialGroup: "projectWriters" },
    { role: "OWNER", specialGroup: "projectOwners" },
    { role: "READER", specialGroup: "projectReaders" },
];
// Fields a client may send but the service computes.
const OUTPUT_ONLY = [
    "kind", "etag", "id", "selfLink", "creationTime", "lastModifiedTime", "numRows", "numBytes", "numLongTermBytes", "numPhysicalBytes", "numTotalLogicalBytes",
    "numActiveLogicalBytes", "numLongTermLogicalBytes", "streamingBuffer", "location", "type", "snapshotDefinition", "cloneDefinition", "tableReference", "datasetReference",
];

function settable(body: Record<string, any>): Record<string, any> {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(body ?? {})) if (!OUTPUT_ONLY.includes(k) && v !== undefined) out[k] = v;
    return out;
}

function accessOf(entries: unknown): Record<string, any>[] {
    if (!Array.isArray(entries)) throw invalid("access must be a list");
    return entries.map((e: any) => ({ ...e, ...(e?.role ? { role: PRIMITIVE_ROLES[e.role] ?? e.role } : {}) }));
}

export interface StoreJson {
    readonly datasets: DatasetRecord[];
    readonly tables: TableRecord[];
    readonly jobs: JobRecord[];
    readonly log: JobLogEntry[];
}

export class Store {
    readonly datasets = new Map<string, DatasetRecord>();
    readonly tables = new Map<string, TableRecord>();
    readonly jobs = new Map<string, JobRecord>();
    readonly log: JobLogEntry[] = [];
    /** Bumped when tables appear, disappear, are renamed or change schema: the analyzer's catalogue keys on it. */
    shape = 0;
    /** Called after every change (the state file). */
    onChange: () => void = () => undefined;
    /** The clock; tests of expiry move it. */
    now: () => number = () => Date.now();

    toJSON(): StoreJson {
        return { datasets: [...this.datasets.values()], tables: [...this.tables.values()], jobs: [...this.jobs.values()], log: this.log };
    }

    load(json: StoreJson): void {
        this.clear();
        for (const d of json.datasets ?? []) this.datasets.set(datasetKey(d.projectId, d.datasetId), d);
        for (const t of json.tables ?? []) this.tables.set(tableKey(t.projectId, t.datasetId, t.tableId), t);
        for (const j of json.jobs ?? []) this.jobs.set(`${j.projectId}:${j.jobId}`, j);
        this.log.push(...(json.log ?? []));
        this.shape++;
    }

    clear(): void {
        this.datasets.clear();
        this.tables.clear();
        this.jobs.clear();
        this.log.length = 0;
        this.shape++;
    }

    changed(shape = false): void {
        if (shape) this.shape++;
        this.onChange();
    }

    // -----------------------------------------------------------------------------------------
    // Datasets

    dataset(projectId: string, datasetId: string): DatasetRecord | undefined {
        return this.datasets.get(datasetKey(projectId, datasetId));
    }

    needDataset(projectId: string, datasetId: string): DatasetRecord {
        const d = this.dataset(projectId, datasetId);
        if (!d) throw notFound(`Not found: Dataset ${projectId}:${datasetId}`);
        return d;
    }

    insertDataset(projectId: string, body: Record<string, any>): DatasetRecord {
        const ref = body?.datasetReference ?? {};
        const datasetId = String(ref.datasetId ?? "");
        if (ref.projectId && ref.projectId !== projectId) throw invalid(`The project ${ref.projectId} in the dataset reference does not match the project ${projectId} of the request`);
        if (!DATASET_ID.test(datasetId)) throw invalid(`Invalid dataset ID "${datasetId}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`);
        if (this.dataset(projectId, datasetId)) throw duplicate(`Already Exists: Dataset ${projectId}:${datasetId}`);
        const now = this.now();
        const meta = this.datasetMeta({ location: "US", access: DEFAULT_ACCESS, maxTimeTravelHours: "168" }, body);
        const d: DatasetRecord = { projectId, datasetId, meta, creationTime: now, lastModifiedTime: now, etag: etag() };
        this.datasets.set(datasetKey(projectId, datasetId), d);
        this.changed();
        return d;
    }

    private datasetMeta(base: Record<string, any>, body: Record<string, any>): Record<string, any> {
        const meta = { ...base, ...settable(body) };
        if (body?.location) meta.location = body.location;
        if (meta.access !== undefined) meta.access = accessOf(meta.access);
        for (const k of INT64_DATASET_FIELDS) if (meta[k] !== undefined && meta[k] !== null) meta[k] = String(meta[k]);
        for (const [k, v] of Object.entries(meta)) if (v === null) delete meta[k];
        return meta;
    }

    /** datasets.patch (merge) or datasets.update (replace); the location cannot change. */
    changeDataset(projectId: string, datasetId: string, body: Record<string, any>, replace: boolean): DatasetRecord {
        const d = this.needDataset(projectId, datasetId);
        if (body?.location && body.location !== d.meta.location) throw invalid(`Cannot change the location of dataset ${projectId}:${datasetId} from ${d.meta.location} to ${body.location}`);
        if (body?.etag && body.etag !== d.etag) throw new BigQueryError(412, "conditionNotMet", `Precondition check failed: the dataset's etag is ${d.etag}`);
        const base = replace ? { location: d.meta.location, access: DEFAULT_ACCESS, maxTimeTravelHours: "168" } : d.meta;
        d.meta = this.datasetMeta(base, { ...body, location: d.meta.location });
        d.lastModifiedTime = this.now();
        d.etag = etag();
        this.changed();
        return d;
    }

    deleteDataset(projectId: string, datasetId: string, deleteContents: boolean): void {
        this.needDataset(projectId, datasetId);
        const inside = [...this.tables.values()].filter((t) => t.projectId === projectId && t.datasetId === datasetId);
        if (inside.length > 0 && !deleteContents) throw invalid(`Dataset ${projectId}:${datasetId} is still in use`, undefined);
        for (const t of inside) this.tables.delete(tableKey(t.projectId, t.datasetId, t.tableId));
        this.datasets.delete(datasetKey(projectId, datasetId));
        this.changed(true);
    }

    listDatasets(projectId: string): DatasetRecord[] {
        return [...this.datasets.values()].filter((d) => d.projectId === projectId).sort((a, b) => a.datasetId.localeCompare(b.datasetId));
    }

    datasetResource(d: DatasetRecord): Record<string, unknown> {
        return {
            kind: "bigquery#dataset",
            etag: d.etag,
            id: `${d.projectId}:${d.datasetId}`,
            selfLink: `/bigquery/v2/projects/${d.projectId}/datasets/${d.datasetId}`,
            datasetReference: { datasetId: d.datasetId, projectId: d.projectId },
            ...d.meta,
            creationTime: String(d.creationTime),
            lastModifiedTime: String(d.lastModifiedTime),
            type: "DEFAULT",
        };
    }

    // -----------------------------------------------------------------------------------------
    // Tables

    /** The table, unless it does not exist or has expired (an expired table is deleted, as BigQuery does). */
    table(projectId: string, datasetId: string, tableId: string): TableRecord | undefined {
        const key = tableKey(projectId, datasetId, tableId);
        const t = this.tables.get(key);
        if (t && t.meta.expirationTime !== undefined && Number(t.meta.expirationTime) <= this.now()) {
            this.tables.delete(key);
            this.changed(true);
            return undefined;
        }
        return t;
    }

    needTable(projectId: string, datasetId: string, tableId: string): TableRecord {
        const t = this.table(projectId, datasetId, tableId);
        if (!t) {
            this.needDataset(projectId, datasetId);
            throw notFound(`Not found: Table ${projectId}:${datasetId}.${tableId}`);
        }
        return t;
    }

    /** Every live table (expired ones are dropped on the way). */
    allTables(): TableRecord[] {
        return [...this.tables.values()].filter((t) => this.table(t.projectId, t.datasetId, t.tableId));
    }

    listTables(projectId: string, datasetId: string): TableRecord[] {
        this.needDataset(projectId, datasetId);
        return this.allTables().filter((t) => t.projectId === projectId && t.datasetId === datasetId).sort((a, b) => a.tableId.localeCompare(b.tableId));
    }

    /**
     * A new table from a tables.insert body (or one the warehouse builds: DDL, loads, copies).
     * A view's schema is its query's output, which the caller works out (it needs the analyzer).
     */
    createTable(projectId: string, datasetId: string, body: Record<string, any>, init: { type?: TableType; schema?: Field[]; rows?: Row[] } = {}): TableRecord {
        const ds = this.needDataset(projectId, datasetId);
        const tableId = String(body?.tableReference?.tableId ?? "");
        if (!TABLE_ID.test(tableId)) throw invalid(`Invalid table ID "${tableId}".`);
        if (this.table(projectId, datasetId, tableId)) throw duplicate(`Already Exists: Table ${projectId}:${datasetId}.${tableId}`);
        const type: TableType = init.type ?? (body?.view ? "VIEW" : "TABLE");
        const meta = settable(body);
        delete meta.schema;
        if (type === "VIEW") {
            if (typeof meta.view?.query !== "string" || !meta.view.query.trim()) throw invalid("A view needs a query (view.query)");
            meta.view = { ...meta.view, useLegacySql: meta.view.useLegacySql ?? true };
        }
        const schema = init.schema ?? (body?.schema?.fields ? normalizeSchema(body.schema.fields) : []);
        this.checkLayout(tableId, schema, meta);
        const now = this.now();
        if (meta.expirationTime === undefined && ds.meta.defaultTableExpirationMs !== undefined && type !== "SNAPSHOT") meta.expirationTime = String(now + Number(ds.meta.defaultTableExpirationMs));
        if (meta.expirationTime !== undefined) meta.expirationTime = String(meta.expirationTime);
        const t: TableRecord = { projectId, datasetId, tableId, type, meta, schema, rows: init.rows ?? [], creationTime: now, lastModifiedTime: now, etag: etag(), version: 1 };
        this.tables.set(tableKey(projectId, datasetId, tableId), t);
        this.changed(true);
        return t;
    }

    /** Partitioning, clustering and the partition filter, checked against the schema as tables.insert does. */
    private checkLayout(tableId: string, schema: readonly Field[], meta: Record<string, any>): void {
        const tp = meta.timePartitioning;
        if (tp) {
            if (!PARTITION_TYPES.includes(tp.type ?? "DAY")) throw invalid(`Invalid value for timePartitioning.type: ${tp.type}`);
            meta.timePartitioning = { ...tp, type: tp.type ?? "DAY", ...(tp.expirationMs !== undefined ? { expirationMs: String(tp.expirationMs) } : {}) };
            if (tp.field) {
                const f = findField(schema, tp.field);
                if (!f) throw invalid(`The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: NONE: ${tp.field} is not a column of ${tableId}`);
                if (!PARTITION_COLUMN_TYPES.includes(f.type) || f.mode === "REPEATED") throw invalid(`The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: ${f.type}.`);
            }
        }
        const rp = meta.rangePartitioning;
        if (rp) {
            if (tp) throw invalid("Cannot specify both time partitioning and range partitioning");
            const f = findField(schema, String(rp.field ?? ""));
            if (!f || f.type !== "INTEGER" || f.mode === "REPEATED") throw invalid(`The field specified for range partitioning must be a top-level INTEGER column: ${rp.field}`);
            const r = rp.range ?? {};
            if (!(Number(r.interval) > 0) || !(Number(r.end) > Number(r.start))) throw invalid("rangePartitioning.range needs start < end and a positive interval");
            meta.rangePartitioning = { field: f.name, range: { start: String(r.start), end: String(r.end), interval: String(r.interval) } };
        }
        const fields: unknown = meta.clustering?.fields;
        if (meta.clustering !== undefined && meta.clustering !== null) {
            if (!Array.isArray(fields) || fields.length === 0) throw invalid("clustering.fields must list one to four columns");
            if (fields.length > 4) throw invalid(`Too many clustering fields: ${fields.length}, only 4 clustering fields are allowed`);
            for (const c of fields) {
                const f = findField(schema, String(c));
                if (!f) throw invalid(`The field specified for clustering cannot be found in the schema. Invalid field: ${c}.`);
                if (!CLUSTER_TYPES.includes(f.type) || f.mode === "REPEATED") throw invalid(`Field ${c} is of type ${f.mode === "REPEATED" ? "ARRAY" : f.type} which is not supported for clustering`);
            }
        }
        if (meta.requirePartitionFilter === true && !tp && !rp) throw invalid(`Cannot require a partition filter on ${tableId}: it is not partitioned`);
    }

    /** tables.patch (merge) or tables.update (replace): schema may only gain NULLABLE/REPEATED columns or relax REQUIRED. */
    changeTable(t: TableRecord, body: Record<string, any>, replace: boolean, viewSchema?: Field[]): TableRecord {
        if (body?.etag && body.etag !== t.etag) throw new BigQueryError(412, "conditionNotMet", `Precondition check failed: the table's etag is ${t.etag}`);
        const given = settable(body);
        delete given.schema;
        if (t.type === "SNAPSHOT") {
            for (const k of ["timePartitioning", "rangePartitioning", "clustering", "view"]) if (given[k] !== undefined) throw invalid(`Cannot change ${k} of table snapshot ${tableLabel(t)}: table snapshots are read-only`);
        }
        // An update replaces what the caller may set; what the service set stays.
        const keep = (k: string) => !replace || ["view", "snapshotDefinition", "cloneDefinition"].includes(k);
        const meta: Record<string, any> = Object.fromEntries(Object.entries(t.meta).filter(([k]) => keep(k)));
        for (const [k, v] of Object.entries(given)) {
            if (v === null) delete meta[k];
            else meta[k] = v;
        }
        if (t.type === "VIEW") {
            if (given.view) meta.view = { ...given.view, useLegacySql: given.view.useLegacySql ?? t.meta.view?.useLegacySql ?? true };
        } else if (meta.view) delete meta.view;
        if (t.type !== "VIEW" && JSON.stringify(meta.timePartitioning ?? null) !== JSON.stringify(t.meta.timePartitioning ?? null)) {
            const before = t.meta.timePartitioning;
            const after = meta.timePartitioning;
            if (!before || !after || before.type !== after.type || (before.field ?? "") !== (after.field ?? "")) {
                throw invalid(`Cannot change partitioning spec for ${tableLabel(t)}`);
            }
        }
        let schema = t.schema;
        if (t.type === "VIEW") {
            schema = viewSchema ?? t.schema;
            // A view's schema is its query's; the caller may only add descriptions to it.
            if (body?.schema?.fields) schema = withDescriptions(schema, normalizeSchema(body.schema.fields), tableLabel(t));
        } else if (body?.schema?.fields) {
            if (t.type === "SNAPSHOT") throw invalid(`Cannot change the schema of table snapshot ${tableLabel(t)}: table snapshots are read-only`);
            schema = evolveSchema(t.schema, normalizeSchema(body.schema.fields), tableLabel(t));
        }
        this.checkLayout(t.tableId, schema, meta);
        if (meta.expirationTime !== undefined) meta.expirationTime = String(meta.expirationTime);
        const schemaChanged = JSON.stringify(schema) !== JSON.stringify(t.schema);
        t.meta = meta;
        t.schema = schema;
        if (schemaChanged) t.version++;
        t.lastModifiedTime = this.now();
        t.etag = etag();
        this.changed(schemaChanged || t.type === "VIEW");
        return t;
    }

    deleteTable(t: TableRecord): void {
        this.tables.delete(tableKey(t.projectId, t.datasetId, t.tableId));
        this.changed(true);
    }

    /** Moves a table to a new id in its dataset, rows and all. */
    renameTable(t: TableRecord, newId: string): TableRecord {
        if (!TABLE_ID.test(newId)) throw invalid(`Invalid table ID "${newId}".`);
        if (this.table(t.projectId, t.datasetId, newId)) throw duplicate(`Already Exists: Table ${t.projectId}:${t.datasetId}.${newId}`);
        this.tables.delete(tableKey(t.projectId, t.datasetId, t.tableId));
        t.tableId = newId;
        t.lastModifiedTime = this.now();
        t.etag = etag();
        t.version++;
        this.tables.set(tableKey(t.projectId, t.datasetId, newId), t);
        this.changed(true);
        return t;
    }

    /** Refuses any change of a snapshot's rows or schema. */
    writable(t: TableRecord, what: string): void {
        if (t.type === "SNAPSHOT") throw invalid(`Cannot ${what} ${tableLabel(t)}: it is a table snapshot, and table snapshots are read-only`);
        if (t.type === "VIEW") throw invalid(`Cannot ${what} ${tableLabel(t)}: it is a view`);
    }

    /** Replaces the rows (and, when given, the schema) of a table. */
    setRows(t: TableRecord, rows: Row[], schema?: Field[]): void {
        t.rows = rows;
        t.streaming = undefined;
        if (schema) {
            const shapeChanged = JSON.stringify(schema) !== JSON.stringify(t.schema);
            t.schema = schema;
            if (shapeChanged) this.shape++;
        }
        t.version++;
        t.lastModifiedTime = this.now();
        t.etag = etag();
        this.changed();
    }

    appendRows(t: TableRecord, rows: Row[], streaming: boolean): void {
        t.rows = t.rows.concat(rows);
        if (streaming && rows.length > 0) {
            const bytes = rows.reduce((n, r) => n + rowBytes(t.schema, r), 0);
            t.streaming = t.streaming
                ? { rows: t.streaming.rows + rows.length, bytes: t.streaming.bytes + bytes, oldestEntryTime: t.streaming.oldestEntryTime }
                : { rows: rows.length, bytes, oldestEntryTime: this.now() };
        }
        t.version++;
        t.lastModifiedTime = this.now();
        t.etag = etag();
        this.changed();
    }

    /** Rows a copy, snapshot or clone carries: the streaming buffer's rows are not yet in storage. */
    storedRows(t: TableRecord): Row[] {
        return t.streaming ? t.rows.slice(0, t.rows.length - t.streaming.rows) : t.rows;
    }

    private readonly sizes = new WeakMap<TableRecord, { version: string; bytes: number }>();

    /** The table's logical bytes (cells.ts rowBytes), counted once per version of it. */
    numBytes(t: TableRecord): number {
        if (t.billedBytes !== undefined) return t.billedBytes;
        const version = `${t.version}@${t.etag}`;
        const known = this.sizes.get(t);
        if (known?.version === version) return known.bytes;
        let n = 0;
        for (const r of t.rows) n += rowBytes(t.schema, r);
        this.sizes.set(t, { version, bytes: n });
        return n;
    }

    tableResource(t: TableRecord): Record<string, unknown> {
        const ds = this.dataset(t.projectId, t.datasetId);
        const isView = t.type === "VIEW";
        const bytes = isView ? 0 : this.numBytes(t);
        return {
            kind: "bigquery#table",
            etag: t.etag,
            id: tableLabel(t),
            selfLink: `/bigquery/v2/projects/${t.projectId}/datasets/${t.datasetId}/tables/${t.tableId}`,
            tableReference: { projectId: t.projectId, datasetId: t.datasetId, tableId: t.tableId },
            ...t.meta,
            schema: { fields: t.schema },
            numRows: String(isView ? 0 : t.rows.length),
            numBytes: String(bytes),
            numLongTermBytes: "0",
            numTotalLogicalBytes: String(bytes),
            numActiveLogicalBytes: String(bytes),
            numLongTermLogicalBytes: "0",
            creationTime: String(t.creationTime),
            lastModifiedTime: String(t.lastModifiedTime),
            type: t.type,
            location: ds?.meta.location ?? "US",
            ...(t.streaming ? { streamingBuffer: { estimatedRows: String(t.streaming.rows), estimatedBytes: String(t.streaming.bytes), oldestEntryTime: String(t.streaming.oldestEntryTime) } } : {}),
        };
    }

    /** The partition column a query must filter on, when the table requires one. */
    requiredPartitionColumn(t: TableRecord): string | undefined {
        const required = t.meta.requirePartitionFilter === true || t.meta.timePartitioning?.requirePartitionFilter === true;
        if (!required) return undefined;
        return t.meta.timePartitioning?.field ?? t.meta.rangePartitioning?.field ?? (t.meta.timePartitioning ? "_PARTITIONTIME" : undefined);
    }
}

/** A new schema over an old one, as tables.update allows: columns added (not REQUIRED), REQUIRED relaxed; nothing removed or retyped. */
export function evolveSchema(old: readonly Field[], neu: readonly Field[], label: string, path = ""): Field[] {
    for (const o of old) {
        const n = neu.find((f) => f.name.toLowerCase() === o.name.toLowerCase());
        const name = `${path}${o.name}`;
        if (!n) throw invalid(`Provided Schema does not match Table ${label}. Field ${name} is missing in new schema`);
        if (n.type !== o.type) throw invalid(`Provided Schema does not match Table ${label}. Field ${name} has changed type from ${o.type} to ${n.type}`);
        if (n.mode !== o.mode && !(o.mode === "REQUIRED" && n.mode === "NULLABLE")) throw invalid(`Provided Schema does not match Table ${label}. Field ${name} has changed mode from ${o.mode} to ${n.mode}`);
        if (o.type === "RECORD") evolveSchema(o.fields ?? [], n.fields ?? [], label, `${name}.`);
    }
    for (const n of neu) {
        if (!old.some((o) => o.name.toLowerCase() === n.name.toLowerCase()) && n.mode === "REQUIRED") {
            throw invalid(`Provided Schema does not match Table ${label}. Cannot add required fields to an existing schema. (field: ${path}${n.name})`);
        }
    }
    return neu.map((f) => ({ ...f }));
}

function withDescriptions(schema: readonly Field[], given: readonly Field[], label: string): Field[] {
    return schema.map((f) => {
        const g = given.find((x) => x.name.toLowerCase() === f.name.toLowerCase());
        if (!g) return f;
        if (g.type !== f.type) throw invalid(`Provided Schema does not match Table ${label}. Field ${f.name} has changed type from ${f.type} to ${g.type}`);
        return { ...f, ...(g.description !== undefined ? { description: g.description } : {}), ...(f.fields && g.fields ? { fields: withDescriptions(f.fields, g.fields, label) } : {}) };
    });
}

/** Rows with `field` added (NULL, or [] when REPEATED) or removed: what ALTER TABLE ADD/DROP COLUMN does to storage. */
export function reshapeRows(rows: readonly Row[], add: readonly Field[], drop: readonly string[]): Row[] {
    return rows.map((r) => {
        const out: Row = {};
        for (const [k, v] of Object.entries(r)) if (!drop.some((d) => d.toLowerCase() === k.toLowerCase())) out[k] = v as Cell;
        for (const f of add) out[f.name] = f.mode === "REPEATED" ? [] : null;
        return out;
    });
}
