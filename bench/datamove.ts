// 5. Data move: `npm run migrate-data`, verification included, against the manual route of the
// migration guide on the same rows in the same run.
// - PostgreSQL: 50,000 users and 500,000 sessions. Manual: SELECT … INTO OUTFILE on the MariaDB
//   server, then psql's \copy of each file, in foreign-key order, into a fresh auth schema.
// - BigQuery: 1,000,000 events. Manual: one NDJSON file written by the MariaDB server
//   (SELECT JSON_OBJECT(…) INTO OUTFILE), then one load job of it into the same local warehouse
//   the move loads into (warehouse/, in this process).
// The mover runs as its own process, as a user runs it, so its memory is its own; every run gets
// the same V8 heap cap (MOVER_HEAP_MB): without one, V8 lets garbage pile up the longer a process
// runs, and peak memory would measure that laziness rather than what the move needs. Each route
// runs twice, alternating, and its faster run counts. DATAMOVE_CPU_PROF=<dir> writes the mover's
// CPU profiles there.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ANALYTICS_TABLES } from "../components/analytics";
import { bigQueryClient } from "../components/migration/warehouse";
import { PROJECT_ROOT } from "../lib/root";
import { createCatalogueTable } from "../servers/warehouse";
import { freshSource, mysqlExec } from "../servers/mariadb";
import { freshAuthDatabase, startPostgres } from "../servers/postgres";
import { LocalWarehouse } from "../warehouse";
import { Figure, figure } from "./figures";

const P = "synter-bench";
const DS = "synter_analytics";
const MOVER_HEAP_MB = 128;
const USERS = 50_000;
const SESSIONS = 500_000;
const EVENTS = 1_000_000;
const USER_COLUMNS = "id, email, password_hash, display_name, is_active, created_at, updated_at, last_login_at";
const SESSION_COLUMNS = "id, user_id, token, created_at, expires_at, last_seen_at, user_agent, ip_address";

/** Runs `rows` rows of MariaDB's sequence engine through `insert` (which reads seq), 100,000 at a time. */
async function generate(source: string, rows: number, insert: (from: string) => string): Promise<void> {
    for (let from = 1; from <= rows; from += 100_000) await mysqlExec(source, insert(`seq_${from}_to_${Math.min(rows, from + 99_999)}`));
}

async function generateAuth(source: string): Promise<void> {
    await generate(
        source,
        USERS,
        (seq) => `INSERT INTO users (${USER_COLUMNS})
          SELECT seq, CONCAT('user', seq, '@example.com'), SHA2(seq, 256), CONCAT('User ', seq, IF(seq % 10 = 0, ' 😀 "quoted"', '')), seq % 7 <> 0,
                 TIMESTAMP('2024-01-01') + INTERVAL seq MINUTE + INTERVAL (seq % 1000000) MICROSECOND, TIMESTAMP('2024-06-01') + INTERVAL seq SECOND,
                 IF(seq % 3 = 0, NULL, TIMESTAMP('2025-01-01') + INTERVAL seq SECOND) FROM ${seq}`,
    );
    await generate(
        source,
        SESSIONS,
        (seq) => `INSERT INTO sessions (${SESSION_COLUMNS})
          SELECT seq, 1 + seq % ${USERS}, CONCAT('tok-', SHA2(seq, 224)), TIMESTAMP('2025-01-01') + INTERVAL seq SECOND,
                 TIMESTAMP('2025-02-01') + INTERVAL seq SECOND + INTERVAL (seq % 1000000) MICROSECOND, IF(seq % 4 = 0, NULL, TIMESTAMP('2025-01-15') + INTERVAL seq SECOND),
                 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)',
                 IF(seq % 5 = 0, CONCAT('2001:DB8:0:0:', HEX(seq % 65536), '::', HEX(seq DIV 65536)), CONCAT('10.', seq % 256, '.', (seq DIV 256) % 256, '.', seq % 200))
          FROM ${seq}`,
    );
}

async function generateEvents(source: string, rows: number): Promise<void> {
    await generate(
        source,
        rows,
        (seq) => `INSERT INTO events
          SELECT CONCAT('evt-', seq), ELT(1 + seq % 4, 'page_view', 'signup', 'purchase', 'click'),
                 TIMESTAMP('2025-01-01 00:00:00') + INTERVAL seq SECOND + INTERVAL (seq % 1000000) MICROSECOND,
                 ELT(1 + seq % 3, 'google', 'meta', 'linkedin'), CONCAT('cmp-', seq % 500), CONCAT('user-', seq % 20000),
                 CONCAT('sess-', seq % 100000), JSON_OBJECT('path', CONCAT('/page/', seq % 50), 'n', seq, 'price', 1.50, 'label', 'a, "b"\\n')
          FROM ${seq}`,
    );
}

interface MoverRun {
    readonly ms: number;
    readonly verifyMs: number;
    readonly peakMb: number;
}

/** Runs the mover as its own process; returns wall time and peak resident memory (VmHWM). */
async function runMover(args: string[], env: Record<string, string> = {}): Promise<MoverRun> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-bench-"));
    const report = path.join(dir, "report.json");
    const profile = process.env.DATAMOVE_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.DATAMOVE_CPU_PROF}`] : [];
    const started = Date.now();
    const child = spawn(
        process.execPath,
        [`--max-old-space-size=${MOVER_HEAP_MB}`, ...profile, "--import", "tsx", "cli/migrate-data.ts", ...args, "--state", path.join(dir, "state.json"), "--report-json", report],
        { cwd: PROJECT_ROOT, env: { ...process.env, METADATA_SERVER_DETECTION: "none", ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.resume();
    let peakKb = 0;
    const poll = setInterval(() => {
        try {
            const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
            if (m) peakKb = Math.max(peakKb, Number(m[1]));
        } catch {
            // exited
        }
    }, 50);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearInterval(poll);
    const ms = Date.now() - started;
    const reports = fs.existsSync(report) ? (JSON.parse(fs.readFileSync(report, "utf8")) as { status: string; verifySeconds?: number }[]) : [];
    fs.rmSync(dir, { recursive: true, force: true });
    if (code !== 0 || reports.some((r) => r.status !== "verified")) throw new Error(`migrate-data exited ${code}: ${stderr.slice(-2000)}`);
    return { ms, verifyMs: Math.max(...reports.map((r) => (r.verifySeconds ?? 0) * 1000)), peakMb: peakKb / 1024 };
}

/** Where the MariaDB server may write files (its secure_file_priv), emptied of earlier runs' files. */
async function outfileDir(source: string): Promise<string> {
    const [row] = await mysqlExec(source, "SELECT @@secure_file_priv AS dir");
    if (row.dir) return String(row.dir);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-outfile-"));
    fs.chmodSync(dir, 0o777);
    return dir;
}

/** The migration guide's route into PostgreSQL; returns its wall time. */
async function manualPostgres(source: string, target: string): Promise<number> {
    const dir = await outfileDir(source);
    const tag = Math.random().toString(36).slice(2, 8);
    const file = (t: string) => path.join(dir, `${t}-${tag}.tsv`);
    const started = Date.now();
    // MySQL's OUTFILE text (tab-separated, \N for NULL, backslash escapes) is what COPY reads.
    await mysqlExec(source, `SELECT ${USER_COLUMNS} INTO OUTFILE '${file("users")}' FROM users`);
    await mysqlExec(source, `SELECT ${SESSION_COLUMNS} INTO OUTFILE '${file("sessions")}' FROM sessions`);
    for (const [t, columns] of [["users", USER_COLUMNS], ["sessions", SESSION_COLUMNS]]) {
        execFileSync("psql", [target, "-q", "-v", "ON_ERROR_STOP=1", "-c", `\\copy auth.${t} (${columns}) FROM '${file(t)}'`], { env: { ...process.env, PGTZ: "UTC", PGCLIENTENCODING: "UTF8" }, stdio: "pipe" });
    }
    const ms = Date.now() - started;
    for (const t of ["users", "sessions"]) fs.rmSync(file(t), { force: true });
    return ms;
}

/** A file written by the server, then one load job of it into the warehouse; returns the wall time. */
async function manualBigQuery(source: string, warehouseUrl: string): Promise<number> {
    const dir = await outfileDir(source);
    const file = path.join(dir, `events-${Math.random().toString(36).slice(2, 8)}.ndjson`);
    const started = Date.now();
    await mysqlExec(
        source,
        `SELECT JSON_OBJECT('event_id', event_id, 'event_type', event_type, 'event_timestamp', DATE_FORMAT(event_timestamp, '%Y-%m-%dT%H:%i:%s.%fZ'),
                            'platform', platform, 'campaign_id', campaign_id, 'user_id', user_id, 'session_id', session_id,
                            'properties', JSON_EXTRACT(properties, '$'), 'ingested_at', '2025-06-01T00:00:00Z')
           INTO OUTFILE '${file}' FIELDS ESCAPED BY '' LINES TERMINATED BY '\\n' FROM events`,
    );
    const previous = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = warehouseUrl;
    process.env.METADATA_SERVER_DETECTION = "none";
    try {
        const { CATALOGUE, toBigQueryFields } = await import("../components/analytics");
        const def = CATALOGUE.find((t) => t.name === "events")!;
        const [job] = await bigQueryClient(P).dataset(DS).table("events").createLoadJob(file, {
            sourceFormat: "NEWLINE_DELIMITED_JSON", schema: { fields: toBigQueryFields(def.columns) as any }, writeDisposition: "WRITE_TRUNCATE", maxBadRecords: 0,
        });
        await job.promise();
    } finally {
        if (previous === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
        else process.env.BIGQUERY_EMULATOR_HOST = previous;
    }
    const ms = Date.now() - started;
    fs.rmSync(file, { force: true });
    return ms;
}

/** The faster of two alternating runs of each route. */
async function sideBySide(ours: () => Promise<MoverRun>, manual: () => Promise<number>): Promise<{ ours: MoverRun; manualMs: number }> {
    const a = await manual();
    const x = await ours();
    const b = await manual();
    const y = await ours();
    return { ours: x.ms <= y.ms ? x : y, manualMs: Math.min(a, b) };
}

/** Parts of the bench, for profiling one route at a time. */
export const parts = { generateAuth, generateEvents, runMover, manualPostgres, manualBigQuery };

export async function dataMoveFigures(mysqlServer: string, pgServer?: string): Promise<Figure[]> {
    // run.ts hands over only the MariaDB; a PostgreSQL of our own unless it passes one.
    const ownPg = pgServer ? undefined : await startPostgres();
    const pgUrl = pgServer ?? ownPg!.url;
    const warehouse = new LocalWarehouse();
    const warehouseUrl = await warehouse.start();
    const dropSource = (url: string) => mysqlExec(url, `DROP DATABASE ${new URL(url).pathname.slice(1)}`);
    try {
        for (const t of ANALYTICS_TABLES) await createCatalogueTable(warehouse, P, DS, t);

        const auth = await freshSource(mysqlServer);
        await generateAuth(auth);
        const pg = await sideBySide(
            async () => runMover(["--source", auth, "--postgres", await freshAuthDatabase(pgUrl), "--tables", "users,sessions,campaign_policies"]),
            async () => manualPostgres(auth, await freshAuthDatabase(pgUrl)),
        );
        await dropSource(auth);

        const events = await freshSource(mysqlServer);
        await generateEvents(events, EVENTS);
        const bqArgs = (source: string) => ["--source", source, "--bigquery-project", P, "--bigquery-dataset", DS, "--tables", "events"];
        const bq = await sideBySide(
            () => runMover(bqArgs(events), { BIGQUERY_EMULATOR_HOST: warehouseUrl }),
            () => manualBigQuery(events, warehouseUrl),
        );
        await dropSource(events);

        const small = await freshSource(mysqlServer);
        await generateEvents(small, EVENTS / 10);
        const smallRun = await runMover(bqArgs(small), { BIGQUERY_EMULATOR_HOST: warehouseUrl });
        await dropSource(small);

        const rows = USERS + SESSIONS;
        const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
        return [
            figure("datamove.postgres_vs_manual", pg.ours.ms, "ms", pg.manualMs, `OUTFILE + psql \\copy of the same ${rows.toLocaleString("en-US")} rows; ours includes verifying them (${seconds(pg.ours.verifyMs)})`),
            figure("datamove.bigquery_vs_manual", bq.ours.ms, "ms", bq.manualMs, `OUTFILE of NDJSON + one load job of the same ${EVENTS.toLocaleString("en-US")} events; ours includes reading them back (${seconds(bq.ours.verifyMs)})`),
            figure("datamove.bigquery_load_vs_manual", bq.ours.ms - bq.ours.verifyMs, "ms", bq.manualMs, "the same, ours without reading back"),
            figure("datamove.events_100k_peak_rss", smallRun.peakMb, "MiB", bq.ours.peakMb, "peak memory moving 1,000,000 events"),
            figure("datamove.events_1m_peak_rss", bq.ours.peakMb, "MiB", smallRun.peakMb, `peak memory moving 100,000 events (flat memory is ~1); V8 heap capped at ${MOVER_HEAP_MB} MiB in every run`),
            figure("datamove.postgres_550k_peak_rss", pg.ours.peakMb, "MiB", smallRun.peakMb, "peak memory moving 100,000 events, under the same cap"),
        ];
    } finally {
        await warehouse.stop();
        ownPg?.stop();
    }
}
