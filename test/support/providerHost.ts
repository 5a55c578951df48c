// Drives dynamic providers through Pulumi's own provider host, as the engine does: the host
// process is node_modules/@pulumi/pulumi/cmd/dynamic-provider started in the project root; it
// prints its port, and Check/Diff/Create/Update/Delete are gRPC calls carrying the serialized
// provider in the `__provider` property.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { reveal } from "../../engine/values";
import { PROJECT_ROOT } from "../../lib/root";
import { grpc, listening, startPlugin } from "./pluginHost";

const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

type Props = Record<string, any>;

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
    protected constructor(
        private readonly child: ChildProcess,
        protected readonly client: any,
        readonly stderr: () => string,
    ) {}

    /** Starts the host with extra environment (e.g. BIGQUERY_EMULATOR_HOST). */
    static async start(env: Record<string, string> = {}): Promise<ProviderHost> {
        const host = await startPlugin("dynamic-provider", [], PROJECT_ROOT, env);
        const client = new provrpc.ResourceProviderClient(host.address, grpc.credentials.createInsecure());
        return new ProviderHost(host.child, client, host.stderr);
    }

    async stop(): Promise<void> {
        this.client.close();
        this.child.kill();
    }

    /** Any RPC of the provider service, by its method name. */
    call<T = any>(method: string, req: unknown): Promise<T> {
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

/**
 * An installed stand-in plugin (`pulumi-resource-<package>`) started as the engine starts it, in
 * a fresh directory, with the RPCs only a plugin answers: its version and the provider's own
 * configuration (CheckConfig, DiffConfig, Configure), and Read.
 */
export class PluginProcess extends ProviderHost {
    private constructor(child: ChildProcess, client: any, stderr: () => string, readonly pkg: string, private readonly binDir: string) {
        super(child, client, stderr);
    }

    /** Installs the plugin with `install(dir)` (which returns the script) and starts it with `env` as its whole environment. */
    static async install(pkg: string, install: (dir: string) => string, env: NodeJS.ProcessEnv): Promise<PluginProcess> {
        const binDir = fs.mkdtempSync(path.join(os.tmpdir(), `${pkg}-stand-in-`));
        const child = spawn(install(binDir), ["127.0.0.1:1"], { env, stdio: ["ignore", "pipe", "pipe"] });
        const running = await listening(child, `pulumi-resource-${pkg}`);
        return new PluginProcess(child, new provrpc.ResourceProviderClient(running.address, grpc.credentials.createInsecure()), running.stderr, pkg, binDir);
    }

    /** The installed script. */
    get script(): string {
        return path.join(this.binDir, `pulumi-resource-${this.pkg}`);
    }

    async stop(): Promise<void> {
        await super.stop();
        fs.rmSync(this.binDir, { recursive: true, force: true });
    }

    async version(): Promise<string> {
        return (await this.call("getPluginInfo", new emptyproto.Empty())).getVersion();
    }

    async checkConfig(urn: string, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
        const req = new provproto.CheckRequest();
        req.setUrn(urn);
        req.setOlds(structproto.Struct.fromJavaScript({}));
        req.setNews(structproto.Struct.fromJavaScript(news));
        const resp = await this.call("checkConfig", req);
        return { inputs: resp.getInputs().toJavaScript(), failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })) };
    }

    async diffConfig(olds: Props, news: Props): Promise<"none" | "some"> {
        const req = new provproto.DiffRequest();
        req.setOlds(structproto.Struct.fromJavaScript(olds));
        req.setNews(structproto.Struct.fromJavaScript(news));
        const resp = await this.call("diffConfig", req);
        return resp.getChanges() === provproto.DiffResponse.DiffChanges.DIFF_NONE ? "none" : "some";
    }

    /**
     * Configure as the engine sends it: the checked inputs as args, and the same as
     * `<package>:config:<key>` variables (strings as they are, anything else as JSON).
     */
    async configure(args: Props): Promise<{ acceptSecrets: boolean; supportsPreview: boolean }> {
        const req = new provproto.ConfigureRequest();
        req.setArgs(structproto.Struct.fromJavaScript(args));
        for (const [k, v] of Object.entries(args)) req.getVariablesMap().set(`${this.pkg}:config:${k}`, typeof v === "string" ? v : JSON.stringify(reveal(v)));
        req.setAcceptsecrets(true);
        req.setAcceptresources(true);
        const resp = await this.call("configure", req);
        return { acceptSecrets: resp.getAcceptsecrets(), supportsPreview: resp.getSupportspreview() };
    }

    async read(id: string, urn: string, props: Props = {}): Promise<{ id: string; props: Props; inputs?: Props }> {
        const req = new provproto.ReadRequest();
        req.setId(id);
        req.setUrn(urn);
        req.setProperties(structproto.Struct.fromJavaScript(props));
        const resp = await this.call("read", req);
        return { id: resp.getId(), props: resp.getProperties()?.toJavaScript() ?? {}, inputs: resp.getInputs()?.toJavaScript() };
    }
}
