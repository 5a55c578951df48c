// 5. Data move: rows per second and peak memory of `npm run migrate-data` moving a generated
// events table of 100,000 and 1,000,000 rows from a real MariaDB into BigQuery (the fake,
// in this process); the mover runs as its own process so its memory is its own. Both runs get
// the same V8 heap cap (MOVER_HEAP_MB): without one, V8 lets garbage pile up the longer a
// process runs, and peak memory would measure that laziness rather than what the move needs.
// A 1,000,000-row move finishing under the same cap as a 100,000-row one, at the same peak,
// is the evidence that memory does not grow with the table.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../plan/runtime";
import { BigQueryFake } from "../test/support/bigqueryFake";
import { freshSource, mysqlExec, seedAnalyticsTables } from "../test/support/datamove";
import { Figure, figure } from "./figures";

const P = "synter-bench";
const MOVER_HEAP_MB = 128;
const DS = "synter_analytics";

async function generateEvents(source: string, rows: number): Promise<void> {
    // MariaDB's sequence engine makes the rows server-side, in batches of 100,000.
    for (let from = 1; from <= rows; from += 100_000) {
        const to = Math.min(rows, from + 99_999);
        await mysqlExec(
            source,
            `INSERT INTO events
             SELECT CONCAT('evt-', seq), ELT(1 + seq % 4, 'page_view', 'signup', 'purchase', 'click'),
                    TIMESTAMP('2025-01-01 00:00:00') + INTERVAL seq SECOND + INTERVAL (seq % 1000000) MICROSECOND,
                    ELT(1 + seq % 3, 'google', 'meta', 'linkedin'), CONCAT('cmp-', seq % 500), CONCAT('user-', seq % 20000),
                    CONCAT('sess-', seq % 100000), JSON_OBJECT('path', CONCAT('/page/', seq % 50), 'n', seq, 'label', 'a, "b"\\n')
             FROM seq_${from}_to_${to}`,
        );
    }
}

/** Rows per second of reading the table with the same client and nothing else: the floor. */
async function rawRead(source: string): Promise<number> {
    const mysql = await import("mysql2");
    const conn = mysql.createConnection({ uri: source, dateStrings: true, bigNumberStrings: true, supportBigNumbers: true, jsonStrings: true });
    const started = Date.now();
    let n = 0;
    for await (const _ of conn.query("SELECT * FROM events").stream({ highWaterMark: 1000 }) as any) n++;
    const ms = Date.now() - started;
    await new Promise<void>((r) => conn.end(() => r()));
    return (n / ms) * 1000;
}

/** Runs the mover for events; returns wall time and the process's peak resident memory (VmHWM). */
async function runMover(source: string, fakeUrl: string): Promise<{ ms: number; verifyMs: number; peakMb: number; code: number | null; stderr: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-bench-"));
    const state = path.join(dir, "state.json");
    const report = path.join(dir, "report.json");
    const started = Date.now();
    const child = spawn(process.execPath, [`--max-old-space-size=${MOVER_HEAP_MB}`, "--import", "tsx", "scripts/migrate-data.ts", "--source", source, "--bigquery-project", P, "--tables", "events", "--state", state, "--report-json", report], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, BIGQUERY_EMULATOR_HOST: fakeUrl, METADATA_SERVER_DETECTION: "none" },
        stdio: ["ignore", "pipe", "pipe"],
    });
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
    const verifyMs = fs.existsSync(report) ? Number(JSON.parse(fs.readFileSync(report, "utf8"))[0]?.verifySeconds ?? 0) * 1000 : 0;
    fs.rmSync(dir, { recursive: true, force: true });
    return { ms: Date.now() - started, verifyMs, peakMb: peakKb / 1024, code, stderr };
}

export async function dataMoveFigures(mysqlServer: string): Promise<Figure[]> {
    const results = new Map<number, { rate: number; loadRate: number; raw: number; peakMb: number }>();
    for (const rows of [100_000, 1_000_000]) {
        const fake = new BigQueryFake();
        const url = await fake.start();
        try {
            seedAnalyticsTables(fake, P, DS);
            const source = await freshSource(mysqlServer);
            await generateEvents(source, rows);
            const raw = await rawRead(source);
            const run = await runMover(source, url);
            if (run.code !== 0) throw new Error(`migrate-data exited ${run.code}: ${run.stderr.slice(-2000)}`);
            results.set(rows, { rate: (rows / run.ms) * 1000, loadRate: (rows / (run.ms - run.verifyMs)) * 1000, raw, peakMb: run.peakMb });
            await mysqlExec(source, `DROP DATABASE ${new URL(source).pathname.slice(1)}`);
        } finally {
            await fake.stop();
        }
    }
    const small = results.get(100_000)!;
    const large = results.get(1_000_000)!;
    return [
        figure("datamove.events_100k_rows_per_s", small.rate, "rows/s", small.raw, "reading the same rows from MariaDB and nothing else"),
        figure("datamove.events_1m_rows_per_s", large.rate, "rows/s", large.raw, "reading the same rows from MariaDB and nothing else"),
        figure("datamove.events_1m_load_rows_per_s", large.loadRate, "rows/s", large.raw, "the same; this leaves out reading the rows back to verify them"),
        figure("datamove.events_100k_peak_rss", small.peakMb, "MiB", large.peakMb, "peak memory moving 1,000,000 rows"),
        figure("datamove.events_1m_peak_rss", large.peakMb, "MiB", small.peakMb, `peak memory moving 100,000 rows (flat memory is ~1); V8 heap capped at ${MOVER_HEAP_MB} MiB in both`),
    ];
}
