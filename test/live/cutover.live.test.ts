// The cutover operations against real BigQuery, in a throwaway dataset that is deleted afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigQueryWarehouse, dropTable, renameTable, restoreTable, snapshotTable } from "../../components/migration";

const project = process.env.BIGQUERY_LIVE_PROJECT;
const location = process.env.BIGQUERY_LIVE_LOCATION ?? "US";
const reason = "BIGQUERY_LIVE_PROJECT is not set: the live suite needs a GCP project and credentials (gcloud auth application-default login)";
if (!project) console.log(`live BigQuery suite skipped: ${reason}`);

describe.skipIf(!project)("cutover against real BigQuery", () => {
    const suffix = `${Date.now()}`;
    const dataset = `synter_live_${suffix}`;
    const backup = `synter_live_${suffix}_backup`;
    const { BigQuery } = require("@google-cloud/bigquery");
    const client = new BigQuery({ projectId: project, location });
    const wh = () => bigQueryWarehouse(project!, location, 1024 ** 3);

    beforeAll(async () => {
        await client.createDataset(dataset, { location });
        await client.createDataset(backup, { location });
        await client.query({ query: `CREATE TABLE \`${project}.${dataset}.legacy\` AS SELECT x AS id FROM UNNEST(GENERATE_ARRAY(1, 100)) AS x`, location });
        await client.query({ query: `CREATE TABLE \`${project}.${dataset}.fact_v2\` AS SELECT x AS id FROM UNNEST(GENERATE_ARRAY(1, 50)) AS x`, location });
    });

    afterAll(async () => {
        await client.dataset(dataset).delete({ force: true }).catch(() => undefined);
        await client.dataset(backup).delete({ force: true }).catch(() => undefined);
    });

    it("snapshots, drops, renames and restores without losing a row", async () => {
        const legacy = { project: project!, dataset, table: "legacy" };
        const snap = { project: project!, dataset: backup, table: "legacy__pre_cutover" };
        const rename = { kind: "rename", table: { project: project!, dataset, table: "fact_v2" }, to: "fact" } as const;
        expect(await snapshotTable(wh(), { kind: "snapshot", source: legacy, snapshot: snap, expirationDays: 1 })).toMatchObject({ sourceRows: 100, snapshotRows: 100 });
        expect(await dropTable(wh(), { kind: "drop", table: legacy, snapshot: snap })).toEqual({ dropped: true, rows: 100 });
        expect(await dropTable(wh(), { kind: "drop", table: legacy, snapshot: snap })).toEqual({ dropped: false, rows: 0 });
        expect((await renameTable(wh(), rename)).renamed).toBe(true);
        expect((await renameTable(wh(), rename)).renamed).toBe(false);
        expect(await restoreTable(wh(), { kind: "restore", snapshot: snap, target: legacy })).toEqual({ restored: true, rows: 100 });
    });
});
