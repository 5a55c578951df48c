import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

/** Repository root: where Pulumi.yaml and the stack files live. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Shown in place of every secret value. */
export const SECRET = "[secret]";
/** Shown in place of values only known after apply. */
export const UNKNOWN = "[unknown]";

// Signatures of Pulumi's wire format (sdk/nodejs/runtime/rpc.ts).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

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

/** A stack file or Pulumi.yaml that cannot be read as configuration. */
export class StackFileError extends Error {
    constructor(file: string, problem: string) {
        super(`${file}: ${problem}`);
        this.name = "StackFileError";
    }
}

interface ConfigDeclaration {
    type?: string;
    default?: unknown;
    secret?: boolean;
    description?: string;
}

/** Pulumi.yaml: the project name and its declared configuration keys. */
export function readProject(root = PROJECT_ROOT): { name: string; config: Record<string, ConfigDeclaration> } {
    const file = path.join(root, "Pulumi.yaml");
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: string; config?: Record<string, ConfigDeclaration> };
    if (!doc?.name) throw new StackFileError("Pulumi.yaml", "has no project name");
    return { name: doc.name, config: doc.config ?? {} };
}

// Values the offline plan substitutes for secrets it cannot decrypt (no Pulumi CLI, no key).
// They are shaped like real values so validation still runs, and are shown as "[secret]".
const OFFLINE_SECRET_VALUES: Record<string, string> = {
    redisUrl: "rediss://offline-plan.invalid:6379",
};

/**
 * The configuration `pulumi up` would see for a stack: Pulumi.yaml defaults, then the stack
 * file's values. Values Pulumi encrypts (`secure:`) or declared secrets that are not set are
 * replaced with placeholders, since only the CLI can decrypt them. Unknown keys of the
 * project's namespace are an error naming the file and line, as the CLI reports them.
 */
export function stackConfig(stack: string, overrides: Record<string, string> = {}, root = PROJECT_ROOT): { config: Record<string, string>; secretKeys: string[]; project: string } {
    const project = readProject(root);
    const ns = project.name;
    const fileName = `Pulumi.${stack}.yaml`;
    const file = path.join(root, fileName);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(file)) {
        const known = fs.readdirSync(root).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
        throw new StackFileError(fileName, `no such stack file (stacks: ${known.join(", ")})`);
    }
    const text = fs.readFileSync(file, "utf8");
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0) throw new StackFileError(fileName, doc.errors[0].message);
    const lineOf = (key: string) => {
        const i = text.split("\n").findIndex((l) => l.trimStart().startsWith(`${key}:`));
        return i < 0 ? "" : `:${i + 1}`;
    };
    const values = ((doc.toJS() ?? {}) as { config?: Record<string, unknown> }).config ?? {};

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const str = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
    for (const [key, decl] of Object.entries(project.config)) {
        if (decl.default !== undefined) config[`${ns}:${key}`] = str(decl.default);
    }
    for (const [fullKey, value] of Object.entries(values)) {
        const [space, key] = fullKey.includes(":") ? fullKey.split(/:(.*)/s) : [ns, fullKey];
        if (space === ns && !(key in project.config)) {
            throw new StackFileError(`${fileName}${lineOf(fullKey)}`, `unknown configuration key ${fullKey}; declared keys are listed in Pulumi.yaml`);
        }
        if (value && typeof value === "object" && "secure" in (value as object)) {
            config[`${space}:${key}`] = OFFLINE_SECRET_VALUES[key] ?? "offline-plan-secret";
            secretKeys.push(`${space}:${key}`);
            continue;
        }
        if (space === ns && project.config[key]?.secret) {
            throw new StackFileError(`${fileName}${lineOf(fullKey)}`, `${fullKey} is a secret and must not be stored in clear; use \`pulumi config set --secret ${key}\``);
        }
        config[`${space}:${key}`] = str(value);
    }
    for (const [key, decl] of Object.entries(project.config)) {
        const fullKey = `${ns}:${key}`;
        if (decl.secret && config[fullKey] === undefined) {
            config[fullKey] = OFFLINE_SECRET_VALUES[key] ?? "offline-plan-secret";
            secretKeys.push(fullKey);
        }
    }
    for (const [key, value] of Object.entries(overrides)) {
        if (!(key in project.config)) throw new StackFileError("override", `unknown configuration key ${ns}:${key}`);
        config[`${ns}:${key}`] = value;
    }
    return { config, secretKeys, project: ns };
}

/** Plausible outputs the cloud would compute, per resource type, so dependent inputs resolve. */
function mockOutputs(type: string, inputs: Record<string, any>, project: string): Record<string, unknown> {
    switch (type) {
        case "gcp:serviceaccount/account:Account": {
            const email = `${inputs.accountId}@${inputs.project ?? project}.iam.gserviceaccount.com`;
            return { email, name: `projects/${inputs.project}/serviceAccounts/${email}`, member: `serviceAccount:${email}` };
        }
        case "gcp:serviceaccount/key:Key":
            return { privateKey: Buffer.from(JSON.stringify({ type: "service_account", private_key: "offline-plan" })).toString("base64") };
        case "random:index/randomPassword:RandomPassword":
            return { result: "offline-plan-password" };
        case "gcp:bigquery/dataset:Dataset":
            return { datasetId: inputs.datasetId, selfLink: `https://bigquery.googleapis.com/bigquery/v2/projects/${inputs.project}/datasets/${inputs.datasetId}` };
        default:
            return {};
    }
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

const nameOfUrn = (urn: string) => urn.split("::").pop() ?? urn;

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
    await pulumi.runtime.setMocks(
        {
            call(args) {
                throw new Error(`offline plan: unplanned invoke ${args.token}(${JSON.stringify(args.inputs)}); add it to the mocks deliberately or avoid the call`);
            },
            newResource(args) {
                const state = { ...args.inputs, ...mockOutputs(args.type, args.inputs, config[`${project}:gcpProject`] ?? "project") };
                return { id: args.id || `${args.name}-id`, state };
            },
        },
        project,
        stack,
        false,
    );
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
