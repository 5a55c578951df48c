// Deterministic rows for every catalogue table, as the legacy application and the dual-writing
// application would have written them: the legacy exports and the v2 facts describe the same
// usage, so every parity query passes, unless one day is made to differ on purpose.
import type { ColumnDef, TableDef } from "../components/analytics/schema";

export type Row = Record<string, unknown>;

export interface SeedOptions {
    /** First day (YYYY-MM-DD) and how many days of partitions. */
    readonly start: string;
    readonly days: number;
    readonly users: number;
    /** Day index (0-based) whose v2 Cursor rows differ from the legacy export. */
    readonly mismatchDay?: number;
}

export const DEFAULT_SEED: SeedOptions = { start: "2026-10-01", days: 5, users: 4 };

const MODELS = ["claude-sonnet-4", "claude-opus-4"];

/** A small, stable pseudo-random integer from a key: the same key gives the same value in every run. */
export function stableInt(key: string, max: number): number {
    let h = 2166136261;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
    return h % max;
}

const day = (start: string, i: number): string => new Date(Date.parse(`${start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
const cents = (n: number): string => `${Math.floor(n / 100)}.${String(n % 100).padStart(2, "0")}`;

/** A value of a column that no parity query reads, from its type alone. */
function generic(c: ColumnDef, key: string, date: string): unknown {
    const n = stableInt(`${key}:${c.name}`, 1000);
    const one = (): unknown => {
        switch (c.type) {
            case "STRING": return `${c.name}-${n}`;
            case "INT64": return n;
            case "FLOAT64": return (n % 100) / 100;
            case "NUMERIC": case "BIGNUMERIC": return cents(n * 7);
            case "BOOL": return n % 2 === 0;
            case "DATE": return date;
            case "TIMESTAMP": case "DATETIME": return `${date}T${String(n % 24).padStart(2, "0")}:00:00Z`;
            case "JSON": return JSON.stringify({ source: "rehearsal", n });
            case "RECORD": return Object.fromEntries((c.fields ?? []).map((f) => [f.name, generic(f, key, date)]));
            default: return `${c.type}-${n}`;
        }
    };
    return c.mode === "REPEATED" ? [one()] : one();
}

/** Fills every column of a table: the given values first, the rest generic. */
function fill(t: TableDef, given: Row, key: string, date: string): Row {
    const row: Row = {};
    for (const c of t.columns) row[c.name] = c.name in given ? given[c.name] : c.name === t.partitionField ? (c.type === "DATE" ? date : `${date}T12:00:00Z`) : generic(c, key, date);
    return row;
}

/** Rows per table name for the tables of `catalogue`. */
export function seedRows(catalogue: readonly TableDef[], options: SeedOptions = DEFAULT_SEED): Map<string, Row[]> {
    const byName = new Map(catalogue.map((t) => [t.name, t]));
    const out = new Map<string, Row[]>(catalogue.map((t) => [t.name, []]));
    const add = (table: string, given: Row, key: string, date: string) => {
        const t = byName.get(table);
        if (t) out.get(table)!.push(fill(t, given, key, date));
    };
    for (let d = 0; d < options.days; d++) {
        const date = day(options.start, d);
        const ingested = `${date}T23:00:00Z`;
        for (let u = 0; u < options.users; u++) {
            const user = `user-${u}`;
            const email = `${user}@synter.io`;
            const k = `${date}:${user}`;
            const m = (name: string) => stableInt(`${k}:${name}`, 500);
            // One day of Cursor usage, as the legacy export and as the v2 fact.
            const cursor = {
                lines_added: m("la"), lines_deleted: m("ld"), accepted_lines_added: m("ala"), accepted_lines_deleted: m("ald"),
                applies: m("ap"), accepts: m("ac"), rejects: m("rj"), tabs_shown: m("ts"), tabs_accepted: m("ta"),
                composer_requests: m("cr"), chat_requests: m("ch"), agent_requests: m("ag"), most_used_model: "gpt-5",
            };
            add("raw_cursor_usage", { date, email, ...cursor, loaded_at: ingested }, k, date);
            const drift = options.mismatchDay === d && u === 0 ? 1 : 0;
            add("fact_cursor_daily_usage_v2", {
                usage_date: date, user_id: user, user_email: email,
                lines_added: cursor.lines_added + drift, lines_deleted: cursor.lines_deleted,
                accepted_lines_added: cursor.accepted_lines_added, accepted_lines_deleted: cursor.accepted_lines_deleted,
                total_applies: cursor.applies, total_accepts: cursor.accepts, total_rejects: cursor.rejects,
                total_tabs_shown: cursor.tabs_shown, total_tabs_accepted: cursor.tabs_accepted,
                composer_requests: cursor.composer_requests, chat_requests: cursor.chat_requests, agent_requests: cursor.agent_requests,
                most_used_model: cursor.most_used_model, platform: "cursor",
                attribution_methods: ["api_key", "email_match"], attribution_primary_method: "api_key",
                attribution_confidence: u === options.users - 1 ? 0.4 : 0.95, ingested_at: ingested,
            }, k, date);
            // Claude Code: the legacy exports have a row per model, the v2 fact nests the models.
            const models = MODELS.map((model) => ({
                model, sessions: m(`${model}:s`) % 9, lines_added: m(`${model}:la`), lines_removed: m(`${model}:lr`), commits: m(`${model}:c`) % 7,
                pull_requests: m(`${model}:pr`) % 3, tool_accepts: m(`${model}:ta`), tool_rejects: m(`${model}:tr`) % 50,
                input_tokens: m(`${model}:in`) * 1000, output_tokens: m(`${model}:out`) * 100,
                cache_read_tokens: m(`${model}:cr`) * 10, cache_creation_tokens: m(`${model}:cc`) * 10, cost_cents: m(`${model}:cost`) * 3 + 1,
            }));
            for (const x of models) {
                const { cost_cents, ...usage } = x;
                add("raw_anthropic_usage", { date, user_email: email, ...usage, loaded_at: ingested }, `${k}:${x.model}`, date);
                add("raw_anthropic_cost", { date, user_email: email, model: x.model, cost_usd: cents(cost_cents), loaded_at: ingested }, `${k}:${x.model}`, date);
            }
            const sum = (f: (x: (typeof models)[number]) => number) => models.reduce((a, x) => a + f(x), 0);
            add("fact_claude_daily_usage_v2", {
                usage_date: date, user_id: user, user_email: email,
                sessions: sum((x) => x.sessions), lines_added: sum((x) => x.lines_added), lines_removed: sum((x) => x.lines_removed),
                commits: sum((x) => x.commits), pull_requests: sum((x) => x.pull_requests),
                tool_accepts: sum((x) => x.tool_accepts), tool_rejects: sum((x) => x.tool_rejects),
                model_usage: models.map((x) => ({
                    model: x.model, input_tokens: x.input_tokens, output_tokens: x.output_tokens,
                    cache_read_tokens: x.cache_read_tokens, cache_creation_tokens: x.cache_creation_tokens, cost_usd: cents(x.cost_cents),
                })),
                total_cost_usd: cents(sum((x) => x.cost_cents)), platform: "claude_code",
                attribution_methods: ["sso"], attribution_primary_method: "sso", attribution_confidence: 0.9, ingested_at: ingested,
            }, k, date);
            add("fct_usage_daily", { date, user_email: email, platform: "cursor", lines_added: cursor.lines_added, requests: cursor.chat_requests }, k, date);
            add("fct_cost_daily", { date, user_email: email, platform: "claude_code", cost_usd: cents(sum((x) => x.cost_cents)) }, k, date);
            if (d === 0) {
                add("dim_users", { user_id: user, email }, k, date);
                add("dim_api_keys", { api_key_id: `key-${u}`, user_id: user, platform: "cursor", revoked_at: null }, k, date);
            }
            // Marketing analytics: a few rows a day, not part of the migration.
            add("events", { event_id: `ev-${k}`, event_type: "page_view", user_id: user, ingested_at: ingested }, k, date);
            add("ad_metrics", { platform: "google", campaign_id: `c-${u % 2}`, ingested_at: ingested }, k, date);
            add("conversions", { conversion_id: `cv-${k}`, conversion_type: "signup", user_id: user, ingested_at: ingested }, k, date);
            add("touchpoints", { touchpoint_id: `tp-${k}`, user_id: user, position: 1, ingested_at: ingested }, k, date);
        }
    }
    return out;
}
