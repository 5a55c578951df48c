// The policy pack as `pulumi preview --policy-pack policy` loads it: through Pulumi's own
// policy-pack runner in policy/, over gRPC, on both stacks' resources from the mock runtime.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policyConfigFor } from "../../plan/policyConfig";
import type { RecordedResource } from "../../plan/program";
import { policies } from "../../policy/policies";
import { AnalyzedResource, PolicyHost } from "../support/policyHost";
import { runStack } from "../support/program";

let host: PolicyHost;
beforeAll(async () => {
    host = await PolicyHost.start();
});
afterAll(() => host?.stop());

// Read-only lookups are left out, as in test/policy/policies.test.ts.
const analyzed = (rs: RecordedResource[]): AnalyzedResource[] =>
    rs
        .filter((r) => !r.options.read && !r.type.startsWith("synter:"))
        .map((r) => ({ type: r.type, name: r.name, urn: r.urn, properties: JSON.parse(JSON.stringify(r.rawInputs)), protect: r.options.protect }));

describe("the policy pack in Pulumi's policy-pack runner", () => {
    it("loads from policy/ and serves every rule", async () => {
        const info = await host.info();
        expect(info.name).toBe("synter-infra");
        expect(info.policies.sort()).toEqual(policies.map((p) => p.name).sort());
    });

    it("passes the prod stack in the cutover phase under prod's config", async () => {
        await host.configure(policyConfigFor("prod"));
        const run = await runStack("prod", { migrationPhase: "cutover" });
        expect(await host.analyze(analyzed(run.resources))).toEqual([]);
    });

    it("reports an unpartitioned table and, under a config that allows none, the dev stack's key", async () => {
        await host.configure({ "no-service-account-key-unless-allowed": { allowServiceAccountKey: false } });
        const run = await runStack("dev");
        const unpartitioned = ({ timePartitioning: _dropped, ...rest }: Record<string, unknown>) => rest;
        const resources = analyzed(run.resources).map((r) => (r.name === "analytics-events" ? { ...r, properties: unpartitioned(r.properties) } : r));
        expect((await host.analyze(resources)).sort()).toEqual([
            "bigquery-data-tables-partitioned-and-clustered: table events has no partitioning",
            "no-service-account-key-unless-allowed: service-account key analytics-app-key is not allowed by this stack's config (createServiceAccountKey is false)",
        ]);
    });
});
