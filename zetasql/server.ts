// One ZetaSQL server per process. The npm client is a process-wide singleton bound to one port
// (ZetaSQLClient.init), so the analyzer and the local warehouse must share the server rather
// than each start their own: the second init would silently repoint the first user's client.
// The server binary is started here rather than through the package's runServer, which copies
// the server's output onto this process's stdout (the warehouse CLI promises one line there).
// Should the server die, the next call that waits on ready() starts a new one; registered
// catalogues die with it, which `generation` tells their owners.
import { ChildProcess, spawn } from "child_process";
import * as net from "net";
import * as path from "path";
import { encodeContentMap } from "./wire";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const zetasql = require("@fivetrandevelopers/zetasql");

/** Language features BigQuery has and ZetaSQL keeps off unless asked: its types, snapshot and clone DDL. */
export const BIGQUERY_FEATURES = [
    "FEATURE_NUMERIC_TYPE", "FEATURE_BIGNUMERIC_TYPE", "FEATURE_JSON_TYPE", "FEATURE_GEOGRAPHY", "FEATURE_V_1_2_CIVIL_TIME",
    "FEATURE_CREATE_SNAPSHOT_TABLE", "FEATURE_CREATE_TABLE_CLONE",
];

/** The process's server: the shared client and the raw gRPC service for calls the client does not wrap. */
export interface ZetaSqlServer {
    /** ZetaSQLClient: analyze, registerCatalog, unRegisterCatalog, getLanguageOptions, ... */
    readonly client: any;
    /** Bumped each time a server (re)starts: catalogues registered before are gone. */
    readonly generation: number;
    /** Starts a new server if the last one died. */
    ready(): Promise<void>;
    /** Calls any method of the ZetaSqlLocalService by its client name (evaluateQuery, buildSql, ...). */
    call<T = any>(method: string, request: unknown): Promise<T>;
    /**
     * Calls a method whose request has a `map<string, TableContent>` field (RegisterCatalog 4,
     * EvaluateQuery 7, EvaluateModify 7), with the contents already in wire format (zetasql/wire.ts).
     */
    callWithContents<T = any>(method: string, request: unknown, contentField: number, contents: ReadonlyMap<string, Buffer>): Promise<T>;
    /** Maximum language features plus BigQuery's, in external product mode, allowing these statement kinds. */
    languageOptions(statementKinds: readonly string[], extraFeatures?: readonly string[]): Promise<Record<string, unknown>>;
}

let child: ChildProcess | undefined;
let starting: Promise<void> | undefined;
let generation = 0;
let users = 0;
let exitHook = false;
let base: Promise<any> | undefined;
const languageCache = new Map<string, Promise<Record<string, unknown>>>();

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

const alive = () => !!child && child.exitCode === null && child.signalCode === null;

// The server runs under a shell that ends it when this process's end of its stdin closes: on
// release, on exit, and also when this process is killed outright (a crash test's SIGKILL), which
// no exit handler sees. The shell itself ends when the server does, so a dead server is noticed.
const WATCHDOG = 'exec 3<&0; "$@" & pid=$!; ( read _ <&3; kill $pid 2>/dev/null ) & wait $pid';

async function launch(): Promise<void> {
    const port = await freePort();
    const proc = spawn("/bin/sh", ["-c", WATCHDOG, "zetasql", serverBinary(), "localhost", String(port)], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString("utf8")).slice(-4000)));
    // Neither the server nor its pipes may keep a finished process alive.
    proc.unref();
    for (const stream of [proc.stdin, proc.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    if (!exitHook) {
        exitHook = true;
        process.once("exit", () => stopServer());
    }
    child = proc;
    zetasql.ZetaSQLClient.init(port);
    const client = zetasql.ZetaSQLClient.getInstance();
    const deadline = Date.now() + 60_000;
    let up = false;
    while (!up && Date.now() < deadline && proc.exitCode === null) {
        up = await client.testConnection().catch(() => false);
        if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    if (!up) {
        stopServer();
        throw new Error(`the ZetaSQL server did not start${stderr ? `: ${stderr.trim()}` : ""}`);
    }
    generation++;
}

async function ensure(): Promise<void> {
    if (alive()) return;
    starting ??= launch().finally(() => (starting = undefined));
    await starting;
}

const api = () => zetasql.ZetaSQLClient.API;

const server: ZetaSqlServer = {
    get client() {
        return zetasql.ZetaSQLClient.getInstance();
    },
    get generation() {
        return generation;
    },
    ready: ensure,
    call<T>(method: string, request: unknown): Promise<T> {
        const a = api();
        return new Promise<T>((resolve, reject) => a[method](request, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));
    },
    callWithContents<T>(method: string, request: unknown, contentField: number, contents: ReadonlyMap<string, Buffer>): Promise<T> {
        const a = api();
        const rpc = a.constructor.service[method];
        // A serialized message followed by more fields is that message with those fields set.
        const bytes = Buffer.concat([rpc.requestSerialize(request), encodeContentMap(contentField, contents)]);
        return new Promise<T>((resolve, reject) => a.makeUnaryRequest(rpc.path, (b: Buffer) => b, rpc.responseDeserialize, bytes, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));
    },
    languageOptions(statementKinds, extraFeatures = []) {
        const key = JSON.stringify([statementKinds, extraFeatures]);
        let options = languageCache.get(key);
        if (!options) {
            const b = (base ??= zetasql.ZetaSQLClient.getInstance().getLanguageOptions({ maximumFeatures: true, languageVersion: "VERSION_CURRENT" }) as Promise<any>);
            options = b.then((o: any) => ({
                ...o,
                enabledLanguageFeatures: [...new Set([...(o.enabledLanguageFeatures ?? []), ...BIGQUERY_FEATURES, ...extraFeatures])],
                productMode: "PRODUCT_EXTERNAL",
                supportedStatementKinds: [...statementKinds],
            }));
            options.catch(() => languageCache.delete(key));
            languageCache.set(key, options);
        }
        return options;
    },
};

/** The process's ZetaSQL server, started on first use; pair every call with releaseZetaSql(). */
export async function acquireZetaSql(): Promise<ZetaSqlServer> {
    users++;
    try {
        await ensure();
        return server;
    } catch (err) {
        users--;
        throw err;
    }
}

function stopServer(): void {
    // Closing its stdin is what ends the server (see WATCHDOG).
    child?.stdin?.end();
    child = undefined;
}

/** Gives the server back; the last user to leave stops it. */
export function releaseZetaSql(): void {
    users = Math.max(0, users - 1);
    if (users === 0) stopServer();
}

/** The message of a ZetaSQL gRPC error (its details), or the error itself as text. */
export function zetaSqlMessage(err: unknown): string {
    const e = err as { details?: string; message?: string };
    return e?.details || e?.message || String(err);
}
