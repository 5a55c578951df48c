import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/root";
import { stackConfig } from "../../plan/stackFile";

const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const plan = (...args: string[]) => spawnSync(tsx, ["cli/plan.ts", ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });

describe("npm run plan", () => {
    it("prints the cutover as JSON: a snapshot and a drop after it for every legacy table, a rename per v2 table", () => {
        const out = execFileSync(tsx, ["cli/plan.ts", "--stack", "prod", "--phase", "cutover", "--format", "json"], { cwd: PROJECT_ROOT, encoding: "utf8" });
        const doc = JSON.parse(out);
        expect(doc).toMatchObject({ stack: "prod", phase: "cutover" });
        const steps = doc.migration.steps as { action: string; source: string; target: string; dependsOn: string[] }[];
        for (const t of ["raw_cursor_usage", "raw_anthropic_usage", "raw_anthropic_cost", "fct_usage_daily", "fct_cost_daily", "dim_users", "dim_api_keys"]) {
            const snap = steps.find((s) => s.action === "snapshot" && s.source === `synter_analytics.${t}`);
            const drop = steps.find((s) => s.action === "drop" && s.source === `synter_analytics.${t}`);
            expect(drop?.dependsOn).toEqual([snap?.target]);
        }
        expect(steps.filter((s) => s.action === "rename").map((s) => s.target)).toEqual(["synter_analytics.fact_cursor_daily_usage", "synter_analytics.fact_claude_daily_usage"]);
        expect(doc.outputs.POSTGRES_URL).toBe("[secret]");
        expect(doc.resources.every((r: any) => "protect" in r.options && Array.isArray(r.options.dependsOn))).toBe(true);
    });

    it("prints Markdown by default", () => {
        const r = plan("--stack", "dev");
        expect(r.status).toBe(0);
        expect(r.stdout).toContain("## Offline plan: stack `dev`, phase `parallel`");
    });

    it("exits non-zero with the error on a bad stack or phase", () => {
        const bad = plan("--stack", "staging");
        expect(bad.status).toBe(1);
        expect(bad.stderr).toContain("plan failed: Pulumi.staging.yaml: no such stack file (stacks: dev, prod)");
        const phase = plan("--stack", "dev", "--phase", "done");
        expect(phase.status).toBe(1);
        expect(phase.stderr).toContain("plan failed: --phase done: must be one of parallel, validate, cutover, complete, rollback");
    });
});

describe("stack files", () => {
    const withStack = (yaml: string) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-stack-"));
        fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), yaml);
        return dir;
    };

    it("refuses a declared secret written in clear, naming file and line", () => {
        const dir = withStack("config:\n  synter-infra:environment: dev\n  synter-infra:redisUrl: redis://cache:6379\n");
        expect(() => stackConfig("bad", {}, dir)).toThrow(
            "Pulumi.bad.yaml:3: synter-infra:redisUrl is a secret and must not be stored in clear; use `pulumi config set --secret redisUrl`",
        );
    });

    it("refuses an undeclared key of the project, naming file and line", () => {
        const dir = withStack("config:\n  synter-infra:environment: dev\n  synter-infra:datasetID: x\n");
        expect(() => stackConfig("bad", {}, dir)).toThrow("Pulumi.bad.yaml:3: unknown configuration key synter-infra:datasetID; declared keys are listed in Pulumi.yaml");
    });

    it("takes encrypted values as secrets and applies Pulumi.yaml defaults", () => {
        const dir = withStack("config:\n  synter-infra:environment: dev\n  synter-infra:postgresAdminPassword:\n    secure: v1:abc\n");
        const { config, secretKeys } = stackConfig("bad", {}, dir);
        expect(secretKeys.sort()).toEqual(["synter-infra:postgresAdminPassword", "synter-infra:redisUrl"]);
        expect(config["synter-infra:datasetId"]).toBe("synter_analytics");
        expect(config["synter-infra:timeTravelHours"]).toBe("168");
    });
});
