import * as pulumi from "@pulumi/pulumi";
import { ServiceVariables } from "./provider";
import { RAILWAY_ID, VARIABLE_NAME } from "./variables";

export interface RailwayVariablesArgs {
    /** Railway project id (UUID). */
    readonly projectId: string;
    /** Railway environment id (UUID) within the project. */
    readonly environmentId: string;
    /** Railway service id (UUID) of the application. */
    readonly serviceId: string;
    /** Project token for that project and environment (secret). */
    readonly token: pulumi.Input<string>;
    /** Railway's GraphQL endpoint. */
    readonly apiUrl: string;
    /** Delete the variables from the service when they leave the stack. */
    readonly removeOnDelete: boolean;
    /** The application's variables; a name whose value is undefined is not set (e.g. no key was created). */
    readonly variables: Readonly<Record<string, pulumi.Input<string> | undefined>>;
}

/** The names that are set: those with a value. */
export function variablesToSet<T>(variables: Readonly<Record<string, T | undefined>>): Record<string, T> {
    return Object.fromEntries(Object.entries(variables).filter((e): e is [string, T] => e[1] !== undefined)) as Record<string, T>;
}

/**
 * The application's environment delivered to its Railway service by `pulumi up`: one dynamic
 * resource that upserts the variables through Railway's GraphQL API, values secret in state.
 */
export class RailwayVariables extends pulumi.ComponentResource {
    readonly variables: ServiceVariables;
    /** Names of the variables set on the service. */
    readonly names: pulumi.Output<string[]>;

    constructor(name: string, args: RailwayVariablesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("synter:railway:RailwayVariables", name, {}, opts);
        for (const key of ["projectId", "environmentId", "serviceId"] as const) {
            if (!RAILWAY_ID.test(args[key])) throw new pulumi.ResourceError(`RailwayVariables ${name}: ${key} ${JSON.stringify(args[key])} is not a Railway id (a UUID)`, this);
        }
        const variables = variablesToSet(args.variables);
        const bad = Object.keys(variables).filter((n) => !VARIABLE_NAME.test(n));
        if (bad.length > 0) {
            throw new pulumi.ResourceError(`RailwayVariables ${name}: variable names are letters, digits and underscores, not starting with a digit: ${bad.map((n) => JSON.stringify(n)).join(", ")}`, this);
        }
        if (Object.keys(variables).length === 0) throw new pulumi.ResourceError(`RailwayVariables ${name}: no variable has a value`, this);
        this.variables = new ServiceVariables(
            `${name}-variables`,
            {
                projectId: args.projectId,
                environmentId: args.environmentId,
                serviceId: args.serviceId,
                token: args.token,
                apiUrl: args.apiUrl,
                variables,
                removeOnDelete: args.removeOnDelete,
            },
            // Children do not wait for what their component depends on; the variables must.
            { parent: this, dependsOn: opts?.dependsOn },
        );
        this.names = this.variables.names;
        this.registerOutputs({ names: this.names });
    }
}
