import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** Roles granted and where: data access on the dataset only, job submission on the project. */
export const DATASET_ROLE = "roles/bigquery.dataEditor";
export const PROJECT_ROLE = "roles/bigquery.jobUser";

export interface AnalyticsServiceAccountArgs {
    /** GCP project id. */
    readonly project: string;
    /** Service account id (the part before @). */
    readonly accountId: string;
    /** Dataset the account may read and write. */
    readonly datasetId: pulumi.Input<string>;
    /** Create a JSON key (for platforms without workload identity); off by default. */
    readonly createKey: boolean;
}

/** The application's BigQuery identity with least privilege, and optionally a key. */
export class AnalyticsServiceAccount extends pulumi.ComponentResource {
    readonly account: gcp.serviceaccount.Account;
    readonly email: pulumi.Output<string>;
    /** The key as the API returns it (base64 of the credentials JSON), secret; undefined without a key. */
    readonly privateKeyBase64?: pulumi.Output<string>;

    constructor(name: string, args: AnalyticsServiceAccountArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synter:iam:AnalyticsServiceAccount", name, {}, opts);
        this.account = new gcp.serviceaccount.Account(
            `${name}-account`,
            { project: args.project, accountId: args.accountId, displayName: "Synter analytics (BigQuery)", description: "Used by the Synter application to read and write synter_analytics." },
            { parent: this, dependsOn: opts?.dependsOn },
        );
        this.email = this.account.email;
        const member = pulumi.interpolate`serviceAccount:${this.account.email}`;
        new gcp.bigquery.DatasetIamMember(`${name}-dataset-editor`, { project: args.project, datasetId: args.datasetId, role: DATASET_ROLE, member }, { parent: this });
        new gcp.projects.IAMMember(`${name}-job-user`, { project: args.project, role: PROJECT_ROLE, member }, { parent: this, dependsOn: opts?.dependsOn });
        if (args.createKey) {
            const key = new gcp.serviceaccount.Key(
                `${name}-key`,
                { serviceAccountId: this.account.name, privateKeyType: "TYPE_GOOGLE_CREDENTIALS_FILE" },
                // pulumi-gcp already lists privateKey in additionalSecretOutputs; the test asserts it.
                { parent: this },
            );
            this.privateKeyBase64 = pulumi.secret(key.privateKey);
        }
        this.registerOutputs({ email: this.email });
    }
}
