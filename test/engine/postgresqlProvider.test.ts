// The postgresql stand-in as the engine meets it, on a real PostgreSQL that serves TLS and asks
// for passwords (SCRAM): the installed `pulumi-resource-postgresql` script started as a process,
// its port read from stdout, every RPC made over gRPC with Pulumi's stubs. The admin is not a
// superuser (CREATEDB, CREATEROLE), as on a managed server; what the stand-in did is checked
// with the server's own catalogs and by logging in.
import { execFile } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPostgresqlStandIn, installRandomStandIn, npmSdkVersion } from "../../engine/standIn";
import { ensureToolchain } from "../../engine/toolchain";
import { isSecret, reveal, secret } from "../../engine/values";
import { RunningPostgres, startPostgres } from "../../servers/postgres";
import { PluginProcess } from "../support/providerHost";

type Props = Record<string, any>;

const T = {
    role: "postgresql:index/role:Role",
    database: "postgresql:index/database:Database",
    grant: "postgresql:index/grant:Grant",
    grantRole: "postgresql:index/grantRole:GrantRole",
};
const urn = (type: string, name: string) => `urn:pulumi:dev::synter-infra::synter:postgres:AuthDatabase$${type}::${name}`;

const ADMIN = "synter_admin";
const ADMIN_PASSWORD = `adm-${Math.random().toString(36).slice(2, 10)}`;
const DB = "synter_auth";
const APP = "synter_app_user";
const GROUP = "synter_app";

const CONFIG_URN = "urn:pulumi:dev::synter-infra::synter:postgres:AuthDatabase$pulumi:providers:postgresql::auth-admin";

/** Installs the plugin in a fresh directory and starts it as the engine does, with `env` over a PG*-free environment. */
function startPlugin(env: Record<string, string> = {}): Promise<PluginProcess> {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^PG|^NODE_EXTRA_CA_CERTS$/.test(k)));
    return PluginProcess.install("postgresql", installPostgresqlStandIn, { ...base, ...env });
}

/** Check then Create, as the engine does for a new resource. */
async function checkAndCreate(p: PluginProcess, type: string, name: string, news: Props): Promise<{ id: string; outs: Props; inputs: Props }> {
    const u = urn(type, name);
    const { inputs, failures } = await p.check(u, {}, news);
    expect(failures, `${type} ${name}`).toEqual([]);
    const created = await p.create(u, inputs);
    return { ...created, inputs };
}

let server: RunningPostgres;
let superuser: Client;
let trusted: PluginProcess;

/** The provider configuration as components/authDatabase.ts sets it, through the SDK (non-strings JSON-encoded, the password secret). */
const providerArgs = (over: Props = {}): Props => ({
    host: server.host,
    port: String(server.port),
    username: ADMIN,
    password: secret(ADMIN_PASSWORD),
    sslmode: "verify-full",
    superuser: "false",
    database: "postgres",
    connectTimeout: "180",
    version: npmSdkVersion("postgresql"),
    ...over,
});

/** A login as `user` over TLS (the server's certificate not verified): the result of a query, or the server's refusal. */
async function loginAs(user: string, password: string, database: string, sql = "SELECT current_user AS u"): Promise<Props[]> {
    const c = new Client({ host: server.host, port: server.port, user, password, database, ssl: { rejectUnauthorized: false } });
    c.on("error", () => undefined);
    await c.connect();
    try {
        return (await c.query(sql)).rows;
    } finally {
        await c.end();
    }
}

const q = async (sql: string, params: unknown[] = []) => (await superuser.query(sql, params)).rows;

/**
 * The server under 127.0.0.2, an address its certificate does not name, through a relay that
 * keeps the first bytes each client sent.
 */
async function relay(): Promise<{ host: string; port: string; sent: Buffer[]; close(): void }> {
    const sent: Buffer[] = [];
    const relay = net.createServer((inbound) => {
        const i = sent.push(Buffer.alloc(0)) - 1;
        const outbound = net.connect(server.port, server.host);
        inbound.on("data", (d: Buffer) => {
            if (sent[i].length < 64) sent[i] = Buffer.concat([sent[i], d]);
        });
        inbound.pipe(outbound).pipe(inbound);
        inbound.on("error", () => outbound.destroy());
        outbound.on("error", () => inbound.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.2", resolve));
    return { host: "127.0.0.2", port: String((relay.address() as net.AddressInfo).port), sent, close: () => relay.close() };
}

/** What a client's first bytes say: PostgreSQL's SSLRequest then a TLS record, or a plaintext StartupMessage. */
function opening(b: Buffer): "tls" | "plain" | "other" {
    if (b.length >= 9 && b.readInt32BE(0) === 8 && b.readInt32BE(4) === 80877103 && b[8] === 0x16) return "tls";
    if (b.length >= 8 && b.readInt32BE(4) === 196608) return "plain";
    return "other";
}

beforeAll(async () => {
    const postgresPassword = `su-${Math.random().toString(36).slice(2, 10)}`;
    server = await startPostgres({ tls: true, password: postgresPassword });
    superuser = new Client({ host: server.host, port: server.port, user: "postgres", password: postgresPassword, database: "postgres", ssl: { rejectUnauthorized: false } });
    await superuser.connect();
    // A managed server's admin: may create databases and roles, is no superuser.
    await superuser.query(`CREATE ROLE ${ADMIN} LOGIN CREATEDB CREATEROLE PASSWORD '${ADMIN_PASSWORD}'`);
    trusted = await startPlugin({ NODE_EXTRA_CA_CERTS: server.caFile! });
    await trusted.configure((await trusted.checkConfig(CONFIG_URN, providerArgs())).inputs);
});

afterAll(async () => {
    await trusted?.stop();
    await superuser?.end().catch(() => undefined);
    server?.stop();
});

describe("the pulumi-resource-postgresql plugin process", () => {
    it("reports the version of the installed @pulumi/postgresql SDK", async () => {
        expect(await trusted.version()).toBe(npmSdkVersion("postgresql"));
        expect(npmSdkVersion("postgresql")).toBe(require("@pulumi/postgresql/package.json").version);
    });

    it("checks the provider's configuration as the SDK sends it, refusing what it has nothing behind", async () => {
        expect(await trusted.checkConfig(CONFIG_URN, providerArgs())).toEqual({ inputs: providerArgs(), failures: [] });
        const bad = await trusted.checkConfig(CONFIG_URN, providerArgs({ sslmode: "verify", awsRdsIamAuth: "true" }));
        expect(bad.failures).toEqual([
            { property: "awsRdsIamAuth", reason: "awsRdsIamAuth is not implemented by the local postgresql stand-in: it connects with a user name and password only" },
            { property: "sslmode", reason: 'sslmode "verify" is not supported; supported values are disable, allow, prefer, require, verify-ca, verify-full' },
        ]);
        expect(await trusted.configure(providerArgs())).toEqual({ acceptSecrets: true, supportsPreview: false });
    });
});

describe("TLS by sslmode", () => {
    const probe = (p: PluginProcess, name: string) => checkAndCreate(p, T.role, name, { name });

    it("verify-full trusts NODE_EXTRA_CA_CERTS of the plugin's environment and checks the host name; verify-ca does not", async () => {
        const r = await probe(trusted, "probe_extra_ca");
        expect(r.id).toBe("probe_extra_ca");
        await trusted.delete(r.id, urn(T.role, "probe"), r.outs);
        const elsewhere = await relay();
        const other = await startPlugin({ NODE_EXTRA_CA_CERTS: server.caFile! });
        try {
            const at = { host: elsewhere.host, port: elsewhere.port };
            await other.configure(providerArgs(at));
            await expect(probe(other, "probe_wrong_host")).rejects.toThrow(/error connecting to PostgreSQL server 127\.0\.0\.2 .*IP: 127\.0\.0\.2 is not in the cert's list/);
            await other.configure(providerArgs({ ...at, sslmode: "verify-ca" }));
            await other.delete("probe_verify_ca", urn(T.role, "p"), (await probe(other, "probe_verify_ca")).outs);
        } finally {
            await other.stop();
            elsewhere.close();
        }
    });

    it("encrypts for require and prefer, and not for disable and allow, as seen on the wire", async () => {
        const wire = await relay();
        const p = await startPlugin();
        try {
            for (const [sslmode, expected] of [["require", "tls"], ["prefer", "tls"], ["disable", "plain"], ["allow", "plain"]] as const) {
                wire.sent.length = 0;
                await p.configure(providerArgs({ host: wire.host, port: wire.port, sslmode }));
                const name = `probe_${sslmode}`;
                await p.delete(name, urn(T.role, "p"), (await probe(p, name)).outs);
                expect(wire.sent.length, sslmode).toBeGreaterThan(0);
                expect(wire.sent.map(opening), sslmode).toEqual(wire.sent.map(() => expected));
                const clear = Buffer.concat(wire.sent).includes(Buffer.from(`user\u0000${ADMIN}`));
                expect(clear, sslmode).toBe(expected === "plain");
            }
        } finally {
            await p.stop();
            wire.close();
        }
    });

    it("verify-full trusts PGSSLROOTCERT or sslrootcert, and nothing else; require does not verify", async () => {
        const bare = await startPlugin();
        const rootcert = await startPlugin({ PGSSLROOTCERT: server.caFile! });
        try {
            await bare.configure(providerArgs());
            await expect(probe(bare, "probe_untrusted")).rejects.toThrow(/error connecting to PostgreSQL server 127\.0\.0\.1 \(scheme: postgres\), database postgres: self-signed certificate in certificate chain/);
            await bare.configure(providerArgs({ sslrootcert: server.caFile }));
            await bare.delete("probe_rootcert", urn(T.role, "p"), (await probe(bare, "probe_rootcert")).outs);
            await bare.configure(providerArgs({ sslmode: "require" }));
            await bare.delete("probe_require", urn(T.role, "p"), (await probe(bare, "probe_require")).outs);
            await rootcert.configure(providerArgs());
            await rootcert.delete("probe_pgsslrootcert", urn(T.role, "p"), (await probe(rootcert, "probe_pgsslrootcert")).outs);
            await rootcert.configure(providerArgs({ password: secret("wrong") }));
            await expect(probe(rootcert, "probe_wrong_password")).rejects.toThrow(`error connecting to PostgreSQL server 127.0.0.1 (scheme: postgres), database postgres: password authentication failed for user "${ADMIN}"`);
        } finally {
            await bare.stop();
            await rootcert.stop();
        }
        expect(await q("SELECT rolname FROM pg_roles WHERE rolname LIKE 'probe%'")).toEqual([]);
    });
});

describe("the auth database's resources through gRPC, against the server", () => {
    const u = {
        database: urn(T.database, "auth-database"),
        role: urn(T.role, "auth-app-role"),
        revoke: urn(T.grant, "auth-revoke-public"),
        membership: urn(T.grantRole, "auth-app-membership"),
    };
    const password = "Zq7x0Rk2mT9vB4nL8pW1sY6cD3fH5jGa";
    const roleArgs = { name: APP, login: true, password: secret(password), superuser: false, createDatabase: false, createRole: false, replication: false, bypassRowLevelSecurity: false, connectionLimit: 50 };
    const databaseArgs = { name: DB, owner: ADMIN, encoding: "UTF8", template: "template0", lcCollate: "C.UTF-8", lcCtype: "C.UTF-8", allowConnections: true };
    const revokeArgs = { database: DB, role: "public", objectType: "database", privileges: [] };
    const membershipArgs = { role: APP, grantRole: GROUP, withAdminOption: false };
    const made: Record<string, { id: string; outs: Props; inputs: Props }> = {};

    /** Diff of the state against the same program inputs checked again, as a second preview plans. */
    const secondPreview = async (key: keyof typeof u, args: Props) => {
        const { inputs } = await trusted.check(u[key], made[key].inputs, args);
        return trusted.diff(made[key].id, u[key], made[key].outs, inputs);
    };
    const NOTHING = { changes: "none", replaces: [], deleteBeforeReplace: false };

    it("creates the database: owner, encoding, template0, C.UTF-8 collation and ctype", async () => {
        made.database = await checkAndCreate(trusted, T.database, "auth-database", databaseArgs);
        expect(made.database.id).toBe(DB);
        expect(await q("SELECT pg_get_userbyid(datdba) AS owner, pg_encoding_to_char(encoding) AS enc, datcollate, datctype, datallowconn, datconnlimit FROM pg_database WHERE datname = $1", [DB])).toEqual([
            { owner: ADMIN, enc: "UTF8", datcollate: "C.UTF-8", datctype: "C.UTF-8", datallowconn: true, datconnlimit: -1 },
        ]);
        expect(made.database.outs).toEqual({ ...databaseArgs, tablespaceName: "pg_default", connectionLimit: -1, alterObjectOwnership: false, isTemplate: false });
        expect(await secondPreview("database", databaseArgs)).toEqual(NOTHING);
    });

    it("creates the login role with its password, which logs in", async () => {
        made.role = await checkAndCreate(trusted, T.role, "auth-app-role", roleArgs);
        expect(made.role.id).toBe(APP);
        expect(isSecret(made.role.outs.password)).toBe(true);
        expect(reveal(made.role.outs.password)).toBe(password);
        expect(await q("SELECT rolcanlogin, rolconnlimit, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit FROM pg_roles WHERE rolname = $1", [APP])).toEqual([
            { rolcanlogin: true, rolconnlimit: 50, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolinherit: true },
        ]);
        expect(await loginAs(APP, password, DB)).toEqual([{ u: APP }]);
        await expect(loginAs(APP, "not-it", DB)).rejects.toThrow(`password authentication failed for user "${APP}"`);
        expect(await secondPreview("role", roleArgs)).toEqual(NOTHING);
    });

    it("revokes PUBLIC's privileges on the database: only the owner and granted roles connect", async () => {
        expect(await q("SELECT has_database_privilege('public', $1, 'CONNECT') AS c", [DB])).toEqual([{ c: true }]);
        made.revoke = await checkAndCreate(trusted, T.grant, "auth-revoke-public", revokeArgs);
        expect(made.revoke.id).toBe(`public_${DB}_database`);
        expect(made.revoke.outs).toEqual({ ...revokeArgs, withGrantOption: false });
        expect(await q("SELECT has_database_privilege('public', $1, 'CONNECT') AS c, has_database_privilege('public', $1, 'TEMPORARY') AS t", [DB])).toEqual([{ c: false, t: false }]);
        await expect(loginAs(APP, password, DB)).rejects.toThrow(`permission denied for database "${DB}"`);
        expect(await loginAs(ADMIN, ADMIN_PASSWORD, DB)).toEqual([{ u: ADMIN }]);
        expect(await secondPreview("revoke", revokeArgs)).toEqual(NOTHING);
    });

    it("grants the group role's membership, through which the application connects again", async () => {
        // What migration 004 does: the group role, and CONNECT for it.
        await superuser.query(`CREATE ROLE ${GROUP} NOLOGIN`);
        await superuser.query(`GRANT CONNECT ON DATABASE ${DB} TO ${GROUP}`);
        made.membership = await checkAndCreate(trusted, T.grantRole, "auth-app-membership", membershipArgs);
        expect(made.membership.id).toBe(`${APP}_${GROUP}_false`);
        expect(await q("SELECT pg_get_userbyid(roleid) AS r, admin_option FROM pg_auth_members WHERE member = $1::regrole", [APP])).toEqual([{ r: GROUP, admin_option: false }]);
        expect(await loginAs(APP, password, DB, "SELECT current_user AS u, current_database() AS d")).toEqual([{ u: APP, d: DB }]);
        expect(await secondPreview("membership", membershipArgs)).toEqual(NOTHING);
    });

    it("reads each back as it is", async () => {
        for (const key of ["database", "role", "revoke", "membership"] as const) {
            const r = await trusted.read(made[key].id, u[key], made[key].outs);
            expect(r.id, key).toBe(made[key].id);
            // The role's memberships now include the one the GrantRole made.
            expect(r.props, key).toEqual(key === "role" ? { ...made.role.outs, roles: [GROUP] } : made[key].outs);
        }
        // Read by name alone, as an import: what the server has.
        const imported = await trusted.read(DB, u.database);
        expect(imported.props).toEqual(made.database.outs);
        expect(imported.inputs).toMatchObject({ name: DB, owner: ADMIN, lcCollate: "C.UTF-8", template: "template0" });
        await expect(trusted.read(`public_${DB}_database`, u.revoke)).rejects.toThrow("has no importer");
    });

    it("sees the membership in the role's `roles`, so the role plans an update upstream's docs tell to ignore", async () => {
        const r = await trusted.read(APP, u.role, made.role.outs);
        expect(r.props.roles).toEqual([GROUP]);
        const { inputs } = await trusted.check(u.role, made.role.inputs, roleArgs);
        expect(await trusted.diff(APP, u.role, r.props, inputs)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
    });

    it("finds drift of PUBLIC's privileges and revokes them again in place", async () => {
        await superuser.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${DB} TO PUBLIC`);
        const drifted = await trusted.read(made.revoke.id, u.revoke, made.revoke.outs);
        expect(drifted.props.privileges).toEqual(["CONNECT", "TEMPORARY"]);
        const { inputs } = await trusted.check(u.revoke, made.revoke.inputs, revokeArgs);
        expect(await trusted.diff(made.revoke.id, u.revoke, drifted.props, inputs)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        expect((await trusted.update(made.revoke.id, u.revoke, drifted.props, inputs)).privileges).toEqual([]);
        expect(await q("SELECT has_database_privilege('public', $1, 'CONNECT') AS c", [DB])).toEqual([{ c: false }]);
    });

    it("updates a grant's privileges in place, and replaces it (deleting first) on a new grantee", async () => {
        await superuser.query("CREATE ROLE report_reader LOGIN PASSWORD 'rr'");
        const args = { database: DB, role: "report_reader", objectType: "database", privileges: ["CONNECT"] };
        const g = await checkAndCreate(trusted, T.grant, "reader", args);
        expect(await q("SELECT has_database_privilege('report_reader', $1, 'CONNECT') AS c, has_database_privilege('report_reader', $1, 'TEMPORARY') AS t", [DB])).toEqual([{ c: true, t: false }]);
        const more = (await trusted.check(urn(T.grant, "reader"), g.inputs, { ...args, privileges: ["CONNECT", "TEMPORARY"] })).inputs;
        expect(await trusted.diff(g.id, urn(T.grant, "reader"), g.outs, more)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const updated = await trusted.update(g.id, urn(T.grant, "reader"), g.outs, more);
        expect([...(updated.privileges as string[])].sort()).toEqual(["CONNECT", "TEMPORARY"]);
        expect(await q("SELECT has_database_privilege('report_reader', $1, 'TEMPORARY') AS t", [DB])).toEqual([{ t: true }]);
        expect(await trusted.diff(g.id, urn(T.grant, "reader"), updated, { ...more, role: GROUP })).toEqual({ changes: "some", replaces: ["role"], deleteBeforeReplace: true });
        await trusted.delete(g.id, urn(T.grant, "reader"), updated);
        expect(await q("SELECT has_database_privilege('report_reader', $1, 'CONNECT') AS c", [DB])).toEqual([{ c: false }]);
    });

    it("updates the role in place (new password, lower limit), which revokes the GrantRole's membership as upstream does", async () => {
        const rotated = "Nw2pQ8rT5yU1iO7aS3dF6gH9jK0lZxCv";
        const { inputs } = await trusted.check(u.role, made.role.inputs, { ...roleArgs, password: secret(rotated), connectionLimit: 10 });
        expect(await trusted.diff(APP, u.role, made.role.outs, inputs)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const outs = await trusted.update(APP, u.role, made.role.outs, inputs);
        expect(outs).toMatchObject({ name: APP, connectionLimit: 10, roles: [] });
        expect(reveal(outs.password)).toBe(rotated);
        expect(isSecret(outs.password)).toBe(true);
        expect(await q("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", [APP])).toEqual([{ rolconnlimit: 10 }]);
        expect(await loginAs(APP, rotated, "postgres")).toEqual([{ u: APP }]);
        await expect(loginAs(APP, password, "postgres")).rejects.toThrow("password authentication failed");
        // resource_postgresql_role.go's Update revokes every membership and grants `roles` (none here).
        expect(await trusted.read(made.membership.id, u.membership, made.membership.outs)).toEqual({ id: "", props: {}, inputs: undefined });
        await expect(loginAs(APP, rotated, DB)).rejects.toThrow(`permission denied for database "${DB}"`);
        made.role = { ...made.role, outs, inputs };
        made.membership = await checkAndCreate(trusted, T.grantRole, "auth-app-membership", membershipArgs);
        expect(await loginAs(APP, rotated, DB, "SELECT current_database() AS d")).toEqual([{ d: DB }]);
    });

    it("updates the database in place, renames it, and plans a replacement for a new collation", async () => {
        const { inputs } = await trusted.check(u.database, made.database.inputs, { ...databaseArgs, connectionLimit: 20 });
        expect(await trusted.diff(DB, u.database, made.database.outs, inputs)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const outs = await trusted.update(DB, u.database, made.database.outs, inputs);
        expect(outs.connectionLimit).toBe(20);
        expect(await q("SELECT datconnlimit FROM pg_database WHERE datname = $1", [DB])).toEqual([{ datconnlimit: 20 }]);
        const recollated = (await trusted.check(u.database, inputs, { ...databaseArgs, lcCollate: "POSIX" })).inputs;
        expect(await trusted.diff(DB, u.database, outs, recollated)).toEqual({ changes: "some", replaces: ["lcCollate"], deleteBeforeReplace: false });
        // A throwaway database renamed in place (ALTER DATABASE ... RENAME TO).
        const scratch = await checkAndCreate(trusted, T.database, "scratch", { name: "scratch_a" });
        const renamed = await trusted.update("scratch_a", urn(T.database, "scratch"), scratch.outs, { ...scratch.inputs, name: "scratch_b" });
        expect(renamed.name).toBe("scratch_b");
        expect(await q("SELECT datname FROM pg_database WHERE datname LIKE 'scratch%'")).toEqual([{ datname: "scratch_b" }]);
        await trusted.delete("scratch_b", urn(T.database, "scratch"), renamed);
        expect(await q("SELECT datname FROM pg_database WHERE datname LIKE 'scratch%'")).toEqual([]);
    });

    it("reports PostgreSQL's own error, naming the object", async () => {
        await expect(checkAndCreate(trusted, T.role, "dup", { name: APP })).rejects.toThrow(`error creating role ${APP}: role "${APP}" already exists [SQLSTATE 42710]`);
        await expect(checkAndCreate(trusted, T.grant, "nodb", { ...revokeArgs, database: "no_such_db" })).rejects.toThrow(
            'error connecting to PostgreSQL server 127.0.0.1 (scheme: postgres), database no_such_db: database "no_such_db" does not exist',
        );
        await expect(checkAndCreate(trusted, T.grantRole, "norole", { role: APP, grantRole: "no_such_role" })).rejects.toThrow(
            `could not execute revoke query of role no_such_role from ${APP}: role "no_such_role" does not exist [SQLSTATE 42704]`,
        );
        const refused = await trusted.check(urn(T.grant, "t"), {}, { ...revokeArgs, objectType: "table", schema: "auth" });
        expect(refused.failures.map((f) => f.property)).toEqual(["schema"]);
        expect((await trusted.check(urn(T.grant, "t"), {}, { ...revokeArgs, objectType: "table" })).failures).toEqual([
            { property: "objectType", reason: "object type table is not implemented by the local postgresql stand-in for postgresql:index/grant:Grant; it grants on database only" },
        ]);
        await expect(trusted.check(urn("postgresql:index/schema:Schema", "s"), {}, { name: "auth" })).rejects.toThrow(
            "resource type postgresql:index/schema:Schema is not implemented by the local postgresql stand-in",
        );
    });

    it("deletes each: the membership, the grant, the role (its objects reassigned), the database", async () => {
        await trusted.delete(made.membership.id, u.membership, made.membership.outs);
        expect(await q("SELECT 1 FROM pg_auth_members WHERE member = $1::regrole", [APP])).toEqual([]);
        await trusted.delete(made.revoke.id, u.revoke, made.revoke.outs);
        expect(await q("SELECT has_database_privilege('public', $1, 'CONNECT') AS c", [DB])).toEqual([{ c: false }]);
        // What the role owns in the provider's database goes to the admin (REASSIGN OWNED), what
        // it was granted there is revoked (DROP OWNED): both by the admin, who granted it.
        await superuser.query(`CREATE SCHEMA app_scratch AUTHORIZATION ${ADMIN}`);
        await loginAs(ADMIN, ADMIN_PASSWORD, "postgres", `GRANT USAGE, CREATE ON SCHEMA app_scratch TO ${APP}`);
        await loginAs(APP, reveal(made.role.outs.password), "postgres", "CREATE TABLE app_scratch.app_owned (id int)");
        await trusted.delete(APP, u.role, made.role.outs);
        expect(await q("SELECT 1 FROM pg_roles WHERE rolname = $1", [APP])).toEqual([]);
        expect(await q("SELECT tableowner FROM pg_tables WHERE tablename = 'app_owned'")).toEqual([{ tableowner: ADMIN }]);
        expect(await trusted.read(APP, u.role, made.role.outs)).toEqual({ id: "", props: {}, inputs: undefined });
        const open = new Client({ host: server.host, port: server.port, user: ADMIN, password: ADMIN_PASSWORD, database: DB, ssl: { rejectUnauthorized: false } });
        open.on("error", () => undefined);
        await open.connect();
        await trusted.delete(DB, u.database, made.database.outs);
        expect(await q("SELECT 1 FROM pg_database WHERE datname = $1", [DB])).toEqual([]);
        await open.end().catch(() => undefined);
    });
});

describe("through the real engine", () => {
    // A program of the auth database's kinds, run by the Pulumi CLI of the toolchain with both
    // stand-ins on PATH (the toolchain cannot build the real providers here).
    const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const random = require("@pulumi/random");
const postgresql = require("@pulumi/postgresql");
const cfg = new pulumi.Config();
const admin = new postgresql.Provider("admin", {
    host: cfg.require("host"), port: cfg.requireNumber("port"), username: "${ADMIN}", password: cfg.requireSecret("adminPassword"),
    sslmode: "verify-full", superuser: false, database: "postgres",
});
const pg = { provider: admin };
const password = new random.RandomPassword("engine-password", { length: 32, special: false });
const db = new postgresql.Database("engine-db", { name: "engine_db", owner: "${ADMIN}", encoding: "UTF8", template: "template0", lcCollate: "C.UTF-8", lcCtype: "C.UTF-8", allowConnections: true }, pg);
const role = new postgresql.Role("engine-role", { name: "engine_user", login: true, password: password.result, superuser: false, createDatabase: false, createRole: false, replication: false, bypassRowLevelSecurity: false, connectionLimit: 50 }, { ...pg, additionalSecretOutputs: ["password"] });
new postgresql.Grant("engine-revoke-public", { database: db.name, role: "public", objectType: "database", privileges: [] }, pg);
new postgresql.GrantRole("engine-membership", { role: role.name, grantRole: "engine_group", withAdminOption: false }, pg);
exports.password = password.result;
`;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let pulumi: string;

    const run = (...args: string[]): Promise<{ code: number; out: string }> =>
        new Promise((resolve) =>
            execFile(pulumi, [...args, "--stack", "dev", "--non-interactive"], { cwd: path.join(dir, "project"), env, maxBuffer: 64 << 20, timeout: 600_000 }, (e, stdout, stderr) =>
                resolve({ code: e ? Number((e as { code?: unknown }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
            ),
        );
    const must = async (...args: string[]) => {
        const r = await run(...args);
        expect(r.code, `pulumi ${args.join(" ")}:\n${r.out}`).toBe(0);
        return r.out;
    };

    beforeAll(async () => {
        const tc = await ensureToolchain();
        pulumi = tc.pulumi;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "standins-engine-"));
        const plugins = path.join(dir, "plugins");
        if (!tc.providers.random) installRandomStandIn(plugins);
        if (!tc.providers.postgresql) installPostgresqlStandIn(plugins);
        const project = path.join(dir, "project");
        fs.mkdirSync(project);
        fs.mkdirSync(path.join(dir, "backend"));
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: standins\nruntime: nodejs\nmain: index.js\n");
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "standins", version: "0.0.0", main: "index.js" }));
        fs.writeFileSync(path.join(project, "index.js"), PROGRAM);
        fs.symlinkSync(path.resolve(__dirname, "..", "..", "node_modules"), path.join(project, "node_modules"));
        env = tc.env({ PULUMI_BACKEND_URL: `file://${path.join(dir, "backend")}`, PULUMI_CONFIG_PASSPHRASE: "standins", NODE_EXTRA_CA_CERTS: server.caFile!, PGSSLROOTCERT: server.caFile! });
        env.PATH = [plugins, env.PATH ?? ""].join(path.delimiter);
        await superuser.query("CREATE ROLE engine_group NOLOGIN");
        await must("stack", "init");
        await must("config", "set", "host", server.host);
        await must("config", "set", "port", String(server.port));
        await must("config", "set", "--secret", "adminPassword", ADMIN_PASSWORD);
    });

    afterAll(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("previews, creates, and plans nothing the second time", async () => {
        expect(await must("preview")).toMatch(/\+ 7 to create/);
        expect(await must("up", "--yes")).toMatch(/\+ 7 created/);
        const password = JSON.parse(await must("stack", "output", "--json", "--show-secrets")).password;
        expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(await loginAs("engine_user", password, "postgres")).toEqual([{ u: "engine_user" }]);
        expect(await q("SELECT has_database_privilege('public', 'engine_db', 'CONNECT') AS c, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'engine_db'")).toEqual([{ c: false, owner: ADMIN }]);
        expect(await q("SELECT 1 AS m FROM pg_auth_members WHERE member = 'engine_user'::regrole AND roleid = 'engine_group'::regrole")).toEqual([{ m: 1 }]);
        const state = JSON.parse(await must("stack", "export"));
        const ids = Object.fromEntries(state.deployment.resources.filter((r: any) => r.id).map((r: any) => [r.urn.split("::").pop(), r.id]));
        expect(ids).toMatchObject({ "engine-password": "none", "engine-db": "engine_db", "engine-role": "engine_user", "engine-revoke-public": "public_engine_db_database", "engine-membership": "engine_user_engine_group_false" });
        await must("preview", "--expect-no-changes", "--diff");
    });

    it("after a refresh, plans the role's update over `roles` that upstream's docs say to ignore", async () => {
        await must("refresh", "--yes");
        const r = await run("preview", "--expect-no-changes", "--diff");
        expect(r.code).not.toBe(0);
        expect(r.out).toMatch(/~ postgresql:index\/role:Role: \(update\)[\s\S]*- roles\s*: \[[\s\S]*"engine_group"/);
    });

    it("destroys everything", async () => {
        await must("destroy", "--yes");
        expect(await q("SELECT rolname FROM pg_roles WHERE rolname = 'engine_user' UNION ALL SELECT datname FROM pg_database WHERE datname = 'engine_db'")).toEqual([]);
    });
});
