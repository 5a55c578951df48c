// A real PostgreSQL for tests and benchmarks: the server named by PGURL, or a throwaway one
// started from Debian's postgresql-15 package (server binaries live off PATH) on a random
// port, fsync off, removed afterwards. As root the server runs as the postgres user.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "./ports";

export interface RunningPostgres {
    /** Superuser URL of the maintenance database. */
    readonly url: string;
    /** Stops and removes a throwaway server; leaves a PGURL server alone. */
    readonly stop: () => void;
}

/** Where initdb and pg_ctl are: PG_BIN, else the newest /usr/lib/postgresql/<n>/bin, else PATH. */
export function postgresBinDir(): string | undefined {
    if (process.env.PG_BIN) return process.env.PG_BIN;
    const root = "/usr/lib/postgresql";
    if (fs.existsSync(root)) {
        const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
        if (versions.length) return path.join(root, versions[0], "bin");
    }
    const found = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).stdout.trim();
    return found ? path.dirname(found) : undefined;
}

/** Starts a throwaway PostgreSQL, or returns PGURL's server (stop is then a no-op). */
export async function startPostgres(): Promise<RunningPostgres> {
    if (process.env.PGURL) return { url: process.env.PGURL, stop: () => undefined };
    const bin = postgresBinDir();
    if (!bin) throw new Error("PostgreSQL server binaries not found: install postgresql-15 (bash .ci/run does) or set PGURL");
    const asRoot = process.getuid?.() === 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-pg-"));
    const data = path.join(dir, "data");
    // As root, the server must run as an unprivileged user; postgres comes with the package.
    const run = (cmd: string, args: string[]) =>
        asRoot ? execFileSync("runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args], { stdio: "pipe" }) : execFileSync(path.join(bin, cmd), args, { stdio: "pipe" });
    if (asRoot) execFileSync("chown", ["postgres:postgres", dir]);
    run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]);
    const port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    run("pg_ctl", ["-D", data, "-o", options, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"]);
    return {
        url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
        stop: () => {
            try {
                run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    };
}

/** A URL of `base` pointing at another database (and optionally another user). */
export function withDatabase(base: string, database: string, user?: string, password?: string): string {
    const u = new URL(base);
    u.pathname = `/${database}`;
    if (user !== undefined) {
        u.username = encodeURIComponent(user);
        u.password = password ? encodeURIComponent(password) : "";
    }
    return u.toString();
}

/** Creates an empty database with a unique name on the server; returns its URL. */
export async function freshDatabase(serverUrl: string, prefix = "t"): Promise<string> {
    const { Client } = await import("pg");
    const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const c = new Client({ connectionString: serverUrl });
    await c.connect();
    try {
        await c.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
    } finally {
        await c.end();
    }
    return withDatabase(serverUrl, name);
}
