// `npm run plan -- --stack prod` and `npm run guard` as commands, on a prod stack file that sets
// the four Railway keys the way an operator does (the token encrypted). The plan command reads the
// stack files of the repository root its modules resolve, so it runs from a scratch copy of the
// project: the command and the modules that find the root copied, everything else linked to this
// checkout (Node resolves a linked module to its real path, whose root is this checkout).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RAILWAY_VARIABLES_TYPE } from "../../components/resources";
import { PROJECT_ROOT } from "../../lib/root";
import { RAILWAY } from "./stack";

const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const COPIED = ["cli", "plan", "lib"];
const LINKED = ["index.ts", "config.ts", "components", "sql", "node_modules", "package.json", "tsconfig.json", "Pulumi.yaml", "Pulumi.dev.yaml"];
let dir: string;

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-railway-plan-"));
    for (const entry of COPIED) fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(dir, entry), { recursive: true });
    for (const entry of LINKED) fs.symlinkSync(path.join(PROJECT_ROOT, entry), path.join(dir, entry));
    const prod = YAML.parseDocument(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8"));
    prod.setIn(["config", "synter-infra:railwayProjectId"], RAILWAY.railwayProjectId);
    prod.setIn(["config", "synter-infra:railwayEnvironmentId"], RAILWAY.railwayEnvironmentId);
    prod.setIn(["config", "synter-infra:railwayServiceId"], RAILWAY.railwayServiceId);
    // What `pulumi config set --secret railwayToken` writes: ciphertext only.
    prod.setIn(["config", "synter-infra:railwayToken"], prod.createNode({ secure: "v1:c2FsdA==:ZW5jcnlwdGVkLXRva2Vu" }));
    fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), prod.toString());
});
afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[], cwd: string) => spawnSync(tsx, args, { cwd, encoding: "utf8" });

describe("the offline plan of prod with the Railway keys set", () => {
    it("shows the Railway variables resource with the five names, and the guard passes on it", () => {
        const plan = run(["cli/plan.ts", "--stack", "prod", "--format", "json"], dir);
        expect(plan.status, plan.stderr).toBe(0);
        const doc = JSON.parse(plan.stdout);
        const railway = doc.resources.find((r: any) => r.type === RAILWAY_VARIABLES_TYPE);
        expect(railway).toMatchObject({
            name: "app-variables",
            inputs: { projectId: RAILWAY.railwayProjectId, environmentId: RAILWAY.railwayEnvironmentId, serviceId: RAILWAY.railwayServiceId, token: "[secret]", removeOnDelete: false },
            options: { parent: "app" },
        });
        expect(railway.inputs.variables).toEqual({
            POSTGRES_URL: "[secret]",
            BIGQUERY_PROJECT_ID: "[secret]",
            BIGQUERY_DATASET: "[secret]",
            GOOGLE_APPLICATION_CREDENTIALS: "[secret]",
            REDIS_URL: "[secret]",
        });
        const file = path.join(dir, "prod-plan.json");
        fs.writeFileSync(file, plan.stdout);
        const guard = run(["cli/guard.ts", "--file", file], PROJECT_ROOT);
        expect(guard.status, guard.stderr).toBe(0);
        expect(guard.stdout).toContain(`guard: ${doc.resources.length} resources checked in ${file}, 0 would lose data`);
    });

    it("lists it in the Markdown a pull request shows", () => {
        const plan = run(["cli/plan.ts", "--stack", "prod"], dir);
        expect(plan.status, plan.stderr).toBe(0);
        const row = plan.stdout.split("\n").find((l) => l.includes("| app-variables |"));
        expect(row).toContain(RAILWAY_VARIABLES_TYPE);
        expect(row).toContain("token=[secret]");
        expect(row).toContain('variables={"BIGQUERY_DATASET":"[secret]","BIGQUERY_PROJECT_ID":"[secret]","GOOGLE_APPLICATION_CREDENTIALS":"[secret]","POSTGRES_URL":"[secret]","REDIS_URL":"[secret]"}');
    });

    it("is absent from the plan of the repository's own prod stack file", () => {
        const plan = run(["cli/plan.ts", "--stack", "prod", "--format", "json"], PROJECT_ROOT);
        expect(plan.status, plan.stderr).toBe(0);
        expect(JSON.parse(plan.stdout).resources.map((r: any) => r.type)).not.toContain(RAILWAY_VARIABLES_TYPE);
    });
});
