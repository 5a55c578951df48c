import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** APIs the stack calls: BigQuery and its Storage API, IAM for the service account, Resource Manager for project IAM. */
export const REQUIRED_APIS = [
    "bigquery.googleapis.com",
    "bigquerystorage.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "cloudresourcemanager.googleapis.com",
] as const;

export interface ProjectServicesArgs {
    /** GCP project id. */
    readonly project: string;
}

/** Enables REQUIRED_APIS; never disables them on destroy, since other workloads may share them. */
export class ProjectServices extends pulumi.ComponentResource {
    /** One resource per API, for `dependsOn`. */
    readonly services: gcp.projects.Service[];

    constructor(name: string, args: ProjectServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synter:gcp:ProjectServices", name, {}, opts);
        this.services = REQUIRED_APIS.map(
            (api) =>
                new gcp.projects.Service(
                    `${name}-${api.split(".")[0]}`,
                    { project: args.project, service: api, disableOnDestroy: false, disableDependentServices: false },
                    { parent: this },
                ),
        );
        this.registerOutputs({ services: this.services.map((s) => s.service) });
    }
}
