import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface AnalyticsDatasetArgs {
    /** GCP project id. */
    readonly project: string;
    /** BigQuery dataset id. */
    readonly datasetId: string;
    /** BigQuery location (US, EU or a region). */
    readonly location: string;
    /** Time-travel window in hours: a whole number of days from 48 to 168 (config.ts refuses anything else, naming the key). */
    readonly timeTravelHours: number;
    /** Labels applied to the dataset (env, managed-by, ...). */
    readonly labels: Record<string, string>;
    /** IAM members granted READER on this dataset only: user:, group:, serviceAccount: or domain: members (config.ts refuses others). */
    readonly readers: readonly string[];
    /** Pulumi `protect`: the dataset cannot be deleted by `pulumi up` or `destroy`. */
    readonly protect: boolean;
    /** Adopt the existing dataset (import) rather than create it: where the legacy tables already live in it. */
    readonly adopt: boolean;
}

/** The analytics dataset: location, labels, time travel and dataset-scoped readers. */
export class AnalyticsDataset extends pulumi.ComponentResource {
    readonly dataset: gcp.bigquery.Dataset;
    readonly datasetId: pulumi.Output<string>;

    constructor(name: string, args: AnalyticsDatasetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synter:analytics:AnalyticsDataset", name, {}, opts);
        this.dataset = new gcp.bigquery.Dataset(
            `${name}-dataset`,
            {
                project: args.project,
                datasetId: args.datasetId,
                location: args.location,
                description: "Synter analytics: AI coding usage facts and marketing analytics.",
                labels: args.labels,
                maxTimeTravelHours: String(args.timeTravelHours),
                // A dataset that still holds tables is never deleted with them.
                deleteContentsOnDestroy: false,
            },
            // Like every data table, the dataset stays when it leaves the program (or on destroy).
            {
                parent: this,
                protect: args.protect,
                retainOnDelete: true,
                dependsOn: opts?.dependsOn,
                // Creating a dataset that exists fails ("Already Exists"); importing adopts it, and
                // differing settings (labels, time travel) become an update of the import.
                import: args.adopt ? `projects/${args.project}/datasets/${args.datasetId}` : undefined,
            },
        );
        this.datasetId = this.dataset.datasetId;
        args.readers.forEach(
            (member, i) =>
                new gcp.bigquery.DatasetIamMember(
                    `${name}-reader-${i}`,
                    { project: args.project, datasetId: this.dataset.datasetId, role: "roles/bigquery.dataViewer", member },
                    { parent: this },
                ),
        );
        this.registerOutputs({ datasetId: this.datasetId });
    }
}
