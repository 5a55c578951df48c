// Every BigQuery statement the migration providers generate is built here, so the SQL
// verification can analyze each one against the catalogue.

/** A table in a dataset of a project. */
export interface TableRef {
    readonly project: string;
    readonly dataset: string;
    readonly table: string;
}

const PART = /^[A-Za-z0-9_-]+$/;

/** `project.dataset.table`, for messages and for matching references. */
export function qualifiedName(t: TableRef): string {
    return `${t.project}.${t.dataset}.${t.table}`;
}

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
