// 3. Cutover critical path: from the cutover phase's dependency graph, how many BigQuery jobs
// must run one after another; and the cutover of 20 tables through the migration's cores and
// the real BigQuery client against the local warehouse (real rows snapshotted, counted, dropped
// and renamed) with 1 s per job, run as the graph allows (Pulumi runs independent resources in
// parallel) against one step at a time.
import { CATALOGUE, TableDef } from "../components/analytics";
import { bigQueryWarehouse, dropTable, renameTable, snapshotTable, stepOperation } from "../components/migration";
import { MigrationStep, phaseLayout, phaseSteps, StepKey } from "../components/phase";
import { readSqlFolder } from "../components/sql";
import { catalogueRows, createCatalogueTable } from "../servers/warehouse";
import { LocalWarehouse } from "../warehouse";
import { Figure, figure } from "./figures";
import { longestChain } from "./graph";

const P = "synter-bench";
const DS = "synter_analytics";
const BK = "synter_analytics_backup";

function syntheticPair(i: number): TableDef[] {
    const col = { name: "day", type: "DATE" as const, mode: "REQUIRED" as const, description: "Day." };
    return [
        { name: `legacy_${i}`, role: "legacy", description: "Legacy.", columns: [col] },
        { name: `fact_${i}_v2`, productionName: `fact_${i}`, role: "v2", description: "V2.", columns: [col], partitionField: "day", clustering: [] },
    ] as TableDef[];
}

/** Runs the steps: each as soon as what it depends on is done, or strictly one at a time. */
async function execute(steps: readonly MigrationStep[], run: (s: MigrationStep) => Promise<void>, parallel: boolean): Promise<number> {
    const started = Date.now();
    if (!parallel) {
        for (const s of steps) await run(s);
        return Date.now() - started;
    }
    const done = new Map<StepKey, Promise<void>>();
    const start = (s: MigrationStep): Promise<void> => {
        let p = done.get(s.key);
        if (!p) {
            const deps = s.dependsOn.map((d) => steps.find((x) => x.key === d)).filter((x): x is MigrationStep => !!x);
            p = Promise.all(deps.map(start)).then(() => run(s));
            done.set(s.key, p);
        }
        return p;
    };
    await Promise.all(steps.map(start));
    return Date.now() - started;
}

export async function cutoverFigures(): Promise<Figure[]> {
    // The stack's own cutover graph.
    const sql = { views: readSqlFolder("views"), parity: readSqlFolder("parity") };
    const stackSteps = phaseLayout({ gcpProject: P, legacyTables: "adopt", dataset: { id: DS }, migration: { phase: "cutover", backupDatasetId: BK } }, CATALOGUE, sql).steps.filter(
        (s) => s.action !== "repoint",
    );

    // 20 tables: 10 legacy to snapshot and drop, 10 v2 to rename.
    const defs = Array.from({ length: 10 }, (_, i) => syntheticPair(i)).flat();
    const inputs = { project: P, dataset: DS, backupDataset: BK, legacy: defs.filter((d) => d.role === "legacy"), v2: defs.filter((d) => d.role === "v2"), parity: [], views: [] };
    const steps = phaseSteps("cutover", inputs);

    const fake = new LocalWarehouse();
    process.env.BIGQUERY_EMULATOR_HOST = await fake.start();
    process.env.METADATA_SERVER_DETECTION = "none";
    const jobsPerAction = new Map<string, number>();
    try {
        const wh = bigQueryWarehouse(P, "US", 1_000_000_000);
        let counting = true;
        const run = async (s: MigrationStep) => {
            const before = fake.statements.length;
            const op = stepOperation(s, { snapshotExpirationDays: 30 });
            if (op?.kind === "snapshot") await snapshotTable(wh, op);
            else if (op?.kind === "drop") await dropTable(wh, op);
            else if (op?.kind === "rename") await renameTable(wh, op);
            // Counted one step at a time only: in parallel, other steps' jobs interleave.
            if (counting) jobsPerAction.set(s.action, fake.statements.length - before);
        };
        fake.createDataset(P, BK);
        for (const [i, d] of defs.entries()) fake.insertRows(await createCatalogueTable(fake, P, DS, d), catalogueRows(d, 1000 + i, i));
        const seeded = fake.checkpoint();
        fake.latencyMs = 1000;
        const sequential = await execute(steps, run, false);
        // A cutover that lost rows measures nothing worth reporting.
        const moved = fake.tables().filter((t) => t.type === "SNAPSHOT").reduce((n, t) => n + t.rows, 0);
        const legacyRows = defs.reduce((n, d, i) => n + (d.role === "legacy" ? 1000 + i : 0), 0);
        if (moved !== legacyRows) throw new Error(`the snapshots hold ${moved} rows, the legacy tables held ${legacyRows}`);
        fake.restore(seeded);
        counting = false;
        const parallel = await execute(steps, run, true);

        const weight = (s: MigrationStep) => jobsPerAction.get(s.action) ?? 0;
        const jobPath = (list: readonly MigrationStep[]) => longestChain(list, weight);
        const totalJobs = (list: readonly MigrationStep[]) => list.reduce((n, s) => n + weight(s), 0);
        return [
            figure("cutover.stack_sequential_jobs", jobPath(stackSteps), "jobs", totalJobs(stackSteps), `all ${totalJobs(stackSteps)} jobs of the stack's cutover (${CATALOGUE.filter((t) => t.role !== "analytics").length} tables), one after another`),
            figure("cutover.stack_critical_path_steps", longestChain(stackSteps), "steps", stackSteps.length, "every step of the stack's cutover in sequence"),
            figure("cutover.20_tables_sequential_jobs", jobPath(steps), "jobs", totalJobs(steps), "the 20-table cutover's jobs one after another"),
            figure("cutover.20_tables_wall_time_1s_jobs", parallel / 1000, "s", sequential / 1000, "the same cutover one step at a time"),
        ];
    } finally {
        await fake.stop();
        delete process.env.BIGQUERY_EMULATOR_HOST;
    }
}
