// The Railway variables in the program, under the offline plan's mocks: off by default, what is
// registered when the four keys are set, secrets, ordering, and what the plan, the guard and the
// policy pack make of it.
import type { ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { RAILWAY_VARIABLES_TYPE } from "../../components/resources";
import { guard } from "../../plan/guard";
import { planDocument, renderMarkdown } from "../../plan/render";
import type { ProgramRun, RecordedResource } from "../../plan/program";
import { policyConfigFor } from "../../plan/policyConfig";
import { policies } from "../../policy/policies";
import { runStack } from "../support/program";
import { RAILWAY, runWithRailway } from "./stack";

const APP_VARIABLES = ["BIGQUERY_DATASET", "BIGQUERY_PROJECT_ID", "GOOGLE_APPLICATION_CREDENTIALS", "POSTGRES_URL", "REDIS_URL"];
const railwayResources = (run: ProgramRun) => run.resources.filter((r) => r.type === RAILWAY_VARIABLES_TYPE || r.type.startsWith("synter:railway:"));
const variablesOf = (run: ProgramRun) => {
    const r = run.resources.find((x) => x.type === RAILWAY_VARIABLES_TYPE);
    if (!r) throw new Error(`no ${RAILWAY_VARIABLES_TYPE} in ${run.stack}`);
    return r;
};

/** Every violation of the policy pack, "<policy>: <message>", over the registered resources. */
function policyReport(resources: RecordedResource[], config: Record<string, Record<string, unknown>>): string[] {
    const registered = resources
        .filter((r) => !r.options.read && !r.type.startsWith("synter:"))
        .map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: JSON.parse(JSON.stringify(r.rawInputs)), opts: { protect: r.options.protect, parent: r.options.parent } }));
    const out: string[] = [];
    for (const p of policies) {
        const getConfig = () => ({ ...Object.fromEntries(Object.entries((p as any).configSchema?.properties ?? {}).map(([k, v]: [string, any]) => [k, v.default])), ...(config[p.name] ?? {}) });
        const report = (m: string) => out.push(`${p.name}: ${m}`);
        if ("validateResource" in p) {
            const validate = (p as ResourceValidationPolicy).validateResource as (args: ResourceValidationArgs, report: (m: string) => void) => void;
            for (const r of registered) validate({ ...r, getConfig } as unknown as ResourceValidationArgs, report);
        }
        if ("validateStack" in p) {
            const validate = (p as StackValidationPolicy).validateStack as (args: unknown, report: (m: string) => void) => void;
            validate({ resources: registered, getConfig }, report);
        }
    }
    return out;
}

describe("Railway variables in the program", () => {
    it.each(["dev", "prod"])("are off in %s unless configured", async (stack) => {
        expect(railwayResources(await runStack(stack))).toEqual([]);
    });

    it("are one component and one dynamic resource in prod with the four keys, carrying the five outputs by name", async () => {
        const run = await runWithRailway("prod");
        const [component, variables] = railwayResources(run);
        expect(component).toMatchObject({ type: "synter:railway:RailwayVariables", name: "app" });
        expect(variables).toMatchObject({ type: RAILWAY_VARIABLES_TYPE, name: "app-variables", options: { parent: "app" } });
        expect(variables.inputs).toMatchObject({
            projectId: RAILWAY.railwayProjectId,
            environmentId: RAILWAY.railwayEnvironmentId,
            serviceId: RAILWAY.railwayServiceId,
            apiUrl: "https://backboard.railway.com/graphql/v2",
            removeOnDelete: false,
            skipDeploys: false,
            version: "1",
        });
        expect(Object.keys((variables.inputs as any).variables).sort()).toEqual(APP_VARIABLES);
        // Each value is what the stack outputs under the same name.
        const raw = variables.rawInputs as any;
        expect(raw.variables.BIGQUERY_PROJECT_ID).toBe(run.outputs.BIGQUERY_PROJECT_ID);
        expect(raw.variables.BIGQUERY_DATASET).toBe("synter_analytics");
        expect(raw.variables.POSTGRES_URL).toBe("postgresql://synter_user:offline-plan-password@postgres-prod.synter.internal:5432/synter?sslmode=verify-full");
        expect(JSON.parse(Buffer.from(raw.variables.GOOGLE_APPLICATION_CREDENTIALS, "base64").toString("utf8"))).toMatchObject({ type: "service_account" });
    });

    it("marks the token and every value secret in the inputs, and both as secret outputs", async () => {
        const variables = variablesOf(await runWithRailway("prod"));
        expect((variables.inputs as any).token).toBe("[secret]");
        for (const name of APP_VARIABLES) expect((variables.inputs as any).variables[name], name).toBe("[secret]");
        expect(variables.options.additionalSecretOutputs).toEqual(["token", "variables"]);
        expect(JSON.stringify(variables.inputs)).not.toContain(RAILWAY.railwayToken);
    });

    it("leaves the key out when none is created", async () => {
        const variables = variablesOf(await runWithRailway("dev", { ...RAILWAY, createServiceAccountKey: "false" }));
        expect(Object.keys((variables.inputs as any).variables).sort()).toEqual(APP_VARIABLES.filter((n) => n !== "GOOGLE_APPLICATION_CREDENTIALS"));
    });

    it("waits for the auth database's grants and migrations and for the key", async () => {
        const run = await runWithRailway("prod");
        const children = (parent: string) => run.resources.filter((r) => r.custom && r.options.parent === parent).map((r) => r.name);
        expect(children("auth")).toEqual(expect.arrayContaining(["auth-migrations", "auth-app-role", "auth-database"]));
        expect(children("analytics-app")).toContain("analytics-app-key");
        expect(variablesOf(run).options.dependsOn).toEqual(expect.arrayContaining([...children("auth"), ...children("analytics-app")]));
    });

    it("takes the endpoint and the delete behaviour from config", async () => {
        const variables = variablesOf(await runWithRailway("dev", { ...RAILWAY, railwayApiUrl: "http://127.0.0.1:4000/graphql/v2", railwayRemoveOnDelete: "true" }));
        expect(variables.inputs).toMatchObject({ apiUrl: "http://127.0.0.1:4000/graphql/v2", removeOnDelete: true });
    });

    it("shows in the offline plan by name, values and token as [secret], and the guard finds no loss", async () => {
        const run = await runWithRailway("prod");
        const { migrationSteps = [], ...outputs } = run.outputs;
        const doc = planDocument({ ...run, outputs }, String(run.outputs.migrationPhase), migrationSteps as unknown[]);
        const md = renderMarkdown(doc);
        const row = md.split("\n").find((l) => l.includes("app-variables"))!;
        expect(row).toContain(`\`${RAILWAY_VARIABLES_TYPE}\``);
        expect(row).toContain("token=[secret]");
        for (const name of APP_VARIABLES) expect(row).toContain(`"${name}":"[secret]"`);
        const text = JSON.stringify(doc) + md;
        expect(text).not.toContain(RAILWAY.railwayToken);
        expect(text).not.toContain("offline-plan-password");
        expect(guard(JSON.parse(JSON.stringify(doc)))).toMatchObject({ source: "plan", losses: [] });
    });

    it("passes the policy pack, which knows the type and requires its inputs", async () => {
        const run = await runWithRailway("prod");
        expect(policyReport(run.resources, policyConfigFor("prod"))).toEqual([]);
        const withoutToken = run.resources.map((r) => (r.type === RAILWAY_VARIABLES_TYPE ? { ...r, rawInputs: { ...r.rawInputs, token: undefined } } : r));
        expect(policyReport(withoutToken, policyConfigFor("prod"))).toEqual([`known-migration-resources: ${RAILWAY_VARIABLES_TYPE} app-variables lacks its token input`]);
    });
});
