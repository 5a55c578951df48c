import type { Fingerprint, RawValue, TableSum, TargetColumn } from "./canonical";
import type { TablePlan } from "./plan";

/** Fault injection for tests: rewrites a value on its way into the target (null/undefined: SQL NULL). */
export type Corrupt = (table: string, column: string, value: string | null) => string | null;

/** What a target needs from the mover to load one table. */
export interface LoadJob {
    readonly plan: TablePlan;
    readonly rows: AsyncIterable<RawValue[]>;
    /** Takes a source row into the source fingerprint; throws a ConversionError for a value that cannot be read. */
    take(row: RawValue[]): void;
    /** The row's error, naming the table and the row's key. */
    rowError(row: RawValue[], err: unknown): Error;
    /** The source row written on COPY line `line` (1-based), when it can still be found. */
    rowOnLine(line: number): Promise<RawValue[] | undefined>;
    /** The first source row whose `columns` hold `values` (PostgreSQL's text of them). */
    rowWith(columns: string[], values: string[]): Promise<RawValue[] | undefined>;
    onRows(n: number): void;
    readonly corrupt?: Corrupt;
}

/** A loaded table, verified or not yet committed. */
export interface Loaded {
    readonly rows: number;
    /** Tables the load emptied too (their rows referenced this one). */
    readonly cascaded: string[];
    /** The target's fingerprint, from the target's own text: row count and sum. */
    fingerprint(): Promise<TableSum>;
    /** The same per bucket of the key's hash (keyBucket of the values at `key`), to narrow a mismatch down. */
    buckets(key: readonly number[]): Promise<Fingerprint>;
    /** The canonical values of the target's rows whose key falls in `buckets`, column by column as the plan lists them. */
    rowsIn(key: readonly number[], buckets: ReadonlySet<number>): AsyncIterable<(string | null)[]>;
    /** Makes the load permanent (PostgreSQL commits; BigQuery's load job already did). */
    commit(): Promise<void>;
    /** Undoes the load where the target can (PostgreSQL); BigQuery keeps what its job wrote. */
    rollback(): Promise<void>;
}

/** Where a table goes: PostgreSQL or BigQuery. */
export interface Target {
    readonly label: string;
    /** Whether a table left unverified is also left as it was. */
    readonly transactional: boolean;
    /** The table's columns, or undefined when it does not exist. */
    describe(table: string): Promise<TargetColumn[] | undefined>;
    /** For each table, the tables it references: they are loaded first, and loading them empties it. */
    references(tables: readonly string[]): Promise<Map<string, string[]>>;
    load(job: LoadJob): Promise<Loaded>;
    close(): Promise<void>;
}
