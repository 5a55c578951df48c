// Connections to the real PostgreSQL and the helpers upstream's resources share
// (postgresql/config.go and helpers.go of terraform-provider-postgresql at ff936b9548c1).
//
// Upstream keeps no idle connection (SetMaxIdleConns(0), config.go L312-316), so that a database
// it manages can be dropped; here every operation opens its own connection and closes it.
import { Client, ClientConfig } from "pg";
import { PgConfig, TlsAttempt, tlsAttempts } from "./config";

/** A PostgreSQL error as upstream's messages carry it: the server's words and its SQLSTATE. */
export function pgMessage(e: unknown): string {
    const err = e as { message?: string; code?: string; detail?: string; hint?: string };
    let m = err?.message ?? String(e);
    if (err?.detail) m += ` (${err.detail})`;
    if (err?.hint) m += ` hint: ${err.hint}`;
    if (typeof err?.code === "string" && /^[0-9A-Z]{5}$/.test(err.code)) m += ` [SQLSTATE ${err.code}]`;
    return m;
}

/** An error naming what was being done, with PostgreSQL's own message. */
export function fail(what: string, e: unknown): Error {
    return new Error(`${what}: ${pgMessage(e)}`);
}

/** pq.QuoteIdentifier. */
export function quoteIdent(name: string): string {
    const end = name.indexOf("\u0000");
    const n = end >= 0 ? name.slice(0, end) : name;
    return `"${n.replace(/"/g, '""')}"`;
}

/**
 * pqQuoteLiteral (helpers.go L51-55): the body of a '...' literal. It doubles backslashes too,
 * which under standard_conforming_strings keeps both: a password with a backslash reaches the
 * server with two. The real provider sends exactly this, so the stand-in does.
 */
export function quoteLiteralBody(v: string): string {
    return v.replace(/\\/g, "\\\\").replace(/'/g, "''");
}

export type Version = readonly [number, number];

/** Upstream's feature flags that the implemented resources consult (config.go L57-129). */
export const FEATURES = {
    createRoleWith: [8, 1],
    replication: [9, 1],
    privileges: [9, 0],
    pid: [9, 2],
    rls: [9, 5],
    dbAllowConnections: [9, 5],
    dbIsTemplate: [9, 5],
    forceDropDatabase: [13, 0],
} as const satisfies Record<string, Version>;

export type Feature = keyof typeof FEATURES;

const atLeast = (v: Version, min: Version) => v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);

/** A server to run statements on, as the configured admin. */
export class Pg {
    private fingerprint?: Promise<Version>;

    constructor(readonly config: PgConfig) {}

    /** getDatabaseUsername (config.go L276-281). */
    get currentUser(): string {
        return this.config.databaseUsername || this.config.username;
    }

    private settings(database: string, ssl: TlsAttempt): ClientConfig {
        const c = this.config;
        return {
            host: c.host,
            port: c.port,
            user: c.username,
            password: c.password,
            database,
            ssl,
            connectionTimeoutMillis: c.connectTimeout > 0 ? c.connectTimeout * 1000 : undefined,
            application_name: "Pulumi postgresql provider (local stand-in)",
        };
    }

    /** A new connection to `database` (the provider's own by default), trying the sslmode's ways in turn. */
    async connect(database: string = this.config.database): Promise<Client> {
        const attempts = tlsAttempts(this.config);
        let last: unknown;
        for (const [i, ssl] of attempts.entries()) {
            const client = new Client(this.settings(database, ssl));
            // A connection dropped by the server after use must not crash the plugin.
            client.on("error", () => undefined);
            try {
                await client.connect();
                return client;
            } catch (e) {
                last = e;
                await client.end().catch(() => undefined);
                const serverSaidNo = typeof (e as { code?: unknown }).code === "string" && /^[0-9A-Z]{5}$/.test((e as { code: string }).code);
                // prefer falls back when TLS could not be had, allow when the server refused the plain connection.
                const next = attempts[i + 1];
                if (next === undefined) break;
                if (next === false && serverSaidNo) break;
                if (next !== false && !serverSaidNo) break;
            }
        }
        const masked = this.config.password ? pgMessage(last).split(this.config.password).join("XXXX") : pgMessage(last);
        throw new Error(`error connecting to PostgreSQL server ${this.config.host} (scheme: postgres), database ${database}: ${masked}`);
    }

    /** Runs `fn` on a fresh connection, closed afterwards. */
    async with<T>(fn: (c: Client) => Promise<T>, database?: string): Promise<T> {
        const c = await this.connect(database);
        try {
            return await fn(c);
        } finally {
            await c.end().catch(() => undefined);
        }
    }

    /** Runs `fn` in a transaction (startTransaction + deferredRollback, helpers.go L390-405, L457-466). */
    async tx<T>(fn: (c: Client) => Promise<T>, database?: string): Promise<T> {
        return this.with(async (c) => {
            await c.query("BEGIN");
            try {
                const r = await fn(c);
                await c.query("COMMIT").catch((e) => {
                    throw fail("could not commit transaction", e);
                });
                return r;
            } catch (e) {
                await c.query("ROLLBACK").catch(() => undefined);
                throw e;
            }
        }, database);
    }

    /** The server's version: expected_version when set, else asked of the server once (fingerprintCapabilities). */
    version(): Promise<Version> {
        if (this.config.expectedVersion) return Promise.resolve(this.config.expectedVersion);
        this.fingerprint ??= this.with(async (c) => {
            const n = Number((await c.query("SHOW server_version_num")).rows[0].server_version_num);
            return [Math.floor(n / 10000), Math.floor(n / 10000) >= 10 ? 0 : Math.floor(n / 100) % 100] as const;
        }).catch((e) => {
            this.fingerprint = undefined;
            throw e;
        });
        return this.fingerprint;
    }

    async supports(f: Feature): Promise<boolean> {
        return atLeast(await this.version(), FEATURES[f]);
    }
}

type Q = Pick<Client, "query">;

/** isMemberOfRole (helpers.go L57-86): PG 16's set_option counts when the column exists. */
export async function isMemberOfRole(db: Q, role: string, member: string): Promise<boolean> {
    const setOption = (await db.query("SELECT 1 FROM information_schema.columns WHERE table_name='pg_auth_members' AND column_name = 'set_option'")).rowCount! > 0;
    const q = `SELECT 1 FROM pg_auth_members WHERE pg_get_userbyid(roleid) = $1 AND pg_get_userbyid(member) = $2${setOption ? " AND set_option" : ""}`;
    try {
        return (await db.query(q, [role, member])).rowCount! > 0;
    } catch (e) {
        throw fail("could not read role membership", e);
    }
}

/** grantRoleMembership (helpers.go L91-113): true when it granted. */
export async function grantRoleMembership(db: Q, role: string, member: string): Promise<boolean> {
    if (member === role || (await isMemberOfRole(db, role, member))) return false;
    try {
        await db.query(`GRANT ${quoteIdent(role)} TO ${quoteIdent(member)}`);
    } catch (e) {
        throw fail(`error granting role ${role} to ${member}`, e);
    }
    return true;
}

/** revokeRoleMembership (helpers.go L117-137): true when it revoked. */
export async function revokeRoleMembership(db: Q, role: string, member: string): Promise<boolean> {
    if (member === role || !(await isMemberOfRole(db, role, member))) return false;
    try {
        await db.query(`REVOKE ${quoteIdent(role)} FROM ${quoteIdent(member)}`);
    } catch (e) {
        throw fail(`error revoking role ${role} from ${member}`, e);
    }
    return true;
}

export async function isSuperuser(db: Q, role: string): Promise<boolean> {
    try {
        const r = await db.query("SELECT rolsuper FROM pg_roles WHERE rolname = $1", [role]);
        if (r.rowCount === 0) throw new Error(`role ${role} does not exist`);
        return r.rows[0].rolsuper === true;
    } catch (e) {
        throw fail(`could not check if role ${role} is superuser`, e);
    }
}

export async function roleExists(db: Q, role: string): Promise<boolean> {
    try {
        return (await db.query("SELECT 1 FROM pg_roles WHERE rolname=$1", [role])).rowCount! > 0;
    } catch (e) {
        throw fail("could not check if role exists", e);
    }
}

export async function dbExists(db: Q, name: string): Promise<boolean> {
    try {
        return (await db.query("SELECT datname FROM pg_database WHERE datname=$1", [name])).rowCount! > 0;
    } catch (e) {
        throw fail("could not check if database exists", e);
    }
}

/**
 * withRolesGranted (helpers.go L142-239): a non-superuser admin is made a member of `roles` for
 * the duration of `fn` (the reverse membership, which PostgreSQL forbids alongside, is lifted
 * meanwhile), in the caller's transaction.
 */
export async function withRolesGranted<T>(txn: Q, roles: readonly string[], fn: () => Promise<T>): Promise<T> {
    if (roles.length === 0) return fn();
    const currentUser = (await txn.query("SELECT CURRENT_USER AS u")).rows[0].u as string;
    if (await isSuperuser(txn, currentUser)) return fn();
    const granted: string[] = [];
    const revoked: string[] = [];
    for (const role of roles) {
        if (await isSuperuser(txn, role)) continue;
        if (await revokeRoleMembership(txn, currentUser, role)) revoked.push(role);
        if (await grantRoleMembership(txn, role, currentUser)) granted.push(role);
    }
    const r = await fn();
    for (const role of granted) await revokeRoleMembership(txn, role, currentUser);
    for (const role of revoked) if (await roleExists(txn, role)) await grantRoleMembership(txn, currentUser, role);
    return r;
}

/** pgLockRole (helpers.go L586-603): serialises changes to a role and its members. */
export async function lockRole(txn: Q, role: string): Promise<void> {
    try {
        await txn.query("SET statement_timeout = 0");
    } catch (e) {
        throw fail("could not disable statement_timeout", e);
    }
    try {
        await txn.query("SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_roles WHERE rolname = $1", [role]);
    } catch (e) {
        throw fail(`could not get advisory lock for role ${role}`, e);
    }
    try {
        await txn.query("SELECT pg_advisory_xact_lock(member::bigint) FROM pg_auth_members JOIN pg_roles ON roleid = pg_roles.oid WHERE rolname = $1", [role]);
    } catch (e) {
        throw fail(`could not get advisory lock for members of role ${role}`, e);
    }
}

/** pgLockDatabase (helpers.go L606-616). */
export async function lockDatabase(txn: Q, database: string): Promise<void> {
    try {
        await txn.query("SET statement_timeout = 0");
        await txn.query("SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_database WHERE datname = $1", [database]);
    } catch (e) {
        throw fail(`could not get advisory lock for database ${database}`, e);
    }
}
