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

/** What a phase declares through pulumi-gcp; the rest is owned by migration resources. */
export interface PhaseLayout {
    readonly tables: readonly DeclaredTable[];
    /** Suffix of migrated names in this phase: "_v2" while v2 sits beside legacy, "" once renamed. */
    readonly v2Suffix: "_v2" | "";
    /** Whether the cutover's migration resources (snapshots, drops, renames) are part of the program. */
    readonly cutoverResources: boolean;
}

/** Tables each phase declares. Every data table carries retainOnDelete, so leaving the layout never drops data. */
export function phaseLayout(phase: MigrationPhase, legacy: LegacyMode, catalogue: readonly TableDef[]): PhaseLayout {
    const v2 = catalogue.filter((t) => t.role === "v2");
    const legacyDefs = legacy === "none" ? [] : catalogue.filter((t) => t.role === "legacy");
    const analytics = catalogue.filter((t) => t.role === "analytics");
    const own = (defs: readonly TableDef[], management: TableManagement, renamed = false): DeclaredTable[] =>
        defs.map((def) => ({ def, tableId: renamed ? def.productionName ?? def.name : def.name, management }));
    const legacyManagement: TableManagement = legacy === "create" ? "create" : "read";

    switch (phase) {
        case "parallel":
        case "validate":
            return { tables: [...own(analytics, "create"), ...own(v2, "create"), ...own(legacyDefs, legacyManagement)], v2Suffix: "_v2", cutoverResources: false };
        case "cutover":
            // v2 tables are renamed by their rename resources, legacy tables snapshotted and dropped;
            // what pulumi-gcp managed of them stays declared, unprotected, until the next phase.
            return {
                tables: [...own(analytics, "create"), ...own(v2, "retired"), ...(legacy === "create" ? own(legacyDefs, "retired") : [])],
                v2Suffix: "",
                cutoverResources: true,
            };
        case "complete":
            return { tables: [...own(analytics, "create"), ...own(v2, "import", true)], v2Suffix: "", cutoverResources: false };
        case "rollback":
            // The v2 tables are renamed back under the state entries the cutover kept (same ids: no
            // import runs), protected again after their step. Legacy tables are restored by clone:
            // the ones this stack created keep their state entries the same way; adopted ones are
            // held by their restore step alone and looked up again from the next phase on. (An
            // import would read the table in the preview, before the restore has made it.)
            return {
                tables: [...own(analytics, "create"), ...own(v2, "import"), ...(legacy === "create" ? own(legacyDefs, "import") : [])],
                v2Suffix: "_v2",
                cutoverResources: true,
            };
    }
}

/** Phases that may follow each phase; the gate resource enforces this against the stack's state. */
export const NEXT_PHASES: Readonly<Record<MigrationPhase, readonly MigrationPhase[]>> = {
    parallel: ["parallel", "validate"],
    validate: ["validate", "parallel", "cutover"],
    cutover: ["cutover", "complete", "rollback"],
    rollback: ["rollback", "parallel", "validate"],
    complete: ["complete"],
};

/** Phases a stack may start in (no earlier state). */
export const FIRST_PHASES: readonly MigrationPhase[] = ["parallel"];

/**
 * Why moving from `from` to `to` is refused, or undefined when it is allowed.
 * `validationPassed` is what the stack recorded for the validate phase's parity checks.
 */
export function transitionProblem(from: MigrationPhase | undefined, to: MigrationPhase, validationPassed: boolean): string | undefined {
    if (from === undefined) {
        return FIRST_PHASES.includes(to)
            ? undefined
            : `a new stack starts in phase ${FIRST_PHASES.join(" or ")}, not ${to}: the migration runs parallel -> validate -> cutover -> complete`;
    }
    if (!NEXT_PHASES[from].includes(to)) {
        return `phase ${to} cannot follow ${from}; after ${from} come: ${NEXT_PHASES[from].join(", ")}`;
    }
    if (from === "validate" && to === "cutover" && !validationPassed) {
        return "phase cutover needs a passed validation: run `pulumi up` in phase validate until every parity check passes";
    }
    return undefined;
}
