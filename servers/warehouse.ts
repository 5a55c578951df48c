// Tables of the stack's catalogue in the local warehouse, and deterministic rows for them, so
// tests and benchmarks move real rows through the migration.
import type { BigQuery } from "@google-cloud/bigquery";
import type { ColumnDef, TableDef } from "../components/analytics";
import { toBigQueryFields } from "../components/analytics";
import { bigQueryClient } from "../components/migration/warehouse";
import { LocalWarehouse } from "../warehouse";

/** A started warehouse and the real BigQuery client pointed at it (BIGQUERY_EMULATOR_HOST). */
export async function startWarehouse(project: string): Promise<{ wh: LocalWarehouse; bq: BigQuery; stop: () => Promise<void> }> {
    // No Google credentials here: keep the auth library from probing for a metadata server.
    process.env.METADATA_SERVER_DETECTION = "none";
    const wh = new LocalWarehouse();
    process.env.BIGQUERY_EMULATOR_HOST = await wh.start();
    return {
        wh,
        bq: bigQueryClient(project, "US"),
        stop: async () => {
            await wh.stop();
            delete process.env.BIGQUERY_EMULATOR_HOST;
        },
    };
}

/** Creates `project.dataset.<def.name>` (or `tableId`) as the stack declares it: schema, partitioning, clustering. */
export async function createCatalogueTable(wh: LocalWarehouse, project: string, dataset: string, def: TableDef, options: { tableId?: string; requirePartitionFilter?: boolean } = {}): Promise<string> {
    const qualified = `${project}.${dataset}.${options.tableId ?? def.name}`;
    await wh.createTable(qualified, {
        schema: toBigQueryFields(def.columns) as unknown as Record<string, unknown>[],
        description: def.description,
        ...(def.partitionField ? { timePartitioning: { type: "DAY", field: def.partitionField } } : {}),
        ...(def.clustering && def.clustering.length > 0 ? { clustering: def.clustering } : {}),
        ...(def.partitionField && options.requirePartitionFilter ? { requirePartitionFilter: true } : {}),
    });
    return qualified;
}

const DAY_MS = 86_400_000;
const BASE = Date.parse("2026-11-01T00:00:00Z");

function value(c: ColumnDef, i: number, salt: number): unknown {
    if (c.type === "RECORD") return Object.fromEntries((c.fields ?? []).map((f) => [f.name, element(f, i, salt)]));
    switch (c.type) {
        case "DATE":
            return new Date(BASE + (i % 28) * DAY_MS).toISOString().slice(0, 10);
        case "TIMESTAMP":
        case "DATETIME":
            return new Date(BASE + i * 1000).toISOString().replace(c.type === "DATETIME" ? "Z" : "", "");
        case "INT64":
            return (i * 7 + salt) % 1000;
        case "FLOAT64":
            return (i % 10) / 10;
        case "NUMERIC":
        case "BIGNUMERIC":
            return `${i % 100}.25`;
        case "BOOL":
            return i % 2 === 0;
        case "JSON":
            return JSON.stringify({ i });
        case "BYTES":
            return Buffer.from(`row ${i}`).toString("base64");
        case "TIME":
            return "12:00:00";
        default:
            return `${c.name}-${salt}-${i}`;
    }
}

function element(c: ColumnDef, i: number, salt: number): unknown {
    return c.mode === "REPEATED" ? [value(c, i, salt)] : value(c, i, salt);
}

/** `n` rows for a table of the catalogue: every column filled, values varying with the row and `salt`. */
export function catalogueRows(def: TableDef, n: number, salt = 0): Record<string, unknown>[] {
    return Array.from({ length: n }, (_, i) => Object.fromEntries(def.columns.map((c) => [c.name, element(c, i, salt)])));
}
