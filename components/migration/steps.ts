import type { MigrationPhase } from "../../config";
import type { TableDef } from "../analytics/schema";
import type { PlannedView } from "../analytics/views";

/** What a migration step does to BigQuery. */
export type StepAction = "validate" | "snapshot" | "drop" | "rename" | "repoint" | "restore";

/** One step of a phase; `dependsOn` lists the targets of the steps that must finish first. */
export interface MigrationStep {
    readonly action: StepAction;
    readonly source: string;
    readonly target: string;
    readonly dependsOn: readonly string[];
}

/** A legacy → v2 comparison from `sql/parity`. */
export interface ParityMapping {
    readonly name: string;
    readonly file: string;
    readonly legacyTable: string;
    readonly v2Table: string;
}

/** What the steps are planned from. */
export interface StepInputs {
    readonly dataset: string;
    readonly backupDataset: string;
    readonly legacy: readonly TableDef[];
    readonly v2: readonly TableDef[];
    readonly parity: readonly ParityMapping[];
    /** Migration-bound views in dependency order, as planned with the `_v2` suffix. */
    readonly views: readonly PlannedView[];
}

/** Name of the snapshot a legacy table gets at cutover (stable, so a re-run finds it). */
export const snapshotName = (table: string) => `${table}__pre_cutover`;
/** Target of the gate step: the recorded, passed validation the cutover starts from. */
export const GATE_TARGET = "gate/validation-passed";

/**
 * The ordered steps of a phase. The program declares one resource per step and wires
 * `dependsOn` from these lists, so the plan shown in a pull request is the graph `pulumi up` runs.
 * Invariants (tested): every drop depends on the snapshot of the same table; every rename and
 * snapshot of the cutover depends on the validation gate; repoints follow what their view reads.
 */
export function migrationSteps(phase: MigrationPhase, s: StepInputs): MigrationStep[] {
    const q = (t: string) => `${s.dataset}.${t}`;
    const b = (t: string) => `${s.backupDataset}.${snapshotName(t)}`;
    const prod = (t: TableDef) => t.productionName ?? t.name;
    const parity = (): MigrationStep[] =>
        s.parity.map((p) => ({ action: "validate", source: `${q(p.legacyTable)} ~ ${q(p.v2Table)}`, target: `parity/${p.name}`, dependsOn: [] }));
    const repoint = (toV2: boolean, renamed: Map<string, string>): MigrationStep[] => {
        const viewTarget = new Map<string, string>();
        return s.views.map((v) => {
            const base = v.baseName;
            const [from, to] = toV2 ? [base, `${base}_v2`] : [`${base}_v2`, base];
            const deps = v.reads.map((r) => renamed.get(r) ?? viewTarget.get(r)).filter((x): x is string => !!x);
            viewTarget.set(v.id, q(to));
            return { action: "repoint" as const, source: q(from), target: q(to), dependsOn: deps };
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
            const steps: MigrationStep[] = [...checks, { action: "validate", source: checks.map((c) => c.target).join(","), target: GATE_TARGET, dependsOn: checks.map((c) => c.target) }];
            for (const t of s.legacy) {
                steps.push({ action: "snapshot", source: q(t.name), target: b(t.name), dependsOn: [GATE_TARGET] });
                steps.push({ action: "drop", source: q(t.name), target: q(t.name), dependsOn: [b(t.name)] });
            }
            const renamed = new Map<string, string>();
            for (const t of s.v2) {
                steps.push({ action: "rename", source: q(t.name), target: q(prod(t)), dependsOn: [GATE_TARGET] });
                renamed.set(t.name, q(prod(t)));
            }
            return [...steps, ...repoint(false, renamed)];
        }
        case "rollback": {
            const steps: MigrationStep[] = s.legacy.map((t) => ({ action: "restore", source: b(t.name), target: q(t.name), dependsOn: [] }));
            const renamed = new Map<string, string>();
            for (const t of s.v2) {
                steps.push({ action: "rename", source: q(prod(t)), target: q(t.name), dependsOn: [] });
                renamed.set(t.name, q(t.name));
            }
            return [...steps, ...repoint(true, renamed)];
        }
    }
}

/** Tables that exist in a phase because a step makes them (renamed or restored), by table id. */
export function tablesMadeBySteps(steps: readonly MigrationStep[]): string[] {
    return steps.filter((s) => s.action === "rename" || s.action === "restore").map((s) => s.target.split(".")[1]);
}
