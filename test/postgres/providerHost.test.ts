// Rung 3 + 5: the SchemaMigrations provider, serialized by Pulumi's runtime from the dev stack,
// run in Pulumi's own dynamic-provider host over gRPC against a real PostgreSQL.
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checksumOf, MigrationFile, readMigrations } from "../../components/postgres";
import type { RecordedResource } from "../../plan/program";
import { freshDatabase } from "../../servers/postgres";
import { runStack } from "../support/program";
import { ProviderHost } from "../support/providerHost";

const server = inject("pgUrl");
const FILES = readMigrations();
const extra = (name: string, sql: string): MigrationFile => ({ version: Number(name.slice(0, 3)), name, file: `sql/postgres/${name}`, sql, checksum: checksumOf(sql) });
const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as Record<string, any>;

let resource: RecordedResource;
let host: ProviderHost;
let url: string;
let inputs: Record<string, any>;

beforeAll(async () => {
    resource = (await runStack("dev")).resources.find((r) => r.name === "auth-migrations")!;
    host = await ProviderHost.start();
    url = await freshDatabase(server, "host");
    // The stack's serialized provider and files, pointed at the test database.
    inputs = { ...plain(resource.rawInputs), url, target: new URL(url).pathname };
});
afterAll(async () => {
    await host.stop();
});

async function authTables(): Promise<string[]> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
        return (await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema='auth' ORDER BY 1")).rows.map((r) => r.table_name);
    } finally {
        await c.end();
    }
}

describe("SchemaMigrations through the provider host", () => {
    let created: { id: string; outs: Record<string, any> };
    let checked: Record<string, any>;

    it("lists every migration as pending at check time on a new stack", async () => {
        const r = await host.check(resource.urn, {}, inputs);
        expect(r.failures).toEqual([]);
        expect(r.inputs.pending).toEqual(FILES.map((f) => f.name));
        checked = r.inputs;
    });

    it("applies them on create and returns the history, not the URL", async () => {
        created = await host.create(resource.urn, checked);
        expect(created.outs.lastRun).toEqual(FILES.map((f) => f.name));
        expect(created.outs.applied.map((a: any) => a.name)).toEqual(FILES.map((f) => f.name));
        expect(created.outs.pending).toEqual([]);
        expect(JSON.stringify(created.outs)).not.toContain(url);
        expect(await authTables()).toEqual(["campaign_policies", "sessions", "users"]);
    });

    it("shows no change when nothing is pending", async () => {
        const r = await host.check(resource.urn, checked, inputs);
        expect(r.inputs.pending).toEqual([]);
        expect((await host.diff(created.id, resource.urn, created.outs, r.inputs)).changes).toBe("none");
    });

    it("lists a new migration in check and diff (what a PR preview shows) and applies it alone on update", async () => {
        const news = { ...inputs, migrations: [...inputs.migrations, extra("005_user_locale.sql", "ALTER TABLE auth.users ADD COLUMN locale text;\n")] };
        const r = await host.check(resource.urn, checked, news);
        expect(r.failures).toEqual([]);
        expect(r.inputs.pending).toEqual(["005_user_locale.sql"]);
        const d = await host.diff(created.id, resource.urn, created.outs, r.inputs);
        expect(d).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const outs = await host.update(created.id, resource.urn, created.outs, r.inputs);
        expect(outs.lastRun).toEqual(["005_user_locale.sql"]);
        expect(outs.applied).toHaveLength(FILES.length + 1);
    });

    it("refuses at check time (in preview) a migration edited after it was applied, naming the file", async () => {
        const edited = inputs.migrations.map((m: MigrationFile) => (m.name === "003_campaign_policies.sql" ? extra(m.name, m.sql + "\n-- edited\n") : m));
        const r = await host.check(resource.urn, checked, { ...inputs, migrations: edited });
        expect(r.failures).toHaveLength(1);
        expect(r.failures[0].property).toBe("migrations");
        expect(r.failures[0].reason).toMatch(/^sql\/postgres\/003_campaign_policies\.sql: changed after it was applied/);
    });

    it("refuses the edit again at update time against the database's own history", async () => {
        const edited = inputs.migrations.map((m: MigrationFile) => (m.name === "001_users.sql" ? extra(m.name, m.sql.replace("display_name  text", "display_name  varchar(80)")) : m));
        await expect(host.update(created.id, resource.urn, created.outs, { ...inputs, migrations: edited, pending: [] })).rejects.toThrow(/sql\/postgres\/001_users\.sql: changed after it was applied/);
    });

    it("deletes nothing when the resource leaves the stack", async () => {
        await host.delete(created.id, resource.urn, created.outs);
        expect(await authTables()).toEqual(["campaign_policies", "sessions", "users"]);
    });
});
