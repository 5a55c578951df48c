// One ZetaSQL server per process. The npm client is a process-wide singleton bound to one port
// (ZetaSQLClient.init), so the analyzer and the local warehouse must share the server rather
// than each start their own: the second init would silently repoint the first user's client.
// The server binary is started here rather than through the package's runServer, which copies
// the server's output onto this process's stdout (the warehouse CLI promises one line there).
import { ChildProcess, spawn } from "child_process";
import * as net from "net";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const zetasql = require("@fivetrandevelopers/zetasql");

/** Language features BigQuery has and ZetaSQL keeps off unless asked: its types, snapshot and clone DDL. */
export const BIGQUERY_FEATURES = [
    "FEATURE_NUMERIC_TYPE", "FEATURE_BIGNUMERIC_TYPE", "FEATURE_JSON_TYPE", "FEATURE_GEOGRAPHY", "FEATURE_V_1_2_CIVIL_TIME",
    "FEATURE_CREATE_SNAPSHOT_TABLE", "FEATURE_CREATE_TABLE_CLONE",
];

/** The running server: the shared client and the raw gRPC service for calls the client does not wrap. */
export interface ZetaSqlServer {
    readonly port: number;
    /** ZetaSQLClient: analyze, registerCatalog, unRegisterCatalog, getLanguageOptions, ... */
    readonly client: any;
    /** Calls any method of the ZetaSqlLocalService (evaluateQuery, buildSql, ...). */
    call<T = any>(method: string, request: unknown): Promise<T>;
    /** Maximum language features plus BigQuery's, in external product mode, allowing these statement kinds. */
    languageOptions(statementKinds: readonly string[], extraFeatures?: readonly string[]): Promise<Record<string, unknown>>;
}

interface Running {
    readonly server: ZetaSqlServer;
    readonly child: ChildProcess;
}

let running: Promise<Running> | undefined;
let current: Running | undefined;
let users = 0;
let exitHook = false;

function serverBinary(): string {
    // The package ships one binary per platform; its own runServer picks the same way.
    const lib = path.dirname(require.resolve("@fivetrandevelopers/zetasql"));
    const extension = (process.arch.startsWith("arm") ? "_arm" : "") + (process.platform === "darwin" ? "" : ".so");
    return path.join(lib, "zetasql", `remote_server${extension}`);
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

async function launch(): Promise<Running> {
    const port = await freePort();
    const child = spawn(serverBinary(), ["localhost", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString("utf8")).slice(-4000)));
    // Neither the server nor its pipe may keep a finished process alive.
    child.unref();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    child.once("exit", () => {
        if (current?.child === child) running = undefined;
    });
    if (!exitHook) {
        exitHook = true;
        process.once("exit", () => current?.child.kill("SIGKILL"));
    }
    zetasql.ZetaSQLClient.init(port);
    const client = zetasql.ZetaSQLClient.getInstance();
    const api = zetasql.ZetaSQLClient.API;
    const deadline = Date.now() + 60_000;
    let up = false;
    while (!up && Date.now() < deadline && child.exitCode === null) {
        up = await client.testConnection().catch(() => false);
        if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    if (!up) {
        child.kill("SIGKILL");
        throw new Error(`the ZetaSQL server did not start${stderr ? `: ${stderr.trim()}` : ""}`);
    }
    const languageCache = new Map<string, Promise<Record<string, unknown>>>();
    let base: Promise<any> | undefined;
    const server: ZetaSqlServer = {
        port,
        client,
        call<T>(method: string, request: unknown): Promise<T> {
            return new Promise<T>((resolve, reject) => api[method](request, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));
        },
        languageOptions(statementKinds, extraFeatures = []) {
            const key = JSON.stringify([statementKinds, extraFeatures]);
            let options = languageCache.get(key);
            if (!options) {
                const b = (base ??= client.getLanguageOptions({ maximumFeatures: true, languageVersion: "VERSION_CURRENT" }) as Promise<any>);
                options = b.then((b: any) => ({
                    ...b,
                    enabledLanguageFeatures: [...new Set([...(b.enabledLanguageFeatures ?? []), ...BIGQUERY_FEATURES, ...extraFeatures])],
                    productMode: "PRODUCT_EXTERNAL",
                    supportedStatementKinds: [...statementKinds],
                }));
                languageCache.set(key, options);
            }
            return options;
        },
    };
    const r = { server, child };
    current = r;
    return r;
}

/** The process's ZetaSQL server, started on first use; pair every call with releaseZetaSql(). */
export async function acquireZetaSql(): Promise<ZetaSqlServer> {
    users++;
    try {
        running ??= launch();
        return (await running).server;
    } catch (err) {
        users--;
        running = undefined;
        throw err;
    }
}

/** Gives the server back; the last user to leave stops it. */
export function releaseZetaSql(): void {
    users = Math.max(0, users - 1);
    if (users === 0 && current) {
        current.child.kill("SIGKILL");
        current = undefined;
        running = undefined;
    }
}

/** The message of a ZetaSQL gRPC error (its details), or the error itself as text. */
export function zetaSqlMessage(err: unknown): string {
    const e = err as { details?: string; message?: string };
    return e?.details || e?.message || String(err);
}
