// SELECTs computed by ZetaSQL's reference evaluator on the stored rows: views (on views), the
// partition filter BigQuery requires, the bytes a dry run prices and maximumBytesBilled, and
// analysis errors as BigQuery reports them.
import type { BigQuery } from "@google-cloud/bigquery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalWarehouse } from "../../warehouse";
import { startWarehouse } from "../../servers/warehouse";

const P = "wh-queries";
const D = "ds";
let wh: LocalWarehouse;
let bq: BigQuery;
let stop: () => Promise<void>;

const events = [
    { day: "2026-01-05", user_id: "u1", platform: "cursor", lines: 10 },
    { day: "2026-01-05", user_id: "u1", platform: "cursor", lines: 5 },
    { day: "2026-01-05", user_id: "u2", platform: "claude", lines: 7 },
    { day: "2026-01-06", user_id: "u1", platform: "claude", lines: 1 },
    { day: "2026-01-12", user_id: "u2", platform: "cursor", lines: 100 },
];

beforeAll(async () => {
    ({ wh, bq, stop } = await startWarehouse(P));
    await wh.createTable(`${P}.${D}.events`, {
        schema: [{ name: "day", type: "DATE", mode: "REQUIRED" }, { name: "user_id", type: "STRING" }, { name: "platform", type: "STRING" }, { name: "lines", type: "INT64" }],
        timePartitioning: { type: "DAY", field: "day" },
        requirePartitionFilter: true,
    });
    wh.insertRows(`${P}.${D}.events`, events);
});
afterAll(() => stop());

describe("views", () => {
    it("a view over a view is computed from the stored rows, each evaluated in turn", async () => {
        await bq.dataset(D).createTable("daily", {
            view: { query: `SELECT day, user_id, SUM(lines) AS lines FROM \`${P}.${D}.events\` WHERE day >= '2026-01-01' GROUP BY day, user_id`, useLegacySql: false },
        } as any);
        await bq.dataset(D).createTable("weekly", {
            view: { query: `SELECT DATE_TRUNC(day, WEEK(MONDAY)) AS week, user_id, SUM(lines) AS lines, COUNT(*) AS days FROM \`${P}.${D}.daily\` GROUP BY week, user_id`, useLegacySql: false },
        } as any);
        const [rows] = await bq.query(`SELECT week, user_id, lines, days FROM \`${P}.${D}.weekly\` ORDER BY week, user_id`);
        expect(rows.map((r: any) => ({ ...r, week: r.week.value }))).toEqual([
            { week: "2026-01-05", user_id: "u1", lines: 16, days: 2 },
            { week: "2026-01-05", user_id: "u2", lines: 7, days: 1 },
            { week: "2026-01-12", user_id: "u2", lines: 100, days: 1 },
        ]);
        // The views see new rows: nothing is cached past a change.
        wh.insertRows(`${P}.${D}.events`, [{ day: "2026-01-13", user_id: "u2", lines: 1 }]);
        const [after] = await bq.query(`SELECT lines FROM \`${P}.${D}.weekly\` WHERE week = '2026-01-12'`);
        expect(after).toEqual([{ lines: 101 }]);
        // A dry run over a view prices the tables under it.
        const [dry] = await bq.createQueryJob({ query: `SELECT * FROM \`${P}.${D}.weekly\``, dryRun: true });
        expect(Number(dry.metadata.statistics.totalBytesProcessed)).toBe(wh.table(`${P}.${D}.events`)!.bytes);
    });

    it("names may be written as BigQuery allows: dataset.table in the job's project, or the path in parts", async () => {
        const [a] = await bq.query(`SELECT COUNT(*) AS n FROM ${D}.events WHERE day > '2000-01-01'`);
        const [b] = await bq.query(`SELECT COUNT(*) AS n FROM \`${P}\`.${D}.events AS e WHERE e.day > '2000-01-01'`);
        const [c] = await bq.query(`SELECT events.user_id FROM ${D}.events WHERE day = '2026-01-12'`);
        expect([a[0].n, b[0].n, c]).toEqual([wh.table(`${P}.${D}.events`)!.rows, wh.table(`${P}.${D}.events`)!.rows, [{ user_id: "u2" }]]);
    });
});

describe("require_partition_filter", () => {
    it("refuses a query with no filter on the partition column, from the resolved query rather than its text", async () => {
        const message = `Cannot query over table '${D}.events' without a filter over column(s) 'day' that can be used for partition elimination`;
        await expect(bq.query(`SELECT COUNT(*) FROM \`${P}.${D}.events\``)).rejects.toMatchObject({ code: 400, message });
        // A filter on another column, or the partition column mixed with another in one OR, does not count.
        await expect(bq.query(`SELECT COUNT(*) FROM \`${P}.${D}.events\` WHERE user_id = 'u1'`)).rejects.toMatchObject({ message });
        await expect(bq.query(`SELECT COUNT(*) FROM \`${P}.${D}.events\` WHERE day > '2026-01-01' OR user_id = 'u1'`)).rejects.toMatchObject({ message });
        // The word "day" in a string or a comment is not a filter.
        await expect(bq.query(`SELECT 'WHERE day > 1' AS s FROM \`${P}.${D}.events\` -- WHERE day > '2000-01-01'`)).rejects.toMatchObject({ message });
        // The dry run refuses it too.
        await expect(bq.createQueryJob({ query: `SELECT * FROM \`${P}.${D}.events\``, dryRun: true })).rejects.toMatchObject({ message });
    });

    it("accepts a filter on the partition column, alone or in a conjunction, in WHERE or a CTE", async () => {
        const [a] = await bq.query(`SELECT COUNT(*) AS n FROM \`${P}.${D}.events\` WHERE day >= '2026-01-06'`);
        const [b] = await bq.query(`SELECT COUNT(*) AS n FROM \`${P}.${D}.events\` WHERE user_id = 'u2' AND day BETWEEN '2026-01-01' AND '2026-01-31'`);
        const [c] = await bq.query(`WITH w AS (SELECT * FROM \`${P}.${D}.events\` WHERE day = '2026-01-05') SELECT COUNT(*) AS n FROM w`);
        expect([a[0].n, b[0].n, c[0].n]).toEqual([3, 3, 3]);
    });
});

describe("bytes", () => {
    it("a dry run reports the bytes of the tables read; a job above maximumBytesBilled fails as BigQuery's does", async () => {
        const sql = `SELECT SUM(lines) AS s FROM \`${P}.${D}.events\` WHERE day > '2000-01-01'`;
        const bytes = wh.table(`${P}.${D}.events`)!.bytes;
        expect(bytes).toBeGreaterThan(0);
        const [dry] = await bq.createQueryJob({ query: sql, dryRun: true });
        expect(dry.metadata.statistics).toMatchObject({ totalBytesProcessed: String(bytes), query: { statementType: "SELECT", referencedTables: [{ projectId: P, datasetId: D, tableId: "events" }] } });
        await expect(bq.query({ query: sql, maximumBytesBilled: String(bytes - 1) })).rejects.toMatchObject({
            code: 400,
            message: `Query exceeded limit for bytes billed: ${bytes - 1}. ${bytes} or higher required.`,
            errors: [expect.objectContaining({ reason: "bytesBilledLimitExceeded" })],
        });
        const [ok] = await bq.query({ query: sql, maximumBytesBilled: String(bytes) });
        expect(ok[0].s).toBeGreaterThan(0);
    });
});

describe("analysis errors", () => {
    it("answers as BigQuery does: 400 invalidQuery with the position, 404 for a missing table", async () => {
        await expect(bq.query("SELEC 1")).rejects.toMatchObject({ code: 400, message: 'Syntax error: Unexpected identifier "SELEC" at [1:1]', errors: [expect.objectContaining({ reason: "invalidQuery" })] });
        await expect(bq.query(`SELECT nope FROM \`${P}.${D}.events\``)).rejects.toMatchObject({ code: 400, message: "Unrecognized name: nope at [1:8]" });
        await expect(bq.query(`SELECT 1 FROM \`${P}.${D}.missing\``)).rejects.toMatchObject({ code: 404, message: `Not found: Table ${P}:${D}.missing was not found in location US` });
        await expect(bq.query(`SELECT 1 FROM \`${P}.nods.missing\``)).rejects.toMatchObject({ code: 404, message: `Not found: Dataset ${P}:nods was not found in location US` });
        // Dry runs too, and nothing runs.
        await expect(bq.createQueryJob({ query: "SELECT 1 +", dryRun: true })).rejects.toMatchObject({ code: 400 });
        expect(wh.statements.some((s) => s.startsWith("SELEC "))).toBe(false);
    });
});
