// The policy pack's configuration for a stack, derived from its stack file, so the pack judges
// each stack by that stack's own choices (today: whether a service-account key is allowed).
import { stackConfig } from "./stackFile";

export function policyConfigFor(stack: string, root?: string): Record<string, Record<string, unknown>> {
    const { config, project } = stackConfig(stack, {}, root);
    return {
        "no-service-account-key-unless-allowed": { allowServiceAccountKey: config[`${project}:createServiceAccountKey`] === "true" },
    };
}
