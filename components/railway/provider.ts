// The dynamic provider that sets the application's variables on a Railway service from
// `pulumi up`. A thin adapter over the cores in variables.ts and the client in client.ts;
// Pulumi serializes it into its provider host, so nothing here captures a client or a module.
import * as pulumi from "@pulumi/pulumi";
import { RAILWAY_MODULE } from "../resources";
import { railwayClient } from "./client";
import { applyVariables, inputProblems, readVariables, removeVariables, revisions, serviceOf, variableChanges } from "./variables";

/** Bumped whenever the provider logic changes, so the change shows in the preview. */
export const RAILWAY_PROVIDER_VERSION = "1";

export interface ServiceVariablesArgs {
    /** Railway project id (UUID). */
    readonly projectId: pulumi.Input<string>;
    /** Railway environment id (UUID) within the project. */
    readonly environmentId: pulumi.Input<string>;
    /** Railway service id (UUID) whose variables are set. */
    readonly serviceId: pulumi.Input<string>;
    /** Project token, sent as `Project-Access-Token`; kept secret. */
    readonly token: pulumi.Input<string>;
    /** Railway's GraphQL endpoint. */
    readonly apiUrl: pulumi.Input<string>;
    /** The variables this resource owns, by name; every value is kept secret, the names are not. */
    readonly variables: Readonly<Record<string, pulumi.Input<string>>>;
    /** Delete the owned variables from the service when the resource is deleted, and a name when it is dropped. */
    readonly removeOnDelete: pulumi.Input<boolean>;
    /** Ask Railway not to redeploy the service when variables change. */
    readonly skipDeploys?: pulumi.Input<boolean>;
    readonly version?: pulumi.Input<string>;
}

type Props = Record<string, any>;

// Changing where the variables live is a new resource; the rest is an update in place.
const PLACE = ["projectId", "environmentId", "serviceId"] as const;
const SETTINGS = ["apiUrl", "token", "version"] as const;
const FLAGS = ["removeOnDelete", "skipDeploys"] as const;

/** What the state keeps: everything a later update, refresh or delete needs, and the names set. */
function stateOf(inputs: Props, variables: Record<string, string>): Props {
    return {
        projectId: inputs.projectId,
        environmentId: inputs.environmentId,
        serviceId: inputs.serviceId,
        apiUrl: inputs.apiUrl,
        token: inputs.token,
        removeOnDelete: inputs.removeOnDelete === true,
        skipDeploys: inputs.skipDeploys === true,
        version: inputs.version,
        variables,
        names: Object.keys(variables).sort(),
    };
}

const clientFor = (props: Props) => railwayClient(props.apiUrl, props.token);

export const serviceVariablesProvider: pulumi.dynamic.ResourceProvider = {
    async check(olds: Props, news: Props) {
        // Runs in preview: malformed ids or names stop it before anything reaches Railway. The
        // dynamic-provider host cannot return a detailed diff, and a preview shows every value as
        // [secret] changed or not; a revision per name, in clear, shows which ones change.
        const failures = inputProblems(news);
        if (!news.variables || typeof news.variables !== "object") return { inputs: news, failures };
        return { inputs: { ...news, revisions: revisions(olds.revisions, olds.variables, news.variables) }, failures };
    },
    async diff(_id: string, olds: Props, news: Props) {
        // Read-only, from state: a preview never calls Railway. `revisions` is only what check
        // derived for display, so it is not compared.
        const replaces = PLACE.filter((k) => olds[k] !== news[k]);
        const vars = news.variables && typeof news.variables === "object" ? variableChanges(olds.variables, news.variables) : { changed: ["*"], dropped: [] };
        const settings = SETTINGS.filter((k) => olds[k] !== news[k]);
        const flags = FLAGS.filter((k) => (olds[k] === true) !== (news[k] === true));
        const changes = replaces.length + vars.changed.length + vars.dropped.length + settings.length + flags.length > 0;
        return { changes, replaces: [...replaces], deleteBeforeReplace: false };
    },
    async create(inputs: Props) {
        const service = serviceOf(inputs);
        await applyVariables(clientFor(inputs), service, {}, inputs.variables, { removeDropped: false, skipDeploys: inputs.skipDeploys === true });
        return { id: `${service.projectId}/${service.environmentId}/${service.serviceId}`, outs: stateOf(inputs, inputs.variables) };
    },
    async update(_id: string, olds: Props, news: Props) {
        // Only what changed is sent; a dropped name is deleted only when removeOnDelete says so.
        await applyVariables(clientFor(news), serviceOf(news), olds.variables, news.variables, { removeDropped: news.removeOnDelete === true, skipDeploys: news.skipDeploys === true });
        return { outs: stateOf(news, news.variables) };
    },
    async read(id: string, props: Props) {
        // A refresh sees values changed or deleted by hand; the next update sets them back.
        const current = await readVariables(clientFor(props), serviceOf(props), Object.keys(props.variables ?? {}));
        return { id, props: stateOf(props, current) };
    },
    async delete(_id: string, props: Props) {
        // Unless asked, the application keeps its variables when this resource leaves the stack:
        // turning the feature off must not take a running service's configuration away.
        if (props.removeOnDelete !== true) return;
        await removeVariables(clientFor(props), serviceOf(props), Object.keys(props.variables ?? {}));
    },
};

/** The application's variables on one Railway service, set by `pulumi up` through Railway's API. */
export class ServiceVariables extends pulumi.dynamic.Resource {
    /** Names of the variables this resource set (not secret). */
    declare readonly names: pulumi.Output<string[]>;
    constructor(name: string, args: ServiceVariablesArgs, opts?: pulumi.CustomResourceOptions) {
        const variables = Object.fromEntries(Object.entries(args.variables).map(([k, v]) => [k, pulumi.secret(v)]));
        super(
            serviceVariablesProvider,
            name,
            { version: RAILWAY_PROVIDER_VERSION, skipDeploys: false, ...args, token: pulumi.secret(args.token), variables, names: undefined },
            // Each input value is secret on its own, so a preview lists the names; the state keeps the whole map secret.
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "token", "variables"] },
            RAILWAY_MODULE,
            "ServiceVariables",
        );
    }
}
