// The data-loss guard: reads `pulumi preview --json` (or the offline plan JSON) and names every
// BigQuery table or dataset, or Postgres database, that the change would delete or replace.
// The one kind of deletion it lets through is the cutover's drop of a legacy table after that
// table's verified snapshot.
import { LEGACY_TABLES } from "../components/analytics/catalogue";
import { DATASET_TYPE, declaresView, MIGRATION_TYPES, nameOfUrn, POSTGRES_DATABASE_TYPE, refKey, TABLE_TYPE } from "../components/resources";

const { TableDrop: DROP, TableSnapshot: SNAPSHOT, PhaseGate: GATE } = MIGRATION_TYPES;

/** The parts of a resource state in `pulumi preview --json` the guard reads. */
export interface PreviewState {
    readonly urn: string;
    readonly type: string;
    readonly inputs?: Record<string, any>;
    readonly outputs?: Record<string, any>;
    readonly retainOnDelete?: boolean;
    readonly external?: boolean;
    readonly dependencies?: string[];
    readonly propertyDependencies?: Record<string, string[] | null>;
}

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
    readonly op: string;
    readonly urn: string;
    readonly oldState?: PreviewState;
    readonly newState?: PreviewState;
    readonly replaceReasons?: string[];
    readonly diffReasons?: string[];
}

export interface GuardReport {
    /** What kind of document was read. */
    readonly source: "preview" | "plan";
    /** Each would-be loss, naming the resource. */
    readonly losses: string[];
    /** Deletions let through, and why. */
    readonly allowed: string[];
    readonly checked: number;
}

const LEGACY = new Set(LEGACY_TABLES.map((t) => t.name));

function dataKind(s?: PreviewState): string | undefined {
    if (!s) return undefined;
    if (s.type === TABLE_TYPE && !declaresView(s.inputs) && !declaresView(s.outputs)) return "BigQuery table";
    if (s.type === DATASET_TYPE) return "BigQuery dataset";
    if (s.type === POSTGRES_DATABASE_TYPE) return "Postgres database";
    return undefined;
}

function tableOf(s: PreviewState): string {
    const i = s.inputs ?? s.outputs ?? {};
    return i.tableId ?? i.datasetId ?? i.name ?? nameOfUrn(s.urn);
}

// Steps that end with the old resource's data gone (replace is its create-then-delete pair).
const DELETING = new Set(["delete", "replace", "create-replacement", "delete-replaced"]);

/** Checks the steps of `pulumi preview --json`. */
export function guardPreview(steps: readonly PreviewStep[]): GuardReport {
    const losses = new Map<string, string>();
    const allowed: string[] = [];
    const state = (s: PreviewStep) => s.newState ?? s.oldState;
    const phase = steps.find((s) => state(s)?.type === GATE)?.newState?.inputs?.phase;
    const snapshots = steps.filter((s) => state(s)?.type === SNAPSHOT && s.op !== "delete");

    for (const s of steps) {
        const st = state(s)!;
        if (!st) continue;
        if (st.type === DROP && s.op !== "delete" && s.op !== "same") {
            const i = st.inputs ?? {};
            const table = refKey(i.table);
            const snap = snapshots.find((x) => refKey(state(x)!.inputs?.source) === table && refKey(state(x)!.inputs?.snapshot) === refKey(i.snapshot));
            const deps = new Set([...(st.dependencies ?? []), ...Object.values(st.propertyDependencies ?? {}).flatMap((d) => d ?? [])]);
            const why =
                phase !== "cutover" ? `the phase is ${phase ?? "unknown"}, not cutover`
                : !LEGACY.has(i.table?.table) ? `${i.table?.table} is not a legacy table`
                : !snap ? "no snapshot of it in this change"
                : !deps.has(snap.urn) ? `it does not wait for its snapshot ${nameOfUrn(snap.urn)}`
                : undefined;
            if (why) losses.set(s.urn, `${table} would be dropped by ${nameOfUrn(s.urn)}: ${why}`);
            else allowed.push(`${table}: cutover drop after verified snapshot ${refKey(state(snap!)!.inputs?.snapshot)}`);
            continue;
        }
        if (!DELETING.has(s.op)) continue;
        const old = s.oldState ?? (s.op === "create-replacement" ? s.newState : undefined);
        const kind = dataKind(old);
        if (!kind || !old) continue;
        // Removed from the program but retained, or only ever read: the data stays.
        if (s.op === "delete" && (old.retainOnDelete || old.external)) {
            allowed.push(`${kind} ${tableOf(old)}: leaves the stack, ${old.external ? "read-only lookup" : "retainOnDelete"}; the data stays`);
            continue;
        }
        const how = s.op === "delete" ? "deleted" : `replaced${s.replaceReasons?.length ? ` (changes to ${s.replaceReasons.join(", ")} force a new resource)` : ""}`;
        losses.set(s.urn, `${kind} ${tableOf(old)} would be ${how} (${s.urn})`);
    }
    return { source: "preview", losses: [...losses.values()], allowed, checked: steps.length };
}

/** The offline plan's shape as far as the guard reads it (plan/render.ts). */
export interface PlanLike {
    readonly phase: string;
    readonly resources: { type: string; name: string; inputs: Record<string, any>; options: { protect: boolean; retainOnDelete: boolean; dependsOn: string[]; read?: boolean } }[];
}

/**
 * Checks the offline plan, which has no diff to read: every data table, the dataset and the database must
 * survive being removed from the program (retainOnDelete or read-only), and every drop must be
 * a cutover drop of a legacy table that waits for its snapshot.
 */
export function guardPlan(plan: PlanLike): GuardReport {
    const losses: string[] = [];
    const allowed: string[] = [];
    for (const r of plan.resources) {
        const st: PreviewState = { urn: r.name, type: r.type, inputs: r.inputs };
        const kind = dataKind(st);
        if (kind && !r.options.retainOnDelete && !r.options.read) {
            losses.push(`${kind} ${tableOf(st)} (${r.name}) would be deleted if it left the program: it is neither retainOnDelete nor read-only`);
        }
        if (r.type === DROP) {
            const table = r.inputs.table?.table;
            const snap = plan.resources.find((x) => x.type === SNAPSHOT && refKey(x.inputs.snapshot) === refKey(r.inputs.snapshot) && refKey(x.inputs.source) === refKey(r.inputs.table));
            if (plan.phase !== "cutover") losses.push(`${table} would be dropped by ${r.name} in phase ${plan.phase}`);
            else if (!LEGACY.has(table)) losses.push(`${table} would be dropped by ${r.name}: not a legacy table`);
            else if (!snap || !r.options.dependsOn.includes(snap.name)) losses.push(`${table} would be dropped by ${r.name} without waiting for a snapshot`);
            else allowed.push(`${refKey(r.inputs.table)}: cutover drop after verified snapshot ${refKey(snap.inputs.snapshot)}`);
        }
    }
    return { source: "plan", losses, allowed, checked: plan.resources.length };
}

/** Reads either document and runs the matching check. */
export function guard(doc: unknown): GuardReport {
    const d = doc as Record<string, any>;
    if (d && Array.isArray(d.steps)) return guardPreview(d.steps);
    if (d && Array.isArray(d.resources) && typeof d.phase === "string") return guardPlan(d as PlanLike);
    throw new Error("not a `pulumi preview --json` document (no steps) nor an offline plan (npm run plan -- --format json)");
}
