// The stand-in for pulumi-resource-gcp: a @pulumi/pulumi/provider Provider that knows exactly
// the resource types this stack declares and refuses every other by name. BigQuery resources
// live in the local warehouse; the rest live in Pulumi's state (see stateOnly.ts).
import type * as provider from "@pulumi/pulumi/provider";
import { BigQueryClient, endpointProblem } from "./bigquery";
import { datasetKind } from "./dataset";
import { datasetIamMemberKind } from "./datasetIamMember";
import { typeOfUrn } from "../../components/resources";
import { GCP_TYPES, GcpType, isGcpType } from "./forceNew";
import { checkInputs, Context, diffInputs, Failure, GcpConfig, ResourceKind } from "./kind";
import { accountKind, iamMemberKind, keyKind, serviceKind } from "./stateOnly";
import { tableKind } from "./table";
import { npmSdkVersion } from "../standIn";
import { Props, rewrap, stableJson, unwrap } from "../values";

export const KINDS: Readonly<Record<GcpType, ResourceKind>> = {
    [GCP_TYPES.service]: serviceKind,
    [GCP_TYPES.dataset]: datasetKind,
    [GCP_TYPES.datasetIamMember]: datasetIamMemberKind,
    [GCP_TYPES.table]: tableKind,
    [GCP_TYPES.account]: accountKind,
    [GCP_TYPES.iamMember]: iamMemberKind,
    [GCP_TYPES.key]: keyKind,
};

/** The provider's own configuration keys the stand-in reads; others are kept and ignored. */
const CONFIG_KEYS = ["project", "bigQueryCustomEndpoint", "defaultLabels"];

/** The BigQuery endpoint from BIGQUERY_EMULATOR_HOST (a base URL, as the Google client libraries take it). */
export function endpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const host = env.BIGQUERY_EMULATOR_HOST?.trim();
    if (!host) return undefined;
    const base = /^https?:\/\//.test(host) ? host : `http://${host}`;
    return `${base.replace(/\/+$/, "")}/bigquery/v2/`;
}

function parseLabels(v: unknown): Record<string, string> {
    if (v === undefined || v === null || v === "") return {};
    const o = typeof v === "string" ? JSON.parse(v) : v;
    if (!o || typeof o !== "object" || Array.isArray(o)) throw new Error("gcp:defaultLabels must be a map of strings");
    return Object.fromEntries(Object.entries(o).map(([k, e]) => [k, String(e)]));
}

// Struct values cannot be undefined; nested absences are dropped.
const clean = (v: Props): Props => JSON.parse(JSON.stringify(v));

export class GcpStandIn implements provider.Provider {
    readonly version: string;
    private config: GcpConfig = { defaultLabels: {} };
    private client?: BigQueryClient;

    constructor(version: string = npmSdkVersion("gcp")) {
        this.version = version;
    }

    // ---- the default provider's configuration (pulumi:providers:gcp)

    /** CheckConfig: the endpoint must be a local BigQuery's, labels a map; everything else passes as given. */
    checkConfig(news: Props): { inputs: Props; failures: Failure[] } {
        const { props } = unwrap(news);
        const failures: Failure[] = [];
        const endpoint = props.bigQueryCustomEndpoint;
        if (typeof endpoint === "string" && endpoint !== "") {
            const problem = endpointProblem(endpoint);
            if (problem) failures.push({ property: "bigQueryCustomEndpoint", reason: problem });
        }
        try {
            parseLabels(props.defaultLabels);
        } catch (e) {
            failures.push({ property: "defaultLabels", reason: (e as Error).message });
        }
        return { inputs: news, failures };
    }

    /** DiffConfig: a changed setting is an update of the provider, never a replacement of its resources. */
    diffConfig(olds: Props, news: Props): { changes: boolean } {
        const a = unwrap(olds).props;
        const b = unwrap(news).props;
        return { changes: CONFIG_KEYS.some((k) => stableJson(a[k] ?? null) !== stableJson(b[k] ?? null)) };
    }

    /** Configure from the checked provider inputs, else the `gcp:config:*` variables; refuses to run without a local endpoint. */
    configure(args: Props | undefined, variables: Record<string, string>, env: NodeJS.ProcessEnv = process.env): void {
        const a = unwrap(args ?? {}).props;
        const get = (k: string): unknown => a[k] ?? variables[`gcp:config:${k}`] ?? variables[`gcp:${k}`];
        const endpoint = (get("bigQueryCustomEndpoint") as string | undefined) || endpointFromEnv(env);
        if (!endpoint) {
            throw new Error(
                "the local gcp stand-in needs a local BigQuery: set gcp:bigQueryCustomEndpoint (e.g. http://127.0.0.1:9050/bigquery/v2/) or BIGQUERY_EMULATOR_HOST; it never calls Google",
            );
        }
        this.client = new BigQueryClient(endpoint);
        this.config = {
            project: (get("project") as string | undefined) || undefined,
            bigQueryEndpoint: endpoint,
            defaultLabels: parseLabels(get("defaultLabels")),
        };
    }

    get configuration(): GcpConfig {
        return this.config;
    }

    private context(): Context {
        return {
            config: this.config,
            bigquery: () => {
                if (!this.client) throw new Error("the local gcp stand-in was not configured with a BigQuery endpoint");
                return this.client;
            },
        };
    }

    /** The resource type of a URN, or an error naming it when the stand-in does not implement it. */
    kindOf(urn: string): ResourceKind {
        const t = typeOfUrn(urn);
        if (!isGcpType(t)) {
            throw new Error(`resource type ${t} is not implemented by the local gcp stand-in; it implements only ${Object.values(GCP_TYPES).join(", ")}`);
        }
        return KINDS[t];
    }

    private outputs(kind: ResourceKind, outs: Props, secretKeys: Iterable<string>): Props {
        return clean(rewrap(outs, new Set([...secretKeys, ...(kind.secretOutputs ?? [])])));
    }

    // ---- resources

    async check(urn: string, _olds: Props, news: Props): Promise<provider.CheckResult> {
        const kind = this.kindOf(urn);
        const { props, secretKeys } = unwrap(news);
        const { inputs, failures } = checkInputs(kind, props, this.context());
        return { inputs: clean(rewrap(inputs, secretKeys)), failures };
    }

    async diff(id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
        const kind = this.kindOf(urn);
        const d = await diffInputs(kind, id, unwrap(olds).props, unwrap(news).props, this.context());
        return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
    }

    async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
        const kind = this.kindOf(urn);
        const { props, secretKeys } = unwrap(inputs);
        const { id, outs } = await kind.create(props, this.context());
        return { id, outs: this.outputs(kind, outs, secretKeys) };
    }

    async read(id: string, urn: string, props?: Props): Promise<provider.ReadResult> {
        const kind = this.kindOf(urn);
        const { props: state, secretKeys } = unwrap(props);
        const found = await kind.read(id, Object.keys(state).length > 0 ? state : undefined, this.context());
        // An empty id tells the engine the resource is gone.
        if (!found) return { id: "", props: {} };
        return { id: found.id, props: this.outputs(kind, found.outs, secretKeys), inputs: this.outputs(kind, found.inputs, secretKeys) };
    }

    async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
        const kind = this.kindOf(urn);
        const n = unwrap(news);
        const outs = await kind.update(id, unwrap(olds).props, n.props, this.context());
        return { outs: this.outputs(kind, outs, n.secretKeys) };
    }

    async delete(id: string, urn: string, props: Props): Promise<void> {
        const kind = this.kindOf(urn);
        await kind.delete(id, unwrap(props).props, this.context());
    }
}
