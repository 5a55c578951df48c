// Dynamic providers for what pulumi-gcp cannot do: the phase gate, parity checks, snapshots,
// drops, zero-copy renames and restores. Each method is a thin adapter over a core in
// operations.ts; Pulumi serializes these objects and runs them in its provider host, so every
// module a method needs is required inside it (see warehouse.ts).
import * as pulumi from "@pulumi/pulumi";
import type { MigrationPhase } from "../../config";
import { MIGRATION_MODULE } from "../resources";
import { checkParity, dropTable, renameTable, restoreTable, snapshotTable } from "./operations";
import { formatMismatches } from "./parity";
import { transitionProblem } from "../phase/transitions";
import { bigQueryWarehouse, type Warehouse } from "./warehouse";

/** Bumped whenever provider logic changes, so the change shows in the preview as an update. */
export const PROVIDER_VERSION = "2";


type Props = Record<string, any>;

/** Diff helper: which keys changed between old outputs and new inputs. */
function changed(olds: Props, news: Props, keys: readonly string[]): string[] {
    return keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

/** A diff that replaces on identity keys and updates on the others (version, settings). */
function diffBy(identity: readonly string[], settings: readonly string[]) {
    return async (_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> => {
        const replaces = changed(olds, news, identity);
        const updates = changed(olds, news, ["version", ...settings]);
        return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: false };
    };
}

/** One idempotent operation on a table, as a dynamic provider. */
interface TableOperation {
    /** Inputs whose change makes it another operation: the resource is replaced. */
    readonly identity: readonly string[];
    /** Inputs whose change is an update, besides location and maximumBytesBilled. */
    readonly settings?: readonly string[];
    readonly id: (inputs: Props) => string;
    /** The project whose jobs run the operation. */
    readonly project: (inputs: Props) => string;
    /** Does the operation, or finds it done; returns what it reports besides the inputs. */
    readonly run: (wh: Warehouse, inputs: Props) => Promise<Props>;
    /** What an update records instead of running the operation again. */
    readonly update?: (olds: Props, news: Props) => Props;
}

/**
 * The provider of a table operation: create and update run it (every operation converges when
 * re-run after a crash), its outputs are the identity, settings and version with what it
 * reports, and retiring it leaves every table as it is: what it made or kept is data.
 */
function tableOperation(op: TableOperation): pulumi.dynamic.ResourceProvider {
    const settings = [...(op.settings ?? []), "location", "maximumBytesBilled"];
    const outs = async (inputs: Props) => {
        const wh = bigQueryWarehouse(op.project(inputs), inputs.location, inputs.maximumBytesBilled);
        return { ...Object.fromEntries([...op.identity, ...settings, "version"].map((k) => [k, inputs[k]])), ...(await op.run(wh, inputs)) };
    };
    return {
        diff: diffBy(op.identity, settings),
        async create(inputs: Props) {
            return { id: op.id(inputs), outs: await outs(inputs) };
        },
        async update(_id: string, olds: Props, news: Props) {
            return { outs: op.update ? op.update(olds, news) : await outs(news) };
        },
        async delete() {
            // Nothing to undo: a snapshot stays until it expires, a dropped table is gone already,
            // and a renamed or restored table is data.
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Phase gate

/** Inputs of the gate that records the phase and refuses illegal transitions at check time. */
export interface PhaseGateArgs {
    readonly phase: pulumi.Input<MigrationPhase>;
    /** Whether every parity check of this phase passed (validate and cutover run them). */
    readonly validationPassed: pulumi.Input<boolean>;
    /** What the failed parity checks found, for the cutover's refusal. */
    readonly validationProblems?: pulumi.Input<pulumi.Input<string>[]>;
    readonly version?: pulumi.Input<string>;
}

/**
 * The validation the gate records: this phase's parity result where it ran checks; otherwise
 * what was recorded before, except that going back to parallel clears it.
 */
function recordedValidation(olds: Props, news: Props): boolean {
    if (news.phase === "validate" || news.phase === "cutover") return news.validationPassed === true;
    return news.phase !== "parallel" && olds.validationPassed === true;
}

/** The cutover's refusal when the parity checks run at the cutover did not all pass. */
function cutoverRefusal(news: Props): string | undefined {
    if (news.phase !== "cutover" || news.validationPassed === true) return undefined;
    const found = (news.validationProblems ?? []) as string[];
    return `phase cutover refused: the parity checks run at the cutover found differences, so nothing was snapshotted, dropped or renamed; fix the data (or go back to validate) and run pulumi up again${found.length ? `\n${found.join("\n")}` : ""}`;
}

export const phaseGateProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Props, news: Props) {
        // Check runs in preview and before any step of the update: an illegal jump stops here.
        const from = olds.phase as MigrationPhase | undefined;
        const problem = transitionProblem(from, news.phase, olds.validationPassed === true);
        return problem ? { inputs: news, failures: [{ property: "phase", reason: problem }] } : { inputs: news };
    },
    async diff(_id: string, olds: Props, news: Props) {
        const changedPhase = olds.phase !== news.phase || olds.version !== news.version;
        const changedValidation = recordedValidation(olds, news) !== (olds.validationPassed === true);
        return { changes: changedPhase || changedValidation, replaces: [] };
    },
    async create(inputs: Props) {
        const refusal = cutoverRefusal(inputs);
        if (refusal) throw new Error(refusal);
        return { id: "migration-phase", outs: { phase: inputs.phase, previousPhase: null, validationPassed: recordedValidation({}, inputs), version: inputs.version } };
    },
    async update(_id: string, olds: Props, news: Props) {
        // The snapshots, drops and renames all wait for the gate: refusing here leaves the data as it was.
        const refusal = cutoverRefusal(news);
        if (refusal) throw new Error(refusal);
        return { outs: { phase: news.phase, previousPhase: olds.phase, validationPassed: recordedValidation(olds, news), version: news.version } };
    },
};

/** Records the migration phase in the stack's state; its check refuses an illegal phase change. */
export class PhaseGate extends pulumi.dynamic.Resource {
    declare readonly phase: pulumi.Output<MigrationPhase>;
    declare readonly previousPhase: pulumi.Output<MigrationPhase | null>;
    declare readonly validationPassed: pulumi.Output<boolean>;
    constructor(name: string, args: PhaseGateArgs, opts?: pulumi.CustomResourceOptions) {
        super(phaseGateProvider, name, { version: PROVIDER_VERSION, validationProblems: [], ...args, previousPhase: undefined }, opts, MIGRATION_MODULE, "PhaseGate");
    }
}

// ---------------------------------------------------------------------------------------------
// Parity check

export interface ParityCheckArgs {
    readonly project: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Name of the parity file. */
    readonly mapping: pulumi.Input<string>;
    /** The filled parity SQL. */
    readonly query: pulumi.Input<string>;
    readonly tolerance: pulumi.Input<number>;
    readonly maximumBytesBilled: pulumi.Input<number>;
    /**
     * The phase it runs in. In validate a mismatch fails the update and every preview compares
     * the live result with the recorded one; at the cutover it runs once, when the phase changes,
     * and a mismatch is recorded for the gate to refuse with.
     */
    readonly phase: pulumi.Input<"validate" | "cutover">;
    readonly version?: pulumi.Input<string>;
}

async function runParity(inputs: Props) {
    const wh = bigQueryWarehouse(inputs.project, inputs.location, inputs.maximumBytesBilled);
    const report = await checkParity(wh, { kind: "parity", mapping: inputs.mapping, query: inputs.query }, inputs.tolerance, inputs.maximumBytesBilled, { failOnMismatch: inputs.phase === "validate" });
    return {
        mapping: inputs.mapping,
        query: inputs.query,
        tolerance: inputs.tolerance,
        maximumBytesBilled: inputs.maximumBytesBilled,
        phase: inputs.phase,
        version: inputs.version,
        passed: report.passed,
        partitions: report.partitions,
        totals: report.totals,
        problem: report.passed ? "" : formatMismatches(report, 5),
        checkedAt: new Date().toISOString(),
    };
}

/** What a parity run found, for comparing a live run with the recorded one (key order is not kept by state). */
function finding(o: Props): string {
    const sorted = (v: unknown): unknown =>
        v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Props)[k])])) : v;
    return JSON.stringify(sorted({ passed: o.passed, partitions: o.partitions, totals: o.totals }));
}

export const parityCheckProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: Props, news: Props) {
        const replaces = changed(olds, news, ["mapping"]);
        const updates = changed(olds, news, ["query", "tolerance", "maximumBytesBilled", "version", "phase"]);
        if (replaces.length + updates.length > 0) return { changes: true, replaces };
        if (news.phase !== "validate") return { changes: false, replaces: [] };
        // In the validate phase the application keeps writing: a read-only run of the query tells
        // whether the recorded result still holds, so an unchanged warehouse previews no change.
        try {
            return { changes: finding(await runParity({ ...news, phase: "cutover" })) !== finding(olds), replaces: [] };
        } catch {
            return { changes: true, replaces: [] };
        }
    },
    async create(inputs: Props) {
        return { id: `parity-${inputs.mapping}`, outs: await runParity(inputs) };
    },
    async update(_id: string, _olds: Props, news: Props) {
        return { outs: await runParity(news) };
    },
    async delete() {
        // A report only: nothing to remove from BigQuery.
    },
};

/** Compares a legacy table with its v2 table; the update fails with a table of mismatches. */
export class ParityCheck extends pulumi.dynamic.Resource {
    declare readonly passed: pulumi.Output<boolean>;
    declare readonly partitions: pulumi.Output<number>;
    declare readonly totals: pulumi.Output<Record<string, { legacy: number; v2: number }>>;
    declare readonly checkedAt: pulumi.Output<string>;
    /** The mismatch table when it did not pass, else "". */
    declare readonly problem: pulumi.Output<string>;
    constructor(name: string, args: ParityCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(parityCheckProvider, name, { version: PROVIDER_VERSION, ...args, passed: undefined, partitions: undefined, totals: undefined, problem: undefined, checkedAt: undefined }, opts, MIGRATION_MODULE, "ParityCheck");
    }
}

// ---------------------------------------------------------------------------------------------
// Snapshot, drop, rename, restore

/** A BigQuery table reference as plain inputs. */
export interface TableRefInput {
    readonly project: pulumi.Input<string>;
    readonly dataset: pulumi.Input<string>;
    readonly table: pulumi.Input<string>;
}

export interface TableSnapshotArgs {
    readonly location: pulumi.Input<string>;
    readonly source: pulumi.Input<TableRefInput>;
    readonly snapshot: pulumi.Input<TableRefInput>;
    readonly expirationDays: pulumi.Input<number>;
    readonly maximumBytesBilled: pulumi.Input<number>;
    readonly version?: pulumi.Input<string>;
}

export const tableSnapshotProvider = tableOperation({
    identity: ["source", "snapshot"],
    settings: ["expirationDays"],
    id: (inputs) => `${inputs.snapshot.dataset}.${inputs.snapshot.table}`,
    project: (inputs) => inputs.source.project,
    // An update re-verifies: the snapshot exists already, so nothing is copied. Snapshots are the
    // rollback path: they stay until BigQuery expires them.
    async run(wh, inputs) {
        const r = await snapshotTable(wh, { kind: "snapshot", source: inputs.source, snapshot: inputs.snapshot, expirationDays: inputs.expirationDays });
        return { sourceRows: r.sourceRows, snapshotRows: r.snapshotRows, verifiedAt: new Date().toISOString() };
    },
});

/** A verified snapshot of a legacy table, kept for `expirationDays`. */
export class TableSnapshot extends pulumi.dynamic.Resource {
    declare readonly sourceRows: pulumi.Output<number>;
    declare readonly snapshotRows: pulumi.Output<number>;
    declare readonly verifiedAt: pulumi.Output<string>;
    constructor(name: string, args: TableSnapshotArgs, opts?: pulumi.CustomResourceOptions) {
        super(tableSnapshotProvider, name, { version: PROVIDER_VERSION, ...args, sourceRows: undefined, snapshotRows: undefined, verifiedAt: undefined }, opts, MIGRATION_MODULE, "TableSnapshot");
    }
}

export interface TableDropArgs {
    readonly location: pulumi.Input<string>;
    readonly table: pulumi.Input<TableRefInput>;
    /** The verified snapshot; taking its rows as an input makes the drop wait for the verification. */
    readonly snapshot: pulumi.Input<TableRefInput>;
    readonly snapshotRows: pulumi.Input<number>;
    readonly maximumBytesBilled: pulumi.Input<number>;
    readonly version?: pulumi.Input<string>;
}

export const tableDropProvider = tableOperation({
    identity: ["table", "snapshot"],
    id: (inputs) => `${inputs.table.dataset}.${inputs.table.table}`,
    project: (inputs) => inputs.table.project,
    async run(wh, inputs) {
        const r = await dropTable(wh, { kind: "drop", table: inputs.table, snapshot: inputs.snapshot });
        return { droppedRows: r.rows, droppedAt: new Date().toISOString() };
    },
    // The table is gone already; a version change only records the new version.
    update: (olds, news) => ({ ...olds, version: news.version, location: news.location, maximumBytesBilled: news.maximumBytesBilled }),
});

/** Drops a legacy table after its verified snapshot (the point of no return of the cutover). */
export class TableDrop extends pulumi.dynamic.Resource {
    declare readonly droppedRows: pulumi.Output<number>;
    constructor(name: string, args: TableDropArgs, opts?: pulumi.CustomResourceOptions) {
        super(tableDropProvider, name, { version: PROVIDER_VERSION, ...args, droppedRows: undefined, droppedAt: undefined }, opts, MIGRATION_MODULE, "TableDrop");
    }
}

export interface TableRenameArgs {
    readonly project: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    readonly dataset: pulumi.Input<string>;
    readonly from: pulumi.Input<string>;
    readonly to: pulumi.Input<string>;
    readonly maximumBytesBilled: pulumi.Input<number>;
    /** Anything the rename must wait for, as an input (e.g. the gate's phase). */
    readonly after?: pulumi.Input<string>;
    readonly version?: pulumi.Input<string>;
}

export const tableRenameProvider = tableOperation({
    identity: ["project", "dataset", "from", "to"],
    id: (inputs) => `${inputs.dataset}.${inputs.to}`,
    project: (inputs) => inputs.project,
    // An update confirms the target exists (and renames if a crash left it undone).
    async run(wh, inputs) {
        const r = await renameTable(wh, { kind: "rename", table: { project: inputs.project, dataset: inputs.dataset, table: inputs.from }, to: inputs.to });
        return { rows: r.rows, renamedAt: new Date().toISOString() };
    },
});

/** Zero-copy rename (`ALTER TABLE ... RENAME TO`), crash-safe and idempotent. */
export class TableRename extends pulumi.dynamic.Resource {
    declare readonly rows: pulumi.Output<number>;
    declare readonly to: pulumi.Output<string>;
    constructor(name: string, args: TableRenameArgs, opts?: pulumi.CustomResourceOptions) {
        super(tableRenameProvider, name, { version: PROVIDER_VERSION, ...args, rows: undefined, renamedAt: undefined }, opts, MIGRATION_MODULE, "TableRename");
    }
}

export interface TableRestoreArgs {
    readonly location: pulumi.Input<string>;
    readonly snapshot: pulumi.Input<TableRefInput>;
    readonly target: pulumi.Input<TableRefInput>;
    readonly maximumBytesBilled: pulumi.Input<number>;
    readonly version?: pulumi.Input<string>;
}

export const tableRestoreProvider = tableOperation({
    identity: ["snapshot", "target"],
    id: (inputs) => `${inputs.target.dataset}.${inputs.target.table}`,
    project: (inputs) => inputs.target.project,
    async run(wh, inputs) {
        const r = await restoreTable(wh, { kind: "restore", snapshot: inputs.snapshot, target: inputs.target });
        return { rows: r.rows, restoredAt: new Date().toISOString() };
    },
});

/** Rollback: a legacy table restored as a writable clone of its snapshot. */
export class TableRestore extends pulumi.dynamic.Resource {
    declare readonly rows: pulumi.Output<number>;
    constructor(name: string, args: TableRestoreArgs, opts?: pulumi.CustomResourceOptions) {
        super(tableRestoreProvider, name, { version: PROVIDER_VERSION, ...args, rows: undefined, restoredAt: undefined }, opts, MIGRATION_MODULE, "TableRestore");
    }
}
