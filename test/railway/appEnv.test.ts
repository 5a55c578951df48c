// npm run app-env and its library (engine/appEnv.ts): dotenv quoting read back by Node's own
// parser and by a POSIX shell, the outputs it needs, and the command against a stand-in `pulumi`
// that prints what `pulumi stack output --json --show-secrets` prints. The same command against a
// stack the real engine created is in test/engine/appEnv.test.ts.
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseEnv } from "util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppEnvError, applicationEnvironment, dotenvValue, encodeDotenv, writePrivateFile } from "../../engine/appEnv";
import { PROJECT_ROOT } from "../../lib/root";

const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
const KEY_JSON = '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n"}';
const OUTPUTS = {
    POSTGRES_URL: "postgresql://synter_user:Zq8xY2p4Lk9mN3rT6vB1cD5fG7hJ0sWe@127.0.0.1:5432/synter?sslmode=require",
    BIGQUERY_PROJECT_ID: "synter-dev",
    BIGQUERY_DATASET: "synter_analytics",
    GOOGLE_APPLICATION_CREDENTIALS: Buffer.from(KEY_JSON).toString("base64"),
    REDIS_URL: "rediss://default:p@$$w0rd'#x@cache:6379/0",
    serviceAccountEmail: "synter-analytics@synter-dev.iam.gserviceaccount.com",
    migrationPhase: "parallel",
};
const APP_NAMES = ["POSTGRES_URL", "BIGQUERY_PROJECT_ID", "BIGQUERY_DATASET", "GOOGLE_APPLICATION_CREDENTIALS", "REDIS_URL"];

const TRICKY: Record<string, string> = {
    NEWLINES: "line one\nline two\n\nline four",
    SINGLE_QUOTE: "it's",
    DOUBLE_QUOTE: 'say "hi"',
    BOTH_QUOTES: `it's "quoted"`,
    QUOTES_AND_NEWLINE: `it's "quoted"\nacross lines`,
    DOLLAR: "$HOME ${USER} $(id) $$",
    BACKSLASHES: "C:\\path\\to\\n\\t \\\\ end\\",
    QUOTE_AND_BACKSLASH_N: "it's \\n not a newline",
    HASH: "a #not a comment",
    SPACES: "  padded  ",
    EQUALS: "a=b==",
    UNICODE: "é€😀",
    EMPTY: "",
    PEM: "-----BEGIN PRIVATE KEY-----\nMIIE+/=\n-----END PRIVATE KEY-----\n",
};

describe("dotenv quoting", () => {
    it("reads back every value exactly with Node's parser (node --env-file, process.loadEnvFile, util.parseEnv)", () => {
        const text = encodeDotenv("dev", TRICKY);
        expect(parseEnv(text)).toEqual(TRICKY);
        expect(text.split("\n")[0]).toBe("# The application's environment from Pulumi stack dev (npm run app-env). It holds secrets: never commit it.");
    });

    it("single-quotes every value without a single quote, so a POSIX shell reads it the same", () => {
        const plain = Object.fromEntries(Object.entries(TRICKY).filter(([, v]) => !v.includes("'")));
        for (const [k, v] of Object.entries(plain)) expect(dotenvValue(k, v)).toBe(`'${v}'`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-dotenv-"));
        try {
            const file = path.join(dir, ".env");
            fs.writeFileSync(file, encodeDotenv("dev", plain));
            const names = Object.keys(plain);
            // NUL-separated so trailing newlines and empty values survive the trip.
            const r = spawnSync("sh", ["-c", `set -a; . "$1"; for n in ${names.join(" ")}; do eval "printf '%s\\0' \\"\\$$n\\""; done`, "sh", file], { encoding: "utf8", env: { PATH: process.env.PATH } });
            expect(r.status, r.stderr).toBe(0);
            expect(r.stdout.split("\0").slice(0, -1)).toEqual(names.map((n) => plain[n]));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("double-quotes a value with a single quote, and backquotes one that also has a double quote or a literal \\n", () => {
        expect(dotenvValue("A", "it's")).toBe(`"it's"`);
        expect(dotenvValue("A", `it's "x"`)).toBe("`it's \"x\"`");
        expect(dotenvValue("A", "it's \\n")).toBe("`it's \\n`");
    });

    it("refuses, naming the variable and not the value, what no dotenv reader can carry", () => {
        expect(() => dotenvValue("REDIS_URL", "a'b\"c`d-s3cret")).toThrow(new AppEnvError("REDIS_URL cannot be written as dotenv: it contains single, double and back quotes; use --format json"));
        expect(() => dotenvValue("POSTGRES_URL", "a\r\nb-s3cret")).toThrow(new AppEnvError("POSTGRES_URL cannot be written as dotenv: it contains a carriage return or NUL, which dotenv readers drop"));
        expect(() => encodeDotenv("dev", { "BAD-NAME": "x" })).toThrow("BAD-NAME is not a variable name dotenv readers accept");
    });
});

describe("the application's variables from the stack's outputs", () => {
    it("takes the five by name and nothing else", () => {
        expect(applicationEnvironment("dev", OUTPUTS)).toEqual({ variables: Object.fromEntries(APP_NAMES.map((n) => [n, (OUTPUTS as any)[n]])), omitted: [] });
    });

    it("leaves out the key when the stack creates none, and says why", () => {
        const env = applicationEnvironment("dev", { ...OUTPUTS, GOOGLE_APPLICATION_CREDENTIALS: "" });
        expect(Object.keys(env.variables)).toEqual(APP_NAMES.filter((n) => n !== "GOOGLE_APPLICATION_CREDENTIALS"));
        expect(env.omitted).toEqual([{ name: "GOOGLE_APPLICATION_CREDENTIALS", why: "the stack creates no service-account key (createServiceAccountKey is false)" }]);
    });

    it("names every missing output", () => {
        const { REDIS_URL: _r, POSTGRES_URL: _p, ...rest } = OUTPUTS;
        expect(() => applicationEnvironment("dev", rest)).toThrow("stack dev has no outputs POSTGRES_URL, REDIS_URL: run `pulumi up` on it with this program first");
        expect(() => applicationEnvironment("prod", { ...OUTPUTS, BIGQUERY_DATASET: "" })).toThrow("stack prod has no output BIGQUERY_DATASET: run `pulumi up` on it with this program first");
        expect(() => applicationEnvironment("prod", { ...OUTPUTS, BIGQUERY_DATASET: 7 })).toThrow("stack prod: output BIGQUERY_DATASET is a number, not a string");
    });
});

describe("npm run app-env against a stand-in pulumi", () => {
    let dir: string;
    let bin: string;
    let log: string;
    let outputsFile: string;

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-app-env-"));
        bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        log = path.join(dir, "pulumi.log");
        outputsFile = path.join(dir, "outputs.json");
        // Records where it ran and its arguments; prints the outputs, or fails as told.
        fs.writeFileSync(
            path.join(bin, "pulumi"),
            ['#!/bin/sh', 'printf "%s\\n" "$PWD" "$@" > "$FAKE_PULUMI_LOG"', 'if [ -n "$FAKE_PULUMI_FAIL" ]; then echo "$FAKE_PULUMI_FAIL" >&2; exit 255; fi', 'cat "$FAKE_PULUMI_OUTPUTS"', ""].join("\n"),
            { mode: 0o755 },
        );
    });
    afterAll(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
        fs.rmSync(log, { force: true });
        fs.writeFileSync(outputsFile, JSON.stringify(OUTPUTS));
    });

    const env = (extra: Record<string, string> = {}) => ({
        ...process.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
        FAKE_PULUMI_LOG: log,
        FAKE_PULUMI_OUTPUTS: outputsFile,
        INIT_CWD: dir,
        ...extra,
    });
    const appEnv = (args: string[], extra: Record<string, string> = {}): SpawnSyncReturns<string> =>
        spawnSync(tsx, ["cli/app-env.ts", ...args], { cwd: PROJECT_ROOT, env: env(extra), encoding: "utf8" });
    const secretsIn = (text: string) => APP_NAMES.filter((n) => n !== "BIGQUERY_PROJECT_ID" && n !== "BIGQUERY_DATASET").filter((n) => text.includes((OUTPUTS as any)[n]));

    it("runs `pulumi stack output --json --show-secrets` for the stack in the project directory and writes a 0600 dotenv", () => {
        const target = path.join(dir, "dev.env");
        fs.writeFileSync(target, "OLD=1\n", { mode: 0o644 });
        const r = appEnv(["--stack", "dev", "--output", "dev.env"]);
        expect(r.status, r.stderr).toBe(0);
        expect(fs.readFileSync(log, "utf8").trim().split("\n")).toEqual([PROJECT_ROOT, "stack", "output", "--json", "--show-secrets", "--non-interactive", "--stack", "dev"]);
        expect(fs.statSync(target).mode & 0o777).toBe(0o600);
        expect(parseEnv(fs.readFileSync(target, "utf8"))).toEqual(Object.fromEntries(APP_NAMES.map((n) => [n, (OUTPUTS as any)[n]])));
        expect(r.stderr).toContain(`app-env: wrote POSTGRES_URL, BIGQUERY_PROJECT_ID, BIGQUERY_DATASET, GOOGLE_APPLICATION_CREDENTIALS, REDIS_URL of stack dev to ${target} (mode 0600)`);
        expect(r.stdout).toBe("");
        expect(secretsIn(r.stderr)).toEqual([]);
        expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    });

    it("creates a new file 0600 whatever the umask, and json with --format json", () => {
        const r = spawnSync("sh", ["-c", `umask 000; exec "${tsx}" cli/app-env.ts --stack dev --format json --output fresh.json`], { cwd: PROJECT_ROOT, env: env(), encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
        const file = path.join(dir, "fresh.json");
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(Object.fromEntries(APP_NAMES.map((n) => [n, (OUTPUTS as any)[n]])));
    });

    it("prints to standard output when it is not a terminal", () => {
        const r = appEnv(["--stack", "dev"]);
        expect(r.status, r.stderr).toBe(0);
        expect(parseEnv(r.stdout)).toMatchObject({ REDIS_URL: OUTPUTS.REDIS_URL, BIGQUERY_DATASET: "synter_analytics" });
    });

    it("refuses to print secrets to a terminal without --show-secrets, before reading the stack", () => {
        const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
        const cmd = (args: string[]) => [tsx, "cli/app-env.ts", ...args].map(quote).join(" ");
        // `script` gives the command a pseudo-terminal as its standard output.
        const refused = spawnSync("script", ["-qec", cmd(["--stack", "dev"]), "/dev/null"], { cwd: PROJECT_ROOT, env: env(), encoding: "utf8" });
        expect(refused.status).toBe(2);
        expect(refused.stdout).toContain("app-env: refusing to print the application's secrets to a terminal; write them to a file with --output .env, or pass --show-secrets");
        expect(fs.existsSync(log)).toBe(false);
        expect(secretsIn(refused.stdout)).toEqual([]);
        const shown = spawnSync("script", ["-qec", cmd(["--stack", "dev", "--show-secrets"]), "/dev/null"], { cwd: PROJECT_ROOT, env: env(), encoding: "utf8" });
        expect(shown.status, shown.stdout).toBe(0);
        expect(shown.stdout).toContain(OUTPUTS.POSTGRES_URL);
        const toFile = spawnSync("script", ["-qec", cmd(["--stack", "dev", "--output", "tty.env"]), "/dev/null"], { cwd: PROJECT_ROOT, env: env(), encoding: "utf8" });
        expect(toFile.status, toFile.stdout).toBe(0);
        expect(secretsIn(toFile.stdout)).toEqual([]);
        expect(fs.statSync(path.join(dir, "tty.env")).mode & 0o777).toBe(0o600);
    });

    it("names a missing output, exits 1 and writes nothing", () => {
        const { REDIS_URL: _r, ...rest } = OUTPUTS;
        fs.writeFileSync(outputsFile, JSON.stringify(rest));
        const r = appEnv(["--stack", "dev", "--output", "missing.env"]);
        expect(r.status).toBe(1);
        expect(r.stderr.trim()).toBe("app-env: stack dev has no output REDIS_URL: run `pulumi up` on it with this program first");
        expect(fs.existsSync(path.join(dir, "missing.env"))).toBe(false);
    });

    it("says which key it left out and why", () => {
        fs.writeFileSync(outputsFile, JSON.stringify({ ...OUTPUTS, GOOGLE_APPLICATION_CREDENTIALS: "" }));
        const r = appEnv(["--stack", "dev", "--output", "nokey.env"]);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toContain("app-env: GOOGLE_APPLICATION_CREDENTIALS left out: the stack creates no service-account key (createServiceAccountKey is false)");
        expect(Object.keys(parseEnv(fs.readFileSync(path.join(dir, "nokey.env"), "utf8")))).not.toContain("GOOGLE_APPLICATION_CREDENTIALS");
    });

    it("passes pulumi's own error on, runs in --cwd, and exits 1", () => {
        fs.mkdirSync(path.join(dir, "elsewhere"), { recursive: true });
        expect(appEnv(["--stack", "dev", "--cwd", "nowhere"]).stderr.trim()).toBe(`app-env: the project directory ${path.join(dir, "nowhere")} does not exist`);
        const r = appEnv(["--stack", "staging", "--cwd", "elsewhere"], { FAKE_PULUMI_FAIL: "error: no stack named 'staging' found" });
        expect(r.status).toBe(1);
        expect(r.stderr).toBe(`app-env: pulumi stack output --stack staging (in ${path.join(dir, "elsewhere")}) exited 255:\nerror: no stack named 'staging' found\n`);
    });

    it("explains usage mistakes with exit 2", () => {
        expect(appEnv([]).stderr.trim()).toBe("app-env: --stack is required (e.g. --stack dev)");
        const fmt = appEnv(["--stack", "dev", "--format", "yaml"]);
        expect(fmt.status).toBe(2);
        expect(fmt.stderr.trim()).toBe("app-env: --format yaml is not one of dotenv, json");
        expect(fs.existsSync(log)).toBe(false);
    });

    it("is npm run app-env, taking a relative --output from where npm was run", () => {
        const work = path.join(dir, "app");
        fs.mkdirSync(work, { recursive: true });
        const { INIT_CWD: _i, ...outer } = env();
        const r = spawnSync("npm", ["--prefix", PROJECT_ROOT, "run", "-s", "app-env", "--", "--stack", "dev", "--output", ".env"], { cwd: work, env: outer, encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
        expect(fs.statSync(path.join(work, ".env")).mode & 0o777).toBe(0o600);
        expect(parseEnv(fs.readFileSync(path.join(work, ".env"), "utf8")).BIGQUERY_PROJECT_ID).toBe("synter-dev");
    });
});

describe("writePrivateFile", () => {
    it("replaces a file readable by others with one readable only by its owner", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "synter-private-"));
        try {
            const file = path.join(dir, ".env");
            fs.writeFileSync(file, "old", { mode: 0o666 });
            fs.chmodSync(file, 0o666);
            writePrivateFile(file, "new");
            expect(fs.statSync(file).mode & 0o777).toBe(0o600);
            expect(fs.readFileSync(file, "utf8")).toBe("new");
            expect(fs.readdirSync(dir)).toEqual([".env"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
