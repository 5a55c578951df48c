// Every command in cli/ answers --help with its usage line and exit 0, before doing anything else.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/root";

const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const CLI = path.join(PROJECT_ROOT, "cli");
// command.ts is the commands' shared parser, not a command.
const commands = fs.readdirSync(CLI).filter((f) => f.endsWith(".ts") && f !== "command.ts").sort();
const scripts = Object.values(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts as Record<string, string>);

function help(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(tsx, [path.join(CLI, file), "--help"], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
        );
    });
}

describe("the commands", () => {
    it("are the entry points of the npm scripts, all in cli/", () => {
        const entries = scripts.flatMap((s) => [...s.matchAll(/\btsx (\S+\.ts)/g)].map((m) => m[1]));
        expect(entries.filter((e) => !e.startsWith("cli/"))).toEqual([]);
        for (const c of commands) expect(entries, c).toContain(`cli/${c}`);
    });

    it.concurrent.each(commands)("%s --help prints its usage line and exits 0", async (file) => {
        const r = await help(file);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.split("\n")[0]).toMatch(/^npm run [\w:-]+( .+)?$/);
    });
});
