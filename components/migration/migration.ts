import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { MigrationPhase } from "../../config";
import { ParityCheck, PhaseGate, TableDrop, TableRename, TableRestore, TableSnapshot } from "./providers";
import { GATE_TARGET, MigrationStep } from "./steps";

export interface SchemaMigrationArgs {
    readonly project: string;
    readonly location: string;
    readonly datasetId: string;
    /** The analytics dataset, which every step waits for. */
    readonly dataset: pulumi.Resource;
    readonly backupDatasetId: string;
    readonly phase: MigrationPhase;
    /** Steps of this phase, from migrationSteps(). */
    readonly steps: readonly MigrationStep[];
    /** Filled parity SQL per mapping name (validate phase). */
    readonly parityQueries: Readonly<Record<string, string>>;
    readonly parityTolerance: number;
    readonly maximumBytesBilled: number;
    readonly snapshotExpirationDays: number;
    /** Declare the dataset that holds the cutover's snapshots (every phase while there are legacy tables). */
    readonly createBackupDataset: boolean;
    readonly labels: Record<string, string>;
    readonly protect: boolean;
}

/** Splits `dataset.table` as used in step targets. */
function parts(qualified: string): { dataset: string; table: string } {
    const [dataset, table] = qualified.split(".");
    return { dataset, table };
}

/**
 * The migration of one phase: the phase gate, then one dynamic resource per step, each
 * depending on the steps its step depends on. Views are repointed by the views component,
 * which depends on `provides`.
 */
export class SchemaMigration extends pulumi.ComponentResource {
    readonly gate: PhaseGate;
    /** Resources that make a table exist in this phase (renames, restores), by table id. */
    readonly provides: Record<string, pulumi.Resource>;
    readonly parityChecks: ParityCheck[];

    constructor(name: string, args: SchemaMigrationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synter:migration:SchemaMigration", name, {}, opts);
        this.provides = {};
        this.parityChecks = [];
        const common = { location: args.location, maximumBytesBilled: args.maximumBytesBilled };
        const ref = (q: string) => ({ project: args.project, ...parts(q) });
        const byTarget = new Map<string, pulumi.Resource>();
        let gate: PhaseGate | undefined;
        const snapshots = new Map<string, TableSnapshot>();
        const child = (deps: readonly string[], extra: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            // Every step waits for the gate, whose check refuses an illegal phase change.
            dependsOn: [args.dataset, ...extra, ...(gate ? [gate] : []), ...deps.map((d) => {
                const r = byTarget.get(d);
                if (!r) throw new pulumi.ResourceError(`SchemaMigration ${name}: a step depends on ${d}, which comes later or does not exist`, this);
                return r;
            })],
        });

        let backup: gcp.bigquery.Dataset | undefined;
        if (args.createBackupDataset) {
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
        for (const step of args.steps.filter((s) => s.action === "validate" && s.target !== GATE_TARGET)) {
            const mapping = step.target.replace(/^parity\//, "");
            const query = args.parityQueries[mapping];
            if (query === undefined) throw new pulumi.ResourceError(`SchemaMigration ${name}: no parity query for ${mapping}`, this);
            const check = new ParityCheck(
                `${name}-parity-${mapping}`,
                {
                    project: args.project,
                    location: args.location,
                    mapping,
                    query,
                    tolerance: args.parityTolerance,
                    maximumBytesBilled: args.maximumBytesBilled,
                    phase: args.phase === "cutover" ? "cutover" : "validate",
                },
                child(step.dependsOn),
            );
            this.parityChecks.push(check);
            byTarget.set(step.target, check);
        }
        const validationPassed =
            this.parityChecks.length > 0 ? pulumi.all(this.parityChecks.map((c) => c.passed)).apply((all) => all.every((p) => p === true)) : pulumi.output(false);
        const validationProblems = pulumi.all(this.parityChecks.map((c) => c.problem)).apply((ps) => ps.filter((p) => !!p));
        gate = new PhaseGate(`${name}-phase`, { phase: args.phase, validationPassed, validationProblems }, { parent: this, dependsOn: this.parityChecks });
        this.gate = gate;
        byTarget.set(GATE_TARGET, this.gate);

        for (const step of args.steps) {
            switch (step.action) {
                case "snapshot": {
                    const source = ref(step.source);
                    const snap = new TableSnapshot(
                        `${name}-snapshot-${source.table}`,
                        { ...common, source, snapshot: ref(step.target), expirationDays: args.snapshotExpirationDays },
                        child(step.dependsOn, backup ? [backup] : []),
                    );
                    snapshots.set(step.target, snap);
                    byTarget.set(step.target, snap);
                    break;
                }
                case "drop": {
                    const snapTarget = step.dependsOn.find((d) => snapshots.has(d));
                    const snap = snapTarget === undefined ? undefined : snapshots.get(snapTarget);
                    if (!snap || snapTarget === undefined) throw new pulumi.ResourceError(`SchemaMigration ${name}: drop of ${step.source} has no snapshot step`, this);
                    const drop = new TableDrop(
                        `${name}-drop-${parts(step.source).table}`,
                        { ...common, table: ref(step.source), snapshot: ref(snapTarget), snapshotRows: snap.snapshotRows },
                        child(step.dependsOn),
                    );
                    byTarget.set(step.target, drop);
                    break;
                }
                case "rename": {
                    const from = parts(step.source);
                    const to = parts(step.target);
                    const rename = new TableRename(
                        `${name}-rename-${from.table}-to-${to.table}`,
                        { ...common, project: args.project, dataset: from.dataset, from: from.table, to: to.table },
                        child(step.dependsOn),
                    );
                    byTarget.set(step.target, rename);
                    this.provides[to.table] = rename;
                    break;
                }
                case "restore": {
                    const target = ref(step.target);
                    const restore = new TableRestore(`${name}-restore-${target.table}`, { ...common, snapshot: ref(step.source), target }, child(step.dependsOn));
                    byTarget.set(step.target, restore);
                    this.provides[target.table] = restore;
                    break;
                }
                case "validate":
                case "repoint":
                    // Parity and gate are declared above; repoints are the views component's.
                    break;
            }
        }
        this.registerOutputs({ phase: this.gate.phase });
    }
}
