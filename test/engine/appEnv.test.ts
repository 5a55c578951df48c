// Rung 7: the application's environment through the real engine. The dev stack comes up on a
// local backend with the Railway keys pointing at the HTTP fake of Railway's API; the fake must
// receive exactly the upserts the issue asks for, no secret may appear in what the CLI prints or
// logs, and `npm run app-env` must write the same environment from the stack as a 0600 dotenv.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseEnv } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEnvironment, LocalEnvironment } from "../../engine/environment";
import { CommandResult, LocalStack } from "../../engine/localStack";
import { PROJECT_ROOT } from "../../lib/root";
import { RailwayFake } from "../support/railwayFake";

const P = "0b7cfa3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const E = "1c8d0b4f-2d3e-4f60-9bac-1d2e3f4a5b6c";
const S = "2d9e1c50-3e4f-4071-acbd-2e3f4a5b6c7d";
const TOKEN = "5f0e4c83-6172-43a4-dfe0-5b6c7d8e9fa0";
const NAMES = ["BIGQUERY_DATASET", "BIGQUERY_PROJECT_ID", "GOOGLE_APPLICATION_CREDENTIALS", "POSTGRES_URL", "REDIS_URL"];
const NEW_REDIS = "redis://default:n3w-r3d1s-pw@127.0.0.1:6380/1";
const RAILWAY_KEYS = ["railwayProjectId", "railwayEnvironmentId", "railwayServiceId", "railwayApiUrl"].map((k) => `synter-infra:${k}`);

let env: LocalEnvironment;
let stack: LocalStack;
let fake: RailwayFake;
/** Everything the CLI printed: previews and updates as text, and the steps of `preview --json`. */
const printed: string[] = [];

async function pulumi(args: string[]): Promise<CommandResult> {
    const r = await stack.run(args);
    printed.push(r.stdout, r.stderr);
    return r;
}

async function up(): Promise<CommandResult> {
    return pulumi(["up", "--yes", "--skip-preview", "--diff"]);
}

/** Names whose revision a preview's text shows moving (`~ NAME: 1 => 2`) or starting (`NAME: 1` on create). */
function revised(text: string, create = false): string[] {
    const block = /revisions\s*:\s*\{\n([\s\S]*?)\n\s*\}/.exec(text);
    if (!block) throw new Error(`no revisions in:\n${text}`);
    const line = create ? /^\s*\+?\s*([A-Z_]+)\s*:\s*1$/ : /^\s*~\s*([A-Z_]+)\s*:\s*\d+\s*=>\s*\d+$/;
    return block[1].split("\n").flatMap((l) => line.exec(l)?.[1] ?? []).sort();
}

async function railwayOn(extra: Record<string, string> = {}): Promise<void> {
    stack.setConfig({
        "synter-infra:railwayProjectId": P,
        "synter-infra:railwayEnvironmentId": E,
        "synter-infra:railwayServiceId": S,
        "synter-infra:railwayApiUrl": fake.url(),
        ...extra,
    });
    await stack.must(["config", "set", "--secret", "synter-infra:railwayToken", TOKEN]);
}

async function railwayOff(): Promise<void> {
    for (const key of [...RAILWAY_KEYS, "synter-infra:railwayToken", "synter-infra:railwayRemoveOnDelete"]) await stack.run(["config", "rm", key]);
}

/** Every secret the stack has had: the token, the passwords, the key and its private key, the Redis URLs. */
const known = new Set<string>([TOKEN, NEW_REDIS]);
async function secrets(): Promise<string[]> {
    const outs = await stack.outputs(true);
    const url = new URL(String(outs.POSTGRES_URL));
    for (const s of [String(outs.POSTGRES_URL), decodeURIComponent(url.password), env.endpoints.postgres.adminPassword, env.endpoints.redisUrl, String(outs.REDIS_URL)]) known.add(s);
    const key = String(outs.GOOGLE_APPLICATION_CREDENTIALS);
    if (key) {
        known.add(key);
        known.add(JSON.parse(Buffer.from(key, "base64").toString("utf8")).private_key.split("\n")[1]);
    }
    return [...known];
}

beforeAll(async () => {
    fake = new RailwayFake();
    await fake.start();
    fake.addToken(TOKEN, P, E);
    env = await startLocalEnvironment();
    stack = await LocalStack.open({ stack: "dev", binaries: env.binaries, pluginDirs: [env.pluginDir], workDir: `${env.dir}/app-env`, endpoints: env.endpoints });
    await railwayOn();
});

afterAll(async () => {
    await env?.stop();
    await fake?.stop();
});

describe("Railway variables and app-env through the real engine", () => {
    it("previews the variables by name, values as [secret], without calling Railway", async () => {
        const preview = await pulumi(["preview", "--diff"]);
        expect(preview.code, preview.stdout + preview.stderr).toBe(0);
        expect(preview.stdout).toContain("synter-railway:ServiceVariables");
        // Values not known before the update show as [unknown], known ones as [secret]; the
        // revisions the provider's check adds name, in clear, what is set.
        for (const name of NAMES) expect(preview.stdout).toMatch(new RegExp(`${name}\\s*:\\s*\\[(secret|unknown)\\]`));
        expect(revised(preview.stdout, true)).toEqual(NAMES);
        expect(fake.requests).toEqual([]);
    });

    it("sets the five variables with one upsert on pulumi up, each the stack's own output", async () => {
        const r = await up();
        expect(r.code, r.stdout + r.stderr).toBe(0);
        const upserts = fake.calls("variableCollectionUpsert");
        expect(upserts).toHaveLength(1);
        expect(fake.requests.every((q) => q.headers["project-access-token"] === TOKEN)).toBe(true);
        const sent = upserts[0].body.variables;
        expect({ projectId: sent.projectId, environmentId: sent.environmentId, serviceId: sent.serviceId }).toEqual({ projectId: P, environmentId: E, serviceId: S });
        expect(Object.keys(sent.variables).sort()).toEqual(NAMES);
        const outs = await stack.outputs(true);
        for (const name of NAMES) expect(sent.variables[name], name).toBe(outs[name]);
        expect(fake.variables(P, E, S)).toEqual(sent.variables);
    });

    it("keeps the token and the values encrypted in the state, the names in clear", async () => {
        const state = await stack.exportState();
        const text = JSON.stringify(state);
        for (const s of await secrets()) expect(text).not.toContain(s);
        const resource = state.deployment.resources.find((r: any) => r.type === "pulumi-nodejs:dynamic/synter-railway:ServiceVariables");
        expect(resource.outputs.names).toEqual(NAMES);
        expect(resource.outputs.token).toHaveProperty("ciphertext");
        expect(resource.outputs.variables).toHaveProperty("ciphertext");
    });

    it("shows no change on the next preview, and a changed secret by name only; the update upserts only it", async () => {
        const same = await pulumi(["preview", "--expect-no-changes", "--diff"]);
        expect(same.code, same.stdout + same.stderr).toBe(0);
        await stack.must(["config", "set", "--secret", "synter-infra:redisUrl", NEW_REDIS]);
        const before = fake.requests.length;
        const preview = await pulumi(["preview", "--diff"]);
        expect(preview.code, preview.stdout + preview.stderr).toBe(0);
        expect(preview.stdout).toMatch(/REDIS_URL\s*:\s*\[secret\]/);
        expect(revised(preview.stdout)).toEqual(["REDIS_URL"]);
        const json = await pulumi(["preview", "--json"]);
        expect(json.code, json.stderr).toBe(0);
        const step = JSON.parse(json.stdout).steps.find((x: any) => x.urn.endsWith("::app-variables"));
        expect(step.op).toBe("update");
        expect(step.newState.inputs.variables.REDIS_URL).toBe("[secret]");
        expect(step.newState.inputs.revisions).toEqual({ ...step.oldState.inputs.revisions, REDIS_URL: 2 });
        expect(fake.requests.length).toBe(before);
        const r = await up();
        expect(r.code, r.stdout + r.stderr).toBe(0);
        const upserts = fake.calls("variableCollectionUpsert");
        expect(upserts).toHaveLength(2);
        expect(upserts[1].body.variables.variables).toEqual({ REDIS_URL: NEW_REDIS });
    });

    it("writes the same environment from the stack with npm run app-env, mode 0600", async () => {
        const file = path.join(env.dir, "app.env");
        const r = spawnSync("npm", ["run", "-s", "app-env", "--", "--stack", "dev", "--cwd", stack.projectDir, "--output", file], { cwd: PROJECT_ROOT, env: stack.env(), encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        const written = parseEnv(fs.readFileSync(file, "utf8"));
        expect(Object.keys(written).sort()).toEqual(NAMES);
        expect(written).toEqual(fake.variables(P, E, S));
        expect(written.REDIS_URL).toBe(NEW_REDIS);
        for (const s of await secrets()) expect(r.stdout + r.stderr).not.toContain(s);
    });

    it("leaves the variables on the service when Railway is turned off, and removes only its own with railwayRemoveOnDelete", async () => {
        fake.setByHand(P, E, S, { SENTRY_DSN: "set by hand" });
        await railwayOff();
        const off = await up();
        expect(off.code, off.stdout + off.stderr).toBe(0);
        expect(fake.calls("variableDelete")).toEqual([]);
        expect(Object.keys(fake.variables(P, E, S)).sort()).toEqual([...NAMES, "SENTRY_DSN"].sort());
        await railwayOn({ "synter-infra:railwayRemoveOnDelete": "true" });
        const on = await up();
        expect(on.code, on.stdout + on.stderr).toBe(0);
        await railwayOff();
        const removed = await up();
        expect(removed.code, removed.stdout + removed.stderr).toBe(0);
        expect(fake.calls("variableDelete").map((r) => r.body.variables.name).sort()).toEqual(NAMES);
        expect(fake.variables(P, E, S)).toEqual({ SENTRY_DSN: "set by hand" });
    });

    it("sets four, without the key, on a stack that creates none, and app-env says why the key is left out", async () => {
        const S2 = "4fb03e72-5061-4293-cedf-4a5b6c7d8e9f";
        await secrets();
        stack.setConfig({ "synter-infra:createServiceAccountKey": "false" });
        await railwayOn({ "synter-infra:railwayServiceId": S2 });
        const before = fake.calls("variableCollectionUpsert").length;
        const r = await up();
        expect(r.code, r.stdout + r.stderr).toBe(0);
        const upserts = fake.calls("variableCollectionUpsert").slice(before);
        expect(upserts).toHaveLength(1);
        expect(upserts[0].body.variables.serviceId).toBe(S2);
        expect(Object.keys(upserts[0].body.variables.variables).sort()).toEqual(NAMES.filter((n) => n !== "GOOGLE_APPLICATION_CREDENTIALS"));
        const file = path.join(env.dir, "nokey.env");
        const app = spawnSync("npm", ["run", "-s", "app-env", "--", "--stack", "dev", "--cwd", stack.projectDir, "--output", file], { cwd: PROJECT_ROOT, env: stack.env(), encoding: "utf8" });
        expect(app.status, app.stderr).toBe(0);
        expect(app.stderr).toContain("app-env: GOOGLE_APPLICATION_CREDENTIALS left out: the stack creates no service-account key (createServiceAccountKey is false)");
        expect(parseEnv(fs.readFileSync(file, "utf8"))).toEqual(fake.variables(P, E, S2));
    });

    it("printed and logged no secret in any preview or update", async () => {
        const all = printed.join("\n");
        expect(all.length).toBeGreaterThan(1000);
        for (const s of await secrets()) expect(all).not.toContain(s);
    });
});
