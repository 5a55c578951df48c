// The stand-in for pulumi-resource-random: a @pulumi/pulumi/provider Provider that knows exactly
// random:index/randomPassword:RandomPassword and refuses every other type by name. A password
// lives in Pulumi's state only, as it does in the real provider (whose Read and Delete do nothing).
import type * as provider from "@pulumi/pulumi/provider";
import { typeOfUrn } from "../../components/resources";
import { Props, rewrap, unwrap } from "../values";
import { ConfigFailure, npmSdkVersion, StandInProvider } from "../standIn";
import {
    checkPassword,
    createPassword,
    diffPassword,
    importPassword,
    PASSWORD_ID,
    PASSWORD_SECRET_OUTPUTS,
    passwordInputsOf,
    RANDOM_PASSWORD,
    updatePassword,
} from "./password";

export const RANDOM_TYPES: readonly string[] = [RANDOM_PASSWORD];

// Struct values cannot be undefined; nested absences are dropped.
const clean = (v: Props): Props => JSON.parse(JSON.stringify(v));

export class RandomStandIn implements StandInProvider {
    readonly version: string;

    constructor(version: string = npmSdkVersion("random")) {
        this.version = version;
    }

    /** pulumi-random has no provider configuration: whatever is set passes, and changes nothing. */
    checkConfig(news: Props): { inputs: Props; failures: ConfigFailure[] } {
        return { inputs: news, failures: [] };
    }

    diffConfig(): { changes: boolean } {
        return { changes: false };
    }

    configure(): void {}

    /** Throws, naming the type, unless the URN is a RandomPassword's. */
    assertType(urn: string): void {
        const t = typeOfUrn(urn);
        if (t !== RANDOM_PASSWORD) {
            throw new Error(`resource type ${t} is not implemented by the local random stand-in; it implements only ${RANDOM_TYPES.join(", ")}`);
        }
    }

    private outputs(outs: Props, secretKeys: Iterable<string>): Props {
        return clean(rewrap(outs, new Set([...secretKeys, ...PASSWORD_SECRET_OUTPUTS])));
    }

    async check(urn: string, _olds: Props, news: Props): Promise<provider.CheckResult> {
        this.assertType(urn);
        const { props, secretKeys } = unwrap(news);
        const { inputs, failures } = checkPassword(props);
        return { inputs: clean(rewrap(inputs, secretKeys)), failures };
    }

    async diff(_id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
        this.assertType(urn);
        const d = diffPassword(unwrap(olds).props, unwrap(news).props);
        return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
    }

    async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
        this.assertType(urn);
        const { props, secretKeys } = unwrap(inputs);
        return { id: PASSWORD_ID, outs: this.outputs(createPassword(props), secretKeys) };
    }

    /** With a state, the state (upstream's Read is empty); without one, an import of the id as the password. */
    async read(id: string, urn: string, props?: Props): Promise<provider.ReadResult> {
        this.assertType(urn);
        const { props: state, secretKeys } = unwrap(props);
        const outs = Object.keys(state).length > 0 ? state : importPassword(id);
        return { id: PASSWORD_ID, props: this.outputs(outs, secretKeys), inputs: this.outputs(passwordInputsOf(outs), secretKeys) };
    }

    async update(_id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
        this.assertType(urn);
        const n = unwrap(news);
        return { outs: this.outputs(updatePassword(unwrap(olds).props, n.props), n.secretKeys) };
    }

    /** Nothing exists outside the state. */
    async delete(_id: string, urn: string): Promise<void> {
        this.assertType(urn);
    }
}
