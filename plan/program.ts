// The program run in this process under Pulumi's real runtime with the offline mocks: the stack
// file's configuration set, and every resource the program registers or reads recorded with its
// options, which the Mocks interface alone does not see.
import * as pulumi from "@pulumi/pulumi";
import {
    specialOutputValueSig as OUTPUT_SIG,
    specialResourceSig as RESOURCE_SIG,
    specialSecretSig as SECRET_SIG,
    specialSigKey as SIG_KEY,
    unknownValue as UNKNOWN_VALUE,
} from "@pulumi/pulumi/runtime/rpc";
import { nameOfUrn } from "../components/resources";
import { offlineMocks } from "./mocks";
import { stackConfig } from "./stackFile";

/** Shown in place of every secret value. */
export const SECRET = "[secret]";
/** Shown in place of values only known after apply. */
export const UNKNOWN = "[unknown]";

/** One resource as the program declared it. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Inputs with secrets shown as "[secret]" and the serialized dynamic provider left out. */
    readonly inputs: Record<string, unknown>;
    /** Raw inputs as the runtime sent them (secrets unwrapped), for tests that need the `__provider`. */
    readonly rawInputs: Record<string, unknown>;
    readonly options: {
        readonly protect: boolean;
        readonly retainOnDelete: boolean;
        readonly dependsOn: string[];
        readonly parent?: string;
        readonly import?: string;
        /** Looked up with `.get()`: read, never changed. */
        readonly read?: boolean;
        readonly additionalSecretOutputs?: string[];
    };
    readonly custom: boolean;
}

/** What one run of the program under the mock runtime declared. */
export interface ProgramRun {
    readonly project: string;
    readonly stack: string;
    readonly resources: RecordedResource[];
    /** Stack outputs the program exported, resolved (secrets as "[secret]"). */
    readonly outputs: Record<string, unknown>;
}

function display(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(display);
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (o[SIG_KEY] === SECRET_SIG) return SECRET;
        if (o[SIG_KEY] === RESOURCE_SIG) return o.urn;
        if (o[SIG_KEY] === OUTPUT_SIG) return o.secret ? SECRET : "value" in o ? display(o.value) : UNKNOWN;
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, display(v)]));
    }
    return value === UNKNOWN_VALUE ? UNKNOWN : value;
}

function raw(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(raw);
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (o[SIG_KEY] === SECRET_SIG || o[SIG_KEY] === OUTPUT_SIG) return raw(o.value);
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, raw(v)]));
    }
    return value;
}

/**
 * Runs the Pulumi program in this process under Pulumi's real runtime with mocks: config from
 * the stack file, every registered resource recorded with its options, and any invoke the
 * program makes refused (the offline plan must not pretend to have answers from the cloud).
 * `load` evaluates the program (require or import of index.ts) and returns its exports.
 */
export async function runProgram(stack: string, load: () => unknown | Promise<unknown>, overrides: Record<string, string> = {}): Promise<ProgramRun> {
    const { config, secretKeys, project } = stackConfig(stack, overrides);
    pulumi.runtime.setAllConfig(config, secretKeys);
    const resources: RecordedResource[] = [];
    const pending: Error[] = [];
    await pulumi.runtime.setMocks(offlineMocks(config[`${project}:gcpProject`] ?? "project"), project, stack, false);
    // Wrap the mock monitor so resource options (protect, dependsOn, ...) are recorded too:
    // the Mocks interface only sees inputs.
    const settings = require("@pulumi/pulumi/runtime/settings");
    const monitor = settings.getMonitor() as any;
    const record = (req: any, read: boolean) => {
        const inputs = (req.getObject?.() ?? req.getProperties?.())?.toJavaScript() ?? {};
        const parentUrn: string = req.getParent();
        const { __provider, ...shown } = display(inputs) as Record<string, unknown>;
        resources.push({
            type: req.getType(),
            name: req.getName(),
            urn: `urn:pulumi:${stack}::${project}::${req.getType()}::${req.getName()}`,
            inputs: __provider === undefined ? shown : { ...shown, __provider: "[dynamic provider]" },
            rawInputs: raw(inputs) as Record<string, unknown>,
            options: {
                protect: read ? false : !!req.getProtect(),
                retainOnDelete: read ? false : !!req.getRetainondelete?.(),
                dependsOn: read ? [] : (req.getDependenciesList() as string[]).map(nameOfUrn),
                parent: parentUrn ? nameOfUrn(parentUrn) : undefined,
                import: read ? undefined : req.getImportid() || undefined,
                read: read || undefined,
                additionalSecretOutputs: read || req.getAdditionalsecretoutputsList().length === 0 ? undefined : req.getAdditionalsecretoutputsList(),
            },
            custom: read ? true : !!req.getCustom(),
        });
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        record(req, false);
        return register(req, cb);
    };
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, cb: any) => {
        record(req, true);
        return read(req, cb);
    };
    const onRejection = (e: unknown) => pending.push(e instanceof Error ? e : new Error(String(e)));
    process.on("unhandledRejection", onRejection);
    try {
        const exports = (await load()) as Record<string, unknown>;
        const outputs: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(exports ?? {})) {
            if (key === "__esModule" || key === "default") continue;
            outputs[key] = await resolveOutput(value);
        }
        await settings.waitForRPCs();
        if (pending.length > 0) throw pending[0];
        return { project, stack, resources, outputs };
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

async function resolveOutput(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const o = value as pulumi.Output<unknown>;
        const secret = await (o as any).isSecret;
        const v = await new Promise((resolve) => o.apply((x) => resolve(x)));
        return secret ? SECRET : v;
    }
    return value;
}
