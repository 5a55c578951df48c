// The data-loss guard on the engine's own `pulumi preview --json` (fixtures under
// test/fixtures/preview) and on the offline plan of every phase of both stacks.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { guard, guardPlan, guardPreview, PlanLike, PreviewStep } from "../../plan/guard";
import { planDocument } from "../../plan/render";
import { PROJECT_ROOT } from "../../lib/root";
import { runStack } from "../support/program";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "preview");
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
// The fixtures are the engine's own previews, written by
// `npm run rehearse -- --stack <dev|prod> --path parallel,validate,cutover --save-previews <dir>`.
// Changes the program never makes are made from them by changing one step, so every other step
// stays the engine's own; the engine suite shows the guard failing on a real replacement too.
type Doc = { steps: PreviewStep[] };
const withStep = (doc: Doc, urnEnd: string, change: (s: PreviewStep) => PreviewStep): Doc => {
    expect(doc.steps.some((s) => s.urn.endsWith(urnEnd)), urnEnd).toBe(true);
    return { ...doc, steps: doc.steps.map((s) => (s.urn.endsWith(urnEnd) ? change(s) : s)) };
};
const replaced = (reasons: string[]) => (s: PreviewStep): PreviewStep => ({ ...s, op: "replace", oldState: s.newState, replaceReasons: reasons });
const replacedV2Table = () => withStep(fixture("dev-first-up.json"), "::analytics-fact_cursor_daily_usage_v2", replaced(["timePartitioning"]));
const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const cli = (args: string[], input?: string) => spawnSync(tsx, ["cli/guard.ts", ...args], { cwd: PROJECT_ROOT, encoding: "utf8", input });

describe("guard on pulumi preview --json", () => {
    it("passes a first `up` that only creates", () => {
        expect(guard(fixture("dev-first-up.json"))).toMatchObject({ source: "preview", losses: [], checked: 42 });
    });

    it("fails a preview that replaces a v2 table, naming it and why", () => {
        const r = guard(replacedV2Table());
        expect(r.losses).toEqual([
            "BigQuery table fact_cursor_daily_usage_v2 would be replaced (changes to timePartitioning force a new resource) (urn:pulumi:dev::synter-infra::synter:analytics:AnalyticsTables$gcp:bigquery/table:Table::analytics-fact_cursor_daily_usage_v2)",
        ]);
    });

    it("fails a deleted dataset and a replaced Postgres database", () => {
        const deleted = withStep(fixture("dev-first-up.json"), "::analytics-dataset", (s) => ({ ...s, op: "delete", oldState: { ...s.newState!, retainOnDelete: false }, newState: undefined }));
        const r = guard(withStep(deleted, "::auth-database", replaced(["name"])));
        expect(r.losses).toHaveLength(2);
        const losses = [...r.losses].sort();
        expect(losses[0]).toMatch(/^BigQuery dataset synter_analytics would be deleted/);
        expect(losses[1]).toMatch(/^Postgres database synter would be replaced \(changes to name force a new resource\)/);
    });

    it("lets the cutover through: legacy drops after their verified snapshots, retained tables leaving the program", () => {
        for (const stack of ["prod", "dev"]) {
            const r = guard(fixture(`${stack}-cutover.json`));
            expect(r.losses, stack).toEqual([]);
            const drops = r.allowed.filter((a) => a.includes("cutover drop after verified snapshot"));
            expect(drops, stack).toHaveLength(7);
            expect(drops).toContain(`synter-${stack}.synter_analytics.dim_users: cutover drop after verified snapshot synter-${stack}.synter_analytics_backup.dim_users__pre_cutover`);
        }
    });

    it("fails cutover drops with no snapshot in the change", () => {
        const cutover: Doc = fixture("prod-cutover.json");
        const r = guard({ steps: cutover.steps.filter((s) => !s.urn.includes(":TableSnapshot::")) });
        expect(r.losses).toHaveLength(7);
        expect(r.losses).toContain("synter-prod.synter_analytics.dim_users would be dropped by migration-drop-dim_users: no snapshot of it in this change");
    });

    it("fails a drop that does not wait for its snapshot, a drop outside the cutover, and a drop of a non-legacy table", () => {
        const steps: PreviewStep[] = fixture("prod-cutover.json").steps;
        const isDrop = (s: PreviewStep) => s.newState?.type.endsWith(":TableDrop");
        const unordered = steps.map((s) => (isDrop(s) && s.urn.endsWith("drop-dim_users") ? { ...s, newState: { ...s.newState!, dependencies: [], propertyDependencies: {} } } : s));
        expect(guardPreview(unordered).losses).toEqual(["synter-prod.synter_analytics.dim_users would be dropped by migration-drop-dim_users: it does not wait for its snapshot migration-snapshot-dim_users"]);
        const validate = steps.map((s) => (s.newState?.type.endsWith(":PhaseGate") ? { ...s, newState: { ...s.newState!, inputs: { ...s.newState!.inputs, phase: "validate" } } } : s));
        expect(guardPreview(validate).losses[0]).toMatch(/would be dropped by migration-drop-.*: the phase is validate, not cutover$/);
        const wrongTable = steps.map((s) => (isDrop(s) && s.urn.endsWith("drop-dim_users") ? { ...s, newState: { ...s.newState!, inputs: { ...s.newState!.inputs, table: { ...s.newState!.inputs!.table, table: "events" } } } } : s));
        expect(guardPreview(wrongTable).losses).toContain("synter-prod.synter_analytics.events would be dropped by migration-drop-dim_users: events is not a legacy table");
    });

    it("ignores views: replacing a view loses no data", () => {
        const steps: PreviewStep[] = fixture("dev-first-up.json").steps;
        const view = steps.find((s) => s.newState?.inputs?.view)!;
        expect(guardPreview([{ op: "replace", urn: view.urn, oldState: view.newState, newState: view.newState, replaceReasons: ["view"] }]).losses).toEqual([]);
    });
});

describe("guard on the offline plan", () => {
    it("passes every phase of both stacks", async () => {
        for (const stack of ["dev", "prod"]) {
            for (const phase of ["parallel", "validate", "cutover", "complete", "rollback"]) {
                const run = await runStack(stack, { migrationPhase: phase });
                const r = guard(planDocument(run, phase, []));
                expect(r.losses, `${stack} ${phase}`).toEqual([]);
                if (phase === "cutover") expect(r.allowed, `${stack} ${phase}`).toHaveLength(7);
            }
        }
    });

    it("fails a data table that would be deleted if it left the program, and a drop without its snapshot", async () => {
        const run = await runStack("prod", { migrationPhase: "cutover" });
        const doc = planDocument(run, "cutover", []) as unknown as PlanLike;
        const resources = doc.resources.map((r) => {
            if (r.name === "analytics-events") return { ...r, options: { ...r.options, retainOnDelete: false } };
            if (r.name === "migration-drop-dim_users") return { ...r, options: { ...r.options, dependsOn: [] } };
            return r;
        });
        expect(guardPlan({ ...doc, resources }).losses).toEqual([
            "BigQuery table events (analytics-events) would be deleted if it left the program: it is neither retainOnDelete nor read-only",
            "dim_users would be dropped by migration-drop-dim_users without waiting for a snapshot",
        ]);
    });
});

describe("npm run guard", () => {
    it("exits 1 and names the table on a preview that replaces a v2 table", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "guard-")), "preview.json");
        fs.writeFileSync(file, JSON.stringify(replacedV2Table()));
        const r = cli(["--file", file]);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("DATA LOSS: BigQuery table fact_cursor_daily_usage_v2 would be replaced");
    });

    it("reads standard input and exits 0 on the cutover", () => {
        const r = cli([], fs.readFileSync(path.join(FIXTURES, "prod-cutover.json"), "utf8"));
        expect(r.status).toBe(0);
        expect(r.stdout).toContain("guard: 34 steps checked in standard input, 0 would lose data");
    });

    it("exits 2 with a clear message on input that is not a preview", () => {
        expect(cli([], "{not json").stderr).toMatch(/^guard: standard input is not JSON: /);
        const other = cli([], '{"hello": 1}');
        expect(other.status).toBe(2);
        expect(other.stderr).toContain("guard: standard input: not a `pulumi preview --json` document (no steps) nor an offline plan");
        expect(cli(["--file", "missing.json"]).stderr).toContain("guard: cannot read missing.json:");
    });
});
