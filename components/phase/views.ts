import { fillPlaceholders, isMigrationBound, SqlContext, SqlFile, SqlFileError, tableReferences } from "../sql";

/** A view of `sql/views` resolved for a phase: its deployed id, filled query and what it reads. */
export interface ResolvedView {
    /** Deployed view id (migration-bound views carry the `_v2` suffix before the cutover). */
    readonly id: string;
    /** File base name, the same in every phase. */
    readonly baseName: string;
    readonly file: string;
    readonly query: string;
    /** Tables and views it reads, by deployed id, derived from the SQL. */
    readonly reads: readonly string[];
    readonly migrationBound: boolean;
}

/**
 * Fills each view file, derives what it reads and orders the views so every view comes
 * after the views it reads. A reference to anything not in `known` (tables) or another
 * view is an error naming the file and line; so is a cycle.
 */
export function resolveViews(files: readonly SqlFile[], ctx: SqlContext, known: ReadonlySet<string>): ResolvedView[] {
    const drafts = files.map((f) => {
        const query = fillPlaceholders(f, ctx).trim();
        const bound = isMigrationBound(f);
        return { file: f, id: bound ? `${f.name}${ctx.v2}` : f.name, query, bound, refs: tableReferences(f, query, ctx) };
    });
    const viewIds = new Set(drafts.map((d) => d.id));
    for (const d of drafts) {
        if (d.refs.length === 0) {
            throw new SqlFileError(d.file.file, 1, 1, "reads no table: write table names as `{{project}}.{{dataset}}.table`");
        }
        for (const r of d.refs) {
            if (!known.has(r.table) && !viewIds.has(r.table)) {
                throw new SqlFileError(d.file.file, r.line, r.column, `reads ${r.table}, which is neither a table of the catalogue in this phase nor a view`);
            }
        }
    }
    // Depth-first topological order; the declaration order of independent views is kept.
    const byId = new Map(drafts.map((d) => [d.id, d]));
    const ordered: ResolvedView[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (id: string, chain: string[]) => {
        const d = byId.get(id);
        if (!d || state.get(id) === "done") return;
        if (state.get(id) === "visiting") {
            throw new SqlFileError(d.file.file, 1, 1, `views read each other in a cycle: ${[...chain, id].join(" -> ")}`);
        }
        state.set(id, "visiting");
        for (const r of d.refs) visit(r.table, [...chain, id]);
        state.set(id, "done");
        ordered.push({ id: d.id, baseName: d.file.name, file: d.file.file, query: d.query, reads: d.refs.map((r) => r.table), migrationBound: d.bound });
    };
    for (const d of drafts) visit(d.id, []);
    return ordered;
}
