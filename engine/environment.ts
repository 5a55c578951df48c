// Everything a local `pulumi up` of this program talks to: the engine toolchain, the stand-in gcp
// provider, the local warehouse in its own process, and a throwaway PostgreSQL that serves TLS
// and asks for a password, as a managed one does. `stop()` ends whatever was started.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../lib/root";
import { startPostgres, RunningPostgres } from "../servers/postgres";
import { installPolicyRunner } from "./policyPack";
import { installGcpStandIn, installPostgresqlStandIn, installRandomStandIn } from "./standIn";
import type { EngineBinaries, LocalEndpoints } from "./localStack";
import { ensureToolchain } from "./toolchain";

export interface LocalEnvironment {
    readonly binaries: EngineBinaries;
    /** Holds the stand-in `pulumi-resource-gcp`; goes first on PATH for local runs only. */
    readonly pluginDir: string;
    readonly endpoints: LocalEndpoints;
    /** Admin URL of the local PostgreSQL (TLS). */
    readonly postgresUrl: string;
    readonly warehouse: WarehouseProcess;
    /** Scratch space of this environment, removed by stop() unless kept. */
    readonly dir: string;
    stop(): Promise<void>;
}

/** The local warehouse running as its own process. */
export interface WarehouseProcess {
    readonly url: string;
    readonly stateFile: string;
    /** Stops it (SIGTERM), keeping its state file. */
    stop(): Promise<void>;
    /** Starts it again on the same port from its state file. */
    restart(): Promise<void>;
}

/** Starts the local warehouse (`cli/warehouse.ts`) and waits for its ready line. */
export async function startWarehouseProcess(stateFile: string, port = 0): Promise<WarehouseProcess> {
    let child: ChildProcess | undefined;
    let url = "";
    const launch = async (p: number) => {
        const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
        const proc = spawn(tsx, [path.join(PROJECT_ROOT, "cli", "warehouse.ts"), "--port", String(p), "--state", stateFile], {
            cwd: PROJECT_ROOT,
            stdio: ["ignore", "pipe", "pipe"],
        });
        child = proc;
        let seen = "";
        url = await new Promise<string>((resolve, reject) => {
            const onData = (c: Buffer) => {
                seen += c.toString("utf8");
                const m = /warehouse listening on (http:\/\/\S+)/.exec(seen);
                if (m) resolve(m[1]);
            };
            proc.stdout!.on("data", onData);
            proc.stderr!.on("data", (c: Buffer) => (seen += c.toString("utf8")));
            proc.once("exit", (code) => reject(new Error(`the local warehouse exited (${code}) before it was ready:\n${seen.slice(-2000)}`)));
        });
    };
    await launch(port);
    const stop = async () => {
        const c = child;
        if (!c || c.exitCode !== null) return;
        const exited = new Promise((r) => c.once("exit", r));
        c.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    };
    return {
        get url() {
            return url;
        },
        stateFile,
        stop,
        async restart() {
            await stop();
            await launch(Number(new URL(url).port));
        },
    };
}

export interface EnvironmentOptions {
    /** Scratch directory; a new temporary one when omitted. */
    readonly dir?: string;
    /** Leave the scratch directory behind (for inspection). */
    readonly keep?: boolean;
    readonly log?: (line: string) => void;
}

/** Builds or finds the toolchain and starts the local services. */
export async function startLocalEnvironment(options: EnvironmentOptions = {}): Promise<LocalEnvironment> {
    const log = options.log ?? (() => undefined);
    const binaries = await ensureToolchain({ log });
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "synter-engine-"));
    fs.mkdirSync(dir, { recursive: true });
    const pluginDir = path.join(dir, "plugins");
    fs.mkdirSync(pluginDir, { recursive: true });
    installGcpStandIn(pluginDir);
    // pluginDir comes first on PATH: a stand-in there would shadow a provider the toolchain built.
    if (!binaries.providers.random) installRandomStandIn(pluginDir);
    if (!binaries.providers.postgresql) installPostgresqlStandIn(pluginDir);
    installPolicyRunner(pluginDir);
    const started: { stop: () => Promise<void> | void }[] = [];
    try {
        log("starting the local warehouse");
        const warehouse = await startWarehouseProcess(path.join(dir, "warehouse.json"));
        started.push(warehouse);
        log(`local warehouse at ${warehouse.url}`);
        const adminPassword = `pw-${Math.random().toString(36).slice(2, 12)}`;
        log("starting PostgreSQL (TLS, password authentication)");
        const pg: RunningPostgres = await startPostgres({ tls: true, password: adminPassword });
        started.push(pg);
        log(`PostgreSQL at ${pg.host}:${pg.port}`);
        const endpoints: LocalEndpoints = {
            warehouseUrl: warehouse.url,
            postgres: { host: pg.host, port: pg.port, adminPassword, caFile: pg.caFile },
            redisUrl: "redis://127.0.0.1:6379/0",
        };
        return {
            binaries,
            pluginDir,
            endpoints,
            postgresUrl: pg.url,
            warehouse,
            dir,
            async stop() {
                for (const s of started.reverse()) await Promise.resolve(s.stop()).catch(() => undefined);
                if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
            },
        };
    } catch (err) {
        for (const s of started.reverse()) await Promise.resolve(s.stop()).catch(() => undefined);
        throw err;
    }
}
