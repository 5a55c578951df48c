import type { TableDef } from "../analytics/schema";
import { fillPlaceholders, SqlContext, SqlFile, SqlFileError, tableReferences } from "../sql";

/** A legacy → v2 comparison from `sql/parity`, filled for the `_v2` tables it always compares. */
export interface ParityMapping {
    readonly name: string;
    readonly file: string;
    readonly legacyTable: string;
    readonly v2Table: string;
    /** The filled SQL the parity check runs. */
    readonly query: string;
}

/** Derives each parity file's legacy and v2 table from the tables its SQL reads. */
export function parityMappings(files: readonly SqlFile[], ctx: SqlContext, catalogue: readonly TableDef[]): ParityMapping[] {
    const role = new Map(catalogue.map((t) => [t.name, t.role]));
    return files.map((f) => {
        const query = fillPlaceholders(f, ctx);
        const refs = tableReferences(f, query, ctx);
        const legacy = refs.filter((r) => role.get(r.table) === "legacy");
        const v2 = refs.filter((r) => role.get(r.table) === "v2");
        const other = refs.find((r) => role.get(r.table) !== "legacy" && role.get(r.table) !== "v2");
        if (other) throw new SqlFileError(f.file, other.line, other.column, `reads ${other.table}; a parity query compares one legacy table with one v2 table`);
        if (legacy.length !== 1 || v2.length !== 1) {
            throw new SqlFileError(f.file, 1, 1, `must read exactly one legacy and one v2 table (reads ${refs.map((r) => r.table).join(", ") || "nothing"})`);
        }
        return { name: f.name, file: f.file, legacyTable: legacy[0].table, v2Table: v2[0].table, query };
    });
}
