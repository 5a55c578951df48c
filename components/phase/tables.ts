import type { LegacyMode, MigrationPhase } from "../../config";
import type { TableDef } from "../analytics/schema";

/** How one catalogue table is held by pulumi-gcp in a phase. */
export type TableManagement =
    /** Declared and created by pulumi-gcp. */
    | "create"
    /** Declared by pulumi-gcp, adopting the existing table (import) on first run. */
    | "import"
    /** Looked up read-only; Pulumi never changes or deletes it. */
    | "read"
    /**
     * Still declared as in the phase before, but never protected: the cutover renames or drops
     * its table, and the next phase lets it leave the program. Pulumi refuses to delete a
     * protected resource from state, even one that retains its data, so protection must come
     * off in an update before the resource leaves; the table it named no longer exists then.
     */
    | "retired";

/** A catalogue table as the stack declares it in one phase. */
export interface DeclaredTable {
    readonly def: TableDef;
    /** Table id in BigQuery during this phase. */
    readonly tableId: string;
    readonly management: TableManagement;
}

/** The catalogue's tables as pulumi-gcp holds them in a phase; the rest is owned by migration steps. */
export interface PhaseTables {
    readonly tables: readonly DeclaredTable[];
    /** Suffix of migrated names in this phase: "_v2" while v2 sits beside legacy, "" once renamed. */
    readonly v2Suffix: "_v2" | "";
}

/** Tables each phase declares. Every data table carries retainOnDelete, so leaving the program never drops data. */
export function phaseTables(phase: MigrationPhase, legacy: LegacyMode, catalogue: readonly TableDef[]): PhaseTables {
    const v2 = catalogue.filter((t) => t.role === "v2");
    const legacyDefs = legacy === "none" ? [] : catalogue.filter((t) => t.role === "legacy");
    const analytics = catalogue.filter((t) => t.role === "analytics");
    const own = (defs: readonly TableDef[], management: TableManagement, renamed = false): DeclaredTable[] =>
        defs.map((def) => ({ def, tableId: renamed ? def.productionName ?? def.name : def.name, management }));
    const legacyManagement: TableManagement = legacy === "create" ? "create" : "read";

    switch (phase) {
        case "parallel":
        case "validate":
            return { tables: [...own(analytics, "create"), ...own(v2, "create"), ...own(legacyDefs, legacyManagement)], v2Suffix: "_v2" };
        case "cutover":
            // v2 tables are renamed by their rename resources, legacy tables snapshotted and dropped;
            // what pulumi-gcp managed of them stays declared, unprotected, until the next phase.
            return {
                tables: [...own(analytics, "create"), ...own(v2, "retired"), ...(legacy === "create" ? own(legacyDefs, "retired") : [])],
                v2Suffix: "",
            };
        case "complete":
            return { tables: [...own(analytics, "create"), ...own(v2, "import", true)], v2Suffix: "" };
        case "rollback":
            // The v2 tables are renamed back under the state entries the cutover kept (same ids: no
            // import runs), protected again after their step. Legacy tables are restored by clone:
            // the ones this stack created keep their state entries the same way; adopted ones are
            // held by their restore step alone and looked up again from the next phase on. (An
            // import would read the table in the preview, before the restore has made it.)
            return {
                tables: [...own(analytics, "create"), ...own(v2, "import"), ...(legacy === "create" ? own(legacyDefs, "import") : [])],
                v2Suffix: "_v2",
            };
    }
}
