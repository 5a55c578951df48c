// The BigQuery side: analytics tables get one load job each, of newline-delimited JSON with the
// explicit schema of the stack's catalogue (no auto-detect), WRITE_TRUNCATE so a table is
// replaced whole or not at all. The JSON is streamed to a temporary file first, so the load can
// be retried and memory stays flat; the rows are then read back (tabledata.list, which bills
// nothing) to compute the checksum.
import { once } from "events";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CATALOGUE, ColumnDef, toBigQueryFields } from "../components/analytics";
import { bigQueryClient } from "../components/migration/warehouse";
import type { Target } from "./target";
import { bigQueryJson, ConversionError, LogicalType, normalizeDecimal, TableChecksum, TargetColumn } from "./values";

const BQ_TYPES: Partial<Record<ColumnDef["type"], LogicalType>> = {
    STRING: "STRING", INT64: "INT64", FLOAT64: "FLOAT64", NUMERIC: "NUMERIC", BOOL: "BOOL", DATE: "DATE", TIMESTAMP: "TIMESTAMP", JSON: "JSON", RECORD: "RECORD",
};

/** A catalogue column as the mover's target column. */
export function targetColumn(c: ColumnDef, table: string): TargetColumn {
    const type = BQ_TYPES[c.type];
    if (!type) throw new Error(`${table}.${c.name}: BigQuery type ${c.type} is not supported by the mover`);
    return {
        name: c.name,
        type,
        required: c.mode === "REQUIRED",
        repeated: c.mode === "REPEATED",
        ...(c.fields ? { fields: c.fields.map((f) => targetColumn(f, `${table}.${c.name}`)) } : {}),
    };
}

/** A tabledata.list cell (all leaves are strings; RECORD is {f}, REPEATED is [{v}]) as a logical value. */
function fromCell(c: TargetColumn, v: any): unknown {
    if (c.repeated) return (Array.isArray(v) ? v : []).map((e: any) => fromCell({ ...c, repeated: false }, e?.v));
    if (v === null || v === undefined) return null;
    switch (c.type) {
        case "INT64":
            return BigInt(v).toString();
        case "NUMERIC":
            return normalizeDecimal(v);
        case "FLOAT64":
            return Number(v);
        case "BOOL":
            return v === true || v === "true";
        case "TIMESTAMP":
            // Requested as int64 microseconds (formatOptions.useInt64Timestamp).
            return BigInt(v);
        case "JSON":
            return JSON.parse(v);
        case "RECORD":
            return Object.fromEntries((c.fields ?? []).map((f, i) => [f.name, fromCell(f, v.f?.[i]?.v)]));
        default:
            return v;
    }
}


export function openBigQuery(project: string, dataset: string, location?: string): Target {
    const client = bigQueryClient(project, location);
    const ds = client.dataset(dataset);
    return {
        label: `bigquery ${project}.${dataset}`,
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
        async load(table, columns, rows, onRows) {
            const def = CATALOGUE.find((t) => t.name === table)!;
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-move-"));
            const file = path.join(dir, `${table}.ndjson`);
            try {
                const out = fs.createWriteStream(file);
                let n = 0;
                try {
                    for await (const row of rows) {
                        n++;
                        let line: string;
                        try {
                            line = JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, bigQueryJson(c, row[c.name])]))) + "\n";
                        } catch (err: any) {
                            throw new ConversionError(`row ${n}: ${err.message}`);
                        }
                        // once() rejects if the stream errors while we wait.
                        if (!out.write(line)) await once(out, "drain");
                        if (n % 10_000 === 0) onRows(10_000);
                    }
                    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
                } catch (err) {
                    // Close the file before its folder is removed below.
                    if (!out.closed) {
                        const closed = once(out, "close").catch(() => undefined);
                        out.destroy();
                        await closed;
                    }
                    throw err;
                }
                onRows(n % 10_000);
                const [job] = await ds.table(table).createLoadJob(file, {
                    sourceFormat: "NEWLINE_DELIMITED_JSON",
                    schema: { fields: toBigQueryFields(def.columns) as any },
                    autodetect: false,
                    writeDisposition: "WRITE_TRUNCATE",
                    createDisposition: "CREATE_NEVER",
                    ignoreUnknownValues: false,
                    maxBadRecords: 0,
                });
                const [meta] = await job.promise().then(() => job.getMetadata());
                const error = meta.status?.errorResult;
                if (error) throw new Error(`load job ${meta.jobReference?.jobId} failed: ${error.message}`);
                const loaded = Number(meta.statistics?.load?.outputRows ?? n);
                if (loaded !== n) throw new Error(`load job ${meta.jobReference?.jobId} wrote ${loaded} rows of ${n}`);
                return { rows: n };
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
        async checksum(table, columns) {
            const sum = new TableChecksum();
            const t = ds.table(table);
            let pageToken: string | undefined;
            do {
                const [resp]: any = await t.request({ uri: "/data", qs: { maxResults: 10_000, "formatOptions.useInt64Timestamp": true, ...(pageToken ? { pageToken } : {}) } });
                for (const r of resp.rows ?? []) sum.add(columns, Object.fromEntries(columns.map((c, i) => [c.name, fromCell(c, r.f[i]?.v)])));
                pageToken = resp.pageToken;
            } while (pageToken);
            return sum;
        },
    };
}
