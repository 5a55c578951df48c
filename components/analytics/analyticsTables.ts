import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { DeclaredTable } from "../phase/tables";
import { toSchemaJson } from "./schema";

export interface AnalyticsTablesArgs {
    /** GCP project id. */
    readonly project: string;
    /** Dataset id holding the tables (plain: import and read ids are built from it). */
    readonly datasetId: string;
    /** The dataset resource, so tables wait for it. */
    readonly dataset: pulumi.Resource;
    /** Tables this phase declares, with how each is held; their definitions already validated (phaseLayout). */
    readonly tables: readonly DeclaredTable[];
    /** BigQuery deletion protection on created and imported tables. */
    readonly deletionProtection: boolean;
    /** Queries must filter on the partition column (partitioned tables only). */
    readonly requirePartitionFilter: boolean;
    /** Pulumi `protect` on data tables. */
    readonly protect: boolean;
    /** Labels on every table. */
    readonly labels: Record<string, string>;
    /** The migration step a table must wait for, by table id: the rename or restore that made it. */
    readonly madeBy?: Readonly<Record<string, pulumi.Resource>>;
}

/** Resource id of a BigQuery table, as pulumi-gcp imports and reads it. */
export const tableResourceId = (project: string, dataset: string, table: string) => `projects/${project}/datasets/${dataset}/tables/${table}`;

/** The catalogue's tables of one phase, generated from their TypeScript definitions. */
export class AnalyticsTables extends pulumi.ComponentResource {
    /** Every declared table by its table id in this phase. */
    readonly tables: Record<string, gcp.bigquery.Table>;

    constructor(name: string, args: AnalyticsTablesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synter:analytics:AnalyticsTables", name, {}, opts);
        this.tables = {};
        for (const t of args.tables) {
            const def = t.def;
            const labels = { ...args.labels, role: def.role };
            if (t.management === "read") {
                // Legacy tables in "adopt" mode: looked up, never managed, so no Pulumi step can alter or delete them.
                this.tables[t.tableId] = gcp.bigquery.Table.get(`${name}-${t.tableId}`, tableResourceId(args.project, args.datasetId, t.tableId), undefined, {
                    parent: this,
                    dependsOn: [args.dataset],
                });
                continue;
            }
            this.tables[t.tableId] = new gcp.bigquery.Table(
                `${name}-${t.tableId}`,
                {
                    project: args.project,
                    datasetId: args.datasetId,
                    tableId: t.tableId,
                    description: def.description,
                    schema: toSchemaJson(def),
                    timePartitioning: def.partitionField ? { type: "DAY", field: def.partitionField } : undefined,
                    requirePartitionFilter: def.partitionField ? args.requirePartitionFilter : undefined,
                    clusterings: def.clustering && def.clustering.length > 0 ? [...def.clustering] : undefined,
                    deletionProtection: args.deletionProtection,
                    labels,
                },
                {
                    parent: this,
                    protect: args.protect && t.management !== "retired",
                    // Removing a table from the program only forgets it; dropping data is always an explicit migration step.
                    retainOnDelete: true,
                    dependsOn: [args.dataset, ...(args.madeBy?.[t.tableId] ? [args.madeBy[t.tableId]] : [])],
                    import: t.management === "import" ? tableResourceId(args.project, args.datasetId, t.tableId) : undefined,
                },
            );
        }
        this.registerOutputs({ tableIds: Object.keys(this.tables) });
    }
}
