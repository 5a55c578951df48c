// lint:sql analyses stepStatements of every step; these tests run each step's operation, as its
// provider runs it, on a warehouse that records every query, and compare the two.
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../components/analytics";
import {
    checkParity,
    dropTable,
    renameTable,
    restoreTable,
    snapshotTable,
    stepOperation,
    stepStatements,
    TableInfo,
    TableOperation,
    Warehouse,
} from "../../components/migration";
import { MigrationStep, phaseLayout, shownStep } from "../../components/phase";
import { readSqlFolder } from "../../components/sql";
import type { MigrationPhase } from "../../config";

const P = "synter-test";
const DS = "synter_analytics";
const BK = "synter_analytics_backup";
const SETTINGS = { snapshotExpirationDays: 7 };
const SQL = { views: readSqlFolder("views"), parity: readSqlFolder("parity") };

const layout = (phase: MigrationPhase) =>
    phaseLayout({ gcpProject: P, legacyTables: "adopt", dataset: { id: DS }, migration: { phase, backupDatasetId: BK } }, CATALOGUE, SQL);

/** Tables by `dataset.table` with their row counts; the DDL the operations issue acts on them. */
class RecordingWarehouse implements Warehouse {
    readonly project = P;
    readonly queries: { sql: string; dryRun: boolean }[] = [];
    constructor(readonly tables: Map<string, number>) {}

    async getTable(dataset: string, table: string): Promise<TableInfo | undefined> {
        const rows = this.tables.get(`${dataset}.${table}`);
        return rows === undefined ? undefined : { numRows: rows, streamingBuffer: false };
    }

    async query(sql: string, options: { dryRun?: boolean } = {}) {
        this.queries.push({ sql, dryRun: options.dryRun ?? false });
        const name = (q: string) => q.split(".").slice(1).join(".");
        let m: RegExpMatchArray | null;
        if ((m = sql.match(/^CREATE (?:SNAPSHOT )?TABLE `([^`]+)`\nCLONE `([^`]+)`/))) this.tables.set(name(m[1]), this.tables.get(name(m[2]))!);
        else if ((m = sql.match(/^DROP TABLE IF EXISTS `([^`]+)`$/))) this.tables.delete(name(m[1]));
        else if ((m = sql.match(/^ALTER TABLE `([^`]+)` RENAME TO `([^`]+)`$/))) {
            const from = name(m[1]);
            this.tables.set(`${from.split(".")[0]}.${m[2]}`, this.tables.get(from)!);
            this.tables.delete(from);
        }
        return { rows: [], bytesProcessed: 0 };
    }
}

const key = (t: { dataset: string; table: string }) => `${t.dataset}.${t.table}`;

/** What must exist for an operation to do its work rather than find it done. */
function before(op: TableOperation): Map<string, number> {
    switch (op.kind) {
        case "parity":
            return new Map();
        case "snapshot":
            return new Map([[key(op.source), 42]]);
        case "drop":
            return new Map([[key(op.table), 42], [key(op.snapshot), 42]]);
        case "rename":
            return new Map([[key(op.table), 42]]);
        case "restore":
            return new Map([[key(op.snapshot), 42]]);
    }
}

/** Runs an operation as its provider does. */
async function run(wh: Warehouse, op: TableOperation): Promise<void> {
    if (op.kind === "parity") await checkParity(wh, op, 0, 1e9);
    else if (op.kind === "snapshot") await snapshotTable(wh, op);
    else if (op.kind === "drop") await dropTable(wh, op);
    else if (op.kind === "rename") await renameTable(wh, op);
    else await restoreTable(wh, op);
}

describe.each(["validate", "cutover", "rollback"] as const)("the statements of phase %s", (phase) => {
    const steps = layout(phase).steps;
    const show = (s: MigrationStep) => `${shownStep(s).action} ${shownStep(s).target}`;

    it.each(steps.filter((s) => stepOperation(s, SETTINGS)).map((s) => [show(s), s] as const))("%s issues exactly what lint:sql analyses", async (_, step) => {
        const op = stepOperation(step, SETTINGS)!;
        const wh = new RecordingWarehouse(before(op));
        await run(wh, op);
        const analysed = stepStatements(step, SETTINGS).map((s) => s.sql);
        expect(analysed.length).toBeGreaterThan(0);
        // A parity check runs its one query twice: priced by a dry run, then for its rows.
        expect(wh.queries).toEqual(op.kind === "parity" ? [{ sql: analysed[0], dryRun: true }, { sql: analysed[0], dryRun: false }] : analysed.map((sql) => ({ sql, dryRun: false })));
    });

    it("leaves no step that issues statements without an operation, and every gate and repoint issues none", () => {
        for (const s of steps) {
            const statements = stepStatements(s, SETTINGS);
            if (s.action === "gate" || s.action === "repoint") expect(statements, show(s)).toEqual([]);
            else expect(statements.length, show(s)).toBeGreaterThan(0);
        }
    });
});

describe("the statements of a step", () => {
    it("name the snapshot after snapshotName and carry the stack's expiration", () => {
        const snapshot = layout("cutover").steps.find((s) => s.action === "snapshot" && s.source.table === "dim_users")!;
        expect(stepStatements(snapshot, SETTINGS)).toEqual([
            {
                sql: `CREATE SNAPSHOT TABLE \`${P}.${BK}.dim_users__pre_cutover\`\nCLONE \`${P}.${DS}.dim_users\`\nOPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 7 DAY))`,
                needs: [{ project: P, dataset: DS, table: "dim_users" }],
            },
        ]);
    });
});
