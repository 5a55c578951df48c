// One stack of this program under the real Pulumi CLI, on a local file backend: the stack file's
// own configuration with only endpoints and secrets overridden, nothing reaching the network.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { nameOfUrn } from "../components/resources";
import { PROJECT_ROOT } from "../lib/root";

/** What the harness needs of the built toolchain. */
export interface EngineBinaries {
    /** Directory holding `pulumi`, the language host and the provider plugins. */
    readonly binDir: string;
    /** The environment for running the CLI offline (PATH, update check and plugin download off, PULUMI_HOME). */
    env(extra?: Record<string, string>): NodeJS.ProcessEnv;
}

/** Where the stack's outside services are, and the secrets the stack file leaves to the operator. */
export interface LocalEndpoints {
    /** Base URL of the local warehouse (BigQuery's REST API under /bigquery/v2). */
    readonly warehouseUrl: string;
    readonly postgres: {
        readonly host: string;
        readonly port: number;
        readonly adminPassword: string;
        /** CA that signed the server's certificate; trusted the way an operator trusts a private CA. */
        readonly caFile?: string;
    };
    readonly redisUrl: string;
}

export interface LocalStackOptions {
    readonly stack: string;
    readonly binaries: EngineBinaries;
    /** Directories put first on PATH, e.g. the stand-in gcp provider's. */
    readonly pluginDirs?: readonly string[];
    /** Holds the backend and the project view; created if missing and kept across updates. */
    readonly workDir: string;
    readonly endpoints: LocalEndpoints;
    /** Secrets passphrase of the local backend. */
    readonly passphrase?: string;
    /**
     * Files of the program replaced for this stack, by path from the project root (e.g. a
     * catalogue with a changed partition field).
     */
    readonly programOverrides?: Readonly<Record<string, string>>;
    /**
     * A second view of an existing stack (same backend, same stack file) with its own project
     * directory, e.g. to preview a changed program against the stack's state.
     */
    readonly variant?: string;
    readonly log?: (line: string) => void;
}

/** What one CLI command did. */
export interface CommandResult {
    readonly args: readonly string[];
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
}

export interface RunOptions {
    /** Called once the process is running, e.g. to kill it at a chosen moment. */
    readonly onSpawn?: (pid: number) => void;
    /** Lines of output as they come, for progress. */
    readonly onLine?: (line: string) => void;
    /** Run in its own process group, so a crash test can kill the CLI and its plugins at once. */
    readonly ownProcessGroup?: boolean;
}

/** An engine command that failed where success was required. */
export class EngineCommandError extends Error {
    constructor(readonly result: CommandResult) {
        super(`pulumi ${result.args.join(" ")} exited ${result.code ?? result.signal}:\n${tail(result.stderr || result.stdout, 60)}`);
        this.name = "EngineCommandError";
    }
}

/** The last `lines` lines of a text. */
export function tail(text: string, lines: number): string {
    return text.trimEnd().split("\n").slice(-lines).join("\n");
}

// The program's own files; the project view links them so the engine runs the real program
// while the stack file it writes (encryption salt, secrets) stays out of the repository.
const PROJECT_ENTRIES = ["index.ts", "config.ts", "components", "sql", "node_modules", "package.json", "tsconfig.json"];

/** A stack in a local backend, driven through the real CLI. */
export class LocalStack {
    readonly projectDir: string;
    readonly backendDir: string;
    readonly configFile: string;
    private readonly passphrase: string;

    private constructor(private readonly options: LocalStackOptions) {
        this.projectDir = path.join(options.workDir, options.variant ? `project-${options.variant}` : "project");
        this.backendDir = path.join(options.workDir, "backend");
        this.configFile = path.join(this.projectDir, `Pulumi.${options.stack}.yaml`);
        this.passphrase = options.passphrase ?? "local-rehearsal";
    }

    get stack(): string {
        return this.options.stack;
    }

    /** Makes the project view and the backend, initialises the stack and sets the overrides. Idempotent. */
    static async open(options: LocalStackOptions): Promise<LocalStack> {
        const s = new LocalStack(options);
        fs.mkdirSync(s.projectDir, { recursive: true });
        fs.mkdirSync(s.backendDir, { recursive: true });
        fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(s.projectDir, "Pulumi.yaml"));
        const overrides = options.programOverrides ?? {};
        // Node resolves a linked module by its real path, so a changed program is a copy of the
        // whole program (only node_modules stays linked).
        const copy = Object.keys(overrides).length > 0;
        for (const entry of PROJECT_ENTRIES) {
            const target = path.join(s.projectDir, entry);
            if (fs.existsSync(target)) continue;
            if (copy && entry !== "node_modules") fs.cpSync(path.join(PROJECT_ROOT, entry), target, { recursive: true });
            else fs.symlinkSync(path.join(PROJECT_ROOT, entry), target);
        }
        for (const [file, text] of Object.entries(overrides)) fs.writeFileSync(path.join(s.projectDir, file), text);
        const base = path.join(options.workDir, "project", `Pulumi.${options.stack}.yaml`);
        if (options.variant && !fs.existsSync(s.configFile)) {
            if (!fs.existsSync(base)) throw new Error(`variant ${options.variant}: stack ${options.stack} has not been opened in ${options.workDir}`);
            fs.copyFileSync(base, s.configFile);
        }
        const fresh = !fs.existsSync(s.configFile);
        if (fresh) {
            const source = path.join(PROJECT_ROOT, `Pulumi.${options.stack}.yaml`);
            if (!fs.existsSync(source)) throw new Error(`no stack file Pulumi.${options.stack}.yaml in the project`);
            fs.copyFileSync(source, s.configFile);
            await s.must(["stack", "init", "--secrets-provider", "passphrase"]);
            const e = options.endpoints;
            s.setConfig({
                "synter-infra:postgresHost": e.postgres.host,
                "synter-infra:postgresPort": String(e.postgres.port),
                "gcp:bigQueryCustomEndpoint": `${e.warehouseUrl.replace(/\/$/, "")}/bigquery/v2/`,
            });
            await s.must(["config", "set", "--secret", "synter-infra:postgresAdminPassword", e.postgres.adminPassword]);
            await s.must(["config", "set", "--secret", "synter-infra:redisUrl", e.redisUrl]);
        }
        return s;
    }

    /** The environment every command of this stack runs with. */
    env(): NodeJS.ProcessEnv {
        const e = this.options.endpoints;
        const extra: Record<string, string> = {
            PULUMI_BACKEND_URL: `file://${this.backendDir}`,
            PULUMI_CONFIG_PASSPHRASE: this.passphrase,
            // The migration's dynamic providers use @google-cloud/bigquery, which honours this.
            BIGQUERY_EMULATOR_HOST: e.warehouseUrl,
            // `npm test` type-checks the program with tsc; the engine only needs it transpiled.
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        };
        if (e.postgres.caFile) {
            // The local PostgreSQL's certificate is signed by a throwaway CA: trusted by Node
            // (the migrations runner), by Go's TLS (the postgresql provider) and by libpq.
            extra.NODE_EXTRA_CA_CERTS = e.postgres.caFile;
            extra.SSL_CERT_FILE = e.postgres.caFile;
            extra.PGSSLROOTCERT = e.postgres.caFile;
        }
        const env = this.options.binaries.env(extra);
        const dirs = [...(this.options.pluginDirs ?? [])];
        // Plugins are found on PATH (the stand-in gcp provider first); nothing is downloaded.
        env.PATH = [...dirs, env.PATH ?? ""].filter(Boolean).join(path.delimiter);
        delete env.PULUMI_IGNORE_AMBIENT_PLUGINS;
        return env;
    }

    /** Writes plain configuration values into the stack file. */
    setConfig(values: Record<string, string>): void {
        const doc = YAML.parseDocument(fs.readFileSync(this.configFile, "utf8"));
        for (const [k, v] of Object.entries(values)) doc.setIn(["config", k], v);
        fs.writeFileSync(this.configFile, doc.toString());
    }

    /** A value of the stack file (plain keys only). */
    getConfig(key: string): unknown {
        const doc = YAML.parse(fs.readFileSync(this.configFile, "utf8"));
        return doc?.config?.[key];
    }

    /** Runs `pulumi <args>` in the project view for this stack. */
    run(args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
        const full = [...args, "--stack", this.options.stack, "--non-interactive"];
        const pulumi = path.join(this.options.binaries.binDir, "pulumi");
        return new Promise((resolve, reject) => {
            const child = spawn(pulumi, full, { cwd: this.projectDir, env: this.env(), stdio: ["ignore", "pipe", "pipe"], detached: options.ownProcessGroup ?? false });
            let stdout = "";
            let stderr = "";
            let partial = "";
            const lines = (chunk: string) => {
                if (!options.onLine) return;
                partial += chunk;
                const parts = partial.split("\n");
                partial = parts.pop() ?? "";
                for (const l of parts) options.onLine(l);
            };
            child.stdout.setEncoding("utf8").on("data", (c: string) => {
                stdout += c;
                lines(c);
            });
            child.stderr.setEncoding("utf8").on("data", (c: string) => {
                stderr += c;
                lines(c);
            });
            child.on("error", reject);
            if (child.pid !== undefined) options.onSpawn?.(child.pid);
            child.on("close", (code, signal) => resolve({ args: full, code, signal, stdout, stderr }));
        });
    }

    /**
     * The file backend's empty attribute files. The blob store behind a `file://` backend writes
     * `<key>.attrs` in place before renaming the new object over the old one, so a process killed
     * in between leaves it empty, and every command then fails with `failed to load checkpoint:
     * EOF` though the checkpoint itself is whole.
     */
    emptyAttributeFiles(): string[] {
        const found: string[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) walk(p);
                else if (e.name.endsWith(".attrs") && fs.statSync(p).size === 0) found.push(p);
            }
        };
        walk(path.join(this.backendDir, ".pulumi"));
        return found;
    }

    /** Runs a command that must succeed. */
    async must(args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
        const r = await this.run(args, options);
        if (r.code !== 0) throw new EngineCommandError(r);
        return r;
    }

    /**
     * `pulumi up --yes`, preview included as an operator runs it: a refusal in any resource's
     * check (the phase gate's) stops the update before anything changes. The event log tells
     * what happened to each resource.
     */
    async up(options: RunOptions & { extra?: readonly string[] } = {}): Promise<CommandResult> {
        return this.run(["up", "--yes", "--json", ...(options.extra ?? [])], options);
    }

    /** `pulumi preview`, optionally with `--expect-no-changes` and `--json`. */
    preview(options: RunOptions & { expectNoChanges?: boolean; json?: boolean; extra?: readonly string[] } = {}): Promise<CommandResult> {
        const args = ["preview", ...(options.expectNoChanges ? ["--expect-no-changes", "--diff"] : []), ...(options.json ? ["--json"] : []), ...(options.extra ?? [])];
        return this.run(args, options);
    }

    /** The stack's outputs; secrets shown only when asked. */
    async outputs(showSecrets = false): Promise<Record<string, unknown>> {
        const r = await this.must(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])]);
        return JSON.parse(r.stdout);
    }

    /** `pulumi stack export`: the checkpoint as the backend stores it. */
    async exportState(): Promise<any> {
        const r = await this.must(["stack", "export"]);
        return JSON.parse(r.stdout);
    }

    /** Resources of an update by operation, from the engine events that `up --json` prints. */
    static changeSummary(up: CommandResult): Record<string, number> {
        for (const line of up.stdout.split("\n").reverse()) {
            if (!line.includes("summaryEvent")) continue;
            try {
                return JSON.parse(line).summaryEvent.resourceChanges ?? {};
            } catch {
                return {};
            }
        }
        return {};
    }

    /** The diagnostics (errors, warnings) of an `up --json`'s engine events, as the CLI would print them. */
    static diagnostics(up: CommandResult, severities: readonly string[] = ["error"]): string[] {
        const out: string[] = [];
        // A preview that fails inside `up --json` prints one preview document instead of events.
        try {
            const doc = JSON.parse(up.stdout);
            for (const d of doc.diagnostics ?? []) if (severities.includes(d.severity)) out.push(`${d.urn ? `${nameOfUrn(String(d.urn))}: ` : ""}${String(d.message).trim()}`);
            return out;
        } catch {
            // engine events, one per line
        }
        for (const line of up.stdout.split("\n")) {
            if (!line.includes("diagnosticEvent")) continue;
            try {
                const d = JSON.parse(line).diagnosticEvent;
                if (severities.includes(d.severity)) out.push(`${d.urn ? `${nameOfUrn(d.urn)}: ` : ""}${String(d.message).trim()}`);
            } catch {
                // not an event line
            }
        }
        return out;
    }
}
