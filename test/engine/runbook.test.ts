// Rung 7: the whole runbook through the real engine, for both stacks with their own stack files
// (prod: protect, deletion protection, required partition filters, legacy tables adopted).
// One backend per stack across the path; each phase is previewed and updated with the policy pack;
// after every phase the rehearsal checks the update, a
// preview with no changes, the warehouse (tables, views, snapshots, and every written row by
// count and checksum at the place the runbook puts it) and the auth database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalEnvironment, LocalEnvironment } from "../../engine/environment";
import { formatReport, rehearseIn } from "../../engine/rehearsal";

const PATH = ["parallel", "validate", "cutover", "rollback", "validate", "cutover", "complete"] as const;

describe.each(["dev", "prod"])("the runbook on stack %s", (stack) => {
    // Each stack has its own PostgreSQL: both create the database and role of their stack file.
    let env: LocalEnvironment;
    beforeAll(async () => {
        env = await startLocalEnvironment();
    });
    afterAll(async () => {
        await env?.stop();
    });

    it(`goes ${PATH.join(" -> ")} with every check green and no row lost`, async () => {
        const report = await rehearseIn(env, { stack, path: PATH });
        expect(report.ok, formatReport(report)).toBe(true);
        expect(report.phases.map((p) => p.phase)).toEqual([...PATH]);
        for (const p of report.phases) {
            expect(p.up.ok && p.preview.ok && p.warehouse.ok && p.auth.ok, `${p.phase}: ${formatReport(report)}`).toBe(true);
            // Every preview ran the policy pack with this stack's policy config, as the workflows do.
            expect(p.plan.detail, p.phase).toMatch(/no data lost; policy pack passed$/);
        }
        // After complete: the production names hold the v2 rows, the snapshots the legacy rows.
        const last = report.phases[report.phases.length - 1].warehouse.tables;
        expect(last.find((t) => t.table === "fact_cursor_daily_usage")?.rows).toBeGreaterThan(0);
        expect(last.filter((t) => t.type === "SNAPSHOT").map((t) => t.table).sort()).toContain("raw_cursor_usage__pre_cutover");
        expect(last.some((t) => t.table.endsWith("_v2"))).toBe(false);
    });
});
