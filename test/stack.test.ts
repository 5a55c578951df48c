import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../components/analytics";
import { byName, isDataTable, isView, runStack } from "./support/program";

describe.each(["dev", "prod"])("stack %s (phase parallel)", (stack) => {
    it("declares every v2 and analytics table partitioned by day and clustered on at most 4 columns", async () => {
        const run = await runStack(stack);
        for (const def of CATALOGUE.filter((t) => t.role !== "legacy")) {
            const t = byName(run, `analytics-${def.name}`);
            const inputs = t.inputs as any;
            expect(inputs.timePartitioning).toEqual({ type: "DAY", field: def.partitionField });
            expect(inputs.clusterings).toEqual(def.clustering);
            expect(inputs.clusterings.length).toBeLessThanOrEqual(4);
            expect(JSON.parse(inputs.schema).map((c: any) => c.name)).toEqual(def.columns.map((c) => c.name));
        }
    });

    it("carries platform, attribution methods, confidence and ingestion time on both v2 facts", async () => {
        const run = await runStack(stack);
        for (const name of ["fact_cursor_daily_usage_v2", "fact_claude_daily_usage_v2"]) {
            const schema = JSON.parse((byName(run, `analytics-${name}`).inputs as any).schema);
            const col = (n: string) => schema.find((c: any) => c.name === n);
            expect(col("platform")).toMatchObject({ type: "STRING", mode: "REQUIRED" });
            expect(col("attribution_methods")).toMatchObject({ type: "STRING", mode: "REPEATED" });
            expect(col("attribution_confidence")).toMatchObject({ type: "FLOAT64", mode: "REQUIRED" });
            expect(col("ingested_at")).toMatchObject({ type: "TIMESTAMP" });
        }
        const claude = JSON.parse((byName(run, "analytics-fact_claude_daily_usage_v2").inputs as any).schema);
        const models = claude.find((c: any) => c.name === "model_usage");
        expect(models).toMatchObject({ type: "RECORD", mode: "REPEATED" });
        expect(models.fields.map((f: any) => f.name)).toEqual(["model", "input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens", "cost_usd"]);
    });

    it("makes every data table, the dataset and the auth database retain their data when removed from the program", async () => {
        const run = await runStack(stack);
        const data = run.resources.filter(isDataTable);
        expect(data.length).toBeGreaterThan(5);
        for (const t of data) expect(t.options.retainOnDelete, t.name).toBe(true);
        expect(byName(run, "analytics-dataset").options.retainOnDelete).toBe(true);
        expect(byName(run, "auth-database").options.retainOnDelete).toBe(true);
    });

    it("makes each view depend on exactly the tables and views its SQL reads", async () => {
        const run = await runStack(stack);
        const views = Object.fromEntries(run.resources.filter(isView).map((v) => [v.name, v.options.dependsOn.slice().sort()]));
        expect(views).toEqual({
            "analytics-vw_ai_coding_productivity_v2": ["analytics-fact_claude_daily_usage_v2", "analytics-fact_cursor_daily_usage_v2"],
            "analytics-vw_ai_coding_weekly_v2": ["analytics-vw_ai_coding_productivity_v2"],
            "analytics-vw_campaign_performance": ["analytics-ad_metrics", "analytics-conversions"],
        });
        const query = (byName(run, "analytics-vw_ai_coding_productivity_v2").inputs as any).view.query as string;
        expect(query).toContain(`\`synter-${stack}.synter_analytics.fact_cursor_daily_usage_v2\``);
        expect(query).not.toContain("{{");
    });

    it("keeps the key, the app password and every connection string secret", async () => {
        const run = await runStack(stack);
        expect(run.outputs.POSTGRES_URL).toBe("[secret]");
        expect(run.outputs.REDIS_URL).toBe("[secret]");
        expect(run.outputs.GOOGLE_APPLICATION_CREDENTIALS).toBe("[secret]");
        expect(run.outputs.BIGQUERY_PROJECT_ID).toBe(`synter-${stack}`);
        expect(run.outputs.BIGQUERY_DATASET).toBe("synter_analytics");
        expect(byName(run, "analytics-app-key").options.additionalSecretOutputs).toContain("privateKey");
        expect((byName(run, "auth-app-role").inputs as any).password).toBe("[secret]");
        expect((byName(run, "auth-admin").inputs as any).password).toBe("[secret]");
        expect((byName(run, "auth-migrations").inputs as any).url).toBe("[secret]");
    });

    it("grants least privilege: dataEditor on the dataset, jobUser on the project, nothing public", async () => {
        const run = await runStack(stack);
        const bindings = run.resources.filter((r) => /IamMember|IAMMember|IamBinding|IAMBinding|IamPolicy|IAMPolicy/.test(r.type));
        for (const b of bindings) {
            expect(JSON.stringify(b.inputs)).not.toMatch(/allUsers|allAuthenticatedUsers/);
            expect((b.inputs as any).role).not.toMatch(/roles\/(owner|editor)$/);
        }
        const projectRoles = bindings.filter((b) => b.type.startsWith("gcp:projects/")).map((b) => (b.inputs as any).role);
        expect(projectRoles).toEqual(["roles/bigquery.jobUser"]);
        expect((byName(run, "analytics-app-dataset-editor").inputs as any)).toMatchObject({ role: "roles/bigquery.dataEditor", datasetId: "synter_analytics" });
    });

    it("enables the APIs without disabling them on destroy, and waits for them", async () => {
        const run = await runStack(stack);
        const services = run.resources.filter((r) => r.type === "gcp:projects/service:Service");
        expect(services.map((s) => (s.inputs as any).service)).toEqual(
            expect.arrayContaining(["bigquery.googleapis.com", "bigquerystorage.googleapis.com", "iam.googleapis.com", "iamcredentials.googleapis.com", "cloudresourcemanager.googleapis.com"]),
        );
        for (const s of services) expect((s.inputs as any).disableOnDestroy).toBe(false);
        const apiNames = services.map((s) => s.name);
        for (const name of ["analytics-dataset", "analytics-app-account", "analytics-app-job-user"]) {
            expect(byName(run, name).options.dependsOn).toEqual(expect.arrayContaining(apiNames));
        }
    });

    it("creates the auth database owned by the admin, migrates it, and gives the application role only the group role", async () => {
        const run = await runStack(stack);
        const role = byName(run, "auth-app-role").inputs as any;
        expect(role).toMatchObject({ name: "synter_user", login: true, superuser: false, createRole: false, createDatabase: false });
        expect(byName(run, "auth-database").inputs).toMatchObject({ name: "synter", owner: "postgres" });
        expect(byName(run, "auth-revoke-public").inputs).toMatchObject({ role: "public", objectType: "database", privileges: [] });
        const migrations = byName(run, "auth-migrations");
        expect(migrations.type).toBe("pulumi-nodejs:dynamic/synter-postgres:SchemaMigrations");
        expect((migrations.rawInputs as any).migrations.map((m: any) => m.name)).toEqual(["001_users.sql", "002_sessions.sql", "003_campaign_policies.sql", "004_app_role.sql"]);
        expect(migrations.options.dependsOn).toContain("auth-database");
        // Membership in the group role is the role's own list (a separate GrantRole would be revoked
        // by any in-place update of the role), and the group role exists only once the migrations ran.
        expect(role.roles).toEqual(["synter_app"]);
        expect(byName(run, "auth-app-role").options.dependsOn).toContain("auth-migrations");
        expect(run.resources.some((r) => r.type === "postgresql:index/grantRole:GrantRole")).toBe(false);
    });
});

describe("prod is stricter than dev", () => {
    it("protects data with deletion protection, Pulumi protect and required partition filters; dev does not", async () => {
        const prod = await runStack("prod");
        const dev = await runStack("dev");
        for (const t of prod.resources.filter(isDataTable)) {
            expect(t.options.protect, t.name).toBe(true);
            expect((t.inputs as any).deletionProtection, t.name).toBe(true);
            expect((t.inputs as any).requirePartitionFilter, t.name).toBe(true);
        }
        expect(byName(prod, "analytics-dataset").options.protect).toBe(true);
        expect(byName(prod, "auth-database").options.protect).toBe(true);
        expect((byName(prod, "analytics-dataset").inputs as any).maxTimeTravelHours).toBe("168");
        for (const t of dev.resources.filter(isDataTable)) {
            expect(t.options.protect, t.name).toBe(false);
            expect((t.inputs as any).deletionProtection, t.name).toBe(false);
        }
        expect((byName(dev, "analytics-dataset").inputs as any).maxTimeTravelHours).toBe("48");
    });

    it("adopts the legacy tables read-only in prod and creates them empty in dev", async () => {
        const prod = await runStack("prod");
        const dev = await runStack("dev");
        const legacy = CATALOGUE.filter((t) => t.role === "legacy").map((t) => `analytics-${t.name}`);
        for (const name of legacy) {
            expect(byName(prod, name).options.read, name).toBe(true);
            expect(byName(dev, name).options.read, name).toBeUndefined();
        }
        expect(byName(prod, "analytics-raw_cursor_usage").inputs).toEqual({});
    });

    it("labels the dataset and tables with env and managed-by", async () => {
        const prod = await runStack("prod");
        expect((byName(prod, "analytics-dataset").inputs as any).labels).toMatchObject({ env: "prod", "managed-by": "pulumi" });
        for (const t of prod.resources.filter(isDataTable)) expect((t.inputs as any).labels).toMatchObject({ env: "prod", "managed-by": "pulumi" });
    });

    it("protects the dataset, the data tables and the auth database exactly as protectDataTables says", async () => {
        for (const [stack, overrides, protect] of [["dev", {}, false], ["dev", { protectDataTables: "true" }, true], ["prod", {}, true]] as const) {
            const run = await runStack(stack, overrides);
            const where = `${stack} ${JSON.stringify(overrides)}`;
            expect(byName(run, "auth-database").options.protect, where).toBe(protect);
            expect(byName(run, "analytics-dataset").options.protect, where).toBe(protect);
            for (const t of run.resources.filter(isDataTable)) expect(t.options.protect, `${where} ${t.name}`).toBe(protect);
        }
    });

    it("creates no service-account key unless the stack asks for one", async () => {
        const run = await runStack("dev", { createServiceAccountKey: "false" });
        expect(run.resources.some((r) => r.type === "gcp:serviceaccount/key:Key")).toBe(false);
        expect(run.outputs.GOOGLE_APPLICATION_CREDENTIALS).toBe("");
    });
});
