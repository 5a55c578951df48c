// The DDL the migration runs (components/migration/ddl.ts), through the real client: snapshots,
// clones, renames and drops carry rows, schema, partitioning and clustering; a snapshot records
// its expiry and refuses writes; what BigQuery refuses is refused with its codes.
import type { BigQuery } from "@google-cloud/bigquery";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cloneDdl, dropDdl, renameDdl, snapshotDdl } from "../../components/migration";
import type { LocalWarehouse, StoreJson } from "../../warehouse";
import { startWarehouse } from "../../servers/warehouse";

const P = "wh-ddl";
const D = "ds";
const B = "backup";
const ref = (dataset: string, table: string) => ({ project: P, dataset, table });
let wh: LocalWarehouse;
let bq: BigQuery;
let stop: () => Promise<void>;
let seeded: StoreJson;

const rows = Array.from({ length: 40 }, (_, i) => ({ day: `2026-11-${String((i % 3) + 1).padStart(2, "0")}`, user_id: `u${i % 7}`, lines: i, doc: `{"i": ${i}}` }));
const sorted = (q: string) => wh.rows(q).map((r) => JSON.stringify(r)).sort();

beforeAll(async () => {
    ({ wh, bq, stop } = await startWarehouse(P));
    wh.createDataset(P, B);
    await wh.createTable(`${P}.${D}.usage`, {
        schema: [{ name: "day", type: "DATE", mode: "REQUIRED" }, { name: "user_id", type: "STRING", mode: "REQUIRED" }, { name: "lines", type: "INT64" }, { name: "doc", type: "JSON" }],
        timePartitioning: { type: "DAY", field: "day" },
        clustering: ["user_id"],
        labels: { owner: "data" },
    });
    wh.insertRows(`${P}.${D}.usage`, rows);
    seeded = wh.checkpoint();
});
afterAll(() => stop());
beforeEach(() => wh.restore(seeded));

/** Runs a statement as the migration does: a query job, then its results. */
async function run(sql: string): Promise<void> {
    const [job] = await bq.createQueryJob({ query: sql, useLegacySql: false, maximumBytesBilled: String(10 * 1024 ** 3) });
    await job.getQueryResults();
}

describe("CREATE SNAPSHOT TABLE ... CLONE", () => {
    it("holds the rows the table had, with schema, partitioning and clustering, and records its expiry", async () => {
        const before = Date.now();
        await run(snapshotDdl(ref(D, "usage"), ref(B, "usage_snap"), 7));
        const snap = wh.table(`${P}.${B}.usage_snap`)!;
        expect(snap).toMatchObject({ type: "SNAPSHOT", rows: 40, snapshotOf: `${P}.${D}.usage`, timePartitioning: { type: "DAY", field: "day" }, clustering: ["user_id"] });
        expect(snap.schema).toEqual(wh.table(`${P}.${D}.usage`)!.schema);
        // TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 7 DAY), evaluated by ZetaSQL when the statement ran.
        expect(snap.expirationTime! - before).toBeGreaterThanOrEqual(7 * 86_400_000);
        expect(snap.expirationTime! - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
        expect(sorted(`${P}.${B}.usage_snap`)).toEqual(sorted(`${P}.${D}.usage`));
        const [meta] = await bq.dataset(B).table("usage_snap").getMetadata();
        expect(meta).toMatchObject({ type: "SNAPSHOT", numRows: "40", expirationTime: String(snap.expirationTime), snapshotDefinition: { baseTableReference: { projectId: P, datasetId: D, tableId: "usage" } } });

        // Later writes to the table do not reach the snapshot.
        wh.insertRows(`${P}.${D}.usage`, [{ day: "2026-11-04", user_id: "late" }]);
        expect(wh.table(`${P}.${B}.usage_snap`)!.rows).toBe(40);
    });

    it("is read-only, and a second snapshot of the same name is a 409", async () => {
        await run(snapshotDdl(ref(D, "usage"), ref(B, "usage_snap"), 7));
        await expect(run(`INSERT INTO \`${P}.${B}.usage_snap\` (day, user_id) VALUES ('2026-11-09', 'x')`)).rejects.toThrow(/table snapshots are read-only/);
        await expect(run(`ALTER TABLE \`${P}.${B}.usage_snap\` ADD COLUMN extra STRING`)).rejects.toThrow(/table snapshots are read-only/);
        await expect(run(`ALTER TABLE \`${P}.${B}.usage_snap\` RENAME TO other`)).rejects.toThrow(/table snapshots are read-only/);
        await expect(run(dropDdl(ref(B, "usage_snap")))).rejects.toThrow(`${P}:${B}.usage_snap is a table snapshot; drop it with DROP SNAPSHOT TABLE`);
        await expect(bq.query(snapshotDdl(ref(D, "usage"), ref(B, "usage_snap"), 7))).rejects.toMatchObject({ code: 409, message: `Already Exists: Table ${P}:${B}.usage_snap` });
        expect(sorted(`${P}.${B}.usage_snap`)).toEqual(sorted(`${P}.${D}.usage`));
        await run(`DROP SNAPSHOT TABLE \`${P}.${B}.usage_snap\``);
        expect(wh.table(`${P}.${B}.usage_snap`)).toBeUndefined();
    });

    it("leaves out rows still in the streaming buffer", async () => {
        wh.insertRows(`${P}.${D}.usage`, [{ day: "2026-11-05", user_id: "streamed" }], { streaming: true });
        await run(snapshotDdl(ref(D, "usage"), ref(B, "usage_snap"), 7));
        expect(wh.table(`${P}.${B}.usage_snap`)!.rows).toBe(40);
    });
});

describe("DROP, RENAME and the rollback's CLONE", () => {
    it("a drop leaves the rows in the snapshot; the restore's clone has them back; a rename carries them", async () => {
        const original = sorted(`${P}.${D}.usage`);
        await run(snapshotDdl(ref(D, "usage"), ref(B, "usage_snap"), 30));
        await run(dropDdl(ref(D, "usage")));
        expect(wh.table(`${P}.${D}.usage`)).toBeUndefined();
        expect(sorted(`${P}.${B}.usage_snap`)).toEqual(original);
        // IF EXISTS: dropping again is not an error.
        await run(dropDdl(ref(D, "usage")));

        await run(cloneDdl(ref(B, "usage_snap"), ref(D, "usage")));
        expect(wh.table(`${P}.${D}.usage`)).toMatchObject({ type: "TABLE", rows: 40, cloneOf: `${P}.${B}.usage_snap`, timePartitioning: { type: "DAY", field: "day" }, clustering: ["user_id"] });
        expect(sorted(`${P}.${D}.usage`)).toEqual(original);
        // The clone is writable.
        await run(`DELETE FROM \`${P}.${D}.usage\` WHERE user_id = 'u0'`);
        expect(wh.table(`${P}.${D}.usage`)!.rows).toBe(40 - rows.filter((r) => r.user_id === "u0").length);
        expect(wh.table(`${P}.${B}.usage_snap`)!.rows).toBe(40);

        const before = sorted(`${P}.${D}.usage`);
        await run(renameDdl(ref(D, "usage"), "usage_v2"));
        expect(wh.table(`${P}.${D}.usage`)).toBeUndefined();
        expect(wh.table(`${P}.${D}.usage_v2`)).toMatchObject({ timePartitioning: { type: "DAY", field: "day" }, clustering: ["user_id"] });
        expect(sorted(`${P}.${D}.usage_v2`)).toEqual(before);
    });

    it("refuses to rename onto an existing table (409) or a table with a streaming buffer", async () => {
        await wh.createTable(`${P}.${D}.taken`, { schema: [{ name: "x", type: "STRING" }] });
        await expect(bq.query(renameDdl(ref(D, "usage"), "taken"))).rejects.toMatchObject({ code: 409, message: `Already Exists: Table ${P}:${D}.taken` });
        wh.insertRows(`${P}.${D}.usage`, [{ day: "2026-11-05", user_id: "streamed" }], { streaming: true });
        await expect(run(renameDdl(ref(D, "usage"), "renamed"))).rejects.toThrow(`Cannot rename ${P}:${D}.usage because it has a streaming buffer`);
        expect(wh.table(`${P}.${D}.usage`)!.rows).toBe(41);
        await expect(run(dropDdl(ref(D, "nope")).replace(" IF EXISTS", ""))).rejects.toThrow(`Not found: Table ${P}:${D}.nope`);
    });

    it("names a statement it does not run, with a 400", async () => {
        await expect(bq.query(`MERGE \`${P}.${D}.usage\` t USING \`${P}.${D}.usage\` s ON t.lines = s.lines WHEN MATCHED THEN DELETE`)).rejects.toMatchObject({
            code: 400,
            message: expect.stringMatching(/^Statement not supported by the local warehouse: MergeStatement/),
        });
        await expect(bq.query(`CREATE SNAPSHOT TABLE \`${P}.${B}.x\` CLONE \`${P}.${D}.usage\` FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()`)).rejects.toMatchObject({ code: 400, message: expect.stringContaining("FOR SYSTEM_TIME AS OF is not supported") });
        await expect(bq.query(`CREATE SNAPSHOT TABLE \`${P}.${B}.x\` CLONE \`${P}.${D}.usage\` OPTIONS (expiration_timestmp = CURRENT_TIMESTAMP())`)).rejects.toMatchObject({ code: 400, message: expect.stringContaining("Unknown option: expiration_timestmp") });
    });
});

describe("other statements", () => {
    it("CREATE TABLE with PARTITION BY and CLUSTER BY, CREATE TABLE AS SELECT, CREATE VIEW, and DML, computed by ZetaSQL", async () => {
        await run(`CREATE TABLE \`${P}.${D}.made\` (ts TIMESTAMP NOT NULL, who STRING, n INT64) PARTITION BY DATE(ts) CLUSTER BY who OPTIONS (description = 'Made by DDL.', labels = [('team', 'data')])`);
        expect(wh.table(`${P}.${D}.made`)).toMatchObject({ schema: ["ts:TIMESTAMP NOT NULL", "who:STRING", "n:INTEGER"], timePartitioning: { type: "DAY", field: "ts" }, clustering: ["who"], description: "Made by DDL.", labels: { team: "data" } });
        await run(`INSERT INTO \`${P}.${D}.made\` (ts, who, n) VALUES ('2026-01-05 10:00:00', 'a', 1), ('2026-01-06 10:00:00', 'b', 2), ('2026-01-07 10:00:00', 'a', 3)`);
        await run(`UPDATE \`${P}.${D}.made\` SET n = n * 10 WHERE who = 'a'`);
        await run(`DELETE FROM \`${P}.${D}.made\` WHERE who = 'b'`);
        expect(wh.rows(`${P}.${D}.made`)).toEqual([
            { ts: "2026-01-05T10:00:00.000000Z", who: "a", n: "10" },
            { ts: "2026-01-07T10:00:00.000000Z", who: "a", n: "30" },
        ]);
        await expect(run(`INSERT INTO \`${P}.${D}.made\` (who) VALUES ('no time')`)).rejects.toThrow(/ts/);

        const [job] = await bq.createQueryJob({ query: `CREATE TABLE per_user AS SELECT user_id, SUM(lines) AS lines FROM usage WHERE day >= '2026-11-01' GROUP BY user_id`, defaultDataset: { projectId: P, datasetId: D } } as any);
        await job.getQueryResults();
        expect(job.metadata.statistics.query).toMatchObject({ statementType: "CREATE_TABLE_AS_SELECT", ddlOperationPerformed: "CREATE", ddlTargetTable: { projectId: P, datasetId: D, tableId: "per_user" } });
        const perUser = Object.fromEntries(wh.rows(`${P}.${D}.per_user`).map((r) => [r.user_id, r.lines]));
        expect(perUser.u0).toBe(String(rows.filter((r) => r.user_id === "u0").reduce((n, r) => n + r.lines, 0)));

        await run(`CREATE VIEW \`${P}.${D}.top\` AS SELECT user_id FROM \`${P}.${D}.per_user\` WHERE lines > 100`);
        const [top] = await bq.query(`SELECT user_id FROM \`${P}.${D}.top\` ORDER BY user_id`);
        expect(top.map((r: any) => r.user_id)).toEqual(Object.entries(perUser).filter(([, v]) => Number(v) > 100).map(([k]) => k).sort());

        // As the stand-in gcp provider drops columns before an update.
        await bq.query({ query: `ALTER TABLE \`${P}.${D}.made\` DROP COLUMN n, ADD COLUMN note STRING`, useLegacySql: false } as any);
        expect(wh.table(`${P}.${D}.made`)!.schema).toEqual(["ts:TIMESTAMP NOT NULL", "who:STRING", "note:STRING"]);
        expect(wh.rows(`${P}.${D}.made`)[0]).toEqual({ ts: "2026-01-05T10:00:00.000000Z", who: "a", note: null });
    });

    it("a load job's lost rows and an expired table are what tests make of them", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wh-ddl-"));
        try {
            fs.writeFileSync(path.join(dir, "rows.ndjson"), ['{"day":"2026-11-01","user_id":"x"}', '{"day":"2026-11-02","user_id":"y"}'].join("\n"));
            wh.loseRowsOnLoad = 1;
            const [job] = await bq.dataset(D).table("usage").createLoadJob(path.join(dir, "rows.ndjson"), { sourceFormat: "NEWLINE_DELIMITED_JSON", writeDisposition: "WRITE_TRUNCATE" } as any);
            // The job reports both rows, the table keeps one.
            expect(job.metadata.statistics.load.outputRows).toBe("2");
            expect(wh.rows(`${P}.${D}.usage`).map((r) => r.user_id)).toEqual(["x"]);
        } finally {
            wh.loseRowsOnLoad = 0;
            fs.rmSync(dir, { recursive: true, force: true });
        }
        await wh.createTable(`${P}.${D}.brief`, { schema: [{ name: "x", type: "STRING" }], expirationTime: Date.now() + 60_000 });
        expect(wh.table(`${P}.${D}.brief`)).toBeDefined();
        const clock = wh.store.now;
        wh.store.now = () => clock() + 120_000;
        try {
            await expect(bq.dataset(D).table("brief").getMetadata()).rejects.toMatchObject({ code: 404 });
        } finally {
            wh.store.now = clock;
        }
    });
});

describe("copy jobs", () => {
    it("copy, snapshot and restore tables as the copy API's operation types do", async () => {
        const usage = bq.dataset(D).table("usage");
        await usage.copy(bq.dataset(B).table("usage_copy"));
        expect(wh.table(`${P}.${B}.usage_copy`)).toMatchObject({ type: "TABLE", rows: 40 });
        expect(wh.table(`${P}.${B}.usage_copy`)!.cloneOf).toBeUndefined();
        const [snapJob] = await usage.createCopyJob(bq.dataset(B).table("usage_snap2"), { operationType: "SNAPSHOT", destinationExpirationTime: "2030-01-01T00:00:00Z" } as any);
        await snapJob.promise();
        expect(wh.table(`${P}.${B}.usage_snap2`)).toMatchObject({ type: "SNAPSHOT", rows: 40, expirationTime: Date.parse("2030-01-01T00:00:00Z"), snapshotOf: `${P}.${D}.usage` });
        const [restoreJob] = await bq.dataset(B).table("usage_snap2").createCopyJob(bq.dataset(D).table("restored"), { operationType: "RESTORE" } as any);
        await restoreJob.promise();
        expect(wh.table(`${P}.${D}.restored`)).toMatchObject({ type: "TABLE", rows: 40, cloneOf: `${P}.${B}.usage_snap2` });
        expect(sorted(`${P}.${D}.restored`)).toEqual(sorted(`${P}.${D}.usage`));
        // Without WRITE_TRUNCATE or WRITE_APPEND a copy onto an existing table is refused.
        await expect(usage.copy(bq.dataset(D).table("restored"))).rejects.toThrow(`Already Exists: Table ${P}:${D}.restored`);
    });
});
