// Serves the stand-in with @pulumi/pulumi/provider's main(): gRPC server, port on stdout,
// Check/Diff/Create/Read/Update/Delete, GetPluginInfo with the provider's version, secrets
// accepted. That server answers CheckConfig and DiffConfig with UNIMPLEMENTED and its Configure
// ignores the configuration it is sent, while a provider needs its `gcp:` settings (the
// BigQuery endpoint, the project). So while main() registers its service, the three config
// RPCs of that service are answered by the stand-in; every other RPC stays main()'s own.
import * as path from "path";
import { main } from "@pulumi/pulumi/provider";
import type { GcpStandIn } from "./provider";
import type { Props } from "./values";

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The very modules main() uses, so messages and the server class are the ones it builds with.
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const structproto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }));

type Callback = (err: unknown, resp?: unknown) => void;
type Call = { request: any };

const struct = (s: any): Props => (s ? s.toJavaScript() : {});

/** The config RPCs of the stand-in, over main()'s service implementation. */
function withConfig(impl: object, standIn: GcpStandIn): object {
    const wrapped = Object.create(impl);
    wrapped.checkConfig = (call: Call, cb: Callback) => {
        try {
            const { inputs, failures } = standIn.checkConfig(struct(call.request.getNews()));
            const resp = new provproto.CheckResponse();
            resp.setInputs(structproto.Struct.fromJavaScript(inputs));
            resp.setFailuresList(
                failures.map((f) => {
                    const cf = new provproto.CheckFailure();
                    cf.setProperty(f.property);
                    cf.setReason(f.reason);
                    return cf;
                }),
            );
            cb(null, resp);
        } catch (e) {
            cb(e);
        }
    };
    wrapped.diffConfig = (call: Call, cb: Callback) => {
        try {
            const req = call.request;
            const olds = req.getOldInputs() ? struct(req.getOldInputs()) : struct(req.getOlds());
            const { changes } = standIn.diffConfig(olds, struct(req.getNews()));
            const resp = new provproto.DiffResponse();
            resp.setChanges(changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
            cb(null, resp);
        } catch (e) {
            cb(e);
        }
    };
    wrapped.configure = (call: Call, cb: Callback) => {
        try {
            const req = call.request;
            const variables: Record<string, string> = {};
            req.getVariablesMap().forEach((v: string, k: string) => (variables[k] = v));
            standIn.configure(req.getArgs() ? struct(req.getArgs()) : undefined, variables);
            const resp = new provproto.ConfigureResponse();
            resp.setAcceptsecrets(true);
            // main()'s Create and Update are not told when the engine previews, so they must not be
            // called then: without supportsPreview the engine plans with the inputs instead.
            resp.setSupportspreview(false);
            resp.setAcceptresources(false);
            resp.setAcceptoutputs(false);
            cb(null, resp);
        } catch (e) {
            cb({ code: grpc.status.FAILED_PRECONDITION, details: (e as Error).message });
        }
    };
    return wrapped;
}

/** Runs the plugin: `args` are the engine's (its address first), as the engine launches plugins. */
export function serve(standIn: GcpStandIn, args: string[]): Promise<void> {
    const proto = grpc.Server.prototype;
    const addService = proto.addService;
    proto.addService = function (this: unknown, service: unknown, impl: object) {
        return addService.call(this, service, withConfig(impl, standIn));
    };
    try {
        // main() builds its server and registers the service before its first await.
        return main(standIn, args);
    } finally {
        proto.addService = addService;
    }
}
