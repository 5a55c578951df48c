// Every BigQuery statement the migration's operations issue is built here, from one function of
// the operation (operationStatements), so `npm run lint:sql` analyses exactly what runs.
import type { MigrationStep } from "../phase/steps";
import type { TableRef } from "../tableRef";

const PART = /^[A-Za-z0-9_-]+$/;

/** `project.dataset.table` in backquotes; refuses anything that is not a plain identifier, so no input can inject SQL. */
export function quoted(t: TableRef): string {
    for (const [what, v] of [["project", t.project], ["dataset", t.dataset], ["table", t.table]] as const) {
        if (!PART.test(v)) throw new Error(`not a valid BigQuery ${what} name: ${JSON.stringify(v)}`);
    }
    return `\`${t.project}.${t.dataset}.${t.table}\``;
}

/** Zero-copy snapshot that BigQuery deletes after `expirationDays`. */
export function snapshotDdl(source: TableRef, snapshot: TableRef, expirationDays: number): string {
    if (!Number.isInteger(expirationDays) || expirationDays < 1) throw new Error(`snapshot expiration must be a whole number of days, got ${expirationDays}`);
    return `CREATE SNAPSHOT TABLE ${quoted(snapshot)}\nCLONE ${quoted(source)}\nOPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL ${expirationDays} DAY))`;
}

/** Drop that succeeds when the table is already gone. */
export function dropDdl(table: TableRef): string {
    return `DROP TABLE IF EXISTS ${quoted(table)}`;
}

/** Metadata-only rename within the dataset. */
export function renameDdl(table: TableRef, newName: string): string {
    quoted({ ...table, table: newName });
    return `ALTER TABLE ${quoted(table)} RENAME TO \`${newName}\``;
}

/** Writable zero-copy clone of a snapshot, used by the rollback. */
export function cloneDdl(snapshot: TableRef, target: TableRef): string {
    return `CREATE TABLE ${quoted(target)}\nCLONE ${quoted(snapshot)}`;
}

/** What one migration resource does to BigQuery, with everything its statements are built from. */
export type TableOperation = ParityOperation | SnapshotOperation | DropOperation | RenameOperation | RestoreOperation;

export interface ParityOperation {
    readonly kind: "parity";
    readonly mapping: string;
    /** The filled parity SQL. */
    readonly query: string;
}

export interface SnapshotOperation {
    readonly kind: "snapshot";
    readonly source: TableRef;
    readonly snapshot: TableRef;
    readonly expirationDays: number;
}

export interface DropOperation {
    readonly kind: "drop";
    readonly table: TableRef;
    /** Its verified snapshot, which must exist. */
    readonly snapshot: TableRef;
}

export interface RenameOperation {
    readonly kind: "rename";
    readonly table: TableRef;
    /** The new table id, in the same dataset. */
    readonly to: string;
}

export interface RestoreOperation {
    readonly kind: "restore";
    readonly snapshot: TableRef;
    readonly target: TableRef;
}

/** A statement an operation issues, with the tables it needs to exist. */
export interface OperationStatement {
    readonly sql: string;
    readonly needs: readonly TableRef[];
}

/**
 * The statements an operation issues, in order; the operations run these and nothing else, and
 * `lint:sql` analyses them. Row counts come from table metadata, which is no statement. A parity
 * check issues its one query twice: as a dry run (to price it), then for its rows.
 */
export function operationStatements(op: TableOperation): OperationStatement[] {
    switch (op.kind) {
        case "parity":
            return [{ sql: op.query, needs: [] }];
        case "snapshot":
            return [{ sql: snapshotDdl(op.source, op.snapshot, op.expirationDays), needs: [op.source] }];
        case "drop":
            return [{ sql: dropDdl(op.table), needs: [op.table, op.snapshot] }];
        case "rename":
            return [{ sql: renameDdl(op.table, op.to), needs: [op.table] }];
        case "restore":
            return [{ sql: cloneDdl(op.snapshot, op.target), needs: [op.snapshot] }];
    }
}

/** What of the stack's settings a step's operation takes besides the step. */
export interface OperationSettings {
    readonly snapshotExpirationDays: number;
}

/**
 * The operation a step's resource performs; undefined for the gate and the repoints, which
 * issue no statement of the migration's (the gate records, the views component repoints). The
 * migration component builds each resource's inputs from it.
 */
export function stepOperation(step: MigrationStep, settings: OperationSettings): TableOperation | undefined {
    switch (step.action) {
        case "parity":
            return { kind: "parity", mapping: step.mapping, query: step.query };
        case "snapshot":
            return { kind: "snapshot", source: step.source, snapshot: step.snapshot, expirationDays: settings.snapshotExpirationDays };
        case "drop":
            return { kind: "drop", table: step.table, snapshot: step.snapshot };
        case "rename":
            return { kind: "rename", table: step.from, to: step.to.table };
        case "restore":
            return { kind: "restore", snapshot: step.snapshot, target: step.target };
        case "gate":
        case "repoint":
            return undefined;
    }
}

/** Every statement a step's resource issues: what `lint:sql` analyses for each step of each phase. */
export function stepStatements(step: MigrationStep, settings: OperationSettings): OperationStatement[] {
    const op = stepOperation(step, settings);
    return op ? operationStatements(op) : [];
}
