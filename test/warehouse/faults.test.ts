// Fault injection: the k-th job from now fails before it takes effect, or after it took effect
// with only its answer lost; in-process and through the control API.
import type { BigQuery } from "@google-cloud/bigquery";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { snapshotDdl } from "../../components/migration";
import { LocalWarehouse, StoreJson, WarehouseControl } from "../../warehouse";
import { startWarehouse } from "../../servers/warehouse";

const P = "wh-faults";
const D = "ds";
let wh: LocalWarehouse;
let bq: BigQuery;
let stop: () => Promise<void>;
let seeded: StoreJson;

beforeAll(async () => {
    ({ wh, bq, stop } = await startWarehouse(P));
    wh.createDataset(P, "backup");
    await wh.createTable(`${P}.${D}.t`, { schema: [{ name: "id", type: "STRING", mode: "REQUIRED" }] });
    wh.insertRows(`${P}.${D}.t`, [{ id: "a" }, { id: "b" }]);
    seeded = wh.checkpoint();
});
afterAll(() => stop());
beforeEach(() => wh.restore(seeded));

const snapshot = snapshotDdl({ project: P, dataset: D, table: "t" }, { project: P, dataset: "backup", table: "t_snap" }, 7);
const run = async (sql: string) => {
    const [job] = await bq.createQueryJob({ query: sql });
    return job.getQueryResults();
};

describe("the k-th job fails", () => {
    it("before it takes effect: nothing happens and the caller hears of it", async () => {
        wh.failJob(2);
        await run(`SELECT COUNT(*) FROM \`${P}.${D}.t\``);
        await expect(run(snapshot)).rejects.toMatchObject({ code: 400, message: "injected failure" });
        expect(wh.table(`${P}.backup.t_snap`)).toBeUndefined();
        expect(wh.jobLog.map((j) => [j.outcome, j.statement?.split(" ")[0]])).toEqual([["done", "SELECT"], ["lost-before", "CREATE"]]);
        // The fault is spent: running again works.
        await run(snapshot);
        expect(wh.table(`${P}.backup.t_snap`)).toMatchObject({ rows: 2 });
    });

    it("after it took effect, losing only the answer", async () => {
        wh.failJob(1, true, "connection reset after commit");
        await expect(run(snapshot)).rejects.toMatchObject({ message: "connection reset after commit" });
        expect(wh.table(`${P}.backup.t_snap`)).toMatchObject({ type: "SNAPSHOT", rows: 2 });
        expect(wh.statements).toEqual([snapshot]);
        expect(wh.jobLog[0]).toMatchObject({ outcome: "lost-after", error: "connection reset after commit" });
        // Re-running the statement meets the snapshot it already made.
        await expect(bq.query(snapshot)).rejects.toMatchObject({ code: 409 });
    });

    it("counts load jobs but not dry runs", async () => {
        wh.failJob(2, true);
        await bq.createQueryJob({ query: `SELECT id FROM \`${P}.${D}.t\``, dryRun: true });
        await run(`SELECT id FROM \`${P}.${D}.t\``);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wh-faults-"));
        try {
            fs.writeFileSync(path.join(dir, "rows.ndjson"), '{"id":"c"}\n');
            await expect(bq.dataset(D).table("t").load(path.join(dir, "rows.ndjson"), { sourceFormat: "NEWLINE_DELIMITED_JSON", schema: { fields: [{ name: "id", type: "STRING", mode: "REQUIRED" }] } } as any)).rejects.toThrow("injected failure");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        expect(wh.rows(`${P}.${D}.t`).map((r) => r.id)).toEqual(["a", "b", "c"]);
        expect(wh.jobLog.map((j) => [j.kind, j.dryRun, j.outcome])).toEqual([["query", true, "done"], ["query", false, "done"], ["load", false, "lost-after"]]);
    });

    it("the next statement matching a pattern, as the earlier fake's failNext did", async () => {
        wh.failNext(/^CREATE SNAPSHOT/);
        await run(`SELECT 1`);
        await expect(run(snapshot)).rejects.toThrow("injected failure");
        expect(wh.table(`${P}.backup.t_snap`)).toBeUndefined();
    });
});

describe("the control API", () => {
    it("arms and clears faults, lists tables and the statement log, and resets", async () => {
        const control = new WarehouseControl(process.env.BIGQUERY_EMULATOR_HOST!);
        expect(await control.failJob(1, { after: true })).toEqual([{ failJob: 1, after: true, message: "injected failure" }]);
        await expect(run(snapshot)).rejects.toThrow("injected failure");
        expect(await control.faults()).toEqual([]);
        await control.failJob(3);
        await control.clearFaults();
        expect(await control.faults()).toEqual([]);

        const tables = await control.tables();
        expect(tables.map((t) => [t.table, t.type, t.rows])).toEqual([
            [`${P}.backup.t_snap`, "SNAPSHOT", 2],
            [`${P}.${D}.t`, "TABLE", 2],
        ]);
        expect(tables[0]).toMatchObject({ schema: ["id:STRING NOT NULL"], snapshotOf: `${P}.${D}.t`, expirationTime: expect.any(Number) });
        expect((await control.jobs()).map((j) => [j.statement, j.outcome])).toEqual([[snapshot, "lost-after"]]);

        await control.reset();
        expect(await control.tables()).toEqual([]);
        expect(await control.jobs()).toEqual([]);
    });
});
