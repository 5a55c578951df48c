// What one phase of the analytics migration declares, decided in one pure function from the
// stack's configuration, the table catalogue and the SQL files: the tables pulumi-gcp holds, the
// views, the migration's steps and whether the backup dataset exists. The components only wire
// this into resources; the offline plan, `lint:sql`, the bench and the rehearsal read it too.
import type { LegacyMode, MigrationPhase } from "../../config";
import { TableDef, validateCatalogue } from "../analytics/schema";
import type { SqlFile } from "../sql";
import { parityMappings } from "./parity";
import { MigrationStep, phaseSteps, tablesMadeBySteps } from "./steps";
import { DeclaredTable, phaseTables } from "./tables";
import { ResolvedView, resolveViews } from "./views";

/** The configuration a phase is decided from; a StackConfig is one. */
export interface PhaseConfig {
    readonly gcpProject: string;
    readonly legacyTables: LegacyMode;
    readonly dataset: { readonly id: string };
    readonly migration: { readonly phase: MigrationPhase; readonly backupDatasetId: string };
}

/** The SQL files a phase reads: `sql/views` and `sql/parity`. */
export interface PhaseSql {
    readonly views: readonly SqlFile[];
    readonly parity: readonly SqlFile[];
}

/** Everything one phase declares. */
export interface PhaseLayout {
    readonly phase: MigrationPhase;
    /** Suffix of migrated names in this phase: "_v2" while v2 sits beside legacy, "" once renamed. */
    readonly v2Suffix: "_v2" | "";
    /** The catalogue's tables pulumi-gcp holds in this phase, with how each is held. */
    readonly tables: readonly DeclaredTable[];
    /** The views, in dependency order. */
    readonly views: readonly ResolvedView[];
    /** The migration's steps, in order. */
    readonly steps: readonly MigrationStep[];
    /**
     * The dataset that holds the cutover's snapshots, declared from the first phase on whenever
     * there are legacy tables, so the protected dataset never has to leave the program (a
     * rollback goes back to phases without snapshots); undefined without legacy tables.
     */
    readonly backupDatasetId: string | undefined;
}

/**
 * Decides a phase. Throws, before any resource exists, on a bad table definition, a view that
 * reads what the phase does not have, or a parity file that does not compare a legacy table
 * with a v2 table.
 */
export function phaseLayout(cfg: PhaseConfig, catalogue: readonly TableDef[], sql: PhaseSql): PhaseLayout {
    validateCatalogue(catalogue);
    const phase = cfg.migration.phase;
    const project = cfg.gcpProject;
    const dataset = cfg.dataset.id;
    const { tables, v2Suffix } = phaseTables(phase, cfg.legacyTables, catalogue);
    // Parity and the repoints are decided on the `_v2` names, whatever the phase.
    const v2 = { project, dataset, v2: "_v2" };
    const steps = phaseSteps(phase, {
        project,
        dataset,
        backupDataset: cfg.migration.backupDatasetId,
        legacy: cfg.legacyTables === "none" ? [] : catalogue.filter((t) => t.role === "legacy"),
        v2: catalogue.filter((t) => t.role === "v2"),
        parity: parityMappings(sql.parity, v2, catalogue),
        views: resolveViews(sql.views, v2, new Set(catalogue.map((t) => t.name))).filter((v) => v.migrationBound),
    });
    const present = new Set([...tables.map((t) => t.tableId), ...tablesMadeBySteps(steps)]);
    return {
        phase,
        v2Suffix,
        tables,
        views: resolveViews(sql.views, { project, dataset, v2: v2Suffix }, present),
        steps,
        backupDatasetId: cfg.legacyTables === "none" ? undefined : cfg.migration.backupDatasetId,
    };
}
