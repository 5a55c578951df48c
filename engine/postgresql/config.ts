// The provider's configuration (pulumi:providers:postgresql) and what it means for a connection.
// Keys, defaults and environment fallbacks are terraform-provider-postgresql's provider schema
// (postgresql/provider.go L31-202 at ff936b9548c1) with pulumi-postgresql's overrides
// (sslmode from PGSSLMODE, connect_timeout 180); TLS is what sslmode means to lib/pq v1.12.3,
// the driver upstream connects with (ssl.go), which follows libpq's documented sslmode.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ConnectionOptions } from "tls";
import type { ConfigFailure as Failure } from "../standIn";
import { isUnknown, Props, stableJson, unwrap } from "../values";

/** Keys the stand-in has nothing behind: a cloud's IAM login, client certificates. Set, they are refused. */
export const REFUSED_KEYS = [
    "awsRdsIamAuth",
    "awsRdsIamProfile",
    "awsRdsIamProviderRoleArn",
    "awsRdsIamRegion",
    "azureIdentityAuth",
    "azureTenantId",
    "clientcert",
    "gcpIamImpersonateServiceAccount",
] as const;

/** The SDK's ProviderArgs, by Pulumi name: the refused keys and the ones the stand-in follows. */
export const PROVIDER_KEYS = [
    ...REFUSED_KEYS,
    "connectTimeout",
    "database",
    "databaseUsername",
    "expectedVersion",
    "host",
    "maxConnections",
    "password",
    "port",
    "scheme",
    "sslMode",
    "sslmode",
    "sslrootcert",
    "superuser",
    "username",
] as const;

/** Keys the engine adds to every provider's inputs. */
const ENGINE_KEYS = ["version", "pluginDownloadURL"];

/** lib/pq's sslmode values (connector.go L49-72). */
export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Upstream's default expected_version: "fingerprint the server" (provider.go L25, config.go L318-327). */
const DEFAULT_EXPECTED_VERSION = "9.0.0";

export interface PgConfig {
    readonly host: string;
    readonly port: number;
    readonly username: string;
    readonly password?: string;
    /** The database the provider connects to for everything but grants. */
    readonly database: string;
    /** The connected user's name inside the server, when user name maps make it differ. */
    readonly databaseUsername?: string;
    /** Whether the admin is a superuser: only then is a role's password read back from pg_shadow. */
    readonly superuser: boolean;
    /** "" when not set: lib/pq then defaults to require. */
    readonly sslmode: string;
    readonly sslrootcert?: string;
    /** Seconds; 0 waits indefinitely. */
    readonly connectTimeout: number;
    readonly maxConnections: number;
    /** [major, minor] from expected_version, when it is not the default (which means: ask the server). */
    readonly expectedVersion?: readonly [number, number];
}

/** A value the SDK or the stack config gives as a JSON string ("5432", "false") or as itself. */
function parsed(v: unknown): unknown {
    if (typeof v !== "string") return v;
    const t = v.trim();
    if (t === "true" || t === "false") return t === "true";
    if (/^-?\d+$/.test(t)) return Number(t);
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(t);
        } catch {
            return v;
        }
    }
    return v;
}

const isSet = (v: unknown): boolean => {
    const p = parsed(v);
    return !(p === undefined || p === null || p === "" || p === false || (typeof p === "object" && Object.keys(p as object).length === 0));
};

function intProblem(key: string, v: unknown, atLeast: number): string | undefined {
    const p = parsed(v);
    if (typeof p !== "number" || !Number.isInteger(p)) return `${key} must be an integer, got ${JSON.stringify(v)}`;
    if (p < atLeast) return `expected ${key} to be at least (${atLeast}), got ${p}`;
    return undefined;
}

/** expected_version as semver.ParseTolerant takes it: "15", "15.4", "v15.4.1". */
export function parseVersion(v: string): [number, number, number] | undefined {
    const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
    return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

/** CheckConfig: the keys the SDK has, with values upstream's validators accept; nothing is filled in. */
export function checkConfig(news: Props): { inputs: Props; failures: Failure[] } {
    const { props } = unwrap(news);
    const failures: Failure[] = [];
    for (const [k, v] of Object.entries(props)) {
        if (k.startsWith("__") || ENGINE_KEYS.includes(k) || v === undefined || v === null || isUnknown(v)) continue;
        if (!(PROVIDER_KEYS as readonly string[]).includes(k)) {
            failures.push({ property: k, reason: `${k} is not a configuration key of the postgresql provider` });
        } else if ((REFUSED_KEYS as readonly string[]).includes(k)) {
            if (isSet(v)) failures.push({ property: k, reason: `${k} is not implemented by the local postgresql stand-in: it connects with a user name and password only` });
        } else if (k === "scheme" && v !== "postgres") {
            failures.push({ property: k, reason: `scheme ${JSON.stringify(v)} is not implemented by the local postgresql stand-in: it connects with the "postgres" scheme only` });
        } else if ((k === "sslmode" || k === "sslMode") && v !== "" && !(SSL_MODES as readonly string[]).includes(String(v))) {
            failures.push({ property: k, reason: `sslmode ${JSON.stringify(v)} is not supported; supported values are ${SSL_MODES.join(", ")}` });
        } else if (k === "port") {
            const problem = intProblem(k, v, 1);
            if (problem) failures.push({ property: k, reason: problem });
        } else if (k === "connectTimeout" || k === "maxConnections") {
            const problem = intProblem(k, v, -1);
            if (problem) failures.push({ property: k, reason: problem });
        } else if (k === "superuser" && typeof parsed(v) !== "boolean") {
            failures.push({ property: k, reason: `superuser must be a boolean, got ${JSON.stringify(v)}` });
        } else if (k === "expectedVersion" && !parseVersion(String(v))) {
            failures.push({ property: k, reason: `invalid version (${JSON.stringify(v)})` });
        }
    }
    return { inputs: news, failures };
}

/** DiffConfig: a changed setting is an update of the provider, never a replacement of its resources. */
export function diffConfig(olds: Props, news: Props): { changes: boolean } {
    const a = unwrap(olds).props;
    const b = unwrap(news).props;
    return { changes: PROVIDER_KEYS.some((k) => stableJson(parsed(a[k]) ?? null) !== stableJson(parsed(b[k]) ?? null)) };
}

/**
 * The configuration from the checked provider inputs, else the `postgresql:config:*` variables,
 * else upstream's environment defaults (PGHOST, PGPORT 5432, PGDATABASE postgres, PGUSER
 * postgres, PGPASSWORD, PGSUPERUSER true, PGSSLMODE, PGCONNECT_TIMEOUT 180).
 */
export function resolveConfig(args: Props | undefined, variables: Record<string, string>, env: NodeJS.ProcessEnv = process.env): PgConfig {
    const a = unwrap(args ?? {}).props;
    const given: Props = {};
    for (const k of PROVIDER_KEYS) {
        const v = a[k] ?? variables[`postgresql:config:${k}`] ?? variables[`postgresql:${k}`];
        if (v !== undefined && v !== null && v !== "") given[k] = v;
    }
    const raw = (k: string): unknown => (given[k] === undefined ? undefined : parsed(given[k]));
    const str = (k: string, envName?: string, dflt?: string): string | undefined => {
        const v = raw(k);
        if (v !== undefined) return String(v);
        const e = envName ? env[envName] : undefined;
        return e !== undefined && e !== "" ? e : dflt;
    };
    const int = (k: string, envName: string | undefined, dflt: number): number => {
        const v = str(k, envName);
        const n = v === undefined ? dflt : Number(v);
        if (!Number.isInteger(n)) throw new Error(`postgresql:${k} must be an integer, got ${JSON.stringify(v)}`);
        return n;
    };
    const problems = checkConfig(given).failures;
    if (problems.length > 0) throw new Error(problems.map((f) => f.reason).join("; "));
    const superuser = str("superuser", "PGSUPERUSER", "true")!;
    const expected = str("expectedVersion", undefined, DEFAULT_EXPECTED_VERSION)!;
    const version = parseVersion(expected);
    return {
        host: str("host", "PGHOST", "localhost")!,
        port: int("port", "PGPORT", 5432),
        username: str("username", "PGUSER", "postgres")!,
        password: str("password", "PGPASSWORD"),
        database: str("database", "PGDATABASE", "postgres")!,
        databaseUsername: str("databaseUsername"),
        superuser: /^(1|t|true)$/i.test(superuser),
        // provider.go L333-342: the deprecated ssl_mode counts when sslmode is not set.
        sslmode: str("sslmode", "PGSSLMODE") ?? str("sslMode") ?? "",
        sslrootcert: str("sslrootcert"),
        connectTimeout: int("connectTimeout", "PGCONNECT_TIMEOUT", 180),
        maxConnections: int("maxConnections", undefined, 20),
        expectedVersion: version && expected !== DEFAULT_EXPECTED_VERSION ? [version[0], version[1]] : undefined,
    };
}

/** One way of connecting: `false` is a plain connection, an object the TLS options. */
export type TlsAttempt = false | ConnectionOptions;

/**
 * The connections to try, in order, for an sslmode (lib/pq ssl.go L64-133, conn.go L270-300):
 * - disable: plain; allow: plain, then TLS if the server refuses it;
 * - prefer: TLS, then plain if TLS cannot be had; require (and no sslmode, lib/pq's default):
 *   TLS without verification, unless a root certificate file is given, when it is verify-ca;
 * - verify-ca: TLS, the chain verified; verify-full: TLS, the chain and the host name verified.
 * The chain is verified against sslrootcert (the provider's, else PGSSLROOTCERT, else
 * ~/.postgresql/root.crt) alone, as libpq does; without one, against Node's trust store, which
 * holds NODE_EXTRA_CA_CERTS; "system" is Node's trust store and requires verify-full.
 */
export function tlsAttempts(config: Pick<PgConfig, "sslmode" | "sslrootcert">, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): TlsAttempt[] {
    const mode = (config.sslmode || "require") as SslMode;
    if (!(SSL_MODES as readonly string[]).includes(mode)) throw new Error(`sslmode ${JSON.stringify(config.sslmode)} is not supported; supported values are ${SSL_MODES.join(", ")}`);
    let rootcert = config.sslrootcert || env.PGSSLROOTCERT || undefined;
    const usesTls = mode !== "disable" && mode !== "allow";
    if (!rootcert && usesTls) {
        const dflt = path.join(home, ".postgresql", "root.crt");
        if (fs.existsSync(dflt)) rootcert = dflt;
    }
    if (rootcert === "system" && mode !== "verify-full") {
        throw new Error(`weak sslmode "${mode}" may not be used with sslrootcert=system (use "verify-full")`);
    }
    const ca = (required: boolean): ConnectionOptions => {
        if (!rootcert || rootcert === "system") return {};
        if (!fs.existsSync(rootcert)) {
            if (required) throw new Error(`sslrootcert ${rootcert} does not exist`);
            return {};
        }
        return { ca: fs.readFileSync(rootcert, "utf8") };
    };
    const verifyCa = (): ConnectionOptions => ({ ...ca(true), rejectUnauthorized: true, checkServerIdentity: () => undefined });
    const require = (): ConnectionOptions => {
        const c = ca(false);
        // With a root certificate at hand, require is verify-ca (libpq's rule, kept by lib/pq).
        return c.ca ? { ...c, rejectUnauthorized: true, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
    };
    switch (mode) {
        case "disable":
            return [false];
        case "allow":
            return [false, require()];
        case "prefer":
            return [require(), false];
        case "require":
            return [require()];
        case "verify-ca":
            return [verifyCa()];
        case "verify-full":
            return [{ ...ca(true), rejectUnauthorized: true }];
    }
}
