// A real MariaDB for the data-move tests and benchmarks: the server named by MYSQLURL, or a
// throwaway one from Debian's mariadb-server package (mariadbd is off PATH) on a random port,
// removed afterwards. As root the server runs as the mysql user.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/root";
import { freePort } from "./ports";

export interface RunningMariaDb {
    /** Root URL without a database. */
    readonly url: string;
    readonly stop: () => Promise<void>;
}

function find(names: string[]): string | undefined {
    for (const n of names) for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]) if (fs.existsSync(path.join(dir, n))) return path.join(dir, n);
    return undefined;
}

async function waitForPort(port: number, ms: number, log: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = net.connect(port, "127.0.0.1", () => {
                s.destroy();
                resolve(true);
            });
            s.on("error", () => resolve(false));
        });
        if (ok) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`MariaDB did not start on port ${port}: ${fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2000) : "no log"}`);
}

/** Starts a throwaway MariaDB, or returns MYSQLURL's server (stop is then a no-op). */
export async function startMariaDb(): Promise<RunningMariaDb> {
    if (process.env.MYSQLURL) return { url: process.env.MYSQLURL, stop: async () => undefined };
    const server = find(["mariadbd", "mysqld"]);
    const install = find(["mariadb-install-db", "mysql_install_db"]);
    if (!server || !install) throw new Error("MariaDB server not found: install mariadb-server (bash .ci/run does) or set MYSQLURL");
    const asRoot = process.getuid?.() === 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-mariadb-"));
    if (asRoot) execFileSync("chown", ["mysql:mysql", dir]);
    const data = path.join(dir, "data");
    // SELECT … INTO OUTFILE (the bench's manual path) writes only here.
    const files = path.join(dir, "files");
    fs.mkdirSync(files);
    if (asRoot) execFileSync("chown", ["mysql:mysql", files]);
    const user = asRoot ? ["--user=mysql"] : [];
    execFileSync(install, ["--no-defaults", `--datadir=${data}`, ...user, "--auth-root-authentication-method=normal", "--skip-test-db"], { stdio: "pipe" });
    const port = await freePort();
    const log = path.join(dir, "server.log");
    const child = spawn(
        server,
        [
            "--no-defaults", `--datadir=${data}`, ...user, `--port=${port}`, "--bind-address=127.0.0.1", `--socket=${path.join(dir, "sock")}`,
            `--pid-file=${path.join(dir, "pid")}`, `--log-error=${log}`, "--skip-grant-tables", "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci", "--max-connections=200",
            `--secure-file-priv=${files}`,
        ],
        { stdio: "ignore", detached: false },
    );
    await waitForPort(port, 30_000, log);
    return {
        url: `mysql://root@127.0.0.1:${port}`,
        stop: async () => {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** The legacy layout the data move reads: the source tables as SingleStore/MySQL hold them. */
const SOURCE_SCHEMA = path.join(PROJECT_ROOT, "test", "fixtures", "mysql", "source.sql");

/** Runs statements on the MariaDB (one connection, multiple statements, zero dates allowed). */
export async function mysqlExec(url: string, sql: string, params: unknown[] = []): Promise<any> {
    const mysql = await import("mysql2/promise");
    const conn = await mysql.createConnection({ uri: url, multipleStatements: true, charset: "utf8mb4", dateStrings: true, bigNumberStrings: true, supportBigNumbers: true });
    try {
        await conn.query("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
        const [rows] = await conn.query(sql, params);
        return rows;
    } finally {
        await conn.end();
    }
}

/** A new source database with the legacy tables, empty; returns its URL. */
export async function freshSource(serverUrl: string): Promise<string> {
    const name = `src_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
    await mysqlExec(serverUrl, `CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
    const url = `${serverUrl.replace(/\/$/, "")}/${name}`;
    await mysqlExec(url, fs.readFileSync(SOURCE_SCHEMA, "utf8"));
    return url;
}
