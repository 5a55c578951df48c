// The Pulumi engine this project runs against, built from Go modules into a per-user cache keyed
// by the package-lock versions and this recipe, so that tests and rehearsals drive the same CLI,
// language host and providers as a release without downloading anything at run time.
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Bump when the build steps change in a way the recipe data below does not show. */
const RECIPE_REVISION = 1;

/** The npm packages whose versions choose what is built. */
const NPM_PACKAGES = { pulumi: "@pulumi/pulumi", random: "@pulumi/random", postgresql: "@pulumi/postgresql" } as const;

const PULUMI_PKG = "github.com/pulumi/pulumi/pkg/v3";
const PULUMI_SDK = "github.com/pulumi/pulumi/sdk/v3";
const PULUMI_VERSION_VAR = `${PULUMI_SDK}/go/common/version.Version`;
const LANGUAGE_NODEJS = "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3";
// Before it became a module of its own the host was a package of the sdk module; v3.68.0 is such a
// release, used only when the host's own module is not obtainable at the CLI's commit.
const LANGUAGE_NODEJS_EMBEDDED = { module: PULUMI_SDK, version: "v3.68.0", pkg: `${PULUMI_SDK}/nodejs/cmd/pulumi-language-nodejs` };

// Release builds: static, no cgo user lookup, gRPC without its tracing hooks.
const BUILD_TAGS = "osusergo,grpcnotrace";

/**
 * The bridged providers. Their Go modules under provider/ carry no tags of their own, so each
 * release is fetched as the pseudo-version of its root tag's commit.
 */
const PROVIDERS = {
    random: {
        binary: "pulumi-resource-random",
        module: "github.com/pulumi/pulumi-random/provider/v4",
        releases: {
            "4.21.1": "v4.0.0-20260722185042-f2d8b029d0f7",
        } as Record<string, string>,
        // Its go.mod replaces this with ./shim, a module of its own (so absent from the provider's
        // zip) whose path sits beside the upstream provider so it may import the upstream's internal
        // package; it only exposes that provider.
        shim: {
            module: "github.com/terraform-providers/terraform-provider-random/shim",
            upstream: "github.com/terraform-providers/terraform-provider-random",
            source: [
                "package shim",
                "",
                "import (",
                '\ttfpf "github.com/hashicorp/terraform-plugin-framework/provider"',
                '\t"github.com/terraform-providers/terraform-provider-random/internal/provider"',
                ")",
                "",
                "func NewProvider() tfpf.Provider { return provider.New() }",
                "",
            ].join("\n"),
        },
        upstream: undefined,
    },
    postgresql: {
        binary: "pulumi-resource-postgresql",
        module: "github.com/pulumi/pulumi-postgresql/provider/v3",
        releases: {
            "3.18.0": "v3.0.0-20260716141723-b57d264d8aee",
        } as Record<string, string>,
        shim: undefined,
        // Its go.mod replaces this path with ../upstream, a submodule whose go.mod still names the
        // provider's old path; the release patches rename it. The same tree is served under this path
        // by tag, so a local copy with the module line renamed stands in for the patched submodule.
        upstream: {
            module: "github.com/cyrilgdn/terraform-provider-postgresql",
            oldModule: "github.com/terraform-providers/terraform-provider-postgresql",
            // Submodule commit ff936b9548c1 of the pinned releases, which is upstream's v1.27.0 tag.
            versions: { "3.18.0": "v1.27.0" } as Record<string, string>,
        },
    },
} as const;

type ProviderName = keyof typeof PROVIDERS;

// Release commits of subdirectory modules that few others fetch may be missing from the checksum
// database even where the proxy serves them; for these paths the proxy's TLS vouches instead.
const NO_SUMDB = ["github.com/pulumi/pulumi/pkg", "github.com/pulumi/pulumi/sdk/nodejs", "github.com/pulumi/pulumi-random", "github.com/pulumi/pulumi-postgresql"];

/** An unobtainable module is retried after this long; a build failure is never cached. */
const RETRY_UNAVAILABLE_MS = 60 * 60 * 1000;

export type ComponentName = "pulumi" | "pulumi-language-nodejs" | "pulumi-resource-random" | "pulumi-resource-postgresql";

export interface ToolchainVersions {
    /** Versions of the npm packages in package-lock.json. */
    readonly pulumi: string;
    readonly random: string;
    readonly postgresql: string;
    /** `go env GOVERSION` of the toolchain that built the binaries. */
    readonly go: string;
}

export interface BuiltComponent {
    readonly name: ComponentName;
    readonly path: string;
    /** The Go module and version the main package came from. */
    readonly module: string;
    readonly moduleVersion: string;
    /** The release it stands for (e.g. "v3.248.0", "4.21.1"). */
    readonly release: string;
    /** Set when something other than the locked release was built, saying what and why. */
    readonly substitute?: string;
}

export interface UnavailableComponent {
    readonly name: ComponentName;
    /** The module that could not be had and the go command's own words. */
    readonly reason: string;
    readonly checkedAt: string;
}

export interface Toolchain {
    /** Versions + recipe hash; names the cache directory. */
    readonly key: string;
    readonly cacheDir: string;
    readonly binDir: string;
    /** PULUMI_HOME for runs of the CLI: plugins, credentials and workspaces stay in the cache. */
    readonly pulumiHome: string;
    readonly logDir: string;
    readonly versions: ToolchainVersions;
    readonly pulumi: string;
    readonly languageNodejs?: string;
    /** The dynamic-provider plugin script from @pulumi/pulumi. */
    readonly dynamicProvider: string;
    readonly providers: { readonly random?: string; readonly postgresql?: string };
    readonly built: readonly BuiltComponent[];
    readonly unavailable: readonly UnavailableComponent[];
    /** The environment for running the CLI offline; `extra` wins over everything. */
    env(extra?: Record<string, string>): NodeJS.ProcessEnv;
    /** Throws, with the recorded reasons, unless every named component was built. */
    require(...names: ComponentName[]): void;
}

export interface ToolchainOptions {
    readonly log?: (line: string) => void;
    /** Rebuild everything under this key, and retry unobtainable modules now. */
    readonly rebuild?: boolean;
}

interface Stamp {
    key: string;
    components: Partial<Record<ComponentName, { built?: BuiltComponent & { size: number }; unavailable?: UnavailableComponent }>>;
}

/** Why the toolchain could not be made; the message is meant for the person running it. */
export class ToolchainError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ToolchainError";
    }
}

/** A module the proxy does not serve (or cannot be reached for), as opposed to a failed build. */
class UnavailableModule extends Error {}

/** Versions of the npm packages the engine must match, from package-lock.json. */
export function lockedVersions(root = PROJECT_ROOT): Omit<ToolchainVersions, "go"> {
    const lockFile = path.join(root, "package-lock.json");
    let lock: { packages?: Record<string, { version?: string }> };
    try {
        lock = JSON.parse(fs.readFileSync(lockFile, "utf8"));
    } catch (err: any) {
        throw new ToolchainError(`cannot read ${lockFile}: ${err?.message ?? err}`);
    }
    const version = (pkg: string): string => {
        const v = lock.packages?.[`node_modules/${pkg}`]?.version;
        if (!v) throw new ToolchainError(`${pkg} is not in ${lockFile}; run npm install`);
        return v;
    };
    return { pulumi: version(NPM_PACKAGES.pulumi), random: version(NPM_PACKAGES.random), postgresql: version(NPM_PACKAGES.postgresql) };
}

/** `${XDG_CACHE_HOME:-~/.cache}/synter-infra/engine`. */
export function engineCacheRoot(): string {
    const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
    return path.join(base, "synter-infra", "engine");
}

/** Builds what is missing (or finds it all built) and returns where everything is. */
export async function ensureToolchain(options: ToolchainOptions = {}): Promise<Toolchain> {
    const log = options.log ?? (() => undefined);
    const started = Date.now();
    const locked = lockedVersions();
    const go = findGo();
    const goVersion = (await runCapture(go, ["env", "GOVERSION"], { cwd: os.tmpdir(), env: goEnv(go) })).trim();
    const versions: ToolchainVersions = { ...locked, go: goVersion };
    const key = recipeKey(versions);
    const cacheDir = path.join(engineCacheRoot(), key);
    const paths = layout(cacheDir);

    const fresh = readStamp(paths.stamp, key);
    if (!options.rebuild && fresh && isComplete(fresh, paths.bin, Date.now())) {
        return toolchain(paths, key, versions, fresh);
    }

    fs.mkdirSync(cacheDir, { recursive: true });
    const release = await acquireLock(`${cacheDir}.lock`, log);
    try {
        // Another process may have finished while this one waited.
        const stamp: Stamp = (options.rebuild ? undefined : readStamp(paths.stamp, key)) ?? { key, components: {} };
        if (!options.rebuild && isComplete(stamp, paths.bin, Date.now())) return toolchain(paths, key, versions, stamp);
        log(`engine toolchain ${key}: building into ${cacheDir} (go ${goVersion})`);
        for (const dir of [paths.bin, paths.logs, paths.work, paths.home]) fs.mkdirSync(dir, { recursive: true });
        installDynamicProvider(paths.bin);

        const steps: { name: ComponentName; build: (ctx: BuildContext) => Promise<BuiltComponent> }[] = [
            { name: "pulumi", build: (ctx) => buildCli(ctx, versions.pulumi) },
            { name: "pulumi-language-nodejs", build: (ctx) => buildLanguageHost(ctx, versions.pulumi) },
            { name: "pulumi-resource-random", build: (ctx) => buildProvider(ctx, "random", versions.random) },
            { name: "pulumi-resource-postgresql", build: (ctx) => buildProvider(ctx, "postgresql", versions.postgresql) },
        ];
        // One go build at a time: on two cores a single build already keeps both busy while it
        // compiles, and the later builds reuse what the first compiled (the sdk, gRPC, protobuf).
        for (const [i, step] of steps.entries()) {
            const entry = stamp.components[step.name];
            if (entry?.built && fs.existsSync(entry.built.path) && fs.statSync(entry.built.path).size === entry.built.size) continue;
            if (entry?.unavailable && !options.rebuild && Date.now() - Date.parse(entry.unavailable.checkedAt) < RETRY_UNAVAILABLE_MS) continue;
            const stepStarted = Date.now();
            const label = `[${i + 1}/${steps.length}] ${step.name}`;
            log(`${label}: building (log: ${path.join(paths.logs, `${step.name}.log`)})`);
            const ctx = new BuildContext(go, paths, step.name, log, label);
            try {
                const built = await step.build(ctx);
                stamp.components[step.name] = { built: { ...built, size: fs.statSync(built.path).size } };
                log(`${label}: built ${built.module}@${built.moduleVersion} in ${elapsed(stepStarted)}${built.substitute ? ` (${built.substitute})` : ""}`);
            } catch (err) {
                if (!(err instanceof UnavailableModule) || step.name === "pulumi") {
                    if (err instanceof UnavailableModule) throw new ToolchainError(`${step.name}: ${err.message}`);
                    throw err;
                }
                stamp.components[step.name] = { unavailable: { name: step.name, reason: err.message, checkedAt: new Date().toISOString() } };
                log(`${label}: NOT BUILT: ${err.message}`);
            } finally {
                ctx.close();
            }
            writeStamp(paths.stamp, stamp);
        }
        log(`engine toolchain ready in ${elapsed(started)}: ${paths.bin}`);
        return toolchain(paths, key, versions, stamp);
    } finally {
        release();
    }
}

interface Layout {
    readonly root: string;
    readonly bin: string;
    readonly logs: string;
    readonly work: string;
    readonly home: string;
    readonly stamp: string;
}

function layout(root: string): Layout {
    return {
        root,
        bin: path.join(root, "bin"),
        logs: path.join(root, "logs"),
        work: path.join(root, "work"),
        home: path.join(root, "pulumi-home"),
        stamp: path.join(root, "stamp.json"),
    };
}

function toolchain(paths: Layout, key: string, versions: ToolchainVersions, stamp: Stamp): Toolchain {
    const built = Object.values(stamp.components).flatMap((c) => (c?.built ? [c.built] : []));
    const unavailable = Object.values(stamp.components).flatMap((c) => (c?.unavailable ? [c.unavailable] : []));
    const find = (name: ComponentName) => built.find((b) => b.name === name)?.path;
    const pulumi = find("pulumi");
    if (!pulumi) throw new ToolchainError("the pulumi CLI is not built");
    fs.mkdirSync(paths.home, { recursive: true });
    return {
        key,
        cacheDir: paths.root,
        binDir: paths.bin,
        pulumiHome: paths.home,
        logDir: paths.logs,
        versions,
        pulumi,
        languageNodejs: find("pulumi-language-nodejs"),
        dynamicProvider: path.join(paths.bin, DYNAMIC_PROVIDER),
        providers: { random: find("pulumi-resource-random"), postgresql: find("pulumi-resource-postgresql") },
        built: built.map(({ size: _size, ...b }) => b),
        unavailable,
        env(extra = {}) {
            return {
                ...process.env,
                PATH: [paths.bin, process.env.PATH ?? ""].filter(Boolean).join(path.delimiter),
                PULUMI_HOME: paths.home,
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                // Package names would otherwise be looked up in the Pulumi Registry.
                PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
                ...extra,
            };
        },
        require(...names) {
            const missing = names.filter((n) => !find(n));
            if (missing.length === 0) return;
            const why = missing.map((n) => `  ${n}: ${unavailable.find((u) => u.name === n)?.reason ?? "not built"}`);
            throw new ToolchainError(`the engine toolchain lacks ${missing.join(", ")}:\n${why.join("\n")}`);
        },
    };
}

function isComplete(stamp: Stamp, binDir: string, now: number): boolean {
    if (!fs.existsSync(path.join(binDir, DYNAMIC_PROVIDER))) return false;
    const names: ComponentName[] = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-random", "pulumi-resource-postgresql"];
    return names.every((name) => {
        const c = stamp.components[name];
        if (c?.built) return fs.existsSync(c.built.path) && fs.statSync(c.built.path).size === c.built.size;
        if (c?.unavailable) return now - Date.parse(c.unavailable.checkedAt) < RETRY_UNAVAILABLE_MS;
        return false;
    });
}

function readStamp(file: string, key: string): Stamp | undefined {
    try {
        const s = JSON.parse(fs.readFileSync(file, "utf8")) as Stamp;
        return s.key === key ? s : undefined;
    } catch {
        return undefined;
    }
}

function writeStamp(file: string, stamp: Stamp): void {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(stamp, null, 2) + "\n");
    fs.renameSync(tmp, file);
}

/** Everything that decides the bytes built, hashed; the locked versions also stay readable in the key. */
function recipeKey(v: ToolchainVersions): string {
    const recipe = {
        RECIPE_REVISION,
        go: v.go,
        tags: BUILD_TAGS,
        cli: [PULUMI_PKG, PULUMI_SDK, PULUMI_VERSION_VAR],
        language: [LANGUAGE_NODEJS, LANGUAGE_NODEJS_EMBEDDED],
        PROVIDERS,
    };
    const hash = crypto.createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 12);
    return `pulumi-${v.pulumi}_random-${v.random}_postgresql-${v.postgresql}_${hash}`;
}

// ---------------------------------------------------------------------------------------------
// Go

const MIN_GO = "1.22";

/** `go` from PATH, else the standard install location. */
function findGo(): string {
    const candidates = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean).map((d) => path.join(d, "go")), "/usr/local/go/bin/go"];
    for (const c of candidates) {
        try {
            fs.accessSync(c, fs.constants.X_OK);
            if (fs.statSync(c).isFile()) return c;
        } catch {
            // not this one
        }
    }
    throw new ToolchainError(
        `Go is needed to build the Pulumi engine and was found neither on PATH nor in /usr/local/go/bin: install Go ≥ ${MIN_GO} (the Pulumi modules may declare a newer one) or put its bin directory on PATH`,
    );
}

function goEnv(go: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The go found may not be on PATH; its own directory goes first so `go` subprocesses match.
    env.PATH = [path.dirname(go), env.PATH ?? ""].filter(Boolean).join(path.delimiter);
    env.GOFLAGS = "-mod=mod";
    // A module's go line must not make go download another toolchain: the one here builds or says why.
    env.GOTOOLCHAIN = "local";
    env.CGO_ENABLED = "0";
    env.GONOSUMDB = [env.GONOSUMDB, ...NO_SUMDB].filter(Boolean).join(",");
    // A go.work above the cache must not pull the wrapper modules into someone's workspace.
    env.GOWORK = "off";
    return env;
}

class BuildContext {
    readonly logFile: string;
    private readonly fd: number;
    private readonly heartbeat: NodeJS.Timeout;
    private readonly started = Date.now();

    constructor(
        readonly go: string,
        readonly paths: Layout,
        readonly name: ComponentName,
        log: (line: string) => void,
        label: string,
    ) {
        this.logFile = path.join(paths.logs, `${name}.log`);
        this.fd = fs.openSync(this.logFile, "w");
        this.heartbeat = setInterval(() => log(`${label}: still working (${elapsed(this.started)})`), 60_000);
        this.heartbeat.unref();
    }

    close(): void {
        clearInterval(this.heartbeat);
        fs.closeSync(this.fd);
    }

    /** A fresh wrapper module directory for this component. */
    workDir(): string {
        const dir = path.join(this.paths.work, this.name);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        return dir;
    }

    note(line: string): void {
        fs.writeSync(this.fd, `# ${line}\n`);
    }

    /** Runs go, its output to the log; a failure carries the log's tail. */
    async go_(args: string[], cwd: string, opts: { resolving?: string } = {}): Promise<string> {
        fs.writeSync(this.fd, `$ go ${args.join(" ")}   (in ${cwd})\n`);
        const out = await runLogged(this.go, args, { cwd, env: goEnv(this.go) }, this.fd);
        if (out.code === 0) return out.stdout;
        const text = out.stdout + out.stderr;
        if (opts.resolving && looksUnavailable(text)) {
            throw new UnavailableModule(`${opts.resolving} cannot be built: the Go module proxy does not serve a module it needs: ${firstGoError(text)}`);
        }
        throw new ToolchainError(`go ${args.join(" ")} failed (exit ${out.code}) for ${this.name}; last lines of ${this.logFile}:\n${tailLines(fs.readFileSync(this.logFile, "utf8"), 40)}`);
    }

    /** `go mod download -json`: where the module's files and go.mod are. */
    async download(mod: string, version: string, cwd: string): Promise<{ Dir: string; GoMod: string; Version: string }> {
        const out = await this.go_(["mod", "download", "-json", `${mod}@${version}`], cwd, { resolving: `${mod}@${version}` });
        const info = JSON.parse(out) as { Dir?: string; GoMod?: string; Version?: string; Error?: string };
        if (info.Error || !info.Dir || !info.GoMod) throw new UnavailableModule(`${mod}@${version}: ${info.Error ?? "no files"}`);
        return { Dir: info.Dir, GoMod: info.GoMod, Version: info.Version ?? version };
    }

    /** Builds `pkg` (in the wrapper at `cwd`) to bin/<name>, replacing any previous binary only on success. */
    async build(cwd: string, pkg: string, ldflags: string[]): Promise<string> {
        const out = path.join(this.paths.bin, this.name);
        const partial = `${out}.partial`;
        await this.go_(["build", "-trimpath", "-tags", BUILD_TAGS, "-ldflags", ["-s", "-w", ...ldflags].join(" "), "-o", partial, pkg], cwd);
        fs.renameSync(partial, out);
        return out;
    }
}

function looksUnavailable(text: string): boolean {
    return /\b(403 Forbidden|404 Not Found|410 Gone)\b|not available|unknown revision|invalid version|no matching versions|dial tcp|no such host|connection refused|i\/o timeout/i.test(text);
}

function firstGoError(text: string): string {
    // `-json` commands put the error in the JSON they print.
    const json = /^\{[\s\S]*?^\}/m.exec(text);
    if (json) {
        try {
            const e = (JSON.parse(json[0]) as { Error?: string }).Error;
            if (e) return e.replace(/\s+/g, " ").slice(0, 400);
        } catch {
            // not JSON after all
        }
    }
    // The failing line, with the import chain go prints above it.
    const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !/^go: (downloading|finding|added|upgraded) /.test(l));
    const i = lines.findIndex((l) => looksUnavailable(l));
    if (i < 0) return lines.slice(-2).join(" ").slice(0, 400);
    let from = i;
    while (from > 0 && !lines[from].startsWith("go: ")) from--;
    return lines.slice(from, i + 2).join(" ").replace(/\s+/g, " ").slice(0, 600);
}

/** A wrapper main module: init, requirements, replaces. */
async function wrapperModule(ctx: BuildContext, dir: string, requires: [string, string][], replaces: string[] = []): Promise<void> {
    await ctx.go_(["mod", "init", `enginewrapper/${ctx.name}`], dir);
    const edits = [...requires.map(([m, v]) => `-require=${m}@${v}`), ...replaces.map((r) => `-replace=${r}`)];
    if (edits.length) await ctx.go_(["mod", "edit", ...edits], dir);
}

interface GoModFile {
    Module: { Path: string };
    Go?: string;
    Require?: { Path: string; Version: string; Indirect?: boolean }[];
    Replace?: { Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }[];
}

async function readGoMod(ctx: BuildContext, goModFile: string, cwd: string): Promise<GoModFile> {
    return JSON.parse(await ctx.go_(["mod", "edit", "-json", goModFile], cwd)) as GoModFile;
}

const isLocalPath = (p: string) => p.startsWith("./") || p.startsWith("../") || path.isAbsolute(p);

/** A dependency's non-local replaces as `go mod edit -replace` arguments (local ones need a recipe of their own). */
function copiedReplaces(mod: GoModFile): string[] {
    return (mod.Replace ?? [])
        .filter((r) => !isLocalPath(r.New.Path))
        .map((r) => `${r.Old.Path}${r.Old.Version ? `@${r.Old.Version}` : ""}=${r.New.Path}${r.New.Version ? `@${r.New.Version}` : ""}`);
}

// ---------------------------------------------------------------------------------------------
// Components

async function buildCli(ctx: BuildContext, version: string): Promise<BuiltComponent> {
    const v = `v${version}`;
    const dir = ctx.workDir();
    // pkg's go.mod replaces sdk with ../sdk, which `go install pkg@v` refuses; a wrapper that
    // requires both at the release builds the same packages (replaces of dependencies are ignored).
    await wrapperModule(ctx, dir, [
        [PULUMI_PKG, v],
        [PULUMI_SDK, v],
    ]);
    const pkg = `${PULUMI_PKG}/cmd/pulumi`;
    await checkGoDirective(ctx, dir, PULUMI_PKG, v);
    await ctx.go_(["get", `${pkg}@${v}`, `${PULUMI_SDK}@${v}`], dir, { resolving: `${PULUMI_PKG}@${v}` });
    const out = await ctx.build(dir, pkg, [`-X ${PULUMI_VERSION_VAR}=${v}`]);
    return { name: "pulumi", path: out, module: PULUMI_PKG, moduleVersion: v, release: v };
}

/** Says which Go a module needs when the local one is older, rather than a compiler error later. */
async function checkGoDirective(ctx: BuildContext, cwd: string, mod: string, version: string): Promise<void> {
    const info = await ctx.download(mod, version, cwd);
    const need = (await readGoMod(ctx, info.GoMod, cwd)).Go;
    const have = (await runCapture(ctx.go, ["env", "GOVERSION"], { cwd, env: goEnv(ctx.go) })).trim().replace(/^go/, "");
    if (need && compareVersions(have, need) < 0) {
        throw new ToolchainError(`${mod}@${version} needs Go ≥ ${need} and this is go ${have}: install a newer Go or put it first on PATH`);
    }
}

async function buildLanguageHost(ctx: BuildContext, version: string): Promise<BuiltComponent> {
    const v = `v${version}`;
    const dir = ctx.workDir();
    await wrapperModule(ctx, dir, []);
    // The host has no tags of its own: the release is the commit the CLI's pkg tag points at.
    const origin = JSON.parse(await ctx.go_(["list", "-m", "-json", `${PULUMI_PKG}@${v}`], dir, { resolving: `${PULUMI_PKG}@${v}` })) as {
        Time?: string;
        Origin?: { Hash?: string };
    };
    if (!origin.Origin?.Hash || !origin.Time) throw new UnavailableModule(`the proxy gives no commit for ${PULUMI_PKG}@${v}`);
    const pseudo = pseudoVersion(3, origin.Time, origin.Origin.Hash);
    ctx.note(`${LANGUAGE_NODEJS} at ${v}'s commit is ${pseudo}`);
    try {
        const info = await ctx.download(LANGUAGE_NODEJS, pseudo, dir);
        const own = await readGoMod(ctx, info.GoMod, dir);
        // Its local replaces point at the sdk and pkg of the same commit: the release modules.
        const local = (own.Replace ?? []).filter((r) => isLocalPath(r.New.Path)).map((r) => r.Old.Path);
        const requires: [string, string][] = [[LANGUAGE_NODEJS, pseudo], ...local.filter((p) => p === PULUMI_SDK || p === PULUMI_PKG).map((p): [string, string] => [p, v])];
        const unknown = local.filter((p) => p !== PULUMI_SDK && p !== PULUMI_PKG);
        if (unknown.length) throw new ToolchainError(`${LANGUAGE_NODEJS}@${pseudo} replaces ${unknown.join(", ")} locally; the recipe does not know what to use instead`);
        fs.rmSync(path.join(dir, "go.mod"));
        await wrapperModule(ctx, dir, requires, copiedReplaces(own));
        await ctx.go_(["get", `${LANGUAGE_NODEJS}@${pseudo}`, ...requires.slice(1).map(([m, ver]) => `${m}@${ver}`)], dir, { resolving: `${LANGUAGE_NODEJS}@${pseudo}` });
        const out = await ctx.build(dir, LANGUAGE_NODEJS, [`-X ${PULUMI_VERSION_VAR}=${v}`]);
        return { name: "pulumi-language-nodejs", path: out, module: LANGUAGE_NODEJS, moduleVersion: pseudo, release: v };
    } catch (err) {
        if (!(err instanceof UnavailableModule)) throw err;
        const fallback = LANGUAGE_NODEJS_EMBEDDED;
        ctx.note(`falling back to ${fallback.pkg} from ${fallback.module}@${fallback.version}: ${err.message}`);
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        await wrapperModule(ctx, dir, [[fallback.module, fallback.version]]);
        await ctx.go_(["get", `${fallback.pkg}@${fallback.version}`], dir, { resolving: `${fallback.module}@${fallback.version}` });
        const out = await ctx.build(dir, fallback.pkg, [`-X ${PULUMI_VERSION_VAR}=${fallback.version}`]);
        return {
            name: "pulumi-language-nodejs",
            path: out,
            module: fallback.module,
            moduleVersion: fallback.version,
            release: fallback.version,
            substitute: `the language host of ${fallback.module}@${fallback.version} instead of ${v}'s, because ${err.message}`,
        };
    }
}

async function buildProvider(ctx: BuildContext, name: ProviderName, version: string): Promise<BuiltComponent> {
    const spec = PROVIDERS[name];
    const { release, pseudo } = pickRelease(name, version);
    const substitute = release === version ? undefined : `pulumi-${name} ${release} instead of ${version}: no commit of ${version} is known to the recipe`;
    const dir = ctx.workDir();
    await wrapperModule(ctx, dir, []);
    const info = await ctx.download(spec.module, pseudo, dir);
    const own = await readGoMod(ctx, info.GoMod, dir);
    const requires: [string, string][] = [[spec.module, pseudo]];
    const replaces = copiedReplaces(own);

    for (const r of (own.Replace ?? []).filter((r) => isLocalPath(r.New.Path))) {
        if (spec.shim && r.Old.Path === spec.shim.module) {
            // The shim's own go.mod is not in the zip: it needs the upstream at the provider's version.
            const upstream = (own.Require ?? []).find((q) => q.Path === spec.shim!.upstream);
            if (!upstream) throw new ToolchainError(`${spec.module}@${pseudo} does not require ${spec.shim.upstream}; the shim recipe is out of date`);
            const shimDir = path.join(dir, "shim");
            fs.mkdirSync(shimDir);
            fs.writeFileSync(path.join(shimDir, "go.mod"), `module ${spec.shim.module}\n\ngo ${own.Go ?? MIN_GO}\n\nrequire ${upstream.Path} ${upstream.Version}\n`);
            fs.writeFileSync(path.join(shimDir, "shim.go"), spec.shim.source);
            requires.push([spec.shim.module, "v0.0.0"]);
            replaces.push(`${spec.shim.module}=./shim`);
        } else if (spec.upstream && r.Old.Path === spec.upstream.module) {
            const upVersion = spec.upstream.versions[release];
            if (!upVersion) throw new ToolchainError(`no upstream version is recorded for pulumi-${name} ${release}`);
            const up = await ctx.download(spec.upstream.module, upVersion, dir);
            const upDir = path.join(dir, "upstream");
            copyTree(up.Dir, upDir);
            renameModule(upDir, spec.upstream.oldModule, spec.upstream.module);
            requires.push([spec.upstream.module, "v0.0.0"]);
            replaces.push(`${spec.upstream.module}=./upstream`);
            ctx.note(`upstream ${spec.upstream.module}@${upVersion}, module line renamed from ${spec.upstream.oldModule}`);
        } else {
            throw new ToolchainError(`${spec.module}@${pseudo} replaces ${r.Old.Path} with ${r.New.Path}; the recipe does not know what stands in for it`);
        }
    }

    fs.rmSync(path.join(dir, "go.mod"));
    await wrapperModule(ctx, dir, requires, replaces);
    // main.go embeds schema-embed.json, which the release build generates from schema.json and the
    // module zip leaves out; the wrapper's main package is a copy that has it.
    const cmdDir = path.join(info.Dir, "cmd", spec.binary);
    const main = fs.readFileSync(path.join(cmdDir, "main.go"), "utf8");
    fs.writeFileSync(path.join(dir, "main.go"), main);
    for (const file of embeddedFiles(main)) {
        if (file === "schema-embed.json") {
            const schema = JSON.parse(fs.readFileSync(path.join(cmdDir, "schema.json"), "utf8"));
            schema.version = release;
            fs.writeFileSync(path.join(dir, file), JSON.stringify(schema));
        } else {
            fs.copyFileSync(path.join(cmdDir, file), path.join(dir, file));
        }
    }
    await ctx.go_(["get", `${spec.module}@${pseudo}`], dir, { resolving: `${spec.module}@${pseudo}` });
    // Without the version the bridge cannot tell the provider's major version and panics.
    const out = await ctx.build(dir, ".", [`-X ${spec.module}/pkg/version.Version=${release}`]);
    return { name: spec.binary, path: out, module: spec.module, moduleVersion: pseudo, release, substitute };
}

/** The locked release if its commit is known, else the nearest earlier known release of the same major. */
function pickRelease(name: ProviderName, version: string): { release: string; pseudo: string } {
    const releases = PROVIDERS[name].releases;
    if (releases[version]) return { release: version, pseudo: releases[version] };
    const major = version.split(".")[0];
    const earlier = Object.keys(releases)
        .filter((r) => r.split(".")[0] === major && compareVersions(r, version) < 0)
        .sort(compareVersions)
        .pop();
    if (!earlier) throw new UnavailableModule(`no commit of pulumi-${name} ${version} or an earlier ${major}.x release is recorded`);
    return { release: earlier, pseudo: releases[earlier] };
}

/** Files named by //go:embed lines. */
function embeddedFiles(source: string): string[] {
    return [...source.matchAll(/^\/\/go:embed\s+(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/));
}

function renameModule(dir: string, from: string, to: string): void {
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name === "go.mod" || e.name.endsWith(".go")) {
                const text = fs.readFileSync(p, "utf8");
                const next = text.split(`"${from}/`).join(`"${to}/`).replace(new RegExp(`^module ${escapeRegExp(from)}$`, "m"), `module ${to}`);
                if (next !== text) fs.writeFileSync(p, next);
            }
        }
    };
    walk(dir);
}

/** Copies a module out of the read-only module cache into a writable tree. */
function copyTree(from: string, to: string): void {
    fs.cpSync(from, to, { recursive: true });
    const chmod = (d: string) => {
        fs.chmodSync(d, 0o755);
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) chmod(p);
            else fs.chmodSync(p, 0o644);
        }
    };
    chmod(to);
}

// ---------------------------------------------------------------------------------------------
// The dynamic-provider plugin

const DYNAMIC_PROVIDER = "pulumi-resource-pulumi-nodejs";

// The script resolves @pulumi/pulumi/cmd/dynamic-provider with `node -e` from its working
// directory, which the engine sets to the project's: a copy here runs the project's own SDK.
function installDynamicProvider(binDir: string): void {
    const sdkDir = path.dirname(require.resolve(`${NPM_PACKAGES.pulumi}/package.json`, { paths: [PROJECT_ROOT] }));
    const source = path.join(sdkDir, DYNAMIC_PROVIDER);
    if (!fs.existsSync(source)) throw new ToolchainError(`${source} is missing: is ${NPM_PACKAGES.pulumi} installed?`);
    const target = path.join(binDir, DYNAMIC_PROVIDER);
    const tmp = `${target}.${process.pid}.tmp`;
    fs.copyFileSync(source, tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, target);
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** vX.0.0-yyyymmddhhmmss-hash12: what go calls a commit of a module with no tags. */
function pseudoVersion(major: number, time: string, hash: string): string {
    const t = new Date(time).toISOString().replace(/[-:T]/g, "").slice(0, 14);
    return `v${major}.0.0-${t}-${hash.slice(0, 12)}`;
}

function compareVersions(a: string, b: string): number {
    const pa = a.replace(/^v/, "").split(/[.-]/).map((x) => parseInt(x, 10) || 0);
    const pb = b.replace(/^v/, "").split(/[.-]/).map((x) => parseInt(x, 10) || 0);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}

function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function elapsed(since: number): string {
    const s = Math.round((Date.now() - since) / 1000);
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

function tailLines(text: string, n: number): string {
    return text.trimEnd().split("\n").slice(-n).join("\n");
}

function runLogged(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }, fd: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => {
            stdout += c.toString("utf8");
            fs.writeSync(fd, c);
        });
        child.stderr.on("data", (c: Buffer) => {
            stderr += c.toString("utf8");
            fs.writeSync(fd, c);
        });
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
}

async function runCapture(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
    if (out.code !== 0) throw new ToolchainError(`${cmd} ${args.join(" ")} failed (exit ${out.code}): ${out.stderr.trim()}`);
    return out.stdout;
}

/** A directory lock across processes (tests, provision and setup may race on a cold cache). */
async function acquireLock(dir: string, log: (line: string) => void): Promise<() => void> {
    const owner = path.join(dir, "pid");
    let announced = false;
    for (;;) {
        try {
            fs.mkdirSync(dir);
            fs.writeFileSync(owner, String(process.pid));
            return () => fs.rmSync(dir, { recursive: true, force: true });
        } catch (err: any) {
            if (err?.code !== "EEXIST") throw err;
        }
        const pid = Number(fs.existsSync(owner) ? fs.readFileSync(owner, "utf8") : NaN);
        if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
            fs.rmSync(dir, { recursive: true, force: true });
            continue;
        }
        if (!Number.isInteger(pid)) {
            // Just created by another process that has not written its pid yet, or left empty by one
            // that died at that moment: give it a little while before treating it as stale.
            const since = fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
            if (Date.now() - since > 30_000) fs.rmSync(dir, { recursive: true, force: true });
        }
        if (!announced) log(`waiting for another build of the engine toolchain (pid ${Number.isInteger(pid) ? pid : "?"})`);
        announced = true;
        await new Promise((r) => setTimeout(r, 2000));
    }
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err: any) {
        return err?.code === "EPERM";
    }
}
