// Datasets and tables through the real @google-cloud/bigquery client: what is written comes
// back as BigQuery's REST API answers it, and mistakes are refused with BigQuery's codes.
import type { BigQuery } from "@google-cloud/bigquery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalWarehouse } from "../../warehouse";
import { startWarehouse } from "../../servers/warehouse";

const P = "wh-tables";
let wh: LocalWarehouse;
let bq: BigQuery;
let stop: () => Promise<void>;

beforeAll(async () => {
    ({ wh, bq, stop } = await startWarehouse(P));
});
afterAll(() => stop());

const fields = [
    { name: "day", type: "DATE", mode: "REQUIRED", description: "Partition day." },
    { name: "user_id", type: "STRING", mode: "REQUIRED" },
    { name: "n", type: "INT64" },
    { name: "usage", type: "RECORD", mode: "REPEATED", fields: [{ name: "model", type: "STRING", mode: "REQUIRED" }, { name: "cost", type: "NUMERIC" }] },
];

describe("datasets", () => {
    it("creates, reads, patches, lists and deletes a dataset with its settings", async () => {
        await bq.createDataset("ds_a", {
            location: "EU", labels: { env: "dev" }, description: "First.", defaultTableExpirationMs: "3600000", maxTimeTravelHours: "48",
            access: [{ role: "roles/bigquery.dataViewer", userByEmail: "reader@example.com" }],
        } as any);
        const [meta] = await bq.dataset("ds_a").getMetadata();
        expect(meta).toMatchObject({
            datasetReference: { projectId: P, datasetId: "ds_a" }, location: "EU", labels: { env: "dev" }, description: "First.", defaultTableExpirationMs: "3600000", maxTimeTravelHours: "48",
        });
        // The API answers IAM roles on datasets with their primitive names.
        expect(meta.access).toEqual([{ role: "READER", userByEmail: "reader@example.com" }]);
        expect(Number(meta.creationTime)).toBeGreaterThan(0);
        expect(meta.etag).toEqual(expect.any(String));

        await bq.dataset("ds_a").setMetadata({ description: "Second.", labels: { env: "prod", team: "data" } });
        const [patched] = await bq.dataset("ds_a").getMetadata();
        expect(patched).toMatchObject({ description: "Second.", labels: { env: "prod", team: "data" }, location: "EU", maxTimeTravelHours: "48" });
        expect(patched.etag).not.toBe(meta.etag);

        const [list] = await bq.getDatasets();
        expect(list.map((d) => d.id)).toContain("ds_a");

        // A table there takes the dataset's default expiration.
        const before = Date.now();
        await bq.dataset("ds_a").createTable("t", { schema: { fields: [{ name: "x", type: "STRING" }] } });
        const [t] = await bq.dataset("ds_a").table("t").getMetadata();
        expect(Number(t.expirationTime)).toBeGreaterThanOrEqual(before + 3_600_000);

        // A dataset that still holds tables is deleted only with deleteContents.
        await expect(bq.dataset("ds_a").delete()).rejects.toMatchObject({ code: 400, message: `Dataset ${P}:ds_a is still in use` });
        await bq.dataset("ds_a").delete({ force: true });
        await expect(bq.dataset("ds_a").getMetadata()).rejects.toMatchObject({ code: 404, message: `Not found: Dataset ${P}:ds_a` });
    });

    it("refuses a second dataset of the same name with 409", async () => {
        await bq.createDataset("ds_dup");
        await expect(bq.createDataset("ds_dup")).rejects.toMatchObject({ code: 409, message: `Already Exists: Dataset ${P}:ds_dup`, errors: [expect.objectContaining({ reason: "duplicate" })] });
    });
});

describe("tables", () => {
    it("round-trips schema (nested, repeated), partitioning, clustering, labels and the partition filter", async () => {
        await bq.createDataset("ds_t");
        await bq.dataset("ds_t").createTable("facts", {
            schema: { fields },
            timePartitioning: { type: "DAY", field: "day" },
            clustering: { fields: ["user_id"] },
            requirePartitionFilter: true,
            labels: { stack: "dev" },
            description: "Facts.",
        } as any);
        const [meta] = await bq.dataset("ds_t").table("facts").getMetadata();
        expect(meta).toMatchObject({
            type: "TABLE",
            tableReference: { projectId: P, datasetId: "ds_t", tableId: "facts" },
            timePartitioning: { type: "DAY", field: "day" },
            clustering: { fields: ["user_id"] },
            requirePartitionFilter: true,
            labels: { stack: "dev" },
            description: "Facts.",
            numRows: "0",
            numBytes: "0",
        });
        // The API names types the legacy way and states every mode.
        expect(meta.schema.fields).toEqual([
            { name: "day", type: "DATE", mode: "REQUIRED", description: "Partition day." },
            { name: "user_id", type: "STRING", mode: "REQUIRED" },
            { name: "n", type: "INTEGER", mode: "NULLABLE" },
            { name: "usage", type: "RECORD", mode: "REPEATED", fields: [{ name: "model", type: "STRING", mode: "REQUIRED" }, { name: "cost", type: "NUMERIC", mode: "NULLABLE" }] },
        ]);
        expect(wh.table(`${P}.ds_t.facts`)).toMatchObject({ schema: ["day:DATE NOT NULL", "user_id:STRING NOT NULL", "n:INTEGER", "usage:ARRAY<STRUCT<model:STRING NOT NULL, cost:NUMERIC>>"], clustering: ["user_id"], requirePartitionFilter: true });
    });

    it("patches labels and adds a column; refuses to drop a column, change a type or move the partitioning", async () => {
        await bq.dataset("ds_t").createTable("evolving", { schema: { fields: fields.slice(0, 3) }, timePartitioning: { type: "DAY", field: "day" } } as any);
        const t = bq.dataset("ds_t").table("evolving");
        await t.setMetadata({ labels: { a: "1" }, schema: { fields: [...fields.slice(0, 3), { name: "note", type: "STRING" }] } });
        const [meta] = await t.getMetadata();
        expect(meta.labels).toEqual({ a: "1" });
        expect(meta.schema.fields.map((f: any) => f.name)).toEqual(["day", "user_id", "n", "note"]);
        await expect(t.setMetadata({ schema: { fields: fields.slice(0, 2) } })).rejects.toMatchObject({ code: 400, message: expect.stringContaining("Field n is missing in new schema") });
        await expect(t.setMetadata({ schema: { fields: [fields[0], fields[1], { name: "n", type: "STRING" }] } })).rejects.toMatchObject({ code: 400, message: expect.stringContaining("Field n has changed type from INTEGER to STRING") });
        await expect(t.setMetadata({ timePartitioning: { type: "DAY", field: "other" } })).rejects.toMatchObject({ code: 400 });
        // tables.update (PUT) replaces what the caller may set.
        await t.request({ method: "PUT", uri: "", json: { tableReference: { projectId: P, datasetId: "ds_t", tableId: "evolving" }, schema: meta.schema, timePartitioning: { type: "DAY", field: "day" }, description: "Replaced." } });
        const [replaced] = await t.getMetadata();
        expect(replaced.description).toBe("Replaced.");
        expect(replaced.labels).toBeUndefined();
    });

    it("lists tables and views, and deletes a table", async () => {
        await bq.dataset("ds_t").createTable("a_view", { view: { query: `SELECT user_id FROM \`${P}.ds_t.facts\` WHERE day > '2000-01-01'`, useLegacySql: false } } as any);
        const [tables] = await bq.dataset("ds_t").getTables();
        const types = Object.fromEntries(tables.map((t) => [t.id, t.metadata.type]));
        expect(types).toMatchObject({ facts: "TABLE", evolving: "TABLE", a_view: "VIEW" });
        const [view] = await bq.dataset("ds_t").table("a_view").getMetadata();
        expect(view.view).toEqual({ query: `SELECT user_id FROM \`${P}.ds_t.facts\` WHERE day > '2000-01-01'`, useLegacySql: false });
        expect(view.schema.fields).toEqual([{ name: "user_id", type: "STRING", mode: "NULLABLE" }]);
        await bq.dataset("ds_t").table("evolving").delete();
        await expect(bq.dataset("ds_t").table("evolving").getMetadata()).rejects.toMatchObject({ code: 404, message: `Not found: Table ${P}:ds_t.evolving` });
    });

    it("refuses what BigQuery refuses: a duplicate table, a bad partition field, too many clustering columns, a broken view", async () => {
        await expect(bq.dataset("ds_t").createTable("facts", { schema: { fields } } as any)).rejects.toMatchObject({ code: 409, message: `Already Exists: Table ${P}:ds_t.facts` });
        await expect(bq.dataset("ds_t").createTable("bad1", { schema: { fields }, timePartitioning: { type: "DAY", field: "n" } } as any)).rejects.toMatchObject({ code: 400, message: expect.stringContaining("TIMESTAMP, DATE or DATETIME") });
        const many = ["a", "b", "c", "d", "e"].map((name) => ({ name, type: "STRING" }));
        await expect(bq.dataset("ds_t").createTable("bad2", { schema: { fields: many }, clustering: { fields: many.map((f) => f.name) } } as any)).rejects.toMatchObject({ code: 400, message: "Too many clustering fields: 5, only 4 clustering fields are allowed" });
        await expect(bq.dataset("ds_t").createTable("bad3", { view: { query: `SELECT nope FROM \`${P}.ds_t.facts\``, useLegacySql: false } } as any)).rejects.toMatchObject({ code: 400, message: expect.stringContaining("Unrecognized name: nope") });
        await expect(bq.dataset("no_such").createTable("t", { schema: { fields } } as any)).rejects.toMatchObject({ code: 404, message: `Not found: Dataset ${P}:no_such` });
        expect(wh.table(`${P}.ds_t.bad1`)).toBeUndefined();
    });
});
