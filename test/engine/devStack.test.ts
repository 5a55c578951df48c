// Rung 7: the dev stack under the real Pulumi engine (CLI, Node.js language host, random and
// postgresql providers built from Go modules; the stand-in gcp provider), on a local backend,
// against the local warehouse and a real PostgreSQL 15 that serves TLS and asks for passwords.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEnvironment, LocalEnvironment } from "../../engine/environment";
import { LocalStack } from "../../engine/localStack";
import { WarehouseView } from "../../engine/rehearsal";
import { withLibpqSslModes } from "../../components/postgres/migrator";

let env: LocalEnvironment;
let stack: LocalStack;
let wh: WarehouseView;

beforeAll(async () => {
    env = await startLocalEnvironment();
    stack = await LocalStack.open({ stack: "dev", binaries: env.binaries, pluginDirs: [env.pluginDir], workDir: `${env.dir}/dev`, endpoints: env.endpoints });
    wh = WarehouseView.open(env.endpoints.warehouseUrl, "synter-dev");
});

afterAll(async () => {
    await env?.stop();
});

describe("the dev stack through the real engine", () => {
    it("comes up in phase parallel with the right outputs, and a second preview shows no changes", async () => {
        const up = await stack.up();
        expect(up.code, up.stdout + up.stderr).toBe(0);
        const outputs = await stack.outputs(false);
        expect(outputs).toMatchObject({
            BIGQUERY_PROJECT_ID: "synter-dev",
            BIGQUERY_DATASET: "synter_analytics",
            migrationPhase: "parallel",
            serviceAccountEmail: "synter-analytics@synter-dev.iam.gserviceaccount.com",
        });
        // Secrets stay secret in the stack's outputs.
        for (const k of ["POSTGRES_URL", "GOOGLE_APPLICATION_CREDENTIALS", "REDIS_URL"]) expect(outputs[k], k).toBe("[secret]");
        const preview = await stack.preview({ expectNoChanges: true });
        expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    });

    it("creates the tables with their partitioning, clustering and labels, and the views", async () => {
        const tables = await wh.list("synter_analytics");
        const names = tables.map((t) => t.table);
        for (const t of ["fact_cursor_daily_usage_v2", "fact_claude_daily_usage_v2", "raw_cursor_usage", "events", "ad_metrics", "conversions", "touchpoints"]) expect(names).toContain(t);
        expect(tables.filter((t) => t.type === "VIEW").map((t) => t.table).sort()).toEqual(["vw_ai_coding_productivity_v2", "vw_ai_coding_weekly_v2", "vw_campaign_performance"]);
        const meta = await wh.metadata("synter_analytics", "fact_cursor_daily_usage_v2");
        expect(meta.timePartitioning).toMatchObject({ type: "DAY", field: "usage_date" });
        expect(meta.clustering).toEqual({ fields: ["platform", "user_id"] });
        expect(meta.labels).toMatchObject({ env: "dev", "managed-by": "pulumi", stack: "dev", role: "v2" });
    });

    it("creates the auth database, the login role and its grants through the postgresql provider on the real PostgreSQL, and applies the migrations", async () => {
        const { Client } = await import("pg");
        const url = String((await stack.outputs(true)).POSTGRES_URL);
        expect(url).toMatch(/^postgresql:\/\/synter_user:[A-Za-z0-9]{32}@127\.0\.0\.1:\d+\/synter\?sslmode=require$/);
        // sslmode=require as libpq means it: encrypted, certificate not verified.
        const app = new Client({ connectionString: withLibpqSslModes(url) });
        await app.connect();
        try {
            await app.query("INSERT INTO auth.users (email, password_hash) VALUES ('ada@synter.io', 'x')");
            const r = await app.query("SELECT email FROM auth.users");
            expect(r.rows.map((x) => x.email)).toContain("ada@synter.io");
            await expect(app.query("CREATE TABLE auth.sneaky (id int)")).rejects.toThrow(/permission denied/);
            await expect(app.query("CREATE TABLE public.sneaky (id int)")).rejects.toThrow(/permission denied/);
        } finally {
            await app.end();
        }
        const admin = new Client({ connectionString: withLibpqSslModes(env.postgresUrl.replace("/postgres?", "/synter?")) });
        await admin.connect();
        try {
            const applied = await admin.query("SELECT version FROM public.synter_schema_migrations ORDER BY version");
            expect(applied.rows.map((x) => Number(x.version))).toEqual([1, 2, 3, 4]);
        } finally {
            await admin.end();
        }
    });

    it("keeps no plaintext secret in the exported state", async () => {
        const state = JSON.stringify(await stack.exportState());
        const secrets = await stack.outputs(true);
        const appPassword = decodeURIComponent(new URL(String(secrets.POSTGRES_URL)).password);
        expect(appPassword).toHaveLength(32);
        expect(state).not.toContain(appPassword);
        expect(state).not.toContain(env.endpoints.postgres.adminPassword);
        const key = String(secrets.GOOGLE_APPLICATION_CREDENTIALS);
        expect(key.length).toBeGreaterThan(100);
        expect(state).not.toContain(key);
        expect(state).not.toContain(JSON.parse(Buffer.from(key, "base64").toString("utf8")).private_key.split("\n")[1]);
    });

    it("leaves every data table and the auth database, with their rows, on pulumi destroy", async () => {
        await wh.insert("synter_analytics", "events", [{ event_id: "e1", event_type: "signup", event_timestamp: "2026-10-01T00:00:00Z", ingested_at: "2026-10-01T00:00:00Z" }]);
        const before = await wh.list("synter_analytics");
        const destroy = await stack.run(["destroy", "--yes", "--skip-preview"]);
        expect(destroy.code, destroy.stdout + destroy.stderr).toBe(0);
        const after = await wh.list("synter_analytics");
        const data = (ts: typeof before) => ts.filter((t) => t.type !== "VIEW").map((t) => `${t.table}:${t.rows}`).sort();
        expect(data(after)).toEqual(data(before));
        expect(after.find((t) => t.table === "events")!.rows).toBe(1);
        const { Client } = await import("pg");
        const admin = new Client({ connectionString: withLibpqSslModes(env.postgresUrl.replace("/postgres?", "/synter?")) });
        await admin.connect();
        try {
            const r = await admin.query("SELECT email FROM auth.users");
            expect(r.rows.map((x) => x.email)).toContain("ada@synter.io");
        } finally {
            await admin.end();
        }
    });
});
