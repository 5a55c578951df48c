// The policy pack's rules, called directly (validateResource / validateStack) on the resources
// of both stacks as Pulumi's runtime registers them, in every migration phase.
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/root";
import { policyConfigFor } from "../../plan/policyConfig";
import type { RecordedResource } from "../../plan/program";
import { policies } from "../../policy/policies";
import { runStack } from "../support/program";

type Config = Record<string, Record<string, unknown>>;

function policyResource(r: RecordedResource): PolicyResource {
    const props = JSON.parse(JSON.stringify(r.rawInputs)) as Record<string, any>;
    return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: {
            protect: r.options.protect,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
            parent: r.options.parent,
        },
        isType: () => false,
        asType: () => undefined,
        dependencies: [],
        propertyDependencies: {},
    } as unknown as PolicyResource;
}

/** Every violation the pack reports for a run: "<policy>: <message>". */
function violations(resources: RecordedResource[], config: Config): string[] {
    // Read-only lookups (legacy tables adopted in prod) are not registered resources: the
    // engine never sends `read` resources to a policy pack (pulumi/pulumi#3950).
    const registered = resources.filter((r) => !r.options.read && !r.type.startsWith("synter:") && r.type !== "pulumi:pulumi:Stack").map(policyResource);
    const out: string[] = [];
    for (const p of policies) {
        const getConfig = <T extends object>() => ({ ...defaults(p), ...(config[p.name] ?? {}) }) as T;
        const notApplicable = (): never => {
            throw new Error("not applicable");
        };
        const report = (message: string) => out.push(`${p.name}: ${message}`);
        if ("validateResource" in p) {
            const validate = (p as ResourceValidationPolicy).validateResource as (args: ResourceValidationArgs, report: (m: string) => void) => void;
            for (const r of registered) validate({ ...r, stackTags: new Map(), getConfig, notApplicable } as unknown as ResourceValidationArgs, report);
        }
        if ("validateStack" in p) {
            const validate = (p as StackValidationPolicy).validateStack as (args: unknown, report: (m: string) => void) => void;
            validate({ resources: registered, stackTags: new Map(), getConfig, notApplicable }, report);
        }
    }
    return out;
}

function defaults(p: { configSchema?: { properties: Record<string, any> } }): Record<string, unknown> {
    return Object.fromEntries(Object.entries(p.configSchema?.properties ?? {}).map(([k, v]) => [k, v.default]));
}

const mutate = (resources: RecordedResource[], name: string, change: (r: RecordedResource) => RecordedResource) =>
    resources.map((r) => (r.name === name ? change(r) : r));
const withInputs = (r: RecordedResource, inputs: Record<string, unknown>): RecordedResource => ({ ...r, rawInputs: { ...r.rawInputs, ...inputs } });

describe("both stacks pass the policy pack", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}, every phase, with the stack's own policy config`, async () => {
            for (const phase of ["parallel", "validate", "cutover", "complete", "rollback"]) {
                const run = await runStack(stack, { migrationPhase: phase });
                expect(violations(run.resources, policyConfigFor(stack)), `${stack} ${phase}`).toEqual([]);
            }
        });
    }

    it("derives the key permission from each stack file (both run on hosts that need a key)", () => {
        expect(policyConfigFor("dev")["no-service-account-key-unless-allowed"]).toEqual({ allowServiceAccountKey: true });
        expect(policyConfigFor("prod")["no-service-account-key-unless-allowed"]).toEqual({ allowServiceAccountKey: true });
        // Both stack files say true, so a constant would pass the above: the same prod file saying
        // false, or leaving the key to Pulumi.yaml's default, must refuse the key.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-policy-"));
        try {
            fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            const prod = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");
            const refusing = prod.replace("synter-infra:createServiceAccountKey: true", "synter-infra:createServiceAccountKey: false");
            const silent = prod.replace(/^ {2}synter-infra:createServiceAccountKey: true\n/m, "");
            expect(refusing).not.toBe(prod);
            expect(silent).not.toBe(prod);
            fs.writeFileSync(path.join(dir, "Pulumi.refusing.yaml"), refusing);
            fs.writeFileSync(path.join(dir, "Pulumi.silent.yaml"), silent);
            expect(policyConfigFor("refusing", dir)["no-service-account-key-unless-allowed"]).toEqual({ allowServiceAccountKey: false });
            expect(policyConfigFor("silent", dir)["no-service-account-key-unless-allowed"]).toEqual({ allowServiceAccountKey: false });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("passes a stack without a key under a config that allows none", async () => {
        const run = await runStack("prod", { createServiceAccountKey: "false" });
        expect(violations(run.resources, { "no-service-account-key-unless-allowed": { allowServiceAccountKey: false } })).toEqual([]);
    });
});

describe("each policy fails what it should", () => {
    it("an unpartitioned or unclustered data table", async () => {
        const run = await runStack("dev");
        const bad = mutate(run.resources, "analytics-events", (r) => withInputs(r, { timePartitioning: undefined, clusterings: [] }));
        expect(violations(bad, policyConfigFor("dev"))).toEqual([
            "bigquery-data-tables-partitioned-and-clustered: table events has no partitioning",
            "bigquery-data-tables-partitioned-and-clustered: table events has no clustering",
        ]);
    });

    it("a prod table without deletion protection or Pulumi protect, a prod dataset without protect", async () => {
        const run = await runStack("prod");
        let bad = mutate(run.resources, "analytics-ad_metrics", (r) => ({ ...withInputs(r, { deletionProtection: false }), options: { ...r.options, protect: false } }));
        bad = mutate(bad, "analytics-dataset", (r) => ({ ...r, options: { ...r.options, protect: false } }));
        expect(violations(bad, policyConfigFor("prod")).sort()).toEqual([
            "prod-data-deletion-protection: dataset synter_analytics lacks Pulumi protect in prod",
            "prod-data-deletion-protection: table ad_metrics lacks Pulumi protect in prod",
            "prod-data-deletion-protection: table ad_metrics lacks deletionProtection in prod",
        ]);
    });

    it("a public IAM member", async () => {
        const run = await runStack("prod");
        const bad = mutate(run.resources, "analytics-reader-0", (r) => withInputs(r, { member: "allAuthenticatedUsers" }));
        expect(violations(bad, policyConfigFor("prod"))).toEqual(["no-public-iam-members: gcp:bigquery/datasetIamMember:DatasetIamMember analytics-reader-0 grants access to allAuthenticatedUsers"]);
    });

    it("a service-account key where the stack does not allow one", async () => {
        const dev = await runStack("dev");
        expect(violations(dev.resources, { "no-service-account-key-unless-allowed": { allowServiceAccountKey: false } })).toEqual([
            "no-service-account-key-unless-allowed: service-account key analytics-app-key is not allowed by this stack's config (createServiceAccountKey is false)",
        ]);
    });

    it("a dataset or table without env and managed-by labels", async () => {
        const run = await runStack("dev");
        const bad = mutate(run.resources, "analytics-touchpoints", (r) => withInputs(r, { labels: { env: "dev" } }));
        expect(violations(bad, policyConfigFor("dev"))).toEqual(["datasets-and-tables-labelled: table touchpoints lacks label managed-by"]);
    });

    it("an unknown dynamic resource, and a migration resource missing its version", async () => {
        const run = await runStack("dev", { migrationPhase: "cutover" });
        const stranger: RecordedResource = { ...run.resources.find((r) => r.name === "migration-phase")!, type: "pulumi-nodejs:dynamic/elsewhere:Wipe", name: "wipe" };
        const bad = mutate([...run.resources, stranger], "migration-drop-dim_users", (r) => withInputs(r, { version: undefined }));
        const v = violations(bad, policyConfigFor("dev"));
        expect(v).toHaveLength(2);
        expect(v[1]).toMatch(/^known-migration-resources: pulumi-nodejs:dynamic\/elsewhere:Wipe \(wipe\) is not one of this project's dynamic resources/);
        expect(v[0]).toBe("known-migration-resources: pulumi-nodejs:dynamic/synter-migration:TableDrop migration-drop-dim_users lacks its version input");
    });

    it("a drop with no snapshot of its table (stack policy)", async () => {
        const run = await runStack("prod", { migrationPhase: "cutover" });
        const bad = run.resources.filter((r) => r.name !== "migration-snapshot-dim_users");
        expect(violations(bad, policyConfigFor("prod"))).toEqual([
            "drops-follow-snapshots: migration-drop-dim_users drops synter-prod.synter_analytics.dim_users with no TableSnapshot of it into synter-prod.synter_analytics_backup.dim_users__pre_cutover",
        ]);
    });
});

describe("the pack module", () => {
    it("lists every rule once, each mandatory with a description", () => {
        const names = policies.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        for (const p of policies) {
            expect(p.enforcementLevel, p.name).toBe("mandatory");
            expect(p.description.length, p.name).toBeGreaterThan(20);
        }
    });
});
