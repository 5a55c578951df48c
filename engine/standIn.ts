// The local stand-in providers (engine/gcp, engine/random, engine/postgresql): how they are put
// where the engine finds plugins, the version each answers as, and the gRPC server they share.
//
// The engine finds a provider plugin as an executable `pulumi-resource-<name>` on PATH. The
// script is written on the machine that runs it, with the absolute paths of this checkout, and
// runs the TypeScript entry through the checkout's own tsx.
import * as fs from "fs";
import * as path from "path";
import type * as provider from "@pulumi/pulumi/provider";
import { main } from "@pulumi/pulumi/provider";
import type { Props } from "./values";

const REPO_ROOT = path.resolve(__dirname, "..");

/** POSIX shell single-quoting. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Writes the executable `binDir/<plugin>` (mode 755), which runs `entry` with `args` (shell
 * words; default: all of its own) through the checkout's tsx, or through node for a .js entry,
 * and returns its path.
 */
export function writePluginScript(binDir: string, plugin: string, what: string, entry: string, args = '"$@"'): string {
    const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
    const runner = entry.endsWith(".ts") ? tsx : process.execPath;
    if (!fs.existsSync(runner)) throw new Error(`${runner} is missing: run npm ci in ${REPO_ROOT}`);
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing`);
    fs.mkdirSync(binDir, { recursive: true });
    const script = [
        "#!/bin/sh",
        `# ${plugin}: ${what}. Generated; do not edit.`,
        // tsx starts with `env node`: the node that installed the script comes first on PATH.
        `PATH=${q(path.dirname(process.execPath))}:"$PATH"`,
        "export PATH",
        `exec ${q(runner)} ${q(entry)} ${args}`,
        "",
    ].join("\n");
    const file = path.join(binDir, plugin);
    fs.writeFileSync(file, script, { mode: 0o755 });
    fs.chmodSync(file, 0o755);
    return file;
}

/** Writes `binDir/pulumi-resource-<name>`, which runs `entry` (a .ts file) with its arguments, and returns its path. */
export function installStandIn(binDir: string, name: string, entry: string): string {
    return writePluginScript(binDir, `pulumi-resource-${name}`, `the local stand-in for the ${name} provider (${path.relative(REPO_ROOT, path.dirname(entry))})`, entry);
}

export const installGcpStandIn = (binDir: string): string => installStandIn(binDir, "gcp", path.join(__dirname, "gcp", "main.ts"));
export const installRandomStandIn = (binDir: string): string => installStandIn(binDir, "random", path.join(__dirname, "random", "main.ts"));
export const installPostgresqlStandIn = (binDir: string): string => installStandIn(binDir, "postgresql", path.join(__dirname, "postgresql", "main.ts"));

/**
 * The version of the installed `@pulumi/<name>` SDK (node_modules, else package-lock.json). A
 * stand-in answers GetPluginInfo with it: the SDK registers its resources asking for exactly
 * that plugin version, and the engine then looks for no other.
 */
export function npmSdkVersion(name: string, root: string = REPO_ROOT): string {
    const pkg = path.join(root, "node_modules", "@pulumi", name, "package.json");
    if (fs.existsSync(pkg)) {
        const json = JSON.parse(fs.readFileSync(pkg, "utf8"));
        // The version under "pulumi" is the one the SDK registers resources with.
        const v = json.pulumi?.version ?? json.version;
        if (typeof v === "string") return v;
    }
    const lock = path.join(root, "package-lock.json");
    if (fs.existsSync(lock)) {
        const v = JSON.parse(fs.readFileSync(lock, "utf8")).packages?.[`node_modules/@pulumi/${name}`]?.version;
        if (typeof v === "string") return v;
    }
    throw new Error(`no @pulumi/${name} in ${root}: neither node_modules nor package-lock.json names its version`);
}

export interface ConfigFailure {
    readonly property: string;
    readonly reason: string;
}

/** A stand-in provider: main()'s resource RPCs plus the provider configuration RPCs. */
export interface StandInProvider extends provider.Provider {
    checkConfig(news: Props): { inputs: Props; failures: ConfigFailure[] };
    diffConfig(olds: Props, news: Props): { changes: boolean };
    /** `args` are the checked provider inputs; `variables` the `<pkg>:config:<key>` map the engine also sends. */
    configure(args: Props | undefined, variables: Record<string, string>): void;
}

const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The very modules main() uses, so messages and the server class are the ones it builds with.
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const structproto = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }));

type Callback = (err: unknown, resp?: unknown) => void;
type Call = { request: any };

const struct = (s: any): Props => (s ? s.toJavaScript() : {});

// main()'s server answers CheckConfig and DiffConfig with UNIMPLEMENTED and its Configure ignores
// the configuration it is sent, while a provider needs its settings (an endpoint, a server and
// its credentials). So the three config RPCs of main()'s service are answered by the stand-in;
// every other RPC stays main()'s own.
function withConfig(impl: object, standIn: StandInProvider): object {
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
    // main()'s Read fails every import (an import's Read carries an id and no properties, and it
    // calls toJavaScript() on them) and answers a resource that is gone with an empty property
    // map, which the engine takes for "this provider cannot import". Read is answered here: no
    // properties in means none, and a gone resource gets an empty response, as the engine expects.
    wrapped.read = (call: Call, cb: Callback) => {
        const req = call.request;
        Promise.resolve(standIn.read!(req.getId(), req.getUrn(), req.getProperties() ? struct(req.getProperties()) : {})).then(
            (result) => {
                const resp = new provproto.ReadResponse();
                if (result.id) {
                    resp.setId(result.id);
                    resp.setProperties(structproto.Struct.fromJavaScript(result.props ?? {}));
                    if (result.inputs !== undefined) resp.setInputs(structproto.Struct.fromJavaScript(result.inputs));
                }
                cb(null, resp);
            },
            (e) => cb(e),
        );
    };
    return wrapped;
}

/** Runs the plugin: `args` are the engine's (its address first), as the engine launches plugins. */
export function serveStandIn(standIn: StandInProvider, args: string[]): Promise<void> {
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

/** The entry of a stand-in's plugin process: nothing but the port may reach stdout. */
export function runStandIn(name: string, standIn: StandInProvider): void {
    serveStandIn(standIn, process.argv.slice(2)).catch((e) => {
        process.stderr.write(`pulumi-resource-${name} (local stand-in): ${(e as Error).stack ?? e}\n`);
        process.exit(1);
    });
}
