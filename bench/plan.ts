// 1. Plan evaluation under Pulumi's mock runtime: the prod stack, and synthetic catalogues of
// 100 and 1,000 tables through the real components.
import { AnalyticsDataset, AnalyticsTables, TableDef } from "../components/analytics";
import { runProgram } from "../plan/program";
import { Figure, figure, medianMs } from "./figures";

const ROOT = require.resolve("../index").replace(/index\.ts$/, "");

/** The program freshly loaded, as `pulumi` loads it once per run. */
function freshIndex(): unknown {
    for (const k of Object.keys(require.cache)) if (k.startsWith(ROOT) && !k.includes("node_modules") && !k.includes("/bench/")) delete require.cache[k];
    return require("../index");
}

export function syntheticCatalogue(n: number): TableDef[] {
    return Array.from({ length: n }, (_, i) => ({
        name: `synthetic_${i}`,
        role: "analytics" as const,
        description: `Synthetic table ${i}.`,
        columns: [
            { name: "day", type: "DATE" as const, mode: "REQUIRED" as const, description: "Partition column." },
            { name: "platform", type: "STRING" as const, mode: "REQUIRED" as const, description: "Platform." },
            { name: "user_id", type: "STRING" as const, description: "User." },
            { name: "value", type: "NUMERIC" as const, description: "Value." },
            ...Array.from({ length: 8 }, (_, k) => ({ name: `metric_${k}`, type: "INT64" as const, description: `Metric ${k}.` })),
        ],
        partitionField: "day",
        clustering: ["platform", "user_id"],
    }));
}

function syntheticProgram(n: number): () => unknown {
    return () => {
        const labels = { env: "prod", "managed-by": "pulumi" };
        const ds = new AnalyticsDataset("analytics", { project: "synter-prod", datasetId: "synter_analytics", location: "US", labels, timeTravelHours: 168, readers: [], protect: true, adopt: false });
        new AnalyticsTables("analytics", {
            project: "synter-prod",
            datasetId: "synter_analytics",
            dataset: ds.dataset,
            tables: syntheticCatalogue(n).map((def) => ({ def, tableId: def.name, management: "create" as const })),
            deletionProtection: true,
            requirePartitionFilter: true,
            protect: true,
            labels,
        });
        return {};
    };
}

export async function planFigures(): Promise<Figure[]> {
    const prod = await medianMs(() => runProgram("prod", freshIndex), 5);
    const empty = await medianMs(() => runProgram("prod", () => ({})), 5);
    const t100 = await medianMs(() => runProgram("prod", syntheticProgram(100)), 3);
    const t1000 = await medianMs(() => runProgram("prod", syntheticProgram(1000)), 3);
    return [
        figure("plan.prod_stack", prod, "ms", empty, "the same runtime with an empty program"),
        figure("plan.synthetic_100_tables", t100, "ms", empty, "the same runtime with an empty program"),
        figure("plan.synthetic_1000_tables", t1000, "ms", t100, "100 tables (linear scaling is ~10)"),
    ];
}
