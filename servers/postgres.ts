// A real PostgreSQL for tests and benchmarks: the server named by PGURL, or a throwaway one
// started from Debian's postgresql-15 package (server binaries live off PATH) on a random
// port, fsync off, removed afterwards. As root the server runs as the postgres user.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyMigrationsAt, readMigrations } from "../components/postgres";
import { freePort } from "./ports";

export interface RunningPostgres {
    /** Superuser URL of the maintenance database. */
    readonly url: string;
    /** Host and port the server listens on. */
    readonly host: string;
    readonly port: number;
    /** With `tls`: the PEM file of the certificate authority that signed the server's certificate. */
    readonly caFile?: string;
    /** Stops and removes a throwaway server; leaves a PGURL server alone. */
    readonly stop: () => void;
}

export interface PostgresOptions {
    /**
     * Serve TLS with a certificate for 127.0.0.1 and localhost signed by a throwaway CA, and
     * require a password (SCRAM) for TCP connections: what a managed PostgreSQL asks of a client,
     * so `sslmode=require` and `verify-full` are exercised for real.
     */
    readonly tls?: boolean;
    /** The superuser's password (with `tls`). */
    readonly password?: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost, made with openssl. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
    const f = (name: string) => path.join(dir, name);
    const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=synter local CA", "-keyout", f("ca.key"), "-out", f("ca.crt"));
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", f("server.key"), "-out", f("server.csr"));
    fs.writeFileSync(f("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", f("san.ext"), "-out", f("server.crt"));
    fs.chmodSync(f("server.key"), 0o600);
    return { ca: f("ca.crt"), cert: f("server.crt"), key: f("server.key") };
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
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
    if (process.env.PGURL && !options.tls) {
        const u = new URL(process.env.PGURL);
        return { url: process.env.PGURL, host: u.hostname, port: Number(u.port || 5432), stop: () => undefined };
    }
    const bin = postgresBinDir();
    if (!bin) throw new Error("PostgreSQL server binaries not found: install postgresql-15 (bash .ci/run does) or set PGURL");
    const asRoot = process.getuid?.() === 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-pg-"));
    const data = path.join(dir, "data");
    // As root, the server must run as an unprivileged user; postgres comes with the package.
    const run = (cmd: string, args: string[]) =>
        asRoot ? execFileSync("runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args], { stdio: "pipe" }) : execFileSync(path.join(bin, cmd), args, { stdio: "pipe" });
    const certs = options.tls ? makeCertificates(dir) : undefined;
    const auth = ["--auth-local=trust", options.tls ? "--auth-host=scram-sha-256" : "--auth-host=trust"];
    if (options.tls) fs.writeFileSync(path.join(dir, "pwfile"), `${options.password ?? "postgres"}\n`);
    if (asRoot) execFileSync("chown", ["-R", "postgres:postgres", dir]);
    run("initdb", ["-D", data, "-U", "postgres", ...auth, ...(options.tls ? [`--pwfile=${path.join(dir, "pwfile")}`] : []), "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]);
    const port = await freePort();
    const tls = certs ? ` -c ssl=on -c ssl_cert_file=${certs.cert} -c ssl_key_file=${certs.key} -c ssl_ca_file=${certs.ca}` : "";
    const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200${tls}`;
    run("pg_ctl", ["-D", data, "-o", serverOptions, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"]);
    const credentials = options.tls ? `postgres:${encodeURIComponent(options.password ?? "postgres")}` : "postgres";
    return {
        url: `postgresql://${credentials}@127.0.0.1:${port}/postgres${options.tls ? "?sslmode=require" : ""}`,
        host: "127.0.0.1",
        port,
        caFile: certs?.ca,
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

/** A new PostgreSQL database with the stack's migrations applied; returns its URL. */
export async function freshAuthDatabase(serverUrl: string): Promise<string> {
    const url = await freshDatabase(serverUrl, "move");
    await applyMigrationsAt(url, readMigrations());
    return url;
}
