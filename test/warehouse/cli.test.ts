// The warehouse as its own process (`npm run warehouse`): one ready line, the real client
// against it, its state file surviving a restart, a clean exit on SIGTERM.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWarehouseArgs } from "../../cli/warehouse";
import { bigQueryClient } from "../../components/migration/warehouse";
import { PROJECT_ROOT } from "../../lib/root";
import { WarehouseControl } from "../../warehouse";

const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const P = "wh-cli";
let dir: string;
// Every process a test starts, so a failing test leaves none behind.
const started: ChildProcess[] = [];

interface Running {
    readonly child: ChildProcess;
    readonly url: string;
    stdout(): string;
    /** SIGTERM, then the exit code. */
    stop(): Promise<number | null>;
}

async function startProcess(args: string[]): Promise<Running> {
    const child = spawn(tsx, [path.join(PROJECT_ROOT, "cli", "warehouse.ts"), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    started.push(child);
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on("data", (d) => {
            stdout += d;
            const m = /^warehouse listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
            if (m) resolve(m[1]);
        });
        exited.then((code) => reject(new Error(`the warehouse exited (${code}) before it was ready: ${stderr}`)));
    });
    return {
        child,
        url,
        stdout: () => stdout,
        stop: async () => {
            child.kill("SIGTERM");
            return exited;
        },
    };
}

beforeAll(() => {
    process.env.METADATA_SERVER_DETECTION = "none";
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "wh-cli-"));
});
afterAll(async () => {
    for (const c of started) {
        if (c.exitCode !== null || c.signalCode !== null) continue;
        const exited = new Promise((r) => c.once("exit", r));
        c.kill("SIGTERM");
        await exited;
    }
    delete process.env.BIGQUERY_EMULATOR_HOST;
    fs.rmSync(dir, { recursive: true, force: true });
});

/** Whether anything still answers at `url`. */
const answers = (url: string) => fetch(`${url}/_warehouse/tables`).then(
    () => true,
    () => false,
);

describe("npm run warehouse", () => {
    it("serves the real client, keeps its store in --state across a restart, and exits 0 on SIGTERM", async () => {
        const state = path.join(dir, "state.json");
        const first = await startProcess(["--state", state]);
        process.env.BIGQUERY_EMULATOR_HOST = first.url;
        const bq = bigQueryClient(P, "US");
        await bq.createDataset("ds");
        await bq.dataset("ds").createTable("t", { schema: { fields: [{ name: "id", type: "STRING", mode: "REQUIRED" }, { name: "n", type: "INT64" }, { name: "doc", type: "JSON" }] } } as any);
        await bq.dataset("ds").table("t").insert([{ id: "a", n: "9007199254740993", doc: '{"k": 12345678901234567890}' }, { id: "b", n: 2, doc: "null" }]);
        await bq.query(`CREATE SNAPSHOT TABLE \`${P}.ds.t_snap\` CLONE \`${P}.ds.t\` OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 3 DAY))`);
        const [sum] = await bq.query({ query: `SELECT SUM(n) AS s FROM \`${P}.ds.t\``, wrapIntegers: true } as any);
        expect((sum[0] as any).s.value).toBe("9007199254740995");
        const control = new WarehouseControl(first.url);
        expect((await control.tables()).map((t) => [t.table, t.type, t.rows])).toEqual([
            [`${P}.ds.t`, "TABLE", 2],
            [`${P}.ds.t_snap`, "SNAPSHOT", 2],
        ]);
        expect(await first.stop()).toBe(0);
        expect(await answers(first.url)).toBe(false);
        // Exactly one line on stdout, whatever the process did.
        expect(first.stdout()).toBe(`warehouse listening on ${first.url}\n`);
        expect(JSON.parse(fs.readFileSync(state, "utf8")).tables).toHaveLength(2);

        // A new process on the same state file has everything back.
        const second = await startProcess(["--state", state, "--port", new URL(first.url).port]);
        expect(second.url).toBe(first.url);
        const [rows] = await bq.query({ query: `SELECT id, n, doc FROM \`${P}.ds.t_snap\` ORDER BY id`, wrapIntegers: true } as any);
        expect(rows.map((r: any) => [r.id, r.n.value, r.doc])).toEqual([
            ["a", "9007199254740993", '{"k": 12345678901234567890}'],
            ["b", "2", "null"],
        ]);
        const [listed] = await bq.dataset("ds").table("t").getRows();
        expect(listed.map((r: any) => r.doc)).toEqual(['{"k": 12345678901234567890}', "null"]);
        expect((await new WarehouseControl(second.url).jobs()).map((j) => j.statement?.split(" ")[0])).toEqual(["CREATE", "SELECT", "SELECT"]);
        expect(await second.stop()).toBe(0);
        expect(await answers(second.url)).toBe(false);
    });

    it("prints its usage with --help and refuses an unknown flag with exit 2", () => {
        const help = spawnSync(tsx, [path.join(PROJECT_ROOT, "cli", "warehouse.ts"), "--help"], { cwd: PROJECT_ROOT, encoding: "utf8" });
        expect(help.status).toBe(0);
        expect(help.stdout).toMatch(/^npm run warehouse -- \[--port N\] \[--state <file>\]\n/);
        expect(help.stdout).toContain("--state <file>");
        const bad = spawnSync(tsx, [path.join(PROJECT_ROOT, "cli", "warehouse.ts"), "--prot", "1"], { cwd: PROJECT_ROOT, encoding: "utf8" });
        expect(bad.status).toBe(2);
        expect(bad.stderr).toContain("--prot");
        expect(() => parseWarehouseArgs(["--port", "70000"])).toThrow("--port 70000 is not a port number");
        expect(parseWarehouseArgs(["--port", "9050", "--state", "s.json"])).toEqual({ port: 9050, state: "s.json", help: false });
    });
});
