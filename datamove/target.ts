import type { TableChecksum, TargetColumn } from "./values";

/** Where a table goes: PostgreSQL or BigQuery, the same four operations. */
export interface Target {
    readonly label: string;
    /** The table's columns, or undefined when it does not exist. */
    describe(table: string): Promise<TargetColumn[] | undefined>;
    /** Replaces the table's rows with `rows` (logical values), atomically; `cascaded` names tables the load emptied too. */
    load(table: string, columns: readonly TargetColumn[], rows: AsyncIterable<Record<string, unknown>>, onRows: (n: number) => void): Promise<{ rows: number; cascaded?: string[] }>;
    /** Reads the table back and checksums it as the source side did. */
    checksum(table: string, columns: readonly TargetColumn[]): Promise<TableChecksum>;
}
