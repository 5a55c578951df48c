// The stand-in for pulumi-resource-postgresql: a @pulumi/pulumi/provider Provider backed by a real
// PostgreSQL, that knows exactly the resource types this stack declares (components/
// authDatabase.ts) and refuses every other by name.
import type * as provider from "@pulumi/pulumi/provider";
import { nameOfUrn, typeOfUrn } from "../../components/resources";
import { Props, rewrap, unwrap } from "../values";
import { ConfigFailure, npmSdkVersion, StandInProvider } from "../standIn";
import { Pg } from "./client";
import { checkConfig, diffConfig, PgConfig, resolveConfig } from "./config";
import { databaseKind } from "./database";
import { isPgType, PG_TYPES, PgType } from "./forceNew";
import { grantKind } from "./grant";
import { grantRoleKind } from "./grantRole";
import { roleKind } from "./role";
import { checkInputs, diffInputs, inputsOf, plannedState, ResourceKind } from "./schema";

export const KINDS: Readonly<Record<PgType, ResourceKind>> = {
    [PG_TYPES.role]: roleKind,
    [PG_TYPES.database]: databaseKind,
    [PG_TYPES.grant]: grantKind,
    [PG_TYPES.grantRole]: grantRoleKind,
};

// Struct values cannot be undefined; nested absences are dropped.
const clean = (v: Props): Props => JSON.parse(JSON.stringify(v));


export class PostgresqlStandIn implements StandInProvider {
    readonly version: string;
    private pg?: Pg;

    constructor(version: string = npmSdkVersion("postgresql")) {
        this.version = version;
    }

    checkConfig(news: Props): { inputs: Props; failures: ConfigFailure[] } {
        return checkConfig(news);
    }

    diffConfig(olds: Props, news: Props): { changes: boolean } {
        return diffConfig(olds, news);
    }

    /** Nothing is connected yet: upstream connects on the first operation, so a preview needs no server. */
    configure(args: Props | undefined, variables: Record<string, string>, env: NodeJS.ProcessEnv = process.env): void {
        this.pg = new Pg(resolveConfig(args, variables, env));
    }

    get configuration(): PgConfig | undefined {
        return this.pg?.config;
    }

    private server(): Pg {
        if (!this.pg) throw new Error("the local postgresql stand-in was not configured");
        return this.pg;
    }

    /** The resource type of a URN, or an error naming it when the stand-in does not implement it. */
    kindOf(urn: string): ResourceKind {
        const t = typeOfUrn(urn);
        if (!isPgType(t)) {
            throw new Error(`resource type ${t} is not implemented by the local postgresql stand-in; it implements only ${Object.values(PG_TYPES).join(", ")}`);
        }
        return KINDS[t];
    }

    private outputs(kind: ResourceKind, outs: Props, secretKeys: Iterable<string>): Props {
        return clean(rewrap(outs, new Set([...secretKeys, ...(kind.secretOutputs ?? [])])));
    }

    async check(urn: string, olds: Props, news: Props): Promise<provider.CheckResult> {
        const kind = this.kindOf(urn);
        const { props, secretKeys } = unwrap(news);
        const { inputs, failures } = checkInputs(kind, unwrap(olds).props, props, nameOfUrn(urn));
        return { inputs: clean(rewrap(inputs, secretKeys)), failures };
    }

    async diff(_id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
        const kind = this.kindOf(urn);
        const d = diffInputs(kind, unwrap(olds).props, unwrap(news).props);
        return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
    }

    async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
        const kind = this.kindOf(urn);
        const { props, secretKeys } = unwrap(inputs);
        const { id, outs } = await kind.create(props, this.server());
        return { id, outs: this.outputs(kind, outs, secretKeys) };
    }

    async read(id: string, urn: string, props?: Props): Promise<provider.ReadResult> {
        const kind = this.kindOf(urn);
        const { props: state, secretKeys } = unwrap(props);
        const found = await kind.read(id, Object.keys(state).length > 0 ? state : undefined, this.server());
        // An empty id tells the engine the resource is gone.
        if (!found) return { id: "", props: {} };
        return { id: found.id, props: this.outputs(kind, found.outs, secretKeys), inputs: this.outputs(kind, inputsOf(kind, found.outs), secretKeys) };
    }

    async update(id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
        const kind = this.kindOf(urn);
        if (!kind.update) throw new Error(`${kind.token} "${id}" cannot be updated in place: every input of it forces a new resource`);
        const o = unwrap(olds).props;
        const n = unwrap(news);
        const { outs } = await kind.update(id, o, plannedState(kind, o, n.props), this.server());
        return { outs: this.outputs(kind, outs, n.secretKeys) };
    }

    async delete(id: string, urn: string, props: Props): Promise<void> {
        const kind = this.kindOf(urn);
        await kind.delete(id, unwrap(props).props, this.server());
    }
}
