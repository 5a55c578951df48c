// The application's environment read from a stack's outputs (`pulumi stack output --json
// --show-secrets`) and written as a dotenv or JSON file that only its owner can read. It lives
// beside the local-stack harness because both drive the Pulumi CLI against a stack; the command
// is cli/app-env.ts and the engine test runs it against a rehearsed stack.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The variables the application reads, exported by the program under the same names (index.ts). */
export const APPLICATION_VARIABLES = ["POSTGRES_URL", "BIGQUERY_PROJECT_ID", "BIGQUERY_DATASET", "GOOGLE_APPLICATION_CREDENTIALS", "REDIS_URL"] as const;
export type ApplicationVariable = (typeof APPLICATION_VARIABLES)[number];

/** Exported as "" when the stack creates no service-account key: the application then uses its ambient credentials. */
const EMPTY_WHEN_ABSENT: ReadonlySet<string> = new Set(["GOOGLE_APPLICATION_CREDENTIALS"]);

export const FORMATS = ["dotenv", "json"] as const;
export type Format = (typeof FORMATS)[number];

/** A problem with the stack or its outputs (not with how the command was called). */
export class AppEnvError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AppEnvError";
    }
}

export interface ApplicationEnvironment {
    /** Name → value, in APPLICATION_VARIABLES order. */
    readonly variables: Record<string, string>;
    /** Variables the stack deliberately leaves empty, with why. */
    readonly omitted: { readonly name: string; readonly why: string }[];
}

/** Picks the application's variables out of a stack's outputs; every missing one is named. */
export function applicationEnvironment(stack: string, outputs: Record<string, unknown>): ApplicationEnvironment {
    const variables: Record<string, string> = {};
    const omitted: { name: string; why: string }[] = [];
    const missing: string[] = [];
    for (const name of APPLICATION_VARIABLES) {
        const value = outputs[name];
        if (value === undefined || value === null) missing.push(name);
        else if (typeof value !== "string") throw new AppEnvError(`stack ${stack}: output ${name} is a ${Array.isArray(value) ? "list" : typeof value}, not a string`);
        else if (value === "" && EMPTY_WHEN_ABSENT.has(name)) omitted.push({ name, why: "the stack creates no service-account key (createServiceAccountKey is false)" });
        else if (value === "") missing.push(name);
        else variables[name] = value;
    }
    if (missing.length > 0) {
        const what = missing.length === 1 ? `output ${missing[0]}` : `outputs ${missing.join(", ")}`;
        throw new AppEnvError(`stack ${stack} has no ${what}: run \`pulumi up\` on it with this program first`);
    }
    return { variables, omitted };
}

/**
 * One value in the dotenv syntax Node reads (`node --env-file`, `process.loadEnvFile`,
 * `util.parseEnv`, and the dotenv package, whose rules Node follows): single quotes keep
 * everything literal, newlines, `$`, `"`, `\` and `#` included, and read the same in a POSIX
 * shell. A value with a single quote is double-quoted, where only the two characters `\n` would
 * change meaning; failing that, backquoted. What none of them can carry is refused by name.
 */
export function dotenvValue(name: string, value: string): string {
    if (/[\r\0]/.test(value)) throw new AppEnvError(`${name} cannot be written as dotenv: it contains a carriage return or NUL, which dotenv readers drop`);
    if (!value.includes("'")) return `'${value}'`;
    if (!value.includes('"') && !value.includes("\\n")) return `"${value}"`;
    if (!value.includes("`")) return `\`${value}\``;
    throw new AppEnvError(`${name} cannot be written as dotenv: it contains single, double and back quotes; use --format json`);
}

/** A dotenv file: a comment naming the stack, then one `NAME='value'` line per variable. */
export function encodeDotenv(stack: string, variables: Readonly<Record<string, string>>): string {
    const lines = [`# The application's environment from Pulumi stack ${stack} (npm run app-env). It holds secrets: never commit it.`];
    for (const [name, value] of Object.entries(variables)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new AppEnvError(`${name} is not a variable name dotenv readers accept`);
        lines.push(`${name}=${dotenvValue(name, value)}`);
    }
    return lines.join("\n") + "\n";
}

/** The same variables as one JSON object. */
export function encodeJson(variables: Readonly<Record<string, string>>): string {
    return JSON.stringify(variables, null, 2) + "\n";
}

export interface StackOutputOptions {
    readonly stack: string;
    /** The Pulumi project directory (holds Pulumi.yaml). */
    readonly cwd: string;
    /** Environment of the CLI: PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, PULUMI_ACCESS_TOKEN, PATH. */
    readonly env?: NodeJS.ProcessEnv;
    /** The CLI to run; `pulumi` from PATH by default. */
    readonly pulumi?: string;
}

/** `pulumi stack output --json --show-secrets` of a stack; its own error text when it fails. */
export function readStackOutputs(opts: StackOutputOptions): Record<string, unknown> {
    const args = ["stack", "output", "--json", "--show-secrets", "--non-interactive", "--stack", opts.stack];
    const cli = opts.pulumi ?? "pulumi";
    if (!fs.statSync(opts.cwd, { throwIfNoEntry: false })?.isDirectory()) throw new AppEnvError(`the project directory ${opts.cwd} does not exist`);
    const r = spawnSync(cli, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.error) {
        const why = (r.error as NodeJS.ErrnoException).code === "ENOENT" ? `${cli} was not found (install the Pulumi CLI or put it on PATH)` : r.error.message;
        throw new AppEnvError(`cannot run pulumi stack output for stack ${opts.stack}: ${why}`);
    }
    if (r.status !== 0) {
        const said = (r.stderr || r.stdout).trim().split("\n").slice(-10).join("\n");
        throw new AppEnvError(`pulumi stack output --stack ${opts.stack} (in ${opts.cwd}) exited ${r.status ?? r.signal}:\n${said}`);
    }
    try {
        const doc = JSON.parse(r.stdout);
        if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new Error("not an object");
        return doc;
    } catch (err: any) {
        throw new AppEnvError(`pulumi stack output --stack ${opts.stack} did not print a JSON object: ${err.message}`);
    }
}

/**
 * Writes `content` to `file` readable by its owner only (0600), whatever mode an existing file
 * had: a new file is made beside it with that mode and renamed over it, so no reader ever sees
 * the secrets under looser permissions or half written.
 */
export function writePrivateFile(file: string, content: string): void {
    const dir = path.dirname(path.resolve(file));
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
    const fd = fs.openSync(tmp, "wx", 0o600);
    try {
        fs.fchmodSync(fd, 0o600);
        fs.writeFileSync(fd, content);
        fs.fsyncSync(fd);
    } catch (err) {
        fs.closeSync(fd);
        fs.rmSync(tmp, { force: true });
        throw err;
    }
    fs.closeSync(fd);
    try {
        fs.renameSync(tmp, file);
    } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
    }
}
