// The stand-in as the engine meets it: the installed `pulumi-resource-gcp` script started as a
// process, its port read from stdout, and every RPC made over gRPC with Pulumi's own stubs.
import { createPrivateKey, createPublicKey, createSign, createVerify } from "crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYTICS_TABLES } from "../../components/analytics/catalogue";
import { toSchemaJson } from "../../components/analytics/schema";
import { BigQueryClient, isNotFound } from "../../engine/gcp/bigquery";
import { GCP_TYPES } from "../../engine/gcp/forceNew";
import { installGcpStandIn, npmSdkVersion } from "../../engine/standIn";
import { isSecret, reveal } from "../../engine/values";
import { LocalWarehouse } from "../../warehouse/server";
import { PluginProcess } from "../support/providerHost";

type Props = Record<string, any>;

const P = "synter-dev";
const urn = (type: string, name: string) => `urn:pulumi:dev::synter-infra::synter:test:Parent$${type}::${name}`;

/** The installed plugin started as the engine starts it, without the BIGQUERY_EMULATOR_HOST of this process. */
const StandIn = {
    start(env: Record<string, string> = {}): Promise<PluginProcess> {
        const { BIGQUERY_EMULATOR_HOST: _, ...base } = process.env;
        return PluginProcess.install("gcp", installGcpStandIn, { ...base, ...env });
    },
};
const CONFIG_URN = "urn:pulumi:dev::synter-infra::pulumi:providers:gcp::default_9_37_0";


describe("the plugin process", () => {
    let s: PluginProcess;
    beforeAll(async () => {
        s = await StandIn.start();
    });
    afterAll(async () => {
        await s?.stop();
    });

    it("reports the version of the installed @pulumi/gcp SDK", async () => {
        expect(await s.version()).toBe(npmSdkVersion("gcp"));
        expect(npmSdkVersion("gcp")).toBe(require("@pulumi/gcp/package.json").version);
    });

    it("checks the provider's configuration", async () => {
        const bad = await s.checkConfig(CONFIG_URN, { project: P, bigQueryCustomEndpoint: "https://bigquery.googleapis.com/bigquery/v2/", version: "9.37.0" });
        expect(bad.failures).toEqual([{ property: "bigQueryCustomEndpoint", reason: expect.stringContaining("is Google's") }]);
        const good = await s.checkConfig(CONFIG_URN, { project: P, bigQueryCustomEndpoint: "http://127.0.0.1:9050/bigquery/v2/", version: "9.37.0" });
        expect(good).toEqual({ inputs: { project: P, bigQueryCustomEndpoint: "http://127.0.0.1:9050/bigquery/v2/", version: "9.37.0" }, failures: [] });
        expect(await s.diffConfig({ project: P }, { project: P })).toBe("none");
        expect(await s.diffConfig({ project: P }, { project: "synter-prod" })).toBe("some");
    });

    it("refuses to be configured without a local BigQuery", async () => {
        await expect(s.configure({ project: P })).rejects.toThrow(/needs a local BigQuery: set gcp:bigQueryCustomEndpoint .* or BIGQUERY_EMULATOR_HOST; it never calls Google/);
    });
});

describe("state-only resources over gRPC", () => {
    let s: PluginProcess;
    beforeAll(async () => {
        // An endpoint nobody listens on: these types must not call it.
        s = await StandIn.start();
        expect(await s.configure({ project: P, bigQueryCustomEndpoint: "http://127.0.0.1:9/bigquery/v2/" })).toEqual({ acceptSecrets: true, supportsPreview: false });
    });
    afterAll(async () => {
        await s?.stop();
    });

    it("refuses a type it does not implement, naming it", async () => {
        await expect(s.check(urn("gcp:storage/bucket:Bucket", "b"), {}, { name: "b" })).rejects.toThrow(/resource type gcp:storage\/bucket:Bucket is not implemented by the local gcp stand-in/);
    });

    it("creates, reads, diffs, updates and deletes a service account", async () => {
        const u = urn(GCP_TYPES.account, "app");
        const checked = await s.check(u, {}, { accountId: "analytics-app", displayName: "Synter analytics (BigQuery)" });
        expect(checked).toEqual({ inputs: { accountId: "analytics-app", displayName: "Synter analytics (BigQuery)", disabled: false, deletionPolicy: "DELETE", project: P }, failures: [] });
        const { id, outs } = await s.create(u, checked.inputs);
        const email = `analytics-app@${P}.iam.gserviceaccount.com`;
        expect(id).toBe(`projects/${P}/serviceAccounts/${email}`);
        expect(outs).toMatchObject({ email, name: id, member: `serviceAccount:${email}`, uniqueId: expect.stringMatching(/^\d{21}$/) });
        const read = await s.read(id, u, outs);
        expect(read).toEqual({ id, props: outs, inputs: checked.inputs });
        expect(await s.diff(id, u, outs, checked.inputs)).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
        const renamed = { ...checked.inputs, displayName: "Renamed" };
        expect(await s.diff(id, u, outs, renamed)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        expect((await s.diff(id, u, outs, { ...checked.inputs, accountId: "analytics-app2" })).replaces).toEqual(["accountId"]);
        expect(await s.update(id, u, outs, renamed)).toMatchObject({ displayName: "Renamed", email });
        await s.delete(id, u, outs);
        // Importing an account rebuilds it from its id.
        expect((await s.read(id, u)).props).toMatchObject({ email, accountId: "analytics-app", project: P });
    });

    it("issues a service account key with a real RSA key, secret in the outputs", async () => {
        const u = urn(GCP_TYPES.key, "key");
        const account = `projects/${P}/serviceAccounts/analytics-app@${P}.iam.gserviceaccount.com`;
        const checked = await s.check(u, {}, { serviceAccountId: account, privateKeyType: "TYPE_GOOGLE_CREDENTIALS_FILE" });
        expect(checked.failures).toEqual([]);
        const { id, outs } = await s.create(u, checked.inputs);
        expect(id).toMatch(new RegExp(`^${account}/keys/[0-9a-f]{40}$`));
        expect(isSecret(outs.privateKey)).toBe(true);
        const creds = JSON.parse(Buffer.from(reveal(outs.privateKey), "base64").toString("utf8"));
        expect(creds).toMatchObject({ type: "service_account", project_id: P, client_email: `analytics-app@${P}.iam.gserviceaccount.com`, private_key_id: id.split("/").pop() });
        const key = createPrivateKey(creds.private_key);
        expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
        const signature = createSign("sha256").update("hello").sign(key);
        const pub = createPublicKey(Buffer.from(String(outs.publicKey), "base64").toString("utf8"));
        expect(createVerify("sha256").update("hello").verify(pub, signature)).toBe(true);
        // The key in the state is the key: a read hands back the same one, still secret.
        const read = await s.read(id, u, outs);
        expect(isSecret(read.props.privateKey)).toBe(true);
        expect(reveal(read.props.privateKey)).toBe(reveal(outs.privateKey));
        expect((await s.diff(id, u, outs, { ...checked.inputs, keyAlgorithm: "KEY_ALG_RSA_1024" })).replaces).toEqual(["keyAlgorithm"]);
        await s.delete(id, u, outs);
        await expect(s.read(id, u)).rejects.toThrow(/cannot be read: the local gcp stand-in keeps it in Pulumi's state only/);
    });

    it("keeps project services and IAM members in the state, replacing IAM members delete-first", async () => {
        const su = urn(GCP_TYPES.service, "bq");
        const svc = await s.check(su, {}, { project: P, service: "bigquery.googleapis.com", disableOnDestroy: false, disableDependentServices: false });
        const created = await s.create(su, svc.inputs);
        expect(created.id).toBe(`${P}/bigquery.googleapis.com`);
        expect((await s.read(created.id, su)).props).toMatchObject({ project: P, service: "bigquery.googleapis.com" });
        expect((await s.diff(created.id, su, created.outs, { ...svc.inputs, service: "iam.googleapis.com" })).replaces).toEqual(["service"]);

        const iu = urn(GCP_TYPES.iamMember, "job-user");
        const m = await s.check(iu, {}, { project: P, role: "roles/bigquery.jobUser", member: `serviceAccount:analytics-app@${P}.iam.gserviceaccount.com` });
        const member = await s.create(iu, m.inputs);
        expect(member.id).toBe(`${P}/roles/bigquery.jobUser/serviceAccount:analytics-app@${P}.iam.gserviceaccount.com`);
        expect(await s.diff(member.id, iu, member.outs, { ...m.inputs, role: "roles/bigquery.user" })).toEqual({ changes: "some", replaces: ["role"], deleteBeforeReplace: true });
        await s.delete(member.id, iu, member.outs);
    });
});

describe("Table.get and import over gRPC, from the local warehouse", () => {
    let s: PluginProcess;
    const warehouse = new LocalWarehouse();
    const u = urn(GCP_TYPES.table, "legacy");

    beforeAll(async () => {
        const url = await warehouse.start();
        // The endpoint comes from BIGQUERY_EMULATOR_HOST when the stack sets none.
        s = await StandIn.start({ BIGQUERY_EMULATOR_HOST: url });
        await s.configure({ project: P });
    });
    afterAll(async () => {
        await s?.stop();
        await warehouse.stop();
    });

    it("reads an existing table by id, with its schema as BigQuery answers it", async () => {
        const table = `${P}.synter_analytics.dim_users`;
        await warehouse.createTable(table, {
            schema: [
                { name: "user_id", type: "STRING", mode: "REQUIRED" },
                { name: "created_at", type: "TIMESTAMP" },
            ],
        });
        warehouse.insertRows(table, [{ user_id: "u1", created_at: "2025-01-01T00:00:00Z" }, { user_id: "u2" }, { user_id: "u3", created_at: null }]);
        const id = `projects/${P}/datasets/synter_analytics/tables/dim_users`;
        const r = await s.read(id, u);
        expect(r.id).toBe(id);
        expect(r.props).toMatchObject({ project: P, datasetId: "synter_analytics", tableId: "dim_users", type: "TABLE", numRows: 3, deletionProtection: true, deletionPolicy: "DELETE" });
        // BigQuery states every field's mode, NULLABLE where the table was created without one.
        expect(r.props.schema).toBe('[{"mode":"REQUIRED","name":"user_id","type":"STRING"},{"mode":"NULLABLE","name":"created_at","type":"TIMESTAMP"}]');
        // Declared as the table is, an import plans nothing.
        const declared = await s.check(u, r.inputs!, {
            datasetId: "synter_analytics",
            tableId: "dim_users",
            schema: JSON.stringify([
                { name: "user_id", type: "STRING", mode: "REQUIRED" },
                { name: "created_at", type: "TIMESTAMP", mode: "NULLABLE" },
            ]),
        });
        expect(await s.diff(id, u, r.props, declared.inputs)).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
    });

    it("answers an empty id for a table that is not there", async () => {
        expect((await s.read(`projects/${P}/datasets/synter_analytics/tables/missing`, u)).id).toBe("");
    });
});

describe("BigQuery resources over gRPC, on the local warehouse", () => {
    const warehouse = new LocalWarehouse();
    let s: PluginProcess;
    let bq: BigQueryClient;
    const D = "synter_analytics";
    const labels = { env: "dev", "managed-by": "pulumi", stack: "dev" };
    const events = ANALYTICS_TABLES.find((t) => t.name === "events")!;
    const dsUrn = urn(GCP_TYPES.dataset, "analytics-dataset");
    const tUrn = urn(GCP_TYPES.table, "analytics-events");
    let dataset: { id: string; outs: Props };

    beforeAll(async () => {
        const endpoint = `${await warehouse.start()}/bigquery/v2/`;
        bq = new BigQueryClient(endpoint);
        s = await StandIn.start();
        await s.configure({ project: P, bigQueryCustomEndpoint: endpoint, version: "9.37.0" });
    });
    afterAll(async () => {
        await s?.stop();
        await warehouse.stop();
    });

    const declaredDataset = { project: P, datasetId: D, location: "US", description: "Synter analytics.", labels, maxTimeTravelHours: "48", deleteContentsOnDestroy: false };

    it("creates a dataset in the warehouse, with what pulumi-gcp's outputs say", async () => {
        const checked = await s.check(dsUrn, {}, declaredDataset);
        expect(checked.inputs).toEqual({ ...declaredDataset, deletionPolicy: "DELETE" });
        dataset = await s.create(dsUrn, checked.inputs);
        expect(dataset.id).toBe(`projects/${P}/datasets/${D}`);
        expect(dataset.outs).toMatchObject({ datasetId: D, project: P, location: "US", labels, effectiveLabels: labels, pulumiLabels: labels, maxTimeTravelHours: "48", deletionPolicy: "DELETE" });
        expect(dataset.outs.creationTime).toBeGreaterThan(0);
        const live = await bq.getDataset(P, D);
        expect(live).toMatchObject({ description: "Synter analytics.", labels, maxTimeTravelHours: "48", location: "US" });
        expect(await s.diff(dataset.id, dsUrn, dataset.outs, checked.inputs)).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
        expect((await s.diff(dataset.id, dsUrn, dataset.outs, { ...checked.inputs, location: "EU" })).replaces).toEqual(["location"]);
    });

    it("updates a dataset's labels and time travel in place", async () => {
        const news = { ...declaredDataset, labels: { env: "dev", team: "data" }, maxTimeTravelHours: "72", deletionPolicy: "DELETE" };
        expect(await s.diff(dataset.id, dsUrn, dataset.outs, news)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const outs = await s.update(dataset.id, dsUrn, dataset.outs, news);
        expect(outs).toMatchObject({ labels: { env: "dev", team: "data" }, effectiveLabels: { env: "dev", team: "data" }, maxTimeTravelHours: "72" });
        const live = await bq.getDataset(P, D);
        expect(live.maxTimeTravelHours).toBe("72");
        expect(live.labels).toMatchObject({ env: "dev", team: "data" });
        // A refresh reads the same; the state keeps only the labels the program manages.
        const refreshed = await s.read(dataset.id, dsUrn, outs);
        expect(refreshed.props).toMatchObject({ labels: { env: "dev", team: "data" }, maxTimeTravelHours: "72" });
        dataset = { id: dataset.id, outs };
    });

    it("adds and removes a dataset IAM member as an access entry", async () => {
        const u = urn(GCP_TYPES.datasetIamMember, "editor");
        const member = `serviceAccount:analytics-app@${P}.iam.gserviceaccount.com`;
        const checked = await s.check(u, {}, { datasetId: D, role: "roles/bigquery.dataEditor", member });
        const created = await s.create(u, checked.inputs);
        expect(created.id).toBe(`projects/${P}/datasets/${D}/roles/bigquery.dataEditor/${member}`);
        const entries = (await bq.getDataset(P, D)).access as Props[];
        expect(entries.filter((a) => a.userByEmail === `analytics-app@${P}.iam.gserviceaccount.com`)).toEqual([{ role: expect.stringMatching(/^(roles\/bigquery.dataEditor|WRITER)$/), userByEmail: `analytics-app@${P}.iam.gserviceaccount.com` }]);
        expect(await s.read(created.id, u, created.outs)).toMatchObject({ id: created.id, props: { role: "roles/bigquery.dataEditor", member } });
        // The dataset's own update leaves the entry alone.
        const again = await s.update(dataset.id, dsUrn, dataset.outs, { ...declaredDataset, description: "Reworded.", labels: { env: "dev", team: "data" }, maxTimeTravelHours: "72", deletionPolicy: "DELETE" });
        expect(again.accesses).toContainEqual({ role: expect.any(String), userByEmail: `analytics-app@${P}.iam.gserviceaccount.com` });
        dataset = { id: dataset.id, outs: again };
        expect((await s.diff(created.id, u, created.outs, { ...checked.inputs, role: "roles/bigquery.dataViewer" })).replaces).toEqual(["role"]);
        await s.delete(created.id, u, created.outs);
        const after = (await bq.getDataset(P, D)).access as Props[];
        expect(after.some((a) => a.userByEmail)).toBe(false);
        expect(after.length).toBeGreaterThan(0);
        expect((await s.read(created.id, u, created.outs)).id).toBe("");
    });

    it("keeps every member when several of one dataset are created and deleted at once, as the engine does", async () => {
        // Each create reads the access list, adds its entry and writes the list back; without one
        // change at a time per dataset, the last write would drop the others' entries.
        const members = Array.from({ length: 6 }, (_, i) => `user:reader${i}@synter.io`);
        const made = await Promise.all(
            members.map(async (member, i) => {
                const u = urn(GCP_TYPES.datasetIamMember, `reader-${i}`);
                const checked = await s.check(u, {}, { datasetId: D, role: "roles/bigquery.dataViewer", member });
                return { u, ...(await s.create(u, checked.inputs)) };
            }),
        );
        const emails = ((await bq.getDataset(P, D)).access as Props[]).map((a) => a.userByEmail).filter(Boolean).sort();
        expect(emails).toEqual(members.map((m) => m.slice("user:".length)).sort());
        await Promise.all(made.map((m) => s.delete(m.id, m.u, m.outs)));
        expect(((await bq.getDataset(P, D)).access as Props[]).some((a) => a.userByEmail)).toBe(false);
    });

    const declaredTable = {
        project: P,
        datasetId: D,
        tableId: "events",
        description: events.description,
        schema: toSchemaJson(events),
        timePartitioning: { type: "DAY", field: events.partitionField },
        requirePartitionFilter: true,
        clusterings: [...events.clustering!],
        deletionProtection: true,
        labels: { ...labels, role: "analytics" },
    };
    let table: { id: string; outs: Props };
    let tableInputs: Props;

    it("creates a partitioned, clustered table whose state plans no change", async () => {
        const checked = await s.check(tUrn, {}, declaredTable);
        expect(checked.failures).toEqual([]);
        table = await s.create(tUrn, checked.inputs);
        expect(table.id).toBe(`projects/${P}/datasets/${D}/tables/events`);
        const live = await bq.getTable(P, D, "events");
        expect(live).toMatchObject({
            type: "TABLE",
            description: events.description,
            timePartitioning: { type: "DAY", field: "event_timestamp" },
            requirePartitionFilter: true,
            clustering: { fields: ["platform", "event_type", "campaign_id"] },
            labels: { ...labels, role: "analytics" },
        });
        expect(live.schema.fields.map((f: Props) => f.name)).toEqual(events.columns.map((c) => c.name));
        expect(table.outs).toMatchObject({ type: "TABLE", tableId: "events", requirePartitionFilter: true, clusterings: ["platform", "event_type", "campaign_id"], deletionProtection: true });
        expect(await s.diff(table.id, tUrn, table.outs, checked.inputs)).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
        const reformatted = { ...checked.inputs, schema: JSON.stringify(JSON.parse(declaredTable.schema), null, 2) };
        expect((await s.diff(table.id, tUrn, table.outs, reformatted)).changes).toBe("none");
    });

    it("adds a column and drops one in place, and replaces the table for a retyped column", async () => {
        const fields = JSON.parse(declaredTable.schema) as Props[];
        const added = { ...declaredTable, deletionPolicy: "DELETE", ignoreAutoGeneratedSchema: false, schema: JSON.stringify([...fields, { name: "referrer", type: "STRING", mode: "NULLABLE", description: "Referring URL." }]) };
        expect(await s.diff(table.id, tUrn, table.outs, added)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        table = { id: table.id, outs: await s.update(table.id, tUrn, table.outs, added) };
        expect((await bq.getTable(P, D, "events")).schema.fields.map((f: Props) => f.name)).toContain("referrer");
        expect((await s.diff(table.id, tUrn, table.outs, added)).changes).toBe("none");

        const dropped = { ...added, schema: JSON.stringify(fields.filter((f) => f.name !== "session_id").concat([{ name: "referrer", type: "STRING", mode: "NULLABLE", description: "Referring URL." }])) };
        expect(await s.diff(table.id, tUrn, table.outs, dropped)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        table = { id: table.id, outs: await s.update(table.id, tUrn, table.outs, dropped) };
        tableInputs = dropped;
        expect((await bq.getTable(P, D, "events")).schema.fields.map((f: Props) => f.name)).not.toContain("session_id");

        const retyped = { ...dropped, schema: dropped.schema.replace('"name":"referrer","type":"STRING"', '"name":"referrer","type":"INT64"') };
        expect(await s.diff(table.id, tUrn, table.outs, retyped)).toEqual({ changes: "some", replaces: ["schema"], deleteBeforeReplace: true });
        expect(await s.diff(table.id, tUrn, table.outs, { ...dropped, timePartitioning: { type: "DAY", field: "ingested_at" } })).toMatchObject({ replaces: ["timePartitioning"] });
    });

    it("refuses to delete a table under deletion protection, with Terraform's message, and deletes it once lifted", async () => {
        await expect(s.delete(table.id, tUrn, table.outs)).rejects.toThrow(`cannot destroy table ${table.id} without setting deletion_protection=false and running \`terraform apply\``);
        expect((await bq.getTable(P, D, "events")).type).toBe("TABLE");
        // Lifting the protection is the provider's business: the table is not touched.
        const before = (await bq.getTable(P, D, "events")).etag;
        const unprotected = { ...tableInputs, deletionProtection: false };
        expect(await s.diff(table.id, tUrn, table.outs, unprotected)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const lifted = await s.update(table.id, tUrn, table.outs, unprotected);
        expect(lifted.deletionProtection).toBe(false);
        expect((await bq.getTable(P, D, "events")).etag).toBe(before);
        table = { id: table.id, outs: lifted };
    });

    it("creates, updates and deletes a view", async () => {
        const u = urn(GCP_TYPES.table, "analytics-daily_events");
        const query = `SELECT event_type, COUNT(*) AS n FROM \`${P}.${D}.events\` WHERE event_timestamp >= TIMESTAMP '2026-01-01' GROUP BY event_type`;
        const checked = await s.check(u, {}, { project: P, datasetId: D, tableId: "daily_events", description: "View from daily_events.sql.", labels: { ...labels, role: "view" }, view: { query, useLegacySql: false }, deletionProtection: false });
        const view = await s.create(u, checked.inputs);
        const live = await bq.getTable(P, D, "daily_events");
        expect(live).toMatchObject({ type: "VIEW", view: { query, useLegacySql: false } });
        expect(live.schema.fields.map((f: Props) => f.name)).toEqual(["event_type", "n"]);
        expect(view.outs).toMatchObject({ type: "VIEW", view: { query, useLegacySql: false } });
        expect(await s.diff(view.id, u, view.outs, checked.inputs)).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
        const requery = { ...checked.inputs, view: { query: query.replace("COUNT(*) AS n", "COUNT(*) AS events"), useLegacySql: false } };
        expect(await s.diff(view.id, u, view.outs, requery)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const outs = await s.update(view.id, u, view.outs, requery);
        expect((await bq.getTable(P, D, "daily_events")).schema.fields.map((f: Props) => f.name)).toEqual(["event_type", "events"]);
        await s.delete(view.id, u, outs);
        await expect(bq.getTable(P, D, "daily_events")).rejects.toSatisfy(isNotFound);
    });

    it("imports a table that exists: declared as it is, nothing to change; declared otherwise, a change", async () => {
        const legacy = (await import("../../components/analytics/catalogue")).LEGACY_TABLES.find((t) => t.name === "dim_users")!;
        await bq.insertTable(P, D, {
            tableReference: { projectId: P, datasetId: D, tableId: "dim_users" },
            description: legacy.description,
            labels: { ...labels, role: "legacy" },
            schema: { fields: JSON.parse(toSchemaJson(legacy)) },
        });
        const u = urn(GCP_TYPES.table, "analytics-dim_users");
        const id = `projects/${P}/datasets/${D}/tables/dim_users`;
        const imported = await s.read(id, u);
        expect(imported.id).toBe(id);
        expect(imported.inputs).toMatchObject({ project: P, datasetId: D, tableId: "dim_users", labels: { ...labels, role: "legacy" }, deletionProtection: true });
        const declared = { project: P, datasetId: D, tableId: "dim_users", description: legacy.description, schema: toSchemaJson(legacy), labels: { ...labels, role: "legacy" }, deletionProtection: true };
        const checked = await s.check(u, imported.inputs!, declared);
        expect(await s.diff(id, u, imported.props, checked.inputs)).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
        const otherwise = await s.check(u, imported.inputs!, { ...declared, description: "Something else." });
        expect((await s.diff(id, u, imported.props, otherwise.inputs)).changes).toBe("some");
        // Table.get reads the same table read-only.
        expect((await s.read(id, u)).props).toMatchObject({ tableId: "dim_users", numRows: 0, type: "TABLE" });
    });

    it("imports the dataset as it is without a change", async () => {
        const imported = await s.read(dataset.id, dsUrn);
        const declared = { ...declaredDataset, description: "Reworded.", labels: { env: "dev", team: "data" }, maxTimeTravelHours: "72" };
        const checked = await s.check(dsUrn, imported.inputs!, declared);
        expect(await s.diff(dataset.id, dsUrn, imported.props, checked.inputs)).toEqual({ changes: "none", replaces: [], deleteBeforeReplace: false });
    });

    it("deletes tables and the dataset, and reads them as gone", async () => {
        await s.delete(table.id, tUrn, table.outs);
        await expect(bq.getTable(P, D, "events")).rejects.toSatisfy(isNotFound);
        expect((await s.read(table.id, tUrn, table.outs)).id).toBe("");
        // deleteContentsOnDestroy false: a dataset that still holds a table is refused by BigQuery.
        await expect(s.delete(dataset.id, dsUrn, dataset.outs)).rejects.toThrow(/still in use/);
        await s.delete(dataset.id, dsUrn, { ...dataset.outs, deleteContentsOnDestroy: true });
        await expect(bq.getDataset(P, D)).rejects.toSatisfy(isNotFound);
        expect((await s.read(dataset.id, dsUrn, dataset.outs)).id).toBe("");
    });
});
