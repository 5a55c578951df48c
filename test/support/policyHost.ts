// Drives the policy pack through Pulumi's own policy-pack runner, as `pulumi preview
// --policy-pack policy` does: node_modules/@pulumi/pulumi/cmd/run-policy-pack started in
// policy/ (TypeScript compiled and type-checked by its ts-node, dependencies resolved from the
// repository's node_modules), then GetAnalyzerInfo / Configure / Analyze / AnalyzeStack over gRPC.
import type { ChildProcess } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../../lib/root";
import { grpc, startPlugin } from "./pluginHost";

const rpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const proto = require("@pulumi/pulumi/proto/analyzer_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");

/** A resource as the engine describes it to the analyzer. */
export interface AnalyzedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly properties: Record<string, unknown>;
    readonly protect: boolean;
}

/** A reported violation: "<policy>: <message>" (the runner puts the policy's description on a line before the message; left out here). */
export type Violation = string;

export class PolicyHost {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: any,
    ) {}

    static async start(): Promise<PolicyHost> {
        const host = await startPlugin("run-policy-pack", ["."], path.join(PROJECT_ROOT, "policy"));
        return new PolicyHost(host.child, new rpc.AnalyzerClient(host.address, grpc.credentials.createInsecure()));
    }

    stop(): void {
        this.client.close();
        this.child.kill();
    }

    private call<T>(method: string, req: unknown): Promise<T> {
        return new Promise((resolve, reject) => this.client[method](req, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));
    }

    /** The pack's name and policy names. */
    async info(): Promise<{ name: string; policies: string[] }> {
        const r: any = await this.call("getAnalyzerInfo", new emptyproto.Empty());
        return { name: r.getName(), policies: r.getPoliciesList().map((p: any) => p.getName()) };
    }

    /** Policy config, as `--policy-pack-config` passes it. */
    async configure(config: Record<string, Record<string, unknown>>): Promise<void> {
        const req = new proto.ConfigureAnalyzerRequest();
        for (const [policy, props] of Object.entries(config)) {
            const c = new proto.PolicyConfig();
            c.setEnforcementlevel(proto.EnforcementLevel.MANDATORY);
            c.setProperties(structproto.Struct.fromJavaScript(props));
            req.getPolicyconfigMap().set(policy, c);
        }
        await this.call("configure", req);
    }

    /** Fills an AnalyzeRequest or an AnalyzerResource: the two carry the same fields. */
    private describe<T extends { setType(v: string): void; setName(v: string): void; setUrn(v: string): void; setProperties(v: unknown): void; setOptions(v: unknown): void }>(msg: T, r: AnalyzedResource): T {
        msg.setType(r.type);
        msg.setName(r.name);
        msg.setUrn(r.urn);
        msg.setProperties(structproto.Struct.fromJavaScript(r.properties));
        const o = new proto.AnalyzerResourceOptions();
        o.setProtect(r.protect);
        msg.setOptions(o);
        return msg;
    }

    /** Every resource through Analyze, then all of them through AnalyzeStack. */
    async analyze(resources: readonly AnalyzedResource[]): Promise<Violation[]> {
        const out: Violation[] = [];
        const collect = (resp: any) => out.push(...resp.getDiagnosticsList().map((d: any) => `${d.getPolicyname()}: ${String(d.getMessage()).split("\n").pop()}`));
        for (const r of resources) collect(await this.call("analyze", this.describe(new proto.AnalyzeRequest(), r)));
        const stack = new proto.AnalyzeStackRequest();
        stack.setResourcesList(resources.map((r) => this.describe(new proto.AnalyzerResource(), r)));
        collect(await this.call("analyzeStack", stack));
        return out;
    }
}
