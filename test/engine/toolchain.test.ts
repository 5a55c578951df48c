// The engine toolchain as the harness uses it: binaries that start, versions from the lock file,
// a second call that builds nothing, and the CLI running a Node.js program offline.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureToolchain, lockedVersions, Toolchain } from "../../engine/toolchain";

const ROOT = path.resolve(__dirname, "..", "..");
// A cold build (module downloads and a full compile of the CLI) takes minutes on two cores.
const COLD_BUILD_MS = 45 * 60_000;

let tc: Toolchain;

beforeAll(async () => {
    tc = await ensureToolchain({ log: (line) => process.stderr.write(`[toolchain test] ${line}\n`) });
}, COLD_BUILD_MS);

/** Starts a plugin and returns the first line it prints (plugins announce their port), then stops it. */
function firstLine(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`${cmd} printed nothing in 30 s; stderr: ${err}`));
        }, 30_000);
        child.stdout.on("data", (c: Buffer) => {
            out += c.toString("utf8");
            const nl = out.indexOf("\n");
            if (nl >= 0) {
                clearTimeout(timer);
                child.kill("SIGKILL");
                resolve(out.slice(0, nl).trim());
            }
        });
        child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
        child.once("error", reject);
        child.once("exit", (code) => {
            if (!out.includes("\n")) {
                clearTimeout(timer);
                reject(new Error(`${cmd} exited ${code} before printing a line; stderr: ${err}`));
            }
        });
    });
}

describe("engine toolchain", () => {
    it("builds the CLI at the locked @pulumi/pulumi version", () => {
        const r = spawnSync(tc.pulumi, ["version"], { env: tc.env(), encoding: "utf8" });
        expect(r.status).toBe(0);
        expect(r.stdout.trim()).toBe(`v${lockedVersions().pulumi}`);
        expect(path.dirname(tc.pulumi)).toBe(tc.binDir);
    });

    it("keeps everything outside the repository", () => {
        for (const p of [tc.binDir, tc.pulumiHome, tc.cacheDir]) expect(path.relative(ROOT, p).startsWith("..")).toBe(true);
    });

    it("has an executable Node.js language host that serves on a port", async () => {
        expect(tc.languageNodejs).toBeDefined();
        fs.accessSync(tc.languageNodejs!, fs.constants.X_OK);
        // The engine starts it with its own address; a closed port is enough for it to announce itself.
        expect(await firstLine(tc.languageNodejs!, ["127.0.0.1:1"], ROOT, tc.env())).toMatch(/^\d+$/);
    });

    it("has the dynamic-provider plugin, which runs this project's SDK and serves on a port", async () => {
        fs.accessSync(tc.dynamicProvider, fs.constants.X_OK);
        expect(await firstLine(tc.dynamicProvider, ["127.0.0.1:1"], ROOT, tc.env())).toMatch(/^\d+$/);
    });

    for (const name of ["random", "postgresql"] as const) {
        it(`pulumi-resource-${name} serves on a port, or the toolchain says precisely why it is missing`, async () => {
            const binary = tc.providers[name];
            if (!binary) {
                const why = tc.unavailable.find((u) => u.name === `pulumi-resource-${name}`);
                expect(why?.reason).toMatch(/Go module proxy|no commit of/);
                expect(() => tc.require(`pulumi-resource-${name}`)).toThrow(why!.reason);
                return;
            }
            expect(await firstLine(binary, [], ROOT, tc.env())).toMatch(/^\d+$/);
        });
    }

    it("says why whenever it built something other than the locked release", () => {
        const locked: Record<string, string> = {
            pulumi: `v${tc.versions.pulumi}`,
            "pulumi-language-nodejs": `v${tc.versions.pulumi}`,
            "pulumi-resource-random": tc.versions.random,
            "pulumi-resource-postgresql": tc.versions.postgresql,
        };
        expect(tc.built.find((b) => b.name === "pulumi")?.substitute).toBeUndefined();
        for (const b of tc.built) if (b.release !== locked[b.name]) expect(b.substitute, b.name).toMatch(/instead of/);
    });

    it("a second call builds nothing and returns in seconds", async () => {
        const before = tc.built.map((b) => [b.path, fs.statSync(b.path).mtimeMs] as const);
        const started = Date.now();
        const again = await ensureToolchain();
        expect(Date.now() - started).toBeLessThan(15_000);
        expect(again.key).toBe(tc.key);
        for (const [p, mtime] of before) expect(fs.statSync(p).mtimeMs).toBe(mtime);
    });
});

describe("the CLI offline", () => {
    let dir: string;
    afterAll(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("logs in to a file backend, inits a stack and runs a Node.js program with a dynamic resource", () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "toolchain-offline-"));
        const project = path.join(dir, "project");
        const backend = path.join(dir, "backend");
        fs.mkdirSync(project);
        fs.mkdirSync(backend);
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: toolchain-offline\nruntime: nodejs\n");
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "toolchain-offline", main: "index.js" }));
        fs.writeFileSync(
            path.join(project, "index.js"),
            [
                'const pulumi = require("@pulumi/pulumi");',
                "const provider = { async create(inputs) { return { id: \"1\", outs: { doubled: inputs.n * 2 } }; } };",
                "class Doubler extends pulumi.dynamic.Resource { constructor(name, args) { super(provider, name, { doubled: undefined, ...args }, {}); } }",
                'exports.doubled = new Doubler("d", { n: 21 }).doubled;',
                "",
            ].join("\n"),
        );
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"));
        const home = path.join(dir, "pulumi-home");
        const env = tc.env({ PULUMI_HOME: home, PULUMI_CONFIG_PASSPHRASE: "offline", PULUMI_BACKEND_URL: `file://${backend}` });
        const pulumi = (...args: string[]) => {
            const r = spawnSync(tc.pulumi, [...args, "--non-interactive"], { cwd: project, env, encoding: "utf8", timeout: 180_000 });
            if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
            return r.stdout;
        };
        expect(pulumi("login", `file://${backend}`)).toContain("Logged in");
        pulumi("stack", "init", "dev");
        expect(pulumi("preview")).toMatch(/\+ 2 to create/);
        pulumi("up", "--yes");
        expect(pulumi("stack", "output", "doubled").trim()).toBe("42");
    }, 300_000);
});
