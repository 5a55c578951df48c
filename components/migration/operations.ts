// The migration's operations on BigQuery, each idempotent and safe to re-run after a crash at
// any point. They take an injected Warehouse; the dynamic providers are thin adapters over them.
// Every statement they issue comes from operationStatements, which `lint:sql` analyses.
import { qualifiedName as show, TableRef } from "../tableRef";
import { compareParityRows, formatMismatches, ParityReport } from "./parity";
import { DropOperation, operationStatements, ParityOperation, RenameOperation, RestoreOperation, SnapshotOperation } from "./statements";
import type { TableInfo, Warehouse } from "./warehouse";

// Row counts are read from table metadata (tables.get numRows), not counted by a query: for a
// table with no streaming buffer BigQuery's numRows is exact, and every step below refuses a
// table that has one. A metadata read is no job, so the cutover's longest chain is two jobs:
// the snapshot, then the drop.

/** A table that must exist, or the error `missing` describes. */
async function need(wh: Warehouse, t: TableRef, missing: string): Promise<TableInfo> {
    const info = await wh.getTable(t.dataset, t.table);
    if (!info) throw new Error(missing);
    return info;
}

function refuseStreaming(t: TableRef, info: TableInfo, what: string): void {
    if (info.streamingBuffer) {
        throw new Error(`cannot ${what} ${show(t)}: it has rows in the streaming buffer, which a snapshot would miss and BigQuery's row count leaves out; stop writes to it and re-run once the buffer has flushed (up to 90 minutes)`);
    }
}

export interface SnapshotResult {
    readonly snapshot: string;
    readonly sourceRows: number;
    readonly snapshotRows: number;
}

/** Snapshots `source` into `snapshot` (expiring after `expirationDays`) and verifies the row counts match. */
export async function snapshotTable(wh: Warehouse, op: SnapshotOperation): Promise<SnapshotResult> {
    const { source, snapshot } = op;
    const [create] = operationStatements(op);
    const [src, existing] = await Promise.all([wh.getTable(source.dataset, source.table), wh.getTable(snapshot.dataset, snapshot.table)]);
    if (!src) {
        // Source gone but snapshot present: the table was dropped after snapshotting (by this
        // step's drop, or by hand). The snapshot is all that is left, so its count is what is reported.
        if (existing) return { snapshot: show(snapshot), sourceRows: existing.numRows, snapshotRows: existing.numRows };
        throw new Error(`cannot snapshot ${show(source)}: the table does not exist and there is no snapshot ${show(snapshot)}`);
    }
    refuseStreaming(source, src, "snapshot");
    if (!existing) await wh.query(create.sql);
    const snap = existing ?? (await need(wh, snapshot, `snapshot ${show(snapshot)} was not created by ${create.sql.split("\n")[0]}`));
    if (snap.numRows !== src.numRows) {
        throw new Error(
            `snapshot ${show(snapshot)} has ${snap.numRows} rows but ${show(source)} has ${src.numRows}: ` +
                (existing ? "the snapshot predates later writes; remove it (bq rm) and re-run" : "rows changed while the snapshot was taken; stop writes and re-run"),
        );
    }
    return { snapshot: show(snapshot), sourceRows: src.numRows, snapshotRows: snap.numRows };
}

/** Drops `table` only while its snapshot exists and holds exactly the table's rows; already gone counts as done. */
export async function dropTable(wh: Warehouse, op: DropOperation): Promise<{ dropped: boolean; rows: number }> {
    const { table, snapshot } = op;
    const snap = await need(wh, snapshot, `refusing to drop ${show(table)}: its snapshot ${show(snapshot)} does not exist`);
    const src = await wh.getTable(table.dataset, table.table);
    if (!src) return { dropped: false, rows: 0 };
    refuseStreaming(table, src, "drop");
    if (src.numRows !== snap.numRows) {
        throw new Error(
            `refusing to drop ${show(table)}: it has ${src.numRows} rows but its snapshot ${show(snapshot)} has ${snap.numRows}; ` +
                "writes continued after the snapshot: stop them, then replace the snapshot (pulumi up --replace on its resource)",
        );
    }
    for (const s of operationStatements(op)) await wh.query(s.sql);
    return { dropped: true, rows: src.numRows };
}

/** Renames a table within its dataset. Target present and source absent means done; both present is an error. */
export async function renameTable(wh: Warehouse, op: RenameOperation): Promise<{ renamed: boolean; rows: number }> {
    const { dataset, table: from } = op.table;
    const to = op.to;
    const [src, dst] = await Promise.all([wh.getTable(dataset, from), wh.getTable(dataset, to)]);
    const where = `${op.table.project}.${dataset}`;
    if (!src && dst) return { renamed: false, rows: dst.numRows };
    if (src && dst) throw new Error(`cannot rename ${where}.${from} to ${to}: both tables exist; compare them and remove the one that is not wanted`);
    if (!src) throw new Error(`cannot rename ${where}.${from} to ${to}: neither table exists`);
    if (src.streamingBuffer) {
        throw new Error(`cannot rename ${where}.${from}: it has rows in the streaming buffer and BigQuery refuses to rename such a table; stop streaming writes and re-run once the buffer has flushed`);
    }
    for (const s of operationStatements(op)) await wh.query(s.sql);
    return { renamed: true, rows: src.numRows };
}

/** Restores `target` as a writable clone of `snapshot`; an existing target counts as restored. */
export async function restoreTable(wh: Warehouse, op: RestoreOperation): Promise<{ restored: boolean; rows: number }> {
    const { snapshot, target } = op;
    const dst = await wh.getTable(target.dataset, target.table);
    if (dst) return { restored: false, rows: dst.numRows };
    const snap = await need(wh, snapshot, `cannot restore ${show(target)}: its snapshot ${show(snapshot)} does not exist (expired?)`);
    for (const s of operationStatements(op)) await wh.query(s.sql);
    const made = await need(wh, target, `restore of ${show(target)} from ${show(snapshot)} created no table`);
    if (made.numRows !== snap.numRows) throw new Error(`restored ${show(target)} has ${made.numRows} rows but ${show(snapshot)} has ${snap.numRows}`);
    return { restored: true, rows: made.numRows };
}

/**
 * Runs one parity query: a dry run first (refused above `maximumBytesBilled`), then the query,
 * then the comparison. Throws a readable table of mismatches when parity fails.
 */
export async function checkParity(wh: Warehouse, op: ParityOperation, tolerance: number, maximumBytesBilled: number, options: { failOnMismatch?: boolean } = {}): Promise<ParityReport> {
    const { mapping } = op;
    const [{ sql }] = operationStatements(op);
    const dry = await wh.query(sql, { dryRun: true });
    if (dry.bytesProcessed > maximumBytesBilled) {
        throw new Error(`parity ${mapping}: the query would process ${dry.bytesProcessed} bytes, above maximumBytesBilled ${maximumBytesBilled}; raise the cap or narrow the query`);
    }
    const { rows } = await wh.query(sql);
    const report = compareParityRows(mapping, rows, tolerance);
    if (!report.passed && (options.failOnMismatch ?? true)) throw new Error(formatMismatches(report));
    return report;
}
