import type { MigrationPhase } from "../../config";
import type { TableDef } from "../analytics/schema";
import { datasetTable, TableRef } from "../tableRef";
import type { ParityMapping } from "./parity";
import type { ResolvedView } from "./views";

/**
 * How steps name each other: what a step makes or acts on, as the plan shows it —
 * `parity/<mapping>`, `gate/validation-passed`, or `dataset.table`. Made only by the functions
 * below, so a dependency always names a step that can exist.
 */
export type StepKey = string & { readonly __stepKey: never };

/** The key of the step that makes (or drops) a table. */
export const tableKey = (t: TableRef): StepKey => datasetTable(t) as StepKey;
/** The key of a parity check. */
export const parityKey = (mapping: string): StepKey => `parity/${mapping}` as StepKey;
/** The key of the gate step: the recorded, passed validation the cutover starts from. */
export const GATE_KEY = "gate/validation-passed" as StepKey;

interface Step {
    readonly key: StepKey;
    /** The steps that must finish first. */
    readonly dependsOn: readonly StepKey[];
}

/** Compares a legacy table with its v2 table, per partition date. */
export interface ParityStep extends Step {
    readonly action: "parity";
    readonly mapping: string;
    /** The file of `sql/parity` it runs. */
    readonly file: string;
    readonly legacy: TableRef;
    readonly v2: TableRef;
    /** The filled parity SQL. */
    readonly query: string;
}

/** The cutover's gate: every parity check of this phase passed. */
export interface GateStep extends Step {
    readonly action: "gate";
}

/** A verified snapshot of a legacy table into the backup dataset. */
export interface SnapshotStep extends Step {
    readonly action: "snapshot";
    readonly source: TableRef;
    readonly snapshot: TableRef;
}

/** Drops a legacy table after its verified snapshot. */
export interface DropStep extends Step {
    readonly action: "drop";
    readonly table: TableRef;
    readonly snapshot: TableRef;
}

/** A zero-copy rename within a dataset. */
export interface RenameStep extends Step {
    readonly action: "rename";
    readonly from: TableRef;
    readonly to: TableRef;
}

/** A legacy table cloned back from its snapshot (rollback). */
export interface RestoreStep extends Step {
    readonly action: "restore";
    readonly snapshot: TableRef;
    readonly target: TableRef;
}

/** A migration-bound view re-created under the other suffix (by the views component). */
export interface RepointStep extends Step {
    readonly action: "repoint";
    readonly from: TableRef;
    readonly to: TableRef;
}

/** One step of a phase. */
export type MigrationStep = ParityStep | GateStep | SnapshotStep | DropStep | RenameStep | RestoreStep | RepointStep;
export type StepAction = MigrationStep["action"];

/** A step as the plan and the `migrationSteps` stack output show it; parity checks and the gate both show as `validate`. */
export interface ShownStep {
    readonly action: "validate" | Exclude<StepAction, "parity" | "gate">;
    readonly source: string;
    readonly target: string;
    readonly dependsOn: readonly string[];
}

/** The step as shown in the plan and the stack's outputs. */
export function shownStep(s: MigrationStep): ShownStep {
    const shown = (action: ShownStep["action"], source: string) => ({ action, source, target: s.key as string, dependsOn: [...s.dependsOn] });
    switch (s.action) {
        case "parity":
            return shown("validate", `${datasetTable(s.legacy)} ~ ${datasetTable(s.v2)}`);
        case "gate":
            return shown("validate", s.dependsOn.join(","));
        case "snapshot":
            return shown(s.action, datasetTable(s.source));
        case "drop":
            return shown(s.action, datasetTable(s.table));
        case "restore":
            return shown(s.action, datasetTable(s.snapshot));
        case "rename":
        case "repoint":
            return shown(s.action, datasetTable(s.from));
    }
}

/** What the steps are decided from. */
export interface StepSources {
    readonly project: string;
    readonly dataset: string;
    readonly backupDataset: string;
    readonly legacy: readonly TableDef[];
    readonly v2: readonly TableDef[];
    readonly parity: readonly ParityMapping[];
    /** Migration-bound views in dependency order, resolved with the `_v2` suffix. */
    readonly views: readonly ResolvedView[];
}

/** Name of the snapshot a legacy table gets at cutover (stable, so a re-run finds it). */
export const snapshotName = (table: string) => `${table}__pre_cutover`;

/**
 * The ordered steps of a phase. The program declares one resource per step and wires
 * `dependsOn` from these lists, so the plan shown in a pull request is the graph `pulumi up` runs.
 * Invariants (tested): every drop depends on the snapshot of the same table; every rename and
 * snapshot of the cutover depends on the validation gate; repoints follow what their view reads.
 */
export function phaseSteps(phase: MigrationPhase, s: StepSources): MigrationStep[] {
    const inDataset = (table: string): TableRef => ({ project: s.project, dataset: s.dataset, table });
    const snapshotOf = (table: string): TableRef => ({ project: s.project, dataset: s.backupDataset, table: snapshotName(table) });
    const prod = (t: TableDef) => t.productionName ?? t.name;
    const parity = (): ParityStep[] =>
        s.parity.map((p) => ({ action: "parity", key: parityKey(p.name), mapping: p.name, file: p.file, legacy: inDataset(p.legacyTable), v2: inDataset(p.v2Table), query: p.query, dependsOn: [] }));
    /** Repoints of the migration-bound views, each after what it reads was renamed or repointed (`renamed`: by v2 table name). */
    const repoint = (toV2: boolean, renamed: Map<string, StepKey>): RepointStep[] => {
        const repointed = new Map<string, StepKey>();
        return s.views.map((v) => {
            const base = v.baseName;
            const [from, to] = toV2 ? [base, `${base}_v2`] : [`${base}_v2`, base];
            const dependsOn = v.reads.map((r) => renamed.get(r) ?? repointed.get(r)).filter((x): x is StepKey => !!x);
            const step: RepointStep = { action: "repoint", key: tableKey(inDataset(to)), from: inDataset(from), to: inDataset(to), dependsOn };
            repointed.set(v.id, step.key);
            return step;
        });
    };
    switch (phase) {
        case "parallel":
        case "complete":
            return [];
        case "validate":
            return parity();
        case "cutover": {
            // Parity runs once more at the cutover, right before the first snapshot: rows written
            // since the validate phase must still agree before anything is dropped.
            const checks = parity();
            const steps: MigrationStep[] = [...checks, { action: "gate", key: GATE_KEY, dependsOn: checks.map((c) => c.key) }];
            for (const t of s.legacy) {
                const snapshot: SnapshotStep = { action: "snapshot", key: tableKey(snapshotOf(t.name)), source: inDataset(t.name), snapshot: snapshotOf(t.name), dependsOn: [GATE_KEY] };
                steps.push(snapshot, { action: "drop", key: tableKey(inDataset(t.name)), table: inDataset(t.name), snapshot: snapshot.snapshot, dependsOn: [snapshot.key] });
            }
            const renamed = new Map<string, StepKey>();
            for (const t of s.v2) {
                const rename: RenameStep = { action: "rename", key: tableKey(inDataset(prod(t))), from: inDataset(t.name), to: inDataset(prod(t)), dependsOn: [GATE_KEY] };
                steps.push(rename);
                renamed.set(t.name, rename.key);
            }
            return [...steps, ...repoint(false, renamed)];
        }
        case "rollback": {
            const steps: MigrationStep[] = s.legacy.map((t) => ({ action: "restore", key: tableKey(inDataset(t.name)), snapshot: snapshotOf(t.name), target: inDataset(t.name), dependsOn: [] }));
            const renamed = new Map<string, StepKey>();
            for (const t of s.v2) {
                const rename: RenameStep = { action: "rename", key: tableKey(inDataset(t.name)), from: inDataset(prod(t)), to: inDataset(t.name), dependsOn: [] };
                steps.push(rename);
                renamed.set(t.name, rename.key);
            }
            return [...steps, ...repoint(true, renamed)];
        }
    }
}

/** The tables a step makes exist in its phase (renamed or restored), by table id. */
export function tablesMadeBySteps(steps: readonly MigrationStep[]): string[] {
    return steps.flatMap((s) => (s.action === "rename" ? [s.to.table] : s.action === "restore" ? [s.target.table] : []));
}
