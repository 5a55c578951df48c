import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../components/analytics";
import { longestChain } from "../../bench/graph";
import { GATE_KEY, ShownStep, transitionProblem } from "../../components/phase";
import { MIGRATION_PHASES } from "../../config";
import { TABLE_TYPE } from "../../components/resources";
import { isDataTable, runStack } from "../support/program";

const LEGACY = CATALOGUE.filter((t) => t.role === "legacy").map((t) => t.name);
const ORDER = ["parallel", "validate", "cutover", "complete"] as const;

describe.each(["dev", "prod"])("phase plans of stack %s", (stack) => {
    it("never deletes or replaces a data table through pulumi-gcp on any transition", async () => {
        const runs = Object.fromEntries(await Promise.all(MIGRATION_PHASES.map(async (p) => [p, await runStack(stack, { migrationPhase: p })] as const)));
        const transitions: [string, string][] = [["parallel", "validate"], ["validate", "cutover"], ["cutover", "complete"], ["cutover", "rollback"], ["rollback", "validate"]];
        for (const [from, to] of transitions) {
            const before = runs[from].resources.filter(isDataTable);
            const after = new Map(runs[to].resources.filter((r) => r.type === TABLE_TYPE).map((r) => [r.name, r]));
            for (const t of before) {
                const next = after.get(t.name);
                if (!next) {
                    // Leaving the program only forgets a table that retains its data, and only an
                    // unprotected one: the engine refuses to delete a protected resource from state.
                    expect(t.options.retainOnDelete, `${from}->${to}: ${t.name}`).toBe(true);
                    expect(t.options.protect, `${from}->${to}: ${t.name} leaves while protected`).toBe(false);
                    continue;
                }
                // Same identity in both phases, so pulumi-gcp plans no replacement.
                for (const key of ["project", "datasetId", "tableId"]) {
                    expect((next.inputs as any)[key], `${from}->${to}: ${t.name}.${key}`).toBe((t.inputs as any)[key]);
                }
            }
        }
    });

    it("drops each legacy table only after its verified snapshot, renames only after the gate", async () => {
        const run = await runStack(stack, { migrationPhase: "cutover" });
        const steps = run.outputs.migrationSteps as ShownStep[];
        for (const t of LEGACY) {
            const drop = steps.find((s) => s.action === "drop" && s.source === `synter_analytics.${t}`)!;
            const snap = steps.find((s) => s.action === "snapshot" && s.source === `synter_analytics.${t}`)!;
            expect(drop.dependsOn).toEqual([snap.target]);
            expect(snap.dependsOn).toEqual([GATE_KEY]);
            const dropRes = run.resources.find((r) => r.name === `migration-drop-${t}`)!;
            expect(dropRes.options.dependsOn).toContain(`migration-snapshot-${t}`);
        }
        for (const s of steps.filter((s) => s.action === "rename")) expect(s.dependsOn).toEqual([GATE_KEY]);
        for (const r of run.resources.filter((r) => /migration-(rename|snapshot)-/.test(r.name))) expect(r.options.dependsOn).toContain("migration-phase");
        expect(steps.filter((s) => s.action === "rename").map((s) => [s.source, s.target])).toEqual([
            ["synter_analytics.fact_cursor_daily_usage_v2", "synter_analytics.fact_cursor_daily_usage"],
            ["synter_analytics.fact_claude_daily_usage_v2", "synter_analytics.fact_claude_daily_usage"],
        ]);
        expect(longestChain(steps.map((s) => ({ key: s.target, dependsOn: s.dependsOn })))).toBe(5); // parity -> gate -> rename -> view -> view on view
        // Parity runs once more at the cutover, and the gate waits for every check.
        const gate = steps.find((s) => s.target === GATE_KEY)!;
        expect(gate.dependsOn).toEqual(["parity/claude_cost", "parity/claude_usage", "parity/cursor_usage"]);
        const checks = run.resources.filter((r) => r.type.endsWith(":ParityCheck"));
        for (const c of checks) expect(c.inputs).toMatchObject({ phase: "cutover" });
        expect(run.resources.find((r) => r.name === "migration-phase")!.options.dependsOn).toEqual(checks.map((c) => c.name));
    });

    it("repoints views onto the renamed tables and adopts them by import when complete", async () => {
        const cut = await runStack(stack, { migrationPhase: "cutover" });
        const view = cut.resources.find((r) => r.name === "analytics-vw_ai_coding_productivity")!;
        expect(view.options.dependsOn.sort()).toEqual([
            "migration-rename-fact_claude_daily_usage_v2-to-fact_claude_daily_usage",
            "migration-rename-fact_cursor_daily_usage_v2-to-fact_cursor_daily_usage",
        ]);
        // The renamed v2 tables stay declared as in validate, unprotected, so that they may leave at complete.
        const retired = cut.resources.filter((r) => r.name.endsWith("_v2") && r.type === TABLE_TYPE);
        const validate = await runStack(stack, { migrationPhase: "validate" });
        expect(retired.map((r) => r.name).sort()).toEqual(["analytics-fact_claude_daily_usage_v2", "analytics-fact_cursor_daily_usage_v2"]);
        for (const r of retired) {
            expect(r.options.protect).toBe(false);
            expect(r.options.retainOnDelete).toBe(true);
            expect(r.inputs).toEqual(validate.resources.find((v) => v.name === r.name)!.inputs);
        }
        const done = await runStack(stack, { migrationPhase: "complete" });
        const fact = done.resources.find((r) => r.name === "analytics-fact_cursor_daily_usage")!;
        expect(fact.options.import).toBe(`projects/synter-${stack}/datasets/synter_analytics/tables/fact_cursor_daily_usage`);
        expect(fact.options.retainOnDelete).toBe(true);
        expect(done.resources.some((r) => /migration-(snapshot|drop|rename|parity)/.test(r.name))).toBe(false);
    });

    it("validates every legacy-to-v2 mapping in the validate phase and feeds the gate", async () => {
        const run = await runStack(stack, { migrationPhase: "validate" });
        const checks = run.resources.filter((r) => r.type.endsWith(":ParityCheck"));
        expect(checks.map((c) => c.name)).toEqual(["migration-parity-claude_cost", "migration-parity-claude_usage", "migration-parity-cursor_usage"]);
        for (const c of checks) expect(c.inputs).toMatchObject({ phase: "validate", tolerance: 0 });
        expect(run.resources.find((r) => r.name === "migration-phase")!.options.dependsOn).toEqual(checks.map((c) => c.name));
    });
});

describe("phase transitions", () => {
    it.each([
        [undefined, "parallel", true, undefined],
        [undefined, "cutover", true, "a new stack starts in phase parallel, not cutover: the migration runs parallel -> validate -> cutover -> complete"],
        ["parallel", "cutover", true, "phase cutover cannot follow parallel; after parallel come: parallel, validate"],
        ["validate", "cutover", false, "phase cutover needs a passed validation: run `pulumi up` in phase validate until every parity check passes"],
        ["validate", "cutover", true, undefined],
        ["validate", "complete", true, "phase complete cannot follow validate; after validate come: validate, parallel, cutover"],
        ["cutover", "rollback", true, undefined],
        ["complete", "rollback", true, "phase rollback cannot follow complete; after complete come: complete"],
    ] as const)("%s -> %s (validated %s)", (from, to, validated, problem) => {
        expect(transitionProblem(from, to, validated)).toBe(problem);
    });

    it("runs the phases of the runbook in order", () => {
        for (let i = 1; i < ORDER.length; i++) expect(transitionProblem(ORDER[i - 1], ORDER[i], true)).toBeUndefined();
    });
});
