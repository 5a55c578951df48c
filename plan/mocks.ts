// What Pulumi's mock runtime answers for the offline plan: plausible outputs for the resources
// whose outputs other inputs read, and a refusal of every invoke, so the plan never pretends to
// have answers from the cloud.
import type * as pulumi from "@pulumi/pulumi";
import { DATASET_TYPE, RANDOM_PASSWORD_TYPE, SERVICE_ACCOUNT_KEY_TYPE, SERVICE_ACCOUNT_TYPE } from "../components/resources";

/** Plausible outputs the cloud would compute, per resource type, so dependent inputs resolve. */
export function mockOutputs(type: string, inputs: Record<string, any>, project: string): Record<string, unknown> {
    switch (type) {
        case SERVICE_ACCOUNT_TYPE: {
            const email = `${inputs.accountId}@${inputs.project ?? project}.iam.gserviceaccount.com`;
            return { email, name: `projects/${inputs.project}/serviceAccounts/${email}`, member: `serviceAccount:${email}` };
        }
        case SERVICE_ACCOUNT_KEY_TYPE:
            return { privateKey: Buffer.from(JSON.stringify({ type: "service_account", private_key: "offline-plan" })).toString("base64") };
        case RANDOM_PASSWORD_TYPE:
            return { result: "offline-plan-password" };
        case DATASET_TYPE:
            return { datasetId: inputs.datasetId, selfLink: `https://bigquery.googleapis.com/bigquery/v2/projects/${inputs.project}/datasets/${inputs.datasetId}` };
        default:
            return {};
    }
}

/** The offline plan's mocks: resources get their inputs plus mockOutputs; any invoke is an error naming it. */
export function offlineMocks(gcpProject: string): pulumi.runtime.Mocks {
    return {
        call(args) {
            throw new Error(`offline plan: unplanned invoke ${args.token}(${JSON.stringify(args.inputs)}); add it to the mocks deliberately or avoid the call`);
        },
        newResource(args) {
            return { id: args.id || `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args.type, args.inputs, gcpProject) } };
        },
    };
}
