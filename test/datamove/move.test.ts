// The data move against a real MariaDB (source) and a real PostgreSQL (auth tables), with
// BigQuery's side through the real client against the HTTP fake.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { MoveInputError, moveData, MoveOptions, TableReport } from "../../datamove/move";
import { PROJECT_ROOT } from "../../plan/runtime";
import { BigQueryFake } from "../support/bigqueryFake";
import { freshAuthDatabase, freshSource, mysqlExec, seedAnalyticsTables } from "../support/datamove";

// No Google credentials here: keep the auth library from probing for a metadata server.
process.env.METADATA_SERVER_DETECTION = "none";
const mysqlServer = inject("mysqlUrl");
const pgServer = inject("pgUrl");
const P = "synter-dev";
const DS = "synter_analytics";

let fake: BigQueryFake;
let source: string;
let target: string;
let stateFile: string;
const sink = { isTTY: false, lines: [] as string[], write(s: string) { this.lines.push(s); return true; } };

beforeEach(async () => {
    fake = new BigQueryFake();
    process.env.BIGQUERY_EMULATOR_HOST = await fake.start();
    seedAnalyticsTables(fake, P, DS);
    [source, target] = await Promise.all([freshSource(mysqlServer), freshAuthDatabase(pgServer)]);
    stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "synter-state-")), "state.json");
    sink.lines = [];
});
afterEach(async () => {
    await fake.stop();
    delete process.env.BIGQUERY_EMULATOR_HOST;
});

const options = (o: Partial<MoveOptions> = {}): MoveOptions => ({
    source, postgres: target, bigqueryProject: P, bigqueryDataset: DS, dryRun: false, datetimeOffset: "+00:00", state: stateFile, force: false, out: sink, ...o,
});

async function pgRows(sql: string): Promise<any[]> {
    const c = new Client({ connectionString: target });
    await c.connect();
    try {
        await c.query("SET TimeZone = 'UTC'");
        return (await c.query(sql)).rows;
    } finally {
        await c.end();
    }
}

const TRICKY = 'Ünïcödé, "quoted", comma, tab\tnewline\nback\\slash 😀 𝔘';

async function seedSource(): Promise<void> {
    await mysqlExec(
        source,
        `INSERT INTO users (id, email, password_hash, display_name, is_active, created_at, updated_at, last_login_at) VALUES
           (1, 'Ana@Example.com', 'h1', ?, 1, '2025-01-02 03:04:05.123456', '2025-06-01 00:00:00.5', '2025-06-02 08:00:00'),
           (2, 'bo@example.com', NULL, NULL, 0, '2025-01-03 00:00:00', '2025-06-01 00:00:00', '0000-00-00 00:00:00'),
           (7, 'cy@example.com', 'h3', 'Cy', 2, '2025-01-04 00:00:00', '2025-06-01 00:00:00', NULL);
         INSERT INTO sessions (id, user_id, token, created_at, expires_at, last_seen_at, user_agent, ip_address) VALUES
           (10, 1, 'tok-a', '2025-06-01 00:00:00', '2025-07-01 00:00:00', NULL, ?, '203.0.113.7'),
           (11, 7, 'tok-b', '2025-06-01 00:00:00', '2025-07-01 00:00:00', '2025-06-05 12:00:00', NULL, NULL);
         INSERT INTO campaign_policies (id, owner_id, name, policy, created_at, updated_at) VALUES
           (3, 1, 'default', '{"channels": ["search", "social"], "max_cpc": 1.25, "note": "a, \\\\"b\\\\""}', '2025-06-01 00:00:00', '2025-06-01 00:00:00');
         INSERT INTO events VALUES
           ('e1', 'signup', '2025-06-01 10:00:00.000001', 'google', 'c1', 'u1', 's1', '{"path": "/start", "utm": {"source": "g"}}'),
           ('e2', 'page_view', '2025-06-01 10:00:01', NULL, NULL, NULL, NULL, NULL),
           ('e3', 'purchase', '2025-06-02 23:59:59.999999', 'meta', 'c2', 'u2', NULL, '[1, 2, 3]');
         INSERT INTO ad_metrics VALUES
           ('2025-06-01', 'google', 'c1', 'g1', 1000, 50, 123.456789, 'USD', '2025-06-02 00:00:00'),
           ('2025-06-01', 'meta', 'c2', NULL, NULL, NULL, NULL, NULL, '2025-06-02 00:00:00');
         INSERT INTO conversions VALUES
           ('v1', '2025-06-01 11:00:00', 'signup', 'google', 'c1', 'u1', 30.00, 'USD', 'last_click', 0.9, '2025-06-02 00:00:00'),
           ('v2', '2025-06-01 12:00:00', 'purchase', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2025-06-02 00:00:00');
         INSERT INTO touchpoints VALUES
           ('t1', '2025-06-01 09:00:00', 'u1', 'google', 'c1', 'paid_search', 1, 0.3, '2025-06-02 00:00:00');`,
        [TRICKY, TRICKY],
    );
}

const statuses = (r: TableReport[]) => Object.fromEntries(r.map((x) => [x.table, x.status]));

describe("moving every table", () => {
    it("moves and verifies all seven tables with types, NULLs, zero dates and awkward text intact", async () => {
        await seedSource();
        const reports = await moveData(options());
        expect(statuses(reports)).toEqual({
            users: "verified", sessions: "verified", campaign_policies: "verified", events: "verified", ad_metrics: "verified", conversions: "verified", touchpoints: "verified",
        });
        for (const r of reports) expect(r.targetChecksum).toBe(r.sourceChecksum);

        const users = await pgRows("SELECT id, email, password_hash, display_name, is_active, created_at::text, updated_at::text, last_login_at::text FROM auth.users ORDER BY id");
        expect(users).toEqual([
            { id: "1", email: "Ana@Example.com", password_hash: "h1", display_name: TRICKY, is_active: true, created_at: "2025-01-02 03:04:05.123456+00", updated_at: "2025-06-01 00:00:00.5+00", last_login_at: "2025-06-02 08:00:00+00" },
            { id: "2", email: "bo@example.com", password_hash: null, display_name: null, is_active: false, created_at: "2025-01-03 00:00:00+00", updated_at: "2025-06-01 00:00:00+00", last_login_at: null },
            { id: "7", email: "cy@example.com", password_hash: "h3", display_name: "Cy", is_active: true, created_at: "2025-01-04 00:00:00+00", updated_at: "2025-06-01 00:00:00+00", last_login_at: null },
        ]);
        const sessions = await pgRows("SELECT id, user_id, token, user_agent, host(ip_address) AS ip FROM auth.sessions ORDER BY id");
        expect(sessions).toEqual([
            { id: "10", user_id: "1", token: "tok-a", user_agent: TRICKY, ip: "203.0.113.7" },
            { id: "11", user_id: "7", token: "tok-b", user_agent: null, ip: null },
        ]);
        const [policy] = await pgRows("SELECT policy FROM auth.campaign_policies");
        expect(policy.policy).toEqual({ channels: ["search", "social"], max_cpc: 1.25, note: 'a, "b"' });
        // Identity sequences continue after the moved ids.
        const [next] = await pgRows("INSERT INTO auth.users (email) VALUES ('new@example.com') RETURNING id");
        expect(next.id).toBe("8");

        const events = fake.tables.get(`${P}.${DS}.events`)!.data!.map((l) => JSON.parse(l));
        expect(events[0]).toMatchObject({ event_id: "e1", event_type: "signup", event_timestamp: "2025-06-01T10:00:00.000001Z", properties: '{"path":"/start","utm":{"source":"g"}}' });
        expect(events[1]).toMatchObject({ event_id: "e2", platform: null, properties: null });
        // The legacy events have no ingestion time: the move stamps its own start.
        expect(new Set(events.map((e) => e.ingested_at)).size).toBe(1);
        const conversions = fake.tables.get(`${P}.${DS}.conversions`)!.data!.map((l) => JSON.parse(l));
        expect(conversions[0]).toMatchObject({ value: "30", attribution: { method: "last_click", confidence: 0.9 } });
        expect(conversions[1]).toMatchObject({ value: null, attribution: null });
        const metrics = fake.tables.get(`${P}.${DS}.ad_metrics`)!.data!.map((l) => JSON.parse(l));
        expect(metrics[0]).toMatchObject({ metric_date: "2025-06-01", impressions: "1000", spend: "123.456789" });
        // Explicit schemas, never auto-detect.
        const loads = fake.requests.filter((r) => r.path.startsWith("/upload/"));
        expect(loads).toHaveLength(4);
    });

    it("skips verified tables on a re-run, and reloads a table whose load was not verified without duplicating rows", async () => {
        await seedSource();
        await moveData(options());
        const again = await moveData(options());
        expect(new Set(again.map((r) => r.status))).toEqual(new Set(["skipped"]));
        expect(fake.requests.filter((r) => r.path.startsWith("/upload/"))).toHaveLength(4);

        // A crash after users' COPY committed but before it was verified: rows there, no state entry.
        const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
        delete state.tables.users;
        fs.writeFileSync(stateFile, JSON.stringify(state));
        const resumed = await moveData(options());
        // Reloading users empties the tables that reference it, so they are moved again too.
        expect(statuses(resumed)).toMatchObject({ users: "verified", sessions: "verified", campaign_policies: "verified", events: "skipped" });
        expect((await pgRows("SELECT count(*)::int AS n FROM auth.users"))[0].n).toBe(3);
        expect((await pgRows("SELECT count(*)::int AS n FROM auth.sessions"))[0].n).toBe(2);
    });

    it("reports a mismatch and records nothing when the target does not hold what was read", async () => {
        await seedSource();
        fake.loseRowsOnLoad = 1;
        const reports = await moveData(options({ tables: ["events"] }));
        expect(reports[0]).toMatchObject({ table: "events", status: "mismatch", sourceRows: 3, targetRows: 2 });
        expect(JSON.parse(fs.readFileSync(stateFile, "utf8")).tables.events).toBeUndefined();
    });

    it("plans without writing on --dry-run", async () => {
        await seedSource();
        const reports = await moveData(options({ dryRun: true }));
        expect(reports.map((r) => [r.table, r.status, r.sourceRows])).toEqual([
            ["users", "planned", 3], ["sessions", "planned", 2], ["campaign_policies", "planned", 1], ["events", "planned", 3], ["ad_metrics", "planned", 2], ["conversions", "planned", 2], ["touchpoints", "planned", 1],
        ]);
        expect((await pgRows("SELECT count(*)::int AS n FROM auth.users"))[0].n).toBe(0);
        expect(fake.requests.filter((r) => r.path.startsWith("/upload/"))).toHaveLength(0);
        expect(fs.existsSync(stateFile)).toBe(false);
    });

    it("prints plain progress lines when not on a terminal", async () => {
        const values = Array.from({ length: 25_000 }, (_, i) => `('e${i}', 'click', '2025-06-01 00:00:00', NULL, NULL, NULL, NULL, NULL)`).join(",");
        await mysqlExec(source, `INSERT INTO events VALUES ${values}`);
        await moveData(options({ tables: ["events"] }));
        expect(sink.lines.length).toBeGreaterThan(0);
        expect(sink.lines[0]).toMatch(/^events 10,000\/25,000 rows \(40%\) [\d,]+ rows\/s ETA \S+\n$/);
    });
});

describe("bad input writes nothing and says where", () => {
    it("an unreachable source", async () => {
        const err = await moveData(options({ source: "mysql://root:secret@127.0.0.1:1/synter" })).catch((e) => e);
        expect(err).toBeInstanceOf(MoveInputError);
        expect(err.message).toMatch(/^cannot connect to the source mysql:\/\/root:\*\*\*@127\.0\.0\.1:1\/synter: ECONNREFUSED/);
    });

    it("a missing source table and a source column with no place in the target", async () => {
        await seedSource();
        await mysqlExec(source, "DROP TABLE touchpoints; ALTER TABLE users ADD COLUMN legacy_flag INT NULL");
        const err = await moveData(options()).catch((e) => e);
        expect(err).toBeInstanceOf(MoveInputError);
        expect(err.message).toContain("users.legacy_flag has no column in auth.users: its data would be lost");
        expect(err.message).toContain(`source table touchpoints does not exist in database ${new URL(source).pathname.slice(1)}`);
        expect((await pgRows("SELECT count(*)::int AS n FROM auth.users"))[0].n).toBe(0);
        expect(fake.requests.filter((r) => r.path.startsWith("/upload/"))).toHaveLength(0);
    });

    it("a row that cannot be converted: names table, row and column, and leaves the table as it was", async () => {
        await seedSource();
        await mysqlExec(source, "INSERT INTO sessions (id, user_id, token, created_at, expires_at) VALUES (12, 1, 'tok-c', '2025-06-01 00:00:00', '0000-00-00 00:00:00')");
        const reports = await moveData(options());
        expect(statuses(reports)).toEqual({ users: "verified", sessions: "failed" });
        expect(reports[1].error).toBe("sessions row 3 (id=\"12\"): column expires_at: zero date '0000-00-00 00:00:00' in required column expires_at; nothing of sessions was written");
        expect((await pgRows("SELECT count(*)::int AS n FROM auth.sessions"))[0].n).toBe(0);
    });

    it("a value PostgreSQL refuses: the COPY line is the source row", async () => {
        await seedSource();
        await mysqlExec(source, "UPDATE sessions SET ip_address = 'not-an-ip' WHERE id = 11");
        const reports = await moveData(options({ tables: ["users", "sessions"] }));
        expect(reports[1].status).toBe("failed");
        expect(reports[1].error).toMatch(/^sessions row 2, column ip_address: invalid input syntax for type inet: "not-an-ip"; nothing of sessions was written$/);
    });

    it("a BigQuery row that cannot be converted: no load job runs", async () => {
        await seedSource();
        await mysqlExec(source, "UPDATE events SET event_timestamp = '0000-00-00 00:00:00' WHERE event_id = 'e3'");
        const reports = await moveData(options({ tables: ["events"] }));
        expect(reports[0].error).toBe("events row 3 (event_id=\"e3\"): column event_timestamp: zero date '0000-00-00 00:00:00.000000' in required column event_timestamp; nothing of events was written");
        expect(fake.requests.filter((r) => r.path.startsWith("/upload/"))).toHaveLength(0);
    });

    it("a missing target, unknown tables and missing URLs", async () => {
        fake.tables.delete(`${P}.${DS}.ad_metrics`);
        await expect(moveData(options({ tables: ["ad_metrics"] }))).rejects.toThrow(`BigQuery table ${P}.${DS}.ad_metrics does not exist: run \`pulumi up\` for the stack first`);
        await expect(moveData(options({ tables: ["users", "orders"] }))).rejects.toThrow("--tables: unknown orders; the tables are users, sessions, campaign_policies, events, ad_metrics, conversions, touchpoints");
        await expect(moveData(options({ postgres: undefined, tables: ["users"] }))).rejects.toThrow("--postgres is required to move users");
        await expect(moveData(options({ datetimeOffset: "CET" }))).rejects.toThrow("--datetime-offset CET: expected ±HH:MM");
    });
});

describe("npm run migrate-data", () => {
    const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
    // Asynchronous: the BigQuery fake lives in this process and must keep answering.
    const run = (args: string[], env: Record<string, string> = {}) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
            const child = spawn(tsx, ["scripts/migrate-data.ts", ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => (stderr += d));
            child.on("close", (status) => resolve({ status, stdout, stderr }));
        });

    it("moves, prints the report and exits 0; exits 2 on bad input", async () => {
        await seedSource();
        const reportFile = path.join(path.dirname(stateFile), "report.json");
        const ok = await run(["--source", source, "--postgres", target, "--bigquery-project", P, "--state", stateFile, "--report-json", reportFile], { BIGQUERY_EMULATOR_HOST: process.env.BIGQUERY_EMULATOR_HOST! });
        expect(ok.stderr).toBe("");
        expect(ok.status).toBe(0);
        expect(ok.stdout).toMatch(/^table\s+status\s+source rows\s+target rows\s+checksum/);
        expect(ok.stdout).toMatch(/\nusers\s+verified\s+3\s+3\s+[0-9a-f]{16} =/);
        const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as TableReport[];
        expect(report.map((r) => r.status)).toEqual(Array(7).fill("verified"));
        expect(report.every((r) => r.verifySeconds! >= 0 && r.verifySeconds! <= r.seconds!)).toBe(true);
        const bad = await run(["--source", source, "--tables", "users"]);
        expect(bad.status).toBe(2);
        expect(bad.stderr).toBe("migrate-data: --postgres is required to move users\n");
        const unknown = await run(["--sorce", source]);
        expect(unknown.status).toBe(2);
        expect(unknown.stderr).toContain("migrate-data: unknown argument --sorce");
    });
});
