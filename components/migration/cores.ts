// The migration's operations on BigQuery, each idempotent and safe to re-run after a crash at
// any point. They take an injected Warehouse; the dynamic providers are thin adapters over them.
import { cloneDdl, countQuery, dropDdl, qualifiedName as show, renameDdl, rowCountsQuery, snapshotDdl, TableRef } from "./ddl";
import { compareParityRows, formatMismatches, ParityReport } from "./parity";
import type { Warehouse } from "./warehouse";

async function rowCounts(wh: Warehouse, source: TableRef, copy: TableRef): Promise<{ source: number; copy: number }> {
    const { rows } = await wh.query(rowCountsQuery(source, copy));
    return { source: Number(rows[0]?.source_rows), copy: Number(rows[0]?.copy_rows) };
}

export interface SnapshotResult {
    readonly snapshot: string;
    readonly sourceRows: number;
    readonly snapshotRows: number;
}

/** Snapshots `source` into `snapshot` (expiring after `expirationDays`) and verifies the row counts match. */
export async function snapshotTable(wh: Warehouse, source: TableRef, snapshot: TableRef, expirationDays: number): Promise<SnapshotResult> {
    const [src, snap] = await Promise.all([wh.getTable(source.dataset, source.table), wh.getTable(snapshot.dataset, snapshot.table)]);
    if (!src) {
        // Source gone but snapshot present: someone dropped the table by hand after snapshotting.
        // The snapshot is all that is left, so its own count is what is reported.
        if (snap) {
            const { rows } = await wh.query(countQuery(snapshot));
            const n = Number(rows[0]?.n);
            return { snapshot: show(snapshot), sourceRows: n, snapshotRows: n };
        }
        throw new Error(`cannot snapshot ${show(source)}: the table does not exist and there is no snapshot ${show(snapshot)}`);
    }
    if (src.streamingBuffer) {
        throw new Error(`cannot snapshot ${show(source)}: it has rows in the streaming buffer, which a snapshot would miss; stop writes to the legacy tables and re-run once the buffer has flushed (up to 90 minutes)`);
    }
    if (!snap) await wh.query(snapshotDdl(source, snapshot, expirationDays));
    const counts = await rowCounts(wh, source, snapshot);
    if (counts.source !== counts.copy) {
        throw new Error(
            `snapshot ${show(snapshot)} has ${counts.copy} rows but ${show(source)} has ${counts.source}: ` +
                (snap ? "the snapshot predates later writes; remove it (bq rm) and re-run" : "rows changed while the snapshot was taken; stop writes and re-run"),
        );
    }
    return { snapshot: show(snapshot), sourceRows: counts.source, snapshotRows: counts.copy };
}

/** Drops `table` only while its snapshot exists and holds exactly the table's rows; already gone counts as done. */
export async function dropTable(wh: Warehouse, table: TableRef, snapshot: TableRef): Promise<{ dropped: boolean; rows: number }> {
    const snap = await wh.getTable(snapshot.dataset, snapshot.table);
    if (!snap) throw new Error(`refusing to drop ${show(table)}: its snapshot ${show(snapshot)} does not exist`);
    const src = await wh.getTable(table.dataset, table.table);
    if (!src) return { dropped: false, rows: 0 };
    const counts = await rowCounts(wh, table, snapshot);
    if (counts.source !== counts.copy) {
        throw new Error(
            `refusing to drop ${show(table)}: it has ${counts.source} rows but its snapshot ${show(snapshot)} has ${counts.copy}; ` +
                "writes continued after the snapshot: stop them, then replace the snapshot (pulumi up --replace on its resource)",
        );
    }
    await wh.query(dropDdl(table));
    return { dropped: true, rows: counts.source };
}

/** Renames `from` to `to` in one dataset. Target present and source absent means done; both present is an error. */
export async function renameTable(wh: Warehouse, dataset: string, from: string, to: string): Promise<{ renamed: boolean; rows: number }> {
    const [src, dst] = await Promise.all([wh.getTable(dataset, from), wh.getTable(dataset, to)]);
    const where = `${wh.project}.${dataset}`;
    if (!src && dst) return { renamed: false, rows: dst.numRows };
    if (src && dst) throw new Error(`cannot rename ${where}.${from} to ${to}: both tables exist; compare them and remove the one that is not wanted`);
    if (!src) throw new Error(`cannot rename ${where}.${from} to ${to}: neither table exists`);
    if (src.streamingBuffer) {
        throw new Error(`cannot rename ${where}.${from}: it has rows in the streaming buffer and BigQuery refuses to rename such a table; stop streaming writes and re-run once the buffer has flushed`);
    }
    await wh.query(renameDdl({ project: wh.project, dataset, table: from }, to));
    return { renamed: true, rows: src.numRows };
}

/** Restores `target` as a writable clone of `snapshot`; an existing target counts as restored. */
export async function restoreTable(wh: Warehouse, snapshot: TableRef, target: TableRef): Promise<{ restored: boolean; rows: number }> {
    const dst = await wh.getTable(target.dataset, target.table);
    if (dst) return { restored: false, rows: dst.numRows };
    const snap = await wh.getTable(snapshot.dataset, snapshot.table);
    if (!snap) throw new Error(`cannot restore ${show(target)}: its snapshot ${show(snapshot)} does not exist (expired?)`);
    await wh.query(cloneDdl(snapshot, target));
    const counts = await rowCounts(wh, snapshot, target);
    if (counts.source !== counts.copy) throw new Error(`restored ${show(target)} has ${counts.copy} rows but ${show(snapshot)} has ${counts.source}`);
    return { restored: true, rows: counts.copy };
}

/**
 * Runs one parity query: a dry run first (refused above `maximumBytesBilled`), then the query,
 * then the comparison. Throws a readable table of mismatches when parity fails.
 */
export async function checkParity(wh: Warehouse, mapping: string, sql: string, tolerance: number, maximumBytesBilled: number): Promise<ParityReport> {
    const dry = await wh.query(sql, { dryRun: true });
    if (dry.bytesProcessed > maximumBytesBilled) {
        throw new Error(`parity ${mapping}: the query would process ${dry.bytesProcessed} bytes, above maximumBytesBilled ${maximumBytesBilled}; raise the cap or narrow the query`);
    }
    const { rows } = await wh.query(sql);
    const report = compareParityRows(mapping, rows, tolerance);
    if (!report.passed) throw new Error(formatMismatches(report));
    return report;
}
