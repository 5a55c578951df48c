// Rung 7: what the stack refuses, through the real engine, and that a refusal touches nothing;
// and the data-loss guard on the engine's own `pulumi preview --json`.
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEnvironment, LocalEnvironment } from "../../engine/environment";
import { LocalStack } from "../../engine/localStack";
import { formatReport, policyPackArgs, previewPhase, rehearseIn, rowsFingerprint, WarehouseView } from "../../engine/rehearsal";
import { CATALOGUE } from "../../components/analytics";
import { DEFAULT_SEED, seedRows } from "../../engine/seed";
import { guard } from "../../plan/guard";
import { PROJECT_ROOT } from "../../lib/root";

let env: LocalEnvironment;
let wh: WarehouseView;

beforeAll(async () => {
    env = await startLocalEnvironment();
    wh = WarehouseView.open(env.endpoints.warehouseUrl, "synter-dev");
});

afterAll(async () => {
    await env?.stop();
});

/** Every table of both datasets with a fingerprint of its rows. */
async function everything(): Promise<string[]> {
    const out: string[] = [];
    for (const ds of ["synter_analytics", "synter_analytics_backup"]) {
        for (const t of await wh.list(ds)) out.push(`${ds}.${t.table} ${t.type} ${t.rows} ${t.type === "VIEW" ? "" : rowsFingerprint(await wh.rows(ds, t.table))}`);
    }
    return out;
}

describe("refusals through the engine", () => {
    it("refuses a new stack that starts at cutover, at preview, before anything exists", async () => {
        const stack = await LocalStack.open({ stack: "dev", binaries: env.binaries, pluginDirs: [env.pluginDir], workDir: `${env.dir}/fresh`, endpoints: env.endpoints });
        stack.setConfig({ "synter-infra:migrationPhase": "cutover" });
        const up = await stack.up();
        expect(up.code).not.toBe(0);
        expect(LocalStack.diagnostics(up).join("\n")).toContain("a new stack starts in phase parallel, not cutover: the migration runs parallel -> validate -> cutover -> complete");
        expect(await wh.list("synter_analytics")).toEqual([]);
        expect(await wh.list("synter_analytics_backup")).toEqual([]);
    });

    it("refuses, through the policy pack under the engine, a key the stack's policy config does not allow, at preview, before anything exists", async () => {
        const stack = await LocalStack.open({ stack: "dev", binaries: env.binaries, pluginDirs: [env.pluginDir], workDir: `${env.dir}/policy`, endpoints: env.endpoints });
        const [packFlag, pack, configFlag, configFile] = policyPackArgs(stack, "dev");
        const config = JSON.parse(fs.readFileSync(configFile, "utf8"));
        expect(config).toEqual({ "no-service-account-key-unless-allowed": { allowServiceAccountKey: true } });
        config["no-service-account-key-unless-allowed"].allowServiceAccountKey = false;
        fs.writeFileSync(configFile, JSON.stringify(config));
        // As the deploy workflow runs it: `pulumi up` with the pack, its preview first. (The JSON
        // document of a preview leaves policy violations out; the text shows them.)
        const up = await stack.run(["up", "--yes", packFlag, pack, configFlag, configFile]);
        expect(up.code).not.toBe(0);
        const lines = up.stdout.split("\n").map((l) => l.trim());
        expect(lines).toContain("- [mandatory]  no-service-account-key-unless-allowed  (gcp:serviceaccount/key:Key: analytics-app-key)");
        expect(lines).toContain("service-account key analytics-app-key is not allowed by this stack's config (createServiceAccountKey is false)");
        // The rehearsal's preview names the violation too.
        const planned = await previewPhase(stack, "dev", "parallel", 0, undefined, [packFlag, pack, configFlag, configFile]);
        expect(planned.ok).toBe(false);
        expect(planned.detail).toContain("[mandatory]  no-service-account-key-unless-allowed  (gcp:serviceaccount/key:Key: analytics-app-key)");
        expect(await wh.list("synter_analytics")).toEqual([]);
        expect(await wh.list("synter_analytics_backup")).toEqual([]);
    });

    it("refuses validate -> cutover when a day stopped matching, with the gate's message, and leaves the warehouse as it was", async () => {
        const report = await rehearseIn(env, { stack: "dev", path: ["parallel", "validate"] });
        expect(report.ok, formatReport(report)).toBe(true);
        // The application keeps writing: one more Cursor row for a day, in v2 only.
        const [one] = seedRows(CATALOGUE, DEFAULT_SEED).get("fact_cursor_daily_usage_v2")!.filter((r) => r.usage_date === "2026-10-03");
        await wh.insert("synter_analytics", "fact_cursor_daily_usage_v2", [{ ...one, user_id: "user-late" }]);
        const before = await everything();
        const stack = await LocalStack.open({ stack: "dev", binaries: env.binaries, pluginDirs: [env.pluginDir], workDir: `${env.dir}/dev`, endpoints: env.endpoints });
        stack.setConfig({ "synter-infra:migrationPhase": "cutover" });
        const planned = await previewPhase(stack, "dev", "cutover", 2);
        expect(planned.ok, planned.detail).toBe(true);
        const up = await stack.up({ extra: ["--skip-preview"] });
        expect(up.code).not.toBe(0);
        const errors = LocalStack.diagnostics(up).join("\n");
        expect(errors).toContain("phase cutover refused: the parity checks run at the cutover found differences, so nothing was snapshotted, dropped or renamed");
        expect(errors).toMatch(/parity cursor_usage: \d+ mismatch\(es\)/);
        expect(errors).toMatch(/2026-10-03 +rows +4 +5/);
        expect(await everything()).toEqual(before);
    });

    it("fails the guard on the engine's preview of a catalogue change that would replace a data table, naming it", async () => {
        const tables = fs.readFileSync(path.join(PROJECT_ROOT, "components/analytics/catalogue.ts"), "utf8");
        const changed = tables.replace('partitionField: "event_timestamp"', 'partitionField: "ingested_at"');
        expect(changed).not.toBe(tables);
        const variant = await LocalStack.open({
            stack: "dev",
            binaries: env.binaries,
            pluginDirs: [env.pluginDir],
            workDir: `${env.dir}/dev`,
            endpoints: env.endpoints,
            variant: "repartitioned",
            programOverrides: { "components/analytics/catalogue.ts": changed },
        });
        variant.setConfig({ "synter-infra:migrationPhase": "validate" });
        const preview = await variant.preview({ json: true });
        const report = guard(JSON.parse(preview.stdout));
        expect(report.losses, `${preview.stdout.slice(-3000)}\n${preview.stderr}`).toHaveLength(1);
        expect(report.losses[0]).toMatch(/^BigQuery table events would be replaced \(changes to timePartitioning force a new resource\) \(urn:pulumi:dev::synter-infra::\S+::analytics-events\)$/);
    });
});
