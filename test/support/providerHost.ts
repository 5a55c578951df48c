// Drives dynamic providers through Pulumi's own provider host, as the engine does: the host
// process is node_modules/@pulumi/pulumi/cmd/dynamic-provider started in the project root; it
// prints its port, and Check/Diff/Create/Update/Delete are gRPC calls carrying the serialized
// provider in the `__provider` property.
import type { ChildProcess } from "child_process";
import { PROJECT_ROOT } from "../../lib/root";
import { grpc, startPlugin } from "./pluginHost";

const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

type Props = Record<string, unknown>;

/** Fills the fields Diff and Update requests share. */
function oldsAndNews<T extends { setId(v: string): void; setUrn(v: string): void; setOlds(v: unknown): void; setNews(v: unknown): void }>(req: T, id: string, urn: string, olds: Props, news: Props): T {
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(structproto.Struct.fromJavaScript(olds));
    req.setNews(structproto.Struct.fromJavaScript(news));
    return req;
}

export interface DiffResponse {
    changes: "none" | "some" | "unknown";
    replaces: string[];
    deleteBeforeReplace: boolean;
}

export class ProviderHost {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: any,
        readonly stderr: () => string,
    ) {}

    /** Starts the host with extra environment (e.g. BIGQUERY_EMULATOR_HOST). */
    static async start(env: Record<string, string> = {}): Promise<ProviderHost> {
        const host = await startPlugin("dynamic-provider", [], PROJECT_ROOT, env);
        const client = new provrpc.ResourceProviderClient(host.address, grpc.credentials.createInsecure());
        return new ProviderHost(host.child, client, host.stderr);
    }

    /**
     * Wraps a plugin process that is already running (e.g. an installed `pulumi-resource-*`
     * script started as the engine starts it): reads the port it prints first, connects, and
     * hands back the host, the gRPC client for the RPCs the host does not wrap, and its stderr.
     */
    static async attach(child: ChildProcess, name = "plugin"): Promise<{ host: ProviderHost; client: any; stderr: () => string }> {
        let err = "";
        child.stderr?.on("data", (d) => (err += d));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child.stdout!.on("data", (d) => {
                out += d;
                if (out.includes("\n")) resolve(Number(out.split("\n")[0].trim()));
            });
            child.on("exit", (code) => reject(new Error(`${name} exited with ${code}: ${err}`)));
        });
        const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const stderr = () => err;
        return { host: new ProviderHost(child, client, stderr), client, stderr };
    }

    async stop(): Promise<void> {
        this.client.close();
        this.child.kill();
    }

    private call<T>(method: string, req: unknown): Promise<T> {
        return new Promise((resolve, reject) => this.client[method](req, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));
    }

    async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
        const req = new provproto.CheckRequest();
        req.setUrn(urn);
        req.setOlds(structproto.Struct.fromJavaScript(olds));
        req.setNews(structproto.Struct.fromJavaScript(news));
        const resp: any = await this.call("check", req);
        return {
            inputs: resp.getInputs().toJavaScript(),
            failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
        };
    }

    async diff(id: string, urn: string, olds: Props, news: Props): Promise<DiffResponse> {
        const resp: any = await this.call("diff", oldsAndNews(new provproto.DiffRequest(), id, urn, olds, news));
        const kinds = provproto.DiffResponse.DiffChanges;
        const c = resp.getChanges();
        return {
            changes: c === kinds.DIFF_NONE ? "none" : c === kinds.DIFF_SOME ? "some" : "unknown",
            replaces: resp.getReplacesList(),
            deleteBeforeReplace: resp.getDeletebeforereplace(),
        };
    }

    async create(urn: string, props: Props): Promise<{ id: string; outs: Props }> {
        const req = new provproto.CreateRequest();
        req.setUrn(urn);
        req.setProperties(structproto.Struct.fromJavaScript(props));
        const resp: any = await this.call("create", req);
        return { id: resp.getId(), outs: resp.getProperties().toJavaScript() };
    }

    async update(id: string, urn: string, olds: Props, news: Props): Promise<Props> {
        const resp: any = await this.call("update", oldsAndNews(new provproto.UpdateRequest(), id, urn, olds, news));
        return resp.getProperties().toJavaScript();
    }

    async delete(id: string, urn: string, props: Props): Promise<void> {
        const req = new provproto.DeleteRequest();
        req.setId(id);
        req.setUrn(urn);
        req.setProperties(structproto.Struct.fromJavaScript(props));
        await this.call("delete", req);
    }
}
