// Rung 5: the auth schema's migrations on a real PostgreSQL (PGURL's, or a throwaway server
// started by test/support/services.ts).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { applyMigrationsAt, HISTORY_TABLE, LOCK_KEY, MigrationFile, readMigrations } from "../../components/postgres";
import { SqlFileError } from "../../components/sql";
import { freshDatabase, postgresBinDir, withDatabase } from "../../servers/postgres";

const server = inject("pgUrl");
const REPO_FILES = readMigrations();
const clients: Client[] = [];

async function connect(url: string): Promise<Client> {
    const c = new Client({ connectionString: url });
    await c.connect();
    clients.push(c);
    return c;
}
afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
});

/** A copy of sql/postgres in a temporary folder, plus extra files, read back as migrations. */
function withExtra(extra: Record<string, string>, edit?: (name: string, sql: string) => string): MigrationFile[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-migrations-"));
    const sqlDir = path.join(dir, "sql", "postgres");
    fs.mkdirSync(sqlDir, { recursive: true });
    for (const f of REPO_FILES) fs.writeFileSync(path.join(sqlDir, f.name), edit ? edit(f.name, f.sql) : f.sql);
    for (const [name, sql] of Object.entries(extra)) fs.writeFileSync(path.join(sqlDir, name), sql);
    return readMigrations(path.join(dir, "sql"));
}

async function history(url: string): Promise<string[]> {
    const c = await connect(url);
    return (await c.query(`SELECT name FROM ${HISTORY_TABLE} ORDER BY version`)).rows.map((r) => r.name);
}

async function tables(url: string, schema = "auth"): Promise<string[]> {
    const c = await connect(url);
    return (await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [schema])).rows.map((r) => r.table_name);
}

describe("the migration files", () => {
    it("are numbered, unique and each holds statements", () => {
        expect(REPO_FILES.map((f) => f.name)).toEqual(["001_users.sql", "002_sessions.sql", "003_campaign_policies.sql", "004_app_role.sql"]);
        expect(REPO_FILES.map((f) => f.file)).toEqual(REPO_FILES.map((f) => `sql/postgres/${f.name}`));
    });

    it("refuses a badly named file, a duplicate version and transaction control, naming the file and line", () => {
        expect(() => withExtra({ "5_extra.sql": "SELECT 1;" })).toThrow("sql/postgres/5_extra.sql:1:1: a Postgres migration is named NNN_name.sql");
        expect(() => withExtra({ "004_again.sql": "SELECT 1;" })).toThrow(/sql\/postgres\/004_a.*\.sql:1:1: version 4 is also used by 004_/);
        expect(() => withExtra({ "005_tx.sql": "-- a comment\nCREATE TABLE auth.x (a int);\nCOMMIT;\n" })).toThrow("sql/postgres/005_tx.sql:3:1: the runner wraps each migration in its own transaction");
        expect(() => withExtra({ "005_ix.sql": "CREATE INDEX CONCURRENTLY x ON auth.users (email);" })).toThrow(SqlFileError);
    });

    it("apply cleanly in order with plain psql -v ON_ERROR_STOP=1 -f on an empty database", async () => {
        const url = await freshDatabase(server, "psql");
        const psql = fs.existsSync(path.join(postgresBinDir() ?? "", "psql")) ? path.join(postgresBinDir()!, "psql") : "psql";
        for (const f of REPO_FILES) execFileSync(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", f.file], { stdio: "pipe" });
        expect(await tables(url)).toEqual(["campaign_policies", "sessions", "users"]);
    });
});

describe("applying migrations", () => {
    it("applies every migration on a fresh database and records version, checksum and time", async () => {
        const url = await freshDatabase(server);
        const r = await applyMigrationsAt(url, REPO_FILES);
        expect(r.ran).toEqual(REPO_FILES.map((f) => f.name));
        expect(r.applied).toEqual(REPO_FILES.map((f) => ({ version: f.version, name: f.name, checksum: f.checksum })));
        const c = await connect(url);
        const rows = (await c.query(`SELECT applied_at, execution_ms FROM ${HISTORY_TABLE}`)).rows;
        expect(rows.every((x) => x.applied_at instanceof Date && x.execution_ms >= 0)).toBe(true);
        expect(await tables(url)).toEqual(["campaign_policies", "sessions", "users"]);
    });

    it("re-applying is a no-op", async () => {
        const url = await freshDatabase(server);
        await applyMigrationsAt(url, REPO_FILES);
        const again = await applyMigrationsAt(url, REPO_FILES);
        expect(again.ran).toEqual([]);
        expect(await history(url)).toEqual(REPO_FILES.map((f) => f.name));
    });

    it("applies a new migration alone", async () => {
        const url = await freshDatabase(server);
        await applyMigrationsAt(url, REPO_FILES);
        const r = await applyMigrationsAt(url, withExtra({ "005_user_locale.sql": "ALTER TABLE auth.users ADD COLUMN locale text;\n" }));
        expect(r.ran).toEqual(["005_user_locale.sql"]);
        const c = await connect(url);
        const cols = (await c.query("SELECT column_name FROM information_schema.columns WHERE table_schema='auth' AND table_name='users'")).rows.map((x) => x.column_name);
        expect(cols).toContain("locale");
    });

    it("refuses a migration edited after it was applied, naming the file, and runs nothing", async () => {
        const url = await freshDatabase(server);
        await applyMigrationsAt(url, REPO_FILES);
        const edited = withExtra({ "005_later.sql": "CREATE TABLE auth.later (a int);\n" }, (name, sql) => (name === "002_sessions.sql" ? sql.replace("user_agent   text,", "user_agent   varchar(512),") : sql));
        await expect(applyMigrationsAt(url, edited)).rejects.toThrow(/^sql\/postgres\/002_sessions\.sql: changed after it was applied \(checksum [0-9a-f]{12} recorded, [0-9a-f]{12} now\)/);
        expect(await tables(url)).not.toContain("later");
    });

    it("refuses a new migration numbered below the latest applied one, and an applied one whose file is gone", async () => {
        const url = await freshDatabase(server);
        await applyMigrationsAt(url, withExtra({ "010_ten.sql": "SELECT 1;" }));
        await expect(applyMigrationsAt(url, withExtra({ "010_ten.sql": "SELECT 1;", "005_five.sql": "SELECT 1;" }))).rejects.toThrow(
            "sql/postgres/005_five.sql: version 5 is older than the latest applied migration (10); give it a number above 10",
        );
        await expect(applyMigrationsAt(url, REPO_FILES)).rejects.toThrow("sql/postgres/010_ten.sql: applied to the database but missing from the repository");
    });

    it("leaves nothing of a failing migration behind, and names its file and line", async () => {
        const url = await freshDatabase(server);
        await applyMigrationsAt(url, REPO_FILES);
        const failing = withExtra({
            "005_half.sql": "CREATE TABLE auth.half (a int);\nINSERT INTO auth.half VALUES (1);\nALTER TABLE auth.users ADD COLUMN nope int REFERENCES auth.missing (id);\n",
            "006_after.sql": "CREATE TABLE auth.after (a int);\n",
        });
        await expect(applyMigrationsAt(url, failing)).rejects.toThrow(/^sql\/postgres\/005_half\.sql: relation "auth\.missing" does not exist \(rolled back; nothing of this migration was applied\)/);
        expect(await tables(url)).toEqual(["campaign_policies", "sessions", "users"]);
        expect(await history(url)).toEqual(REPO_FILES.map((f) => f.name));
    });

    it("points at the failing line when PostgreSQL gives a position", async () => {
        const url = await freshDatabase(server);
        const failing = withExtra({ "005_typo.sql": "-- a typo on line 3\nSELECT 1;\nSELEC 2;\n" });
        await expect(applyMigrationsAt(url, failing)).rejects.toThrow(/^sql\/postgres\/005_typo\.sql:3: syntax error at or near "SELEC" \(rolled back; nothing of this migration was applied; applied before it: 001_users\.sql, 002_sessions\.sql, 003_campaign_policies\.sql, 004_app_role\.sql\)/);
        expect(await history(url)).toEqual(REPO_FILES.map((f) => f.name));
    });

    it("two concurrent runners apply each migration exactly once", async () => {
        const url = await freshDatabase(server);
        // A slow first migration keeps the lock held while the other runners arrive.
        const files = withExtra({ "005_slow.sql": "SELECT pg_sleep(0.3);\nCREATE TABLE auth.slow (a int);\n" });
        const runs = await Promise.all([1, 2, 3].map(() => applyMigrationsAt(url, files)));
        const ran = runs.flatMap((r) => r.ran).sort();
        expect(ran).toEqual(files.map((f) => f.name).sort());
        expect(await history(url)).toEqual(files.map((f) => f.name));
        for (const r of runs) expect(r.applied.map((a) => a.name)).toEqual(files.map((f) => f.name));
    });

    it("gives up with a clear error when another run holds the lock too long", async () => {
        const url = await freshDatabase(server);
        const holder = await connect(url);
        await holder.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
        await expect(applyMigrationsAt(url, REPO_FILES, { lockTimeoutMs: 200 })).rejects.toThrow(`another run holds the migration lock (pg_advisory_lock ${LOCK_KEY}); waited 200 ms`);
        await holder.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
        expect((await applyMigrationsAt(url, REPO_FILES)).ran).toHaveLength(REPO_FILES.length);
    });
});

describe("the schema", () => {
    it("makes email unique regardless of case, cascades sessions and policies with their user, and keeps policies JSON objects", async () => {
        const url = await freshDatabase(server);
        await applyMigrationsAt(url, REPO_FILES);
        const c = await connect(url);
        const { rows } = await c.query("INSERT INTO auth.users (email) VALUES ('Ana@Example.com') RETURNING id");
        const id = rows[0].id;
        await expect(c.query("INSERT INTO auth.users (email) VALUES ('ana@example.COM')")).rejects.toThrow(/users_email_lower_key/);
        await c.query("INSERT INTO auth.sessions (user_id, token, expires_at) VALUES ($1, 'tok-1', now() + interval '1 day')", [id]);
        await expect(c.query("INSERT INTO auth.sessions (user_id, token, expires_at) VALUES ($1, 'tok-1', now() + interval '1 day')", [id])).rejects.toThrow(/sessions_token_key/);
        await c.query(`INSERT INTO auth.campaign_policies (owner_id, name, policy) VALUES ($1, 'default', '{"channel": "search"}')`, [id]);
        await expect(c.query(`INSERT INTO auth.campaign_policies (owner_id, name, policy) VALUES ($1, 'list', '[1]')`, [id])).rejects.toThrow(/check constraint/);
        await c.query("DELETE FROM auth.users WHERE id = $1", [id]);
        expect((await c.query("SELECT (SELECT count(*) FROM auth.sessions) + (SELECT count(*) FROM auth.campaign_policies) AS n")).rows[0].n).toBe("0");
    });

    it("has the indexes the application's lookups need", async () => {
        const url = await freshDatabase(server);
        await applyMigrationsAt(url, REPO_FILES);
        const c = await connect(url);
        const idx = (await c.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'auth' ORDER BY 1")).rows.map((r) => r.indexname);
        expect(idx).toEqual(expect.arrayContaining(["users_email_lower_key", "sessions_token_key", "sessions_expires_at_idx", "sessions_user_id_idx", "campaign_policies_owner_name_key"]));
    });

    it("keeps updated_at current on update", async () => {
        const url = await freshDatabase(server);
        await applyMigrationsAt(url, REPO_FILES);
        const c = await connect(url);
        await c.query("INSERT INTO auth.users (email, updated_at) VALUES ('b@example.com', '2020-01-01')");
        await c.query("UPDATE auth.users SET display_name = 'B' WHERE email = 'b@example.com'");
        const { rows } = await c.query("SELECT updated_at > '2024-01-01' AS fresh FROM auth.users");
        expect(rows[0].fresh).toBe(true);
    });
});

describe("the application role (synter_user as a member of synter_app, as the stack grants it)", () => {
    async function appConnection(): Promise<{ app: Client; admin: Client }> {
        const url = await freshDatabase(server);
        await applyMigrationsAt(url, REPO_FILES);
        const admin = await connect(url);
        const login = `app_${Math.random().toString(36).slice(2, 10)}`;
        await admin.query(`CREATE ROLE ${login} LOGIN PASSWORD 'pw' NOSUPERUSER NOCREATEDB NOCREATEROLE`);
        await admin.query(`GRANT synter_app TO ${login}`);
        await admin.query("REVOKE ALL ON DATABASE " + new URL(url).pathname.slice(1) + " FROM PUBLIC");
        await admin.query("CREATE SCHEMA other; CREATE TABLE other.secret (a int); INSERT INTO other.secret VALUES (1)");
        const app = await connect(withDatabase(url, new URL(url).pathname.slice(1), login, "pw"));
        return { app, admin };
    }

    it("reads and writes the auth tables", async () => {
        const { app } = await appConnection();
        const { rows } = await app.query("INSERT INTO auth.users (email) VALUES ('c@example.com') RETURNING id");
        await app.query("INSERT INTO auth.sessions (user_id, token, expires_at) VALUES ($1, 't', now() + interval '1 hour')", [rows[0].id]);
        await app.query("UPDATE auth.users SET display_name = 'C' WHERE id = $1", [rows[0].id]);
        expect((await app.query("SELECT display_name FROM auth.users")).rows).toEqual([{ display_name: "C" }]);
        await app.query("DELETE FROM auth.sessions");
    });

    it("cannot create roles, schemas or tables, alter the auth tables, touch other schemas or the migration history", async () => {
        const { app } = await appConnection();
        await expect(app.query("CREATE ROLE intruder")).rejects.toThrow(/permission denied/);
        await expect(app.query("CREATE SCHEMA mine")).rejects.toThrow(/permission denied/);
        await expect(app.query("CREATE TABLE public.mine (a int)")).rejects.toThrow(/permission denied/);
        await expect(app.query("CREATE TABLE auth.mine (a int)")).rejects.toThrow(/permission denied/);
        await expect(app.query("ALTER TABLE auth.users ADD COLUMN x int")).rejects.toThrow(/must be owner/);
        await expect(app.query("DROP TABLE auth.sessions")).rejects.toThrow(/must be owner/);
        await expect(app.query("SELECT * FROM other.secret")).rejects.toThrow(/permission denied/);
        await expect(app.query(`DELETE FROM ${HISTORY_TABLE}`)).rejects.toThrow(/permission denied/);
    });

    it("gets the same rights on a table a later migration adds (default privileges)", async () => {
        const { app, admin } = await appConnection();
        const url = `${withDatabase(server, (admin as any).connectionParameters.database)}`;
        await applyMigrationsAt(url, withExtra({ "005_audit.sql": "CREATE TABLE auth.audit_log (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, what text NOT NULL);\n" }));
        await app.query("INSERT INTO auth.audit_log (what) VALUES ('login')");
        expect((await app.query("SELECT what FROM auth.audit_log")).rows).toEqual([{ what: "login" }]);
    });
});
