// The data move against a real MariaDB (source) and a real PostgreSQL (auth tables), with
// BigQuery's side through the real client against the HTTP double.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { moveData, TableReport } from "../../datamove/move";
import { PROJECT_ROOT } from "../../lib/root";
import { seedSource, TRICKY } from "../support/datamove";
import { DATASET, PROJECT, statuses, useMoveFixture } from "./fixture";

const f = useMoveFixture();

describe("moving every table", () => {
    it("moves and verifies all seven tables with types, NULLs and awkward text intact", async () => {
        await seedSource(f.mysql);
        const indexes = () => f.pg("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'auth' ORDER BY 1");
        const before = await indexes();
        const reports = await moveData(f.options());
        // Indexes set aside during the COPY are built again, as they were.
        expect(await indexes()).toEqual(before);
        expect(before.length).toBeGreaterThanOrEqual(7);
        expect(statuses(reports)).toEqual({
            users: "verified", sessions: "verified", campaign_policies: "verified", events: "verified", ad_metrics: "verified", conversions: "verified", touchpoints: "verified",
        });
        for (const r of reports) expect(r.targetChecksum).toBe(r.sourceChecksum);

        const users = await f.pg("SELECT id, email, password_hash, display_name, is_active, created_at, updated_at, last_login_at FROM auth.users ORDER BY id");
        expect(users).toEqual([
            { id: "1", email: "Ana@Example.com", password_hash: "h1", display_name: TRICKY, is_active: "t", created_at: "2025-01-02 03:04:05.123456+00", updated_at: "2025-06-01 00:00:00.5+00", last_login_at: "2025-06-02 08:00:00+00" },
            { id: "2", email: "bo@example.com", password_hash: null, display_name: null, is_active: "f", created_at: "2025-01-03 00:00:00+00", updated_at: "2025-06-01 00:00:00+00", last_login_at: null },
            { id: "7", email: "cy@example.com", password_hash: "h3", display_name: "Cy", is_active: "t", created_at: "2025-01-04 00:00:00+00", updated_at: "2025-06-01 00:00:00+00", last_login_at: null },
        ]);
        const sessions = await f.pg("SELECT id, user_id, token, user_agent, host(ip_address) AS ip FROM auth.sessions ORDER BY id");
        expect(sessions).toEqual([
            { id: "10", user_id: "1", token: "tok-a", user_agent: TRICKY, ip: "203.0.113.7" },
            { id: "11", user_id: "7", token: "tok-b", user_agent: null, ip: null },
        ]);
        const [policy] = await f.pg("SELECT policy FROM auth.campaign_policies");
        expect(JSON.parse(policy.policy)).toEqual({ channels: ["search", "social"], max_cpc: 1.25, note: 'a, "b"' });
        // Identity sequences continue after the moved ids.
        const [next] = await f.pg("INSERT INTO auth.users (email) VALUES ('new@example.com') RETURNING id");
        expect(next.id).toBe("8");

        // What BigQuery holds: JSON documents as their own text, SQL NULL where the load left a field out.
        const events = f.rows("events");
        expect(events[0]).toEqual({
            event_id: "e1", event_type: "signup", event_timestamp: "2025-06-01T10:00:00.000001Z", platform: "google", campaign_id: "c1", user_id: "u1", session_id: "s1",
            properties: '{"path": "/start", "utm": {"source": "g"}}', ingested_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
        });
        expect(events[1]).toEqual({
            event_id: "e2", event_type: "page_view", event_timestamp: "2025-06-01T10:00:01.000000Z", platform: null, campaign_id: null, user_id: null, session_id: null, properties: null, ingested_at: events[0].ingested_at,
        });
        expect(events[2].properties).toBe("[1, 2.50, 3]");
        // The legacy events have no ingestion time: the move stamps its own start.
        expect(new Set(events.map((e) => e.ingested_at)).size).toBe(1);
        // NUMERIC as an exact decimal (30.00 is 30), a RECORD's fields as sent, a NULL RECORD as NULL.
        const conversions = f.rows("conversions");
        expect(conversions[0]).toMatchObject({ value: "30", attribution: { method: "last_click", confidence: 0.9 } });
        expect(conversions[1].attribution).toBeNull();
        const metrics = f.rows("ad_metrics");
        expect(metrics[0]).toMatchObject({ metric_date: "2025-06-01", impressions: "1000", spend: "123.456789" });
        // Explicit schemas, never auto-detect: one load job per table.
        expect(f.uploads()).toBe(4);
    });

    it("skips verified tables on a re-run, and reloads users with the tables that reference it", async () => {
        await seedSource(f.mysql);
        await moveData(f.options());
        const again = await moveData(f.options());
        expect(new Set(again.map((r) => r.status))).toEqual(new Set(["skipped"]));
        expect(f.uploads()).toBe(4);

        // A crash after users' COPY but before it was verified: no state entry.
        const state = JSON.parse(fs.readFileSync(f.stateFile, "utf8"));
        delete state.tables.users;
        fs.writeFileSync(f.stateFile, JSON.stringify(state));
        const resumed = await moveData(f.options());
        // Reloading users empties the tables that reference it, so they are moved again too.
        expect(statuses(resumed)).toEqual({ users: "verified", sessions: "verified", campaign_policies: "verified", events: "skipped", ad_metrics: "skipped", conversions: "skipped", touchpoints: "skipped" });
        expect((await f.pg("SELECT count(*) AS n FROM auth.users"))[0].n).toBe("3");
        expect((await f.pg("SELECT count(*) AS n FROM auth.sessions"))[0].n).toBe("2");
    });

    it("plans without writing on --dry-run", async () => {
        await seedSource(f.mysql);
        const reports = await moveData(f.options({ dryRun: true }));
        expect(reports.map((r) => [r.table, r.status, r.sourceRows])).toEqual([
            ["users", "planned", 3], ["sessions", "planned", 2], ["campaign_policies", "planned", 1], ["events", "planned", 3], ["ad_metrics", "planned", 2], ["conversions", "planned", 2], ["touchpoints", "planned", 1],
        ]);
        expect((await f.pg("SELECT count(*) AS n FROM auth.users"))[0].n).toBe("0");
        expect(f.uploads()).toBe(0);
        expect(fs.existsSync(f.stateFile)).toBe(false);
    });

    it("prints plain progress lines when not on a terminal", async () => {
        await f.mysql("INSERT INTO events SELECT CONCAT('e', seq), 'click', '2025-06-01 00:00:00', NULL, NULL, NULL, NULL, NULL FROM seq_1_to_25000");
        await moveData(f.options({ tables: ["events"] }));
        expect(f.lines.length).toBeGreaterThan(0);
        expect(f.lines[0]).toMatch(/^events [\d,]+\/25,000 rows \(\d+%\) [\d,]+ rows\/s ETA \S+\n$/);
    });

    it("reads rows in primary-key order, whatever order the source stores them in", async () => {
        // MyISAM returns a plain scan in insertion order; only ORDER BY gives key order.
        await f.mysql("ALTER TABLE events ENGINE = MyISAM; INSERT INTO events (event_id, event_type, event_timestamp) VALUES ('e3', 'click', '2025-06-01'), ('e1', 'click', '2025-06-01'), ('e2', 'click', '2025-06-01')");
        expect((await f.mysql("SELECT * FROM events")).map((r: any) => r.event_id)).toEqual(["e3", "e1", "e2"]);
        const seen: string[] = [];
        await moveData(f.options({ tables: ["events"], corrupt: (_t, column, v) => (column === "event_id" && seen.push(v!), v) }));
        expect(seen).toEqual(['"e1"', '"e2"', '"e3"']);
    });

    it("moves tables side by side where foreign keys allow, and never a table before the tables it references", async () => {
        await f.mysql(`INSERT INTO users (id, email, created_at) SELECT seq, CONCAT('u', seq, '@example.com'), '2025-01-01' FROM seq_1_to_3000;
                       INSERT INTO sessions (id, user_id, token, created_at, expires_at) SELECT seq, seq, CONCAT('t', seq), '2025-01-01', '2025-02-01' FROM seq_1_to_3000;
                       INSERT INTO campaign_policies (id, owner_id, name, policy, created_at, updated_at) SELECT seq, seq, 'p', '{}', '2025-01-01', '2025-01-01' FROM seq_1_to_3000;
                       INSERT INTO events (event_id, event_type, event_timestamp) SELECT CONCAT('e', seq), 'click', '2025-06-01' FROM seq_1_to_3000`);
        // On a terminal the progress line lists every table in flight.
        const drawn: string[] = [];
        const reports = await moveData(f.options({ tables: ["users", "sessions", "campaign_policies", "events"], out: { isTTY: true, write: (s: string) => drawn.push(s) } }));
        expect(new Set(reports.map((r) => r.status))).toEqual(new Set(["verified"]));
        const together = (...tables: string[]) => drawn.some((l) => tables.every((t) => new RegExp(`\\b${t} \\d`).test(l)));
        expect(together("users", "events")).toBe(true);
        expect(together("sessions", "campaign_policies")).toBe(true);
        expect(together("users", "sessions")).toBe(false);
        expect(together("users", "campaign_policies")).toBe(false);
    });
});

describe("npm run migrate-data", () => {
    const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
    // Asynchronous: the BigQuery double lives in this process and must keep answering.
    const run = (args: string[], env: Record<string, string> = {}) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
            const child = spawn(tsx, ["cli/migrate-data.ts", ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.stderr.on("data", (d) => (stderr += d));
            child.on("close", (status) => resolve({ status, stdout, stderr }));
        });

    it("moves, prints the report and exits 0; exits 1 naming the row on a failure; exits 2 on bad input", async () => {
        await seedSource(f.mysql);
        const reportFile = path.join(path.dirname(f.stateFile), "report.json");
        const env = { BIGQUERY_EMULATOR_HOST: process.env.BIGQUERY_EMULATOR_HOST! };
        const ok = await run(["--source", f.source, "--postgres", f.target, "--bigquery-project", PROJECT, "--bigquery-dataset", DATASET, "--state", f.stateFile, "--report-json", reportFile], env);
        expect(ok.stderr).toBe("");
        expect(ok.status).toBe(0);
        expect(ok.stdout).toMatch(/^table\s+status\s+source rows\s+target rows\s+checksum/);
        expect(ok.stdout).toMatch(/\nusers\s+verified\s+3\s+3\s+[0-9a-f]{16} =/);
        const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as TableReport[];
        expect(report.map((r) => r.status)).toEqual(Array(7).fill("verified"));
        expect(report.every((r) => r.verifySeconds! >= 0 && r.verifySeconds! <= r.seconds!)).toBe(true);

        await f.mysql("UPDATE users SET last_login_at = '0000-00-00 00:00:00' WHERE id = 2");
        const zero = await run(["--source", f.source, "--postgres", f.target, "--tables", "users,sessions,campaign_policies", "--state", f.stateFile, "--force"], env);
        expect(zero.status).toBe(1);
        expect(zero.stderr).toContain(`migrate-data: users row id=2: column last_login_at = "0000-00-00 00:00:00": zero date: MySQL's placeholder for no date; --zero-dates null moves these as NULL; nothing of users was written`);
        const mapped = await run(["--source", f.source, "--postgres", f.target, "--tables", "users,sessions,campaign_policies", "--state", f.stateFile, "--zero-dates", "null"], env);
        expect(mapped.stderr).toBe("");
        expect(mapped.status).toBe(0);

        const bad = await run(["--source", f.source, "--tables", "users"]);
        expect(bad.status).toBe(2);
        expect(bad.stderr).toBe("migrate-data: --postgres is required to move users\n");
        const unknown = await run(["--sorce", f.source]);
        expect(unknown.status).toBe(2);
        expect(unknown.stderr).toContain("migrate-data: unknown argument --sorce");
        const zeroOption = await run(["--source", f.source, "--zero-dates", "epoch"]);
        expect(zeroOption.status).toBe(2);
        expect(zeroOption.stderr).toContain("migrate-data: --zero-dates epoch: expected error or null");
    });
});
