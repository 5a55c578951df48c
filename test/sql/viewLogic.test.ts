// What each view computes, on fixture rows, through ZetaSQL's reference evaluator: the view
// files exactly as the stack deploys them (placeholders filled), against the catalogue's schemas.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueryResult, SqlChecker, stackStatements } from "../../zetasql";

const P = "synter-lint.synter_analytics";
let checker: SqlChecker;
beforeAll(async () => {
    checker = await SqlChecker.start();
});
afterAll(() => checker.stop());

/** The deployed SQL of a view (`_v2` names during the parallel phase, production names after cutover). */
function viewSql(view: string): string {
    const s = stackStatements().find((x) => x.registersAs === `${P}.${view}`);
    if (!s) throw new Error(`no view ${view}`);
    return s.sql;
}

const ingested = "2026-01-05T23:00:00Z";
const cursorRow = (o: Record<string, unknown>) => ({ platform: "cursor", attribution_confidence: 0.9, ingested_at: ingested, attribution_methods: ["api_key"], ...o });
const claudeRow = (o: Record<string, unknown>) => ({ platform: "claude_code", attribution_confidence: 0.9, ingested_at: ingested, ...o });

const byKey = (r: QueryResult, ...keys: string[]) => Object.fromEntries(r.rows.map((row) => [keys.map((k) => row[k]).join("|"), row]));

describe("vw_ai_coding_productivity", () => {
    const fixtures = [
        {
            name: `${P}.fact_cursor_daily_usage_v2`,
            rows: [
                cursorRow({ usage_date: "2026-01-05", user_id: "u1", accepted_lines_added: 40, lines_added: 60, total_accepts: 8, total_rejects: 2, total_tabs_shown: 0, total_tabs_accepted: 0, attribution_confidence: 0.8 }),
                // A second row for the same user and day is summed; its lower confidence is the day's.
                cursorRow({ usage_date: "2026-01-05", user_id: "u1", accepted_lines_added: 10, total_accepts: 2, total_rejects: 0, attribution_confidence: 0.7 }),
                // Attributed with too little confidence: not credited to anyone.
                cursorRow({ usage_date: "2026-01-05", user_id: "u1", accepted_lines_added: 1000, attribution_confidence: 0.3 }),
                // A row from another platform in the wrong table is not Cursor usage.
                cursorRow({ usage_date: "2026-01-05", user_id: "u1", accepted_lines_added: 500, platform: "claude_code" }),
                // A user with Cursor only and no activity at all: ratios are NULL, not errors.
                cursorRow({ usage_date: "2026-01-06", user_id: "u3", total_accepts: 0, total_rejects: 0 }),
            ],
        },
        {
            name: `${P}.fact_claude_daily_usage_v2`,
            rows: [
                claudeRow({ usage_date: "2026-01-05", user_id: "u1", lines_added: 100, commits: 2, tool_accepts: 3, tool_rejects: 1, total_cost_usd: "2.50", attribution_confidence: 0.95 }),
                // Claude only, no lines: cost per line is NULL (SAFE_DIVIDE by zero).
                claudeRow({ usage_date: "2026-01-05", user_id: "u2", lines_added: 0, total_cost_usd: "0.40", attribution_confidence: 0.6 }),
                claudeRow({ usage_date: "2026-01-05", user_id: "u2", lines_added: 900, total_cost_usd: "9", attribution_confidence: 0.49 }),
                claudeRow({ usage_date: "2026-01-05", user_id: "u2", lines_added: 900, platform: "cursor" }),
            ],
        },
    ];

    it("joins both platforms per user and day, keeps them apart, and leaves low-confidence usage out", async () => {
        const r = await checker.evaluate(viewSql("vw_ai_coding_productivity_v2"), fixtures);
        expect(r.rows).toHaveLength(3);
        const rows = byKey(r, "user_id", "usage_date");
        expect(rows["u1|2026-01-05"]).toMatchObject({
            cursor_accepted_lines_added: 50,
            cursor_lines_added: 60,
            cursor_acceptance_rate: 10 / 12,
            cursor_tab_acceptance_rate: null,
            claude_lines_added: 100,
            claude_commits: 2,
            claude_tool_acceptance_rate: 0.75,
            claude_cost_usd: "2.5",
            claude_cost_per_line: "0.025",
            ai_lines_total: 150,
            attribution_confidence: 0.7,
        });
        expect(rows["u2|2026-01-05"]).toMatchObject({
            cursor_lines_added: null,
            cursor_acceptance_rate: null,
            claude_lines_added: 0,
            claude_cost_usd: "0.4",
            claude_cost_per_line: null,
            ai_lines_total: 0,
            attribution_confidence: 0.6,
        });
        expect(rows["u3|2026-01-06"]).toMatchObject({ cursor_acceptance_rate: null, claude_lines_added: null, claude_cost_usd: null, ai_lines_total: 0, attribution_confidence: 0.9 });
    });

    it("returns no rows when every row is below the confidence threshold", async () => {
        const low = fixtures.map((t) => ({ ...t, rows: t.rows.map((row) => ({ ...row, attribution_confidence: 0.1 })) }));
        expect((await checker.evaluate(viewSql("vw_ai_coding_productivity_v2"), low)).rows).toEqual([]);
    });

    it("computes the same after cutover, on the production table names", async () => {
        const renamed = fixtures.map((t) => ({ ...t, name: t.name.replace(/_v2$/, "") }));
        const before = await checker.evaluate(viewSql("vw_ai_coding_productivity_v2"), fixtures);
        const after = await checker.evaluate(viewSql("vw_ai_coding_productivity"), renamed);
        expect(after.rows).toEqual(before.rows);
    });
});

describe("vw_ai_coding_weekly (a view on the daily view)", () => {
    it("rolls days up into Monday-based weeks per user, with NULL-safe cost per line and the lowest confidence", async () => {
        const daily = await checker.evaluate(viewSql("vw_ai_coding_productivity_v2"), [
            {
                name: `${P}.fact_claude_daily_usage_v2`,
                rows: [
                    // Monday 5 and Sunday 11 January 2026 are one week; Monday 12 starts the next.
                    claudeRow({ usage_date: "2026-01-05", user_id: "u1", lines_added: 100, total_cost_usd: "1", attribution_confidence: 0.9 }),
                    claudeRow({ usage_date: "2026-01-11", user_id: "u1", lines_added: 300, total_cost_usd: "3", attribution_confidence: 0.6 }),
                    claudeRow({ usage_date: "2026-01-12", user_id: "u1", lines_added: 0, total_cost_usd: "0.5" }),
                ],
            },
            { name: `${P}.fact_cursor_daily_usage_v2`, rows: [cursorRow({ usage_date: "2026-01-07", user_id: "u1", accepted_lines_added: 20, attribution_confidence: 0.55 })] },
        ]);
        const weekly = await checker.evaluate(viewSql("vw_ai_coding_weekly_v2"), [{ name: `${P}.vw_ai_coding_productivity_v2`, column: daily.column, rows: daily.rows }]);
        const rows = byKey(weekly, "week_start");
        expect(Object.keys(rows).sort()).toEqual(["2026-01-05", "2026-01-12"]);
        expect(rows["2026-01-05"]).toMatchObject({ user_id: "u1", ai_lines_total: 420, claude_cost_usd: "4", claude_cost_per_line: "0.01", min_attribution_confidence: 0.55 });
        expect(rows["2026-01-12"]).toMatchObject({ ai_lines_total: 0, claude_cost_usd: "0.5", claude_cost_per_line: null });
    });
});

describe("vw_campaign_performance", () => {
    const metrics = (o: Record<string, unknown>) => ({ metric_date: "2026-01-05", campaign_id: "c1", ingested_at: ingested, ...o });
    const conversion = (id: string, o: Record<string, unknown>) => ({
        conversion_id: id, conversion_timestamp: "2026-01-05T12:00:00Z", conversion_type: "signup", campaign_id: "c1", ingested_at: ingested, ...o,
    });

    it("keeps platforms apart, credits only confident conversions, and yields NULL ratios instead of errors", async () => {
        const r = await checker.evaluate(viewSql("vw_campaign_performance"), [
            {
                name: `${P}.ad_metrics`,
                rows: [
                    metrics({ platform: "google", impressions: 1000, clicks: 50, spend: "100", ad_group_id: "g1" }),
                    metrics({ platform: "google", impressions: 1000, clicks: 30, spend: "20", ad_group_id: "g2" }),
                    // Same campaign id on another platform: a separate row.
                    metrics({ platform: "meta", impressions: 0, clicks: 0, spend: "0" }),
                ],
            },
            {
                name: `${P}.conversions`,
                rows: [
                    conversion("a", { platform: "google", value: "300", attribution: { method: "last_click", confidence: 0.9 } }),
                    conversion("b", { platform: "google", value: "60", attribution: { method: "linear", confidence: 0.5 } }),
                    conversion("c", { platform: "google", value: "999", attribution: { method: "email_match", confidence: 0.2 } }),
                    // No attribution at all is not credited either.
                    conversion("d", { platform: "google", value: "999" }),
                ],
            },
        ]);
        const rows = byKey(r, "platform", "campaign_id");
        expect(r.rows).toHaveLength(2);
        expect(rows["google|c1"]).toMatchObject({
            impressions: 2000, clicks: 80, spend: "120", conversions: 2, conversion_value: "360",
            click_through_rate: 0.04, cost_per_conversion: "60", return_on_ad_spend: "3",
        });
        expect(rows["meta|c1"]).toMatchObject({
            impressions: 0, conversions: 0, conversion_value: null, click_through_rate: null, cost_per_conversion: null, return_on_ad_spend: null,
        });
    });
});

describe("the evaluator harness", () => {
    it("rejects a fixture column the table does not have, naming table, row and column", async () => {
        await expect(checker.evaluate("SELECT 1", [{ name: `${P}.ad_metrics`, rows: [{ metric_date: "2026-01-05", impresions: 1 }] }])).rejects.toThrow(
            `${P}.ad_metrics row 1: no column impresions`,
        );
    });

    it("rejects a value of the wrong type, naming table, row and column", async () => {
        await expect(checker.evaluate("SELECT 1", [{ name: `${P}.ad_metrics`, rows: [{ metric_date: "5 Jan" }] }])).rejects.toThrow(
            `${P}.ad_metrics row 1 metric_date: "5 Jan" is not a DATE`,
        );
    });
});
