// The stack's configuration as `pulumi up` would see it, read from Pulumi.yaml and the stack file
// without the Pulumi CLI: for the offline plan, the tests and the policy pack's config.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_ROOT } from "../lib/root";

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
