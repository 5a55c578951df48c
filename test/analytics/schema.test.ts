import { describe, expect, it } from "vitest";
import { CATALOGUE, ColumnDef, TableDef, toBigQueryFields, validateCatalogue, validateTableDef } from "../../components/analytics";

const base: TableDef = {
    name: "events_x",
    role: "analytics",
    description: "test",
    columns: [
        { name: "event_date", type: "DATE", mode: "REQUIRED", description: "d" },
        { name: "platform", type: "STRING", description: "p" },
        { name: "campaign_id", type: "STRING", description: "c" },
        { name: "user_id", type: "STRING", description: "u" },
        { name: "event_type", type: "STRING", description: "t" },
        { name: "payload", type: "RECORD", description: "r", fields: [{ name: "k", type: "STRING", description: "k" }] },
    ],
    partitionField: "event_date",
    clustering: ["platform"],
};
const error = (def: TableDef) => {
    try {
        validateTableDef(def);
    } catch (e) {
        return (e as Error).message;
    }
    return "no error";
};

describe("table definitions", () => {
    it("accepts the whole catalogue", () => {
        expect(() => validateCatalogue(CATALOGUE)).not.toThrow();
        expect(CATALOGUE.filter((t) => t.role === "legacy").map((t) => t.name)).toEqual([
            "raw_cursor_usage", "raw_anthropic_usage", "raw_anthropic_cost", "fct_usage_daily", "fct_cost_daily", "dim_users", "dim_api_keys",
        ]);
    });

    it.each<[string, Partial<TableDef>, string]>([
        ["more than 4 clustering columns", { clustering: ["platform", "campaign_id", "user_id", "event_type", "event_date"] },
            "Table definition events_x: has 5 clustering columns (platform, campaign_id, user_id, event_type, event_date); BigQuery allows at most 4."],
        ["missing partition field", { partitionField: "created_at" }, 'Table definition events_x: partition field "created_at" is not a column.'],
        ["partition field of the wrong type", { partitionField: "platform" }, 'Table definition events_x: partition field "platform" is STRING; it must be DATE, TIMESTAMP or DATETIME.'],
        ["no partitioning on an analytics table", { partitionField: undefined }, "Table definition events_x: analytics tables must be partitioned: set partitionField."],
        ["no clustering on an analytics table", { clustering: [] }, "Table definition events_x: analytics tables must be clustered: set clustering."],
        ["clustering on a missing column", { clustering: ["country"] }, 'Table definition events_x: clustering column "country" is not a top-level column.'],
        ["clustering on a RECORD", { clustering: ["payload"] }, 'Table definition events_x: clustering column "payload" is RECORD; BigQuery clusters only on non-repeated STRING, INT64, NUMERIC, BIGNUMERIC, BOOL, DATE, DATETIME, TIMESTAMP, GEOGRAPHY.'],
        ["duplicate column (case-insensitive)", { columns: [...base.columns, { name: "Platform", type: "STRING", description: "dup" }] }, 'Table definition events_x: duplicate column "Platform".'],
        ["unknown type", { columns: [...base.columns, { name: "amount", type: "MONEY" as any, description: "m" }] },
            'Table definition events_x: column "amount" has unknown type "MONEY" (allowed: STRING, BYTES, INT64, FLOAT64, NUMERIC, BIGNUMERIC, BOOL, DATE, DATETIME, TIME, TIMESTAMP, JSON, GEOGRAPHY, RECORD).'],
        ["duplicate nested field", { columns: [...base.columns.slice(0, 5), { name: "payload", type: "RECORD", description: "r", fields: [{ name: "k", type: "STRING", description: "k" }, { name: "K", type: "INT64", description: "k" }] }] },
            'Table definition events_x: duplicate column "payload.K".'],
        ["RECORD without fields", { columns: [...base.columns.slice(0, 5), { name: "payload", type: "RECORD", description: "r" } as ColumnDef] }, 'Table definition events_x: RECORD column "payload" needs at least one field.'],
        ["v2 table without the suffix", { role: "v2", productionName: "events" }, "Table definition events_x: v2 tables are named with the _v2 suffix."],
    ])("refuses %s", (_what, change, message) => {
        expect(error({ ...base, ...change })).toBe(message);
    });

    it("refuses a table declared twice", () => {
        expect(() => validateCatalogue([base, base])).toThrow("Table definition events_x: is declared twice in the catalogue.");
    });

    it("generates BigQuery's JSON schema with modes and nested fields", () => {
        expect(toBigQueryFields(base.columns).slice(4)).toEqual([
            { name: "event_type", type: "STRING", mode: "NULLABLE", description: "t" },
            { name: "payload", type: "RECORD", mode: "NULLABLE", description: "r", fields: [{ name: "k", type: "STRING", mode: "NULLABLE", description: "k" }] },
        ]);
    });
});
