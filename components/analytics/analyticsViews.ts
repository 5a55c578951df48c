import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedView } from "../phase/views";

export interface AnalyticsViewsArgs {
    /** GCP project id. */
    readonly project: string;
    /** Dataset holding the views. */
    readonly datasetId: string;
    /** Views in dependency order (from phaseLayout). */
    readonly views: readonly ResolvedView[];
    /** Whatever provides each table a view reads, by table id: a table, or the migration step that made it. */
    readonly sources: Readonly<Record<string, pulumi.Resource>>;
    /** Labels on every view. */
    readonly labels: Record<string, string>;
}

/** Analytical views from `sql/views`, each depending on exactly what its SQL reads. */
export class AnalyticsViews extends pulumi.ComponentResource {
    readonly views: Record<string, gcp.bigquery.Table>;

    constructor(name: string, args: AnalyticsViewsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synter:analytics:AnalyticsViews", name, {}, opts);
        this.views = {};
        for (const v of args.views) {
            const dependsOn = v.reads.map((id) => {
                const source = this.views[id] ?? args.sources[id];
                if (!source) {
                    throw new pulumi.ResourceError(`AnalyticsViews ${name}: view ${v.id} (${v.file}) reads ${id}, which no resource of this phase provides`, this);
                }
                return source;
            });
            this.views[v.id] = new gcp.bigquery.Table(
                `${name}-${v.id}`,
                {
                    project: args.project,
                    datasetId: args.datasetId,
                    tableId: v.id,
                    description: `View from ${v.file}.`,
                    labels: { ...args.labels, role: "view" },
                    view: { query: v.query, useLegacySql: false },
                    // A view holds no data; re-creating it is how it is repointed.
                    deletionProtection: false,
                },
                { parent: this, dependsOn },
            );
        }
        this.registerOutputs({ viewIds: Object.keys(this.views) });
    }
}
