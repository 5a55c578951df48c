import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { MigrationPhase } from "../../config";
import { GATE_KEY, MigrationStep, StepKey, tableKey } from "../phase/steps";
import { ParityCheck, PhaseGate, TableDrop, TableRename, TableRestore, TableSnapshot } from "./providers";
import { stepOperation, TableOperation } from "./statements";

export interface AnalyticsMigrationArgs {
    /** GCP project id, whose jobs run the steps. */
    readonly project: string;
    readonly location: string;
    /** The analytics dataset, which every step waits for. */
    readonly dataset: pulumi.Resource;
    readonly phase: MigrationPhase;
    /** Steps of this phase, from phaseLayout(). */
    readonly steps: readonly MigrationStep[];
    /** The dataset to declare for the cutover's snapshots; none when undefined (phaseLayout decides). */
    readonly backupDatasetId: string | undefined;
    readonly parityTolerance: number;
    readonly maximumBytesBilled: number;
    readonly snapshotExpirationDays: number;
    readonly labels: Record<string, string>;
    readonly protect: boolean;
}

/**
 * The migration of the analytics tables in one phase: the phase gate, then one dynamic resource
 * per step, each depending on the steps its step depends on. Views are repointed by the views
 * component, which depends on `tablesMade`. (Not the Postgres schema migrations: those are
 * AuthDatabase's.)
 */
export class AnalyticsMigration extends pulumi.ComponentResource {
    readonly gate: PhaseGate;
    /** Resources that make a table exist in this phase (renames, restores), by table id. */
    readonly tablesMade: Record<string, pulumi.Resource>;
    readonly parityChecks: ParityCheck[];

    constructor(name: string, args: AnalyticsMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
        // The type token keeps the component's first name: a new one would need aliases for it and
        // every child in every stack.
        super("synter:migration:SchemaMigration", name, {}, opts);
        this.tablesMade = {};
        this.parityChecks = [];
        const common = { location: args.location, maximumBytesBilled: args.maximumBytesBilled };
        const byKey = new Map<StepKey, pulumi.Resource>();
        let gate: PhaseGate | undefined;
        const snapshots = new Map<StepKey, TableSnapshot>();
        const child = (deps: readonly StepKey[], extra: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            // Every step waits for the gate, whose check refuses an illegal phase change.
            dependsOn: [args.dataset, ...extra, ...(gate ? [gate] : []), ...deps.map((d) => {
                const r = byKey.get(d);
                if (!r) throw new pulumi.ResourceError(`AnalyticsMigration ${name}: a step depends on ${d}, which comes later or does not exist`, this);
                return r;
            })],
        });
        // Each resource's inputs come from the operation lint:sql analyses for its step.
        const operation = <K extends TableOperation["kind"]>(step: MigrationStep, kind: K): Extract<TableOperation, { kind: K }> => {
            const op = stepOperation(step, { snapshotExpirationDays: args.snapshotExpirationDays });
            if (op?.kind !== kind) throw new pulumi.ResourceError(`AnalyticsMigration ${name}: step ${step.key} is no ${kind}`, this);
            return op as Extract<TableOperation, { kind: K }>;
        };

        let backup: gcp.bigquery.Dataset | undefined;
        if (args.backupDatasetId !== undefined) {
            backup = new gcp.bigquery.Dataset(
                `${name}-backup`,
                {
                    project: args.project,
                    datasetId: args.backupDatasetId,
                    location: args.location,
                    description: "Snapshots of the legacy analytics tables taken at cutover; they expire on their own.",
                    labels: { ...args.labels, purpose: "migration-backup" },
                    deleteContentsOnDestroy: false,
                },
                { parent: this, protect: args.protect, retainOnDelete: true, dependsOn: opts?.dependsOn },
            );
        }

        // Parity checks come first: in the validate phase the gate records their result.
        for (const step of args.steps) {
            if (step.action !== "parity") continue;
            const op = operation(step, "parity");
            const check = new ParityCheck(
                `${name}-parity-${op.mapping}`,
                {
                    project: args.project,
                    location: args.location,
                    mapping: op.mapping,
                    query: op.query,
                    tolerance: args.parityTolerance,
                    maximumBytesBilled: args.maximumBytesBilled,
                    phase: args.phase === "cutover" ? "cutover" : "validate",
                },
                child(step.dependsOn),
            );
            this.parityChecks.push(check);
            byKey.set(step.key, check);
        }
        const validationPassed =
            this.parityChecks.length > 0 ? pulumi.all(this.parityChecks.map((c) => c.passed)).apply((all) => all.every((p) => p === true)) : pulumi.output(false);
        const validationProblems = pulumi.all(this.parityChecks.map((c) => c.problem)).apply((ps) => ps.filter((p) => !!p));
        gate = new PhaseGate(`${name}-phase`, { phase: args.phase, validationPassed, validationProblems }, { parent: this, dependsOn: this.parityChecks });
        this.gate = gate;
        byKey.set(GATE_KEY, this.gate);

        for (const step of args.steps) {
            switch (step.action) {
                case "snapshot": {
                    const op = operation(step, "snapshot");
                    const snap = new TableSnapshot(
                        `${name}-snapshot-${op.source.table}`,
                        { ...common, source: op.source, snapshot: op.snapshot, expirationDays: op.expirationDays },
                        child(step.dependsOn, backup ? [backup] : []),
                    );
                    snapshots.set(step.key, snap);
                    byKey.set(step.key, snap);
                    break;
                }
                case "drop": {
                    const op = operation(step, "drop");
                    const snap = snapshots.get(tableKey(op.snapshot));
                    if (!snap) throw new pulumi.ResourceError(`AnalyticsMigration ${name}: drop of ${step.key} has no snapshot step`, this);
                    const drop = new TableDrop(`${name}-drop-${op.table.table}`, { ...common, table: op.table, snapshot: op.snapshot, snapshotRows: snap.snapshotRows }, child(step.dependsOn));
                    byKey.set(step.key, drop);
                    break;
                }
                case "rename": {
                    const op = operation(step, "rename");
                    const rename = new TableRename(
                        `${name}-rename-${op.table.table}-to-${op.to}`,
                        { ...common, project: op.table.project, dataset: op.table.dataset, from: op.table.table, to: op.to },
                        child(step.dependsOn),
                    );
                    byKey.set(step.key, rename);
                    this.tablesMade[op.to] = rename;
                    break;
                }
                case "restore": {
                    const op = operation(step, "restore");
                    const restore = new TableRestore(`${name}-restore-${op.target.table}`, { ...common, snapshot: op.snapshot, target: op.target }, child(step.dependsOn));
                    byKey.set(step.key, restore);
                    this.tablesMade[op.target.table] = restore;
                    break;
                }
                case "parity":
                case "gate":
                case "repoint":
                    // Parity and gate are declared above; repoints are the views component's.
                    break;
            }
        }
        this.registerOutputs({ phase: this.gate.phase });
    }
}
