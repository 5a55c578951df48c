import { ColumnDef, ColumnMode, ColumnType, TableDef } from "./schema";

// Small constructors keep the catalogue readable as a list of columns.
const col = (name: string, type: ColumnType, description: string, mode: ColumnMode = "NULLABLE"): ColumnDef => ({ name, type, mode, description });
const req = (name: string, type: ColumnType, description: string): ColumnDef => col(name, type, description, "REQUIRED");
const int = (name: string, description: string): ColumnDef => col(name, "INT64", description);
const record = (name: string, description: string, fields: ColumnDef[], mode: ColumnMode = "NULLABLE"): ColumnDef => ({ name, type: "RECORD", mode, description, fields });

/** Columns every v2 fact carries: which platform, how the usage was attributed to a user, and when it arrived. */
const v2Common = (platform: string): ColumnDef[] => [
    req("platform", "STRING", `Source platform; always '${platform}' in this table, kept so unions across platforms stay self-describing.`),
    col("attribution_methods", "STRING", "Every method that attributed this row to the user (e.g. api_key, email_match, sso, git_author).", "REPEATED"),
    col("attribution_primary_method", "STRING", "The method with the highest confidence."),
    req("attribution_confidence", "FLOAT64", "Confidence of the combined attribution, from 0 to 1."),
    req("ingested_at", "TIMESTAMP", "When the pipeline wrote the row."),
];

const userDay = (): ColumnDef[] => [
    req("usage_date", "DATE", "Calendar day of the usage (UTC); the partition column."),
    req("user_id", "STRING", "Synter user id the usage is attributed to."),
    col("user_email", "STRING", "User email at the time of the usage."),
];

/** The v2 facts built beside the legacy tables during the migration. */
export const V2_TABLES: readonly TableDef[] = [
    {
        name: "fact_cursor_daily_usage_v2",
        productionName: "fact_cursor_daily_usage",
        role: "v2",
        description: "Daily Cursor usage per user, with platform and multi-method attribution.",
        columns: [
            ...userDay(),
            int("lines_added", "Lines added by any means."),
            int("lines_deleted", "Lines deleted by any means."),
            int("accepted_lines_added", "Lines added from accepted AI suggestions."),
            int("accepted_lines_deleted", "Lines deleted from accepted AI suggestions."),
            int("total_applies", "Apply actions."),
            int("total_accepts", "Accepted suggestions."),
            int("total_rejects", "Rejected suggestions."),
            int("total_tabs_shown", "Tab completions shown."),
            int("total_tabs_accepted", "Tab completions accepted."),
            int("composer_requests", "Composer requests."),
            int("chat_requests", "Chat requests."),
            int("agent_requests", "Agent requests."),
            col("most_used_model", "STRING", "Model used for most requests that day."),
            ...v2Common("cursor"),
        ],
        partitionField: "usage_date",
        clustering: ["platform", "user_id"],
    },
    {
        name: "fact_claude_daily_usage_v2",
        productionName: "fact_claude_daily_usage",
        role: "v2",
        description: "Daily Claude Code usage per user, tokens and cost per model, with platform and multi-method attribution.",
        columns: [
            ...userDay(),
            int("sessions", "Claude Code sessions started."),
            int("lines_added", "Lines added."),
            int("lines_removed", "Lines removed."),
            int("commits", "Commits made with Claude Code."),
            int("pull_requests", "Pull requests opened with Claude Code."),
            int("tool_accepts", "Tool uses (edit, write, notebook) accepted."),
            int("tool_rejects", "Tool uses rejected."),
            record("model_usage", "Tokens and cost per model.", [
                req("model", "STRING", "Model name."),
                int("input_tokens", "Input tokens."),
                int("output_tokens", "Output tokens."),
                int("cache_read_tokens", "Tokens read from the prompt cache."),
                int("cache_creation_tokens", "Tokens written to the prompt cache."),
                col("cost_usd", "NUMERIC", "Cost in US dollars."),
            ], "REPEATED"),
            col("total_cost_usd", "NUMERIC", "Cost over all models in US dollars."),
            ...v2Common("claude_code"),
        ],
        partitionField: "usage_date",
        clustering: ["platform", "user_id"],
    },
];

const loadedAt = () => col("loaded_at", "TIMESTAMP", "When the legacy loader wrote the row.");

/** Tables of the SingleStore-era layout that the cutover drops after verified snapshots. */
export const LEGACY_TABLES: readonly TableDef[] = [
    {
        name: "raw_cursor_usage",
        role: "legacy",
        description: "Legacy: Cursor admin API daily export, one row per user and day.",
        columns: [
            req("date", "DATE", "Usage day."), req("email", "STRING", "User email."),
            int("lines_added", "Lines added."), int("lines_deleted", "Lines deleted."),
            int("accepted_lines_added", "Accepted lines added."), int("accepted_lines_deleted", "Accepted lines deleted."),
            int("applies", "Applies."), int("accepts", "Accepts."), int("rejects", "Rejects."),
            int("tabs_shown", "Tabs shown."), int("tabs_accepted", "Tabs accepted."),
            int("composer_requests", "Composer requests."), int("chat_requests", "Chat requests."), int("agent_requests", "Agent requests."),
            col("most_used_model", "STRING", "Most used model."), loadedAt(),
        ],
    },
    {
        name: "raw_anthropic_usage",
        role: "legacy",
        description: "Legacy: Claude Code usage export, one row per user, day and model.",
        columns: [
            req("date", "DATE", "Usage day."), req("user_email", "STRING", "User email."), req("model", "STRING", "Model."),
            int("sessions", "Sessions."), int("lines_added", "Lines added."), int("lines_removed", "Lines removed."),
            int("commits", "Commits."), int("pull_requests", "Pull requests."),
            int("tool_accepts", "Tool accepts."), int("tool_rejects", "Tool rejects."),
            int("input_tokens", "Input tokens."), int("output_tokens", "Output tokens."),
            int("cache_read_tokens", "Cache read tokens."), int("cache_creation_tokens", "Cache creation tokens."), loadedAt(),
        ],
    },
    {
        name: "raw_anthropic_cost",
        role: "legacy",
        description: "Legacy: Anthropic cost export, one row per user, day and model.",
        columns: [
            req("date", "DATE", "Cost day."), req("user_email", "STRING", "User email."), req("model", "STRING", "Model."),
            col("cost_usd", "NUMERIC", "Cost in US dollars."), loadedAt(),
        ],
    },
    {
        name: "fct_usage_daily",
        role: "legacy",
        description: "Legacy: daily usage rolled up per user and platform.",
        columns: [
            req("date", "DATE", "Day."), req("user_email", "STRING", "User email."), req("platform", "STRING", "Platform."),
            int("lines_added", "Lines added."), int("requests", "Requests."),
        ],
    },
    {
        name: "fct_cost_daily",
        role: "legacy",
        description: "Legacy: daily cost rolled up per user and platform.",
        columns: [
            req("date", "DATE", "Day."), req("user_email", "STRING", "User email."), req("platform", "STRING", "Platform."),
            col("cost_usd", "NUMERIC", "Cost in US dollars."),
        ],
    },
    {
        name: "dim_users",
        role: "legacy",
        description: "Legacy: user dimension copied from SingleStore.",
        columns: [
            req("user_id", "STRING", "User id."), req("email", "STRING", "Email."), col("name", "STRING", "Display name."),
            col("team", "STRING", "Team."), col("created_at", "TIMESTAMP", "Created."),
        ],
    },
    {
        name: "dim_api_keys",
        role: "legacy",
        description: "Legacy: API keys mapped to users, used by the single-method attribution.",
        columns: [
            req("api_key_id", "STRING", "API key id."), req("user_id", "STRING", "User id."), req("platform", "STRING", "Platform."),
            col("created_at", "TIMESTAMP", "Created."), col("revoked_at", "TIMESTAMP", "Revoked."),
        ],
    },
];

/** Synter's marketing analytics tables moved from SingleStore (not renamed by the migration). */
export const ANALYTICS_TABLES: readonly TableDef[] = [
    {
        name: "events",
        role: "analytics",
        description: "Product and marketing events.",
        columns: [
            req("event_id", "STRING", "Event id, unique per event."),
            req("event_type", "STRING", "Event type (page_view, signup, ...)."),
            req("event_timestamp", "TIMESTAMP", "When the event happened; the partition column."),
            col("platform", "STRING", "Ad platform or source (google, meta, linkedin, organic, ...)."),
            col("campaign_id", "STRING", "Campaign id, when attributed."),
            col("user_id", "STRING", "Synter user id, when known."),
            col("session_id", "STRING", "Web session id."),
            col("properties", "JSON", "Event-specific properties."),
            req("ingested_at", "TIMESTAMP", "When the pipeline wrote the row."),
        ],
        partitionField: "event_timestamp",
        clustering: ["platform", "event_type", "campaign_id"],
    },
    {
        name: "ad_metrics",
        role: "analytics",
        description: "Daily delivery and spend per ad platform, campaign and ad group.",
        columns: [
            req("metric_date", "DATE", "Day of the metrics; the partition column."),
            req("platform", "STRING", "Ad platform."),
            req("campaign_id", "STRING", "Campaign id."),
            col("ad_group_id", "STRING", "Ad group id."),
            int("impressions", "Impressions."),
            int("clicks", "Clicks."),
            col("spend", "NUMERIC", "Spend in the account currency."),
            col("currency", "STRING", "ISO 4217 currency code."),
            req("ingested_at", "TIMESTAMP", "When the pipeline wrote the row."),
        ],
        partitionField: "metric_date",
        clustering: ["platform", "campaign_id"],
    },
    {
        name: "conversions",
        role: "analytics",
        description: "Conversions with their multi-method attribution.",
        columns: [
            req("conversion_id", "STRING", "Conversion id."),
            req("conversion_timestamp", "TIMESTAMP", "When the conversion happened; the partition column."),
            req("conversion_type", "STRING", "signup, purchase, ..."),
            col("platform", "STRING", "Platform credited."),
            col("campaign_id", "STRING", "Campaign credited."),
            col("user_id", "STRING", "Synter user id."),
            col("value", "NUMERIC", "Conversion value."),
            col("currency", "STRING", "ISO 4217 currency code."),
            record("attribution", "How the conversion was attributed.", [
                col("method", "STRING", "Attribution method."),
                col("confidence", "FLOAT64", "Confidence from 0 to 1."),
            ]),
            req("ingested_at", "TIMESTAMP", "When the pipeline wrote the row."),
        ],
        partitionField: "conversion_timestamp",
        clustering: ["platform", "campaign_id", "conversion_type"],
    },
    {
        name: "touchpoints",
        role: "analytics",
        description: "Marketing touchpoints on the path to conversion.",
        columns: [
            req("touchpoint_id", "STRING", "Touchpoint id."),
            req("touchpoint_timestamp", "TIMESTAMP", "When the touchpoint happened; the partition column."),
            req("user_id", "STRING", "Synter user id."),
            col("platform", "STRING", "Platform."),
            col("campaign_id", "STRING", "Campaign id."),
            col("channel", "STRING", "Channel (paid_search, social, email, ...)."),
            int("position", "Position on the user's path, from 1."),
            col("attribution_weight", "FLOAT64", "Share of credit from 0 to 1."),
            req("ingested_at", "TIMESTAMP", "When the pipeline wrote the row."),
        ],
        partitionField: "touchpoint_timestamp",
        clustering: ["user_id", "platform", "campaign_id"],
    },
];

/** The whole catalogue, in declaration order. */
export const CATALOGUE: readonly TableDef[] = [...V2_TABLES, ...LEGACY_TABLES, ...ANALYTICS_TABLES];
